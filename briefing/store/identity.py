"""Stable article ids and the keys that recognise the same article arriving again."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ID = 300
# A guid shorter than this that is not a URL/URN ("42", "post-7") is only unique inside its own
# feed; two feeds could both send "42" for different articles, so the link identifies instead.
MIN_OPAQUE_GUID = 16
_URI_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:\S", re.IGNORECASE)


def normalize_link(url: str) -> str:
    """The canonical form of an article URL, so that tracking noise never makes a new article.

    Lower-cases scheme and host, drops default ports, ``utm_*`` and click-id parameters,
    sorts the remaining parameters, drops the fragment and a trailing slash on the path.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and _DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def link_key(url: str) -> str:
    """The link as a dedupe key: normalized, and blind to http/https and ``www.``."""
    normalized = normalize_link(url)
    _, _, rest = normalized.partition("://")
    rest = "%20".join(rest.removeprefix("www.").split())
    if len(rest) > MAX_ID:
        return "sha256:" + hashlib.sha256(rest.encode()).hexdigest()[:32]
    return rest


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def stable_guid(guid: str) -> bool:
    """A guid that can name an article across feeds: a URL or URI (``tag:``, ``urn:``), or an
    opaque token long enough not to collide (Google News' ``CBMi…``)."""
    return bool(_URI_SCHEME.match(guid)) or len(guid) >= MIN_OPAQUE_GUID


def article_id(guid: str, link: str, title: str, publisher: str) -> str:
    """A stable id: the guid where it is stable, else the normalized link, else a content hash.

    A guid that is a URL is normalized like a link, so ``?utm_source=`` variants agree.
    Ids never contain whitespace (they are also lines in the ledger).
    """
    guid = " ".join(guid.split())
    if guid and stable_guid(guid):
        if _is_url(guid):
            guid = normalize_link(guid)
        if len(guid) <= MAX_ID and " " not in guid:
            return guid
        return "sha256:" + hashlib.sha256(guid.encode()).hexdigest()[:32]
    normalized = normalize_link(link) if link.strip() else ""
    if normalized:
        if len(normalized) <= MAX_ID and not any(c.isspace() for c in normalized):
            return normalized
        return "sha256:" + hashlib.sha256(normalized.encode()).hexdigest()[:32]
    digest = hashlib.sha256(f"{title_key(title)}\n{title_key(publisher)}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def title_key(text: str) -> str:
    """Headline text reduced to lower-case words, for matching the same headline again."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def story_key(title: str, publisher: str) -> str:
    """The second identity of an article: headline and publisher (Google News re-issues ids)."""
    return f"{title_key(title)}|{title_key(publisher)}"
