"""Best-effort resolution of Google News article links to the publisher's own URL.

Google News feeds link every item to ``https://news.google.com/rss/articles/<ID>``, a redirect
page, instead of the article. A briefing should cite the publisher, so this module turns such a
link back into the publisher's URL when it can:

- old IDs carry the URL itself (a small protobuf message, base64-encoded): decoded offline,
  without any request;
- new IDs (``AU_yqL…`` inside) are opaque; Google's own page resolves them with two requests
  (the article page for a signature and timestamp, then a ``batchexecute`` call), which we make
  too, as the googlenewsdecoder package does, but through ``briefing.fetch`` so that each
  request has a hard deadline (DNS included), a redirect limit and a byte cap.

Politeness first: network resolutions are few per run (``budget``), spaced out (``gap``), and
stop for the rest of the run at the first sign that Google wants us gone (HTTP 429/503) or
cannot be reached, so a run never hammers Google nor waits on it. It is best effort: the caller
gets the publisher's URL or ``None`` (keep the Google link then), never an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from lxml import etree
from lxml import html as lxml_html

from ..urls import GOOGLE_NEWS_HOST, host_of, strip_tracking
from .fetch import FetchError, Limits, fetch_url

# A Google page and a short JSON answer: a few hundred KiB. Ten seconds per request is plenty,
# and a Google that takes longer is treated as unreachable for the rest of the run.
LIMITS = Limits(connect_timeout=5.0, read_timeout=10.0, deadline=10.0, max_bytes=2 * 1024 * 1024)

# Paths of a Google News article link, as segments, ID last.
_ARTICLE_PATHS = (("rss", "articles"), ("__i", "rss", "rd", "articles"), ("articles",), ("read",))
_ID = re.compile(r"[A-Za-z0-9_-]+")  # URL-safe base64, padding stripped
_MAX_ID = 4096  # real IDs are a few hundred characters; anything far longer is not one

# Old IDs: protobuf field 1 = 19 (b"\x08\x13"), then field 4, length-delimited (b"\x22").
_PREFIX = b"\x08\x13\x22"
# New IDs put this opaque token where old ones put the URL.
_NEW_FORMAT = b"AU_yqL"
_MAX_URL = 8192

# The request context Google's own page sends with "garturlreq", as googlenewsdecoder has it
# (0.1.7, new_decoderv2.py); kept byte for byte since Google parses it positionally.
_GARTURLREQ_CONTEXT = (
    '["X","X",["X","X"],null,null,1,1,"US:en",null,1,null,null,null,null,null,0,1],'
    '"X","X",1,[1,1,1],1,1,null,0,0,null,0'
)
_PAGE_HEADERS = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
_POST_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
    "Accept": "*/*",
}


def is_google_news(url: str) -> bool:
    """Whether ``url`` points at news.google.com (any page there, not only articles)."""
    return host_of(url) == GOOGLE_NEWS_HOST


def article_id(url: str) -> str | None:
    """The ID of a Google News article link (``/rss/articles/<ID>``, ``/__i/rss/rd/articles/
    <ID>``, ``/articles/<ID>`` or ``/read/<ID>`` on news.google.com), else None."""
    if not is_google_news(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    segments = tuple(s for s in parts.path.split("/") if s)
    if not segments:
        return None
    head, candidate = segments[:-1], segments[-1]
    if head not in _ARTICLE_PATHS:
        return None
    if len(candidate) > _MAX_ID or not _ID.fullmatch(candidate):
        return None
    return candidate


def _id_bytes(ident: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(ident + "=" * (-len(ident) % 4))
    except (binascii.Error, ValueError):  # a length no base64 text can have
        return None


def _varint(data: bytes, at: int) -> tuple[int, int] | None:
    """The protobuf varint at ``data[at:]`` and the offset after it; None if it is cut short."""
    value = 0
    for shift in range(0, 35, 7):  # five bytes: far past any URL length
        if at >= len(data):
            return None
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
    return None


def _payload(ident: str) -> bytes | None:
    """The length-delimited payload of an old-style ID (the URL, or ``AU_yqL…`` in new IDs),
    None when the ID is not that message."""
    data = _id_bytes(ident)
    if data is None or not data.startswith(_PREFIX):
        return None
    read = _varint(data, len(_PREFIX))
    if read is None:
        return None
    length, start = read
    if start + length > len(data):  # truncated: the rest of the URL is missing
        return None
    return data[start : start + length]


def _web_url(text: str) -> str | None:
    """``text`` if it is an absolute http(s) URL with a host other than Google News: the only
    kind of link a briefing may cite (never ``javascript:``, never Google's redirect again)."""
    if not text or len(text) > _MAX_URL:
        return None
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = host_of(text)
    if not host or host == GOOGLE_NEWS_HOST:
        return None
    return text


def decode_offline(url: str) -> str | None:
    """The publisher URL inside an old-format Google News article link, as encoded there;
    None when the link has no such URL (new format, not Google News, garbage)."""
    ident = article_id(url)
    if ident is None:
        return None
    payload = _payload(ident)
    if payload is None or payload.startswith(_NEW_FORMAT):
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _web_url(text)


def _needs_network(ident: str) -> bool:
    """Whether only Google can resolve ``ident``: new IDs, and IDs of a shape we do not know.
    An old ID whose URL is broken or not a web link is final: asking Google would not help."""
    if _id_bytes(ident) is None:
        return False
    payload = _payload(ident)
    return payload is None or payload.startswith(_NEW_FORMAT)


class _Unresolved(Exception):
    """Google answered, but not in the shape we know: this link stays unresolved."""


@dataclass
class Resolver:
    """Resolves Google News links for one run; keeps the counters for its report.

    One per run, used from one thread: the pacing and the counters are not locked.
    """

    client: httpx.Client
    budget: int = 50  # network resolutions (each = 2 requests) per run
    gap: float = 1.0  # seconds between two requests to Google
    base: str = "https://news.google.com"  # tests point it at a loopback server
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    limits: Limits = LIMITS
    # counters for the run report:
    offline: int = 0
    resolved: int = 0
    failed: int = 0
    skipped: int = 0
    stopped: str = ""  # why no more network resolution happens in this run
    _attempts: int = field(default=0, init=False, repr=False)
    _next_request: float = field(default=float("-inf"), init=False, repr=False)

    def resolve(self, url: str) -> str | None:
        """The publisher URL (tracking parameters stripped) or None. Never raises, never waits
        past the limits. None, without counting, for a link that is not a Google News article.
        """
        ident = article_id(url)
        if ident is None:
            return None
        found = decode_offline(url)
        if found is not None:
            self.offline += 1
            return strip_tracking(found)
        if not _needs_network(ident):
            self.failed += 1
            return None
        if not self.stopped and self._attempts >= self.budget:
            self.stopped = f"budget of {self.budget} network resolutions spent"
        if self.stopped:
            self.skipped += 1
            return None
        self._attempts += 1
        try:
            found = _web_url(self._decode(ident))
        except FetchError as exc:
            if exc.code in (429, 503) or exc.network:
                # Rate limited or unreachable: the next links would fare no better, and
                # retrying would be neither polite nor quick.
                self.stopped = f"{host_of(self.base) or self.base}: {exc}"
            found = None
        except (_Unresolved, httpx.InvalidURL):  # InvalidURL: a `base` httpx cannot use
            found = None
        if found is None:
            self.failed += 1
            return None
        self.resolved += 1
        return strip_tracking(found)

    def _decode(self, ident: str) -> str:
        """Google's two-step resolution: the article page's signature and timestamp, then the
        ``garturlreq`` call that answers with the publisher's URL."""
        page = self._request(f"{self.base}/rss/articles/{ident}", _PAGE_HEADERS)
        signature, timestamp = _params(page)
        inner = (
            f'["garturlreq",[{_GARTURLREQ_CONTEXT}],'
            f"{json.dumps(ident)},{timestamp},{json.dumps(signature)}]"
        )
        body = urlencode({"f.req": json.dumps([[["Fbv4je", inner]]])}).encode("ascii")
        answer = self._request(f"{self.base}/_/DotsSplashUi/data/batchexecute", _POST_HEADERS, body)
        return _answer_url(answer)

    def _request(self, url: str, headers: dict[str, str], content: bytes | None = None) -> bytes:
        wait = min(self._next_request - self.clock(), self.gap)
        if wait > 0:
            self.sleep(wait)
        method = "GET" if content is None else "POST"
        try:
            return fetch_url(
                url, self.client, self.limits, headers, method=method, content=content
            ).data
        finally:
            # The gap runs from the end of a request: a slow answer is no licence to hurry.
            self._next_request = self.clock() + self.gap


def _params(page: bytes) -> tuple[str, int]:
    """The signature and timestamp of the article page (``c-wiz > div[jscontroller]``)."""
    try:
        doc: Any = lxml_html.document_fromstring(page)
    except (etree.LxmlError, ValueError) as exc:  # empty or unparseable page
        raise _Unresolved(f"article page: {exc}") from None
    found = doc.xpath("//c-wiz/div[@jscontroller][@data-n-a-sg][@data-n-a-ts]")
    if not found:
        raise _Unresolved("article page: no signature element")
    signature = str(found[0].get("data-n-a-sg") or "")
    timestamp = str(found[0].get("data-n-a-ts") or "").strip()
    if not signature or not re.fullmatch(r"[0-9]{1,20}", timestamp):
        raise _Unresolved("article page: empty signature or a timestamp that is not a number")
    return signature, int(timestamp)


def _answer_url(answer: bytes) -> str:
    """The URL in a batchexecute answer: ``)]}'``, a blank line, then JSON whose first entry
    holds, as a JSON string, ``["garturlres", "<url>", …]``."""
    parts = answer.decode("utf-8", errors="replace").split("\n\n")
    try:
        entries = json.loads(parts[1])[:-2]
        reply = json.loads(entries[0][2])
        url = reply[1]
    # JSONDecodeError is a ValueError; absurdly deep nesting ends in a RecursionError.
    except (IndexError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise _Unresolved(f"batchexecute answer: {type(exc).__name__}") from None
    if not isinstance(url, str):
        raise _Unresolved("batchexecute answer: no URL where it should be")
    return url
