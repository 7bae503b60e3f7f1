"""Fetch a feed's bytes: from a local file, or over HTTP with hard limits.

feedparser's own downloader has no timeout and no size limit, so it is never used.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import USER_AGENT
from .models import Feed

MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


class FetchError(Exception):
    """A feed could not be fetched; the message says why, for the run report."""

    def __init__(self, message: str, *, status: str = "failed") -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Fetched:
    data: bytes
    url: str  # where the bytes came from, after redirects: the base for relative links
    headers: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 45.0  # whole fetch of one feed, however slowly the bytes trickle
    max_bytes: int = MAX_BYTES


def make_client(limits: Limits) -> httpx.Client:
    """An HTTP client with the project's timeouts, redirect limit and honest User-Agent."""
    return httpx.Client(
        timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
    )


def fetch_local(feed: Feed, root: Path, limits: Limits) -> Fetched:
    path = (root / feed.url).resolve()
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            msg = f"{feed.url}: file is {size} bytes, over the {limits.max_bytes}-byte limit"
            raise FetchError(msg)
        return Fetched(data=path.read_bytes(), url=path.as_uri())
    except FileNotFoundError:
        raise FetchError(f"{feed.url}: no such file (relative to {root})") from None
    except IsADirectoryError:
        raise FetchError(f"{feed.url}: is a directory, not a feed file") from None
    except OSError as exc:
        raise FetchError(f"{feed.url}: {exc.strerror or exc}") from None


def fetch_http(
    feed: Feed,
    client: httpx.Client,
    limits: Limits,
    validators: dict[str, str] | None = None,
) -> Fetched:
    """GET a feed, streaming with the byte cap applied to the decompressed body."""
    headers = {}
    if validators:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    started = time.monotonic()
    try:
        with client.stream("GET", feed.url, headers=headers) as response:
            if response.status_code == 304:
                return Fetched(b"", str(response.url), dict(response.headers), not_modified=True)
            if response.status_code >= 400:
                raise _status_error(response)
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > limits.max_bytes:
                    msg = f"body larger than {limits.max_bytes} bytes (after decompression)"
                    raise FetchError(msg)
                if time.monotonic() - started > limits.deadline:
                    msg = f"took longer than the {limits.deadline:g} s deadline"
                    raise FetchError(msg)
                chunks.append(chunk)
            return Fetched(b"".join(chunks), str(response.url), dict(response.headers))
    except httpx.TooManyRedirects:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out ({type(exc).__name__})") from None
    except httpx.DecodingError as exc:
        raise FetchError(f"could not decompress the body: {exc}") from None
    except zlib.error as exc:  # pragma: no cover - httpx wraps these as DecodingError
        raise FetchError(f"could not decompress the body: {exc}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


def _status_error(response: httpx.Response) -> FetchError:
    code = response.status_code
    reason = response.reason_phrase or "error"
    if code == 410:
        return FetchError(f"HTTP 410 {reason}: the feed is gone", status="gone")
    if code in (429, 503):
        retry = response.headers.get("Retry-After", "")
        when = f"; retry after {retry}" if retry else ""
        return FetchError(f"HTTP {code} {reason}{when} (skipped this run)", status="skipped")
    return FetchError(f"HTTP {code} {reason}")
