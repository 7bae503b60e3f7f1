"""Fetch a feed's bytes: from a local file, or over HTTP with hard limits.

feedparser's own downloader has no timeout and no size limit, so it is never used. Over HTTP:

- a total deadline per feed that holds however the server misbehaves: a watchdog thread shuts
  the connection's socket down when time is up, which wakes a read blocked on a server that
  hangs or trickles (a check between chunks never runs when no chunk arrives);
- the deadline covers looking up the host name too. ``getaddrinfo`` cannot be interrupted and
  honours no timeout of ours, so the lookup runs in a thread of its own and the fetch stops
  waiting for it when time is up (the thread is left to finish on its own; it is a daemon, so
  it never holds the process). httpcore's network backends are its public hook for custom name
  resolution (encode/httpcore#695); httpx 0.28 has no parameter to pass one (encode/httpx#3749),
  hence ``_BoundedLookups`` below;
- a byte cap on the *decompressed* body; we decompress ourselves with ``zlib``'s
  ``max_length`` so a gzip bomb never inflates more than the cap plus one byte;
- at most 5 redirects, conditional GET with the stored validators, an honest User-Agent.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx

from .. import USER_AGENT
from ..models import Feed

MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Only encodings we decode ourselves under the byte cap (see _Decoder).
ACCEPT_ENCODING = "gzip, deflate"


class FetchError(Exception):
    """A feed could not be fetched; the message says why, for the run report.

    ``status`` is the feed's outcome ("failed", "gone", "skipped"); ``retry_after`` is the raw
    Retry-After header of a 429/503, which ingest turns into a time to wait until; ``code`` the
    HTTP status, when the server answered with one; ``network`` is True when the host could not
    be reached in time (no address, refused, timed out), so a caller may skip it for a while.
    """

    def __init__(
        self,
        message: str,
        *,
        status: str = "failed",
        retry_after: str = "",
        code: int = 0,
        network: bool = False,
        oversize: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.network = network
        self.oversize = oversize  # the body went past the byte cap: it will next time too


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


# socket.getaddrinfo's shape: (host, port, family, type, ...) -> [(family, type, proto, name, addr)]
Resolve = Callable[..., list[tuple[Any, ...]]]


@dataclass
class _Clock:
    """The running fetch's deadline (``time.monotonic``), and the host whose lookup it cut."""

    deadline: float
    stalled_lookup: str = ""


# Set by fetch_http for the thread it runs in; read by the network backend in the same thread
# (sync httpx connects in the calling thread), so a lookup never outlives its fetch's deadline.
_CLOCK: ContextVar[_Clock | None] = ContextVar("briefing_fetch_clock", default=None)


class _BoundedLookups(httpcore.SyncBackend):
    """httpcore's own socket backend, with the host name looked up in a thread that the fetch
    waits for at most until its deadline (or the connect timeout, if that comes first)."""

    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for address in self._addresses(host, port, timeout):
            try:  # an IP address: httpcore connects without any lookup; TLS still uses `host`
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        with contextlib.suppress(ValueError):
            return [str(ipaddress.ip_address(host.strip("[]")))]
        clock = _CLOCK.get()
        wait = timeout
        if clock is not None:
            left = max(clock.deadline - time.monotonic(), 0.0)
            wait = left if wait is None else min(wait, left)
        found: list[list[tuple[Any, ...]]] = []
        failed: list[OSError] = []
        done = threading.Event()

        def look_up() -> None:
            try:
                found.append(self._resolve(host, port, type=socket.SOCK_STREAM))
            except OSError as exc:
                failed.append(exc)
            finally:
                done.set()

        threading.Thread(target=look_up, name=f"lookup {host}", daemon=True).start()
        if not done.wait(wait):
            if clock is not None:
                clock.stalled_lookup = host
            msg = f"no answer from the resolver for {host!r} within {wait:g} s"
            raise httpcore.ConnectTimeout(msg)
        if failed:
            reason = failed[0].strerror or str(failed[0])
            raise httpcore.ConnectError(f"could not resolve {host!r}: {reason}")
        return list(dict.fromkeys(str(info[4][0]) for info in found[0] if info and info[4]))


class _Transport(httpx.HTTPTransport):
    """httpx's transport on the bounded-lookup backend (httpx 0.28 takes no backend itself)."""

    def __init__(self, limits: httpx.Limits, resolve: Resolve) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_BoundedLookups(resolve),
        )


def make_client(limits: Limits, resolve: Resolve = socket.getaddrinfo) -> httpx.Client:
    """An HTTP client with the project's timeouts, redirect limit and honest User-Agent, whose
    host-name lookups (``resolve``, injectable for tests) count against each fetch's deadline.

    Connections are not kept alive: the deadline watchdog must see every connection a fetch
    opens (a pooled connection would bring a socket it never saw being connected). Behind a
    proxy from the environment (``HTTPS_PROXY``, …) the proxy looks names up, and httpx's own
    transport is used so that it keeps honouring those settings.
    """
    pool = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    proxied = any(k in ("http", "https", "all") for k in urllib.request.getproxies())
    return httpx.Client(
        timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        limits=pool,
        transport=None if proxied else _Transport(pool, resolve),
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


class _Watchdog:
    """Shuts down every socket a fetch opened once its deadline has passed."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember each socket as soon as it is connected."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.fired:
                    _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Decoder:
    """Content-Encoding decoding that never produces more than ``limit`` + 1 bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            msg = f"unsupported Content-Encoding {encoding!r}"
            raise FetchError(msg)
        self.coding = codings[0] if codings else ""
        self.limit = limit
        self.total = 0
        # 47 = gzip or zlib header, detected; raw deflate is tried if a zlib header is absent.
        self._zlib = zlib.decompressobj(47) if self.coding else None
        self._started = False

    def feed(self, raw: bytes) -> bytes:
        room = self.limit - self.total + 1
        if self._zlib is None:
            out = raw[:room]
        else:
            try:
                out = self._zlib.decompress(raw, room)
            except zlib.error:
                if self._started or self.coding != "deflate":
                    raise
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some send
                out = self._zlib.decompress(raw, room)
            self._started = True
        if len(out) >= room:  # one byte over the cap: stop before inflating any more
            msg = f"body larger than {self.limit} bytes (after decompression)"
            raise FetchError(msg, oversize=True)
        self.total += len(out)
        return out


def _request_headers(validators: dict[str, str] | None) -> dict[str, str]:
    headers = {}
    if validators:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    return headers


def fetch_http(
    feed: Feed,
    client: httpx.Client,
    limits: Limits,
    validators: dict[str, str] | None = None,
) -> Fetched:
    """GET a feed within ``limits.deadline`` seconds, with the byte cap on the decoded body."""
    return fetch_url(feed.url, client, limits, _request_headers(validators))


def fetch_url(
    url: str,
    client: httpx.Client,
    limits: Limits,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    content: bytes | None = None,
    accept: Callable[[httpx.Response], None] | None = None,
) -> Fetched:
    """One request within ``limits.deadline`` seconds (name lookup, redirects and the body's
    last byte included), with the byte cap on the decoded body. ``accept`` sees the response
    before its body is read and may raise ``FetchError`` (a PDF where a page was wanted)."""
    started = time.monotonic()
    timeout = httpx.Timeout(
        min(limits.read_timeout, limits.deadline),
        connect=min(limits.connect_timeout, limits.deadline),
    )
    clock = _Clock(started + limits.deadline)
    token = _CLOCK.set(clock)
    with _Watchdog(limits.deadline) as watchdog:
        try:
            with client.stream(
                method,
                url,
                headers=headers or {},
                content=content,
                timeout=timeout,
                extensions={"trace": watchdog.trace},
            ) as response:
                if response.status_code == 304:
                    return Fetched(b"", str(response.url), dict(response.headers), True)
                if response.status_code >= 400:
                    raise _status_error(response)
                if accept is not None:
                    accept(response)
                decoder = _Decoder(response.headers.get("content-encoding", ""), limits.max_bytes)
                chunks = [decoder.feed(raw) for raw in response.iter_raw()]
                if watchdog.fired or time.monotonic() - started > limits.deadline:
                    raise _deadline_error(limits)
                return Fetched(b"".join(chunks), str(response.url), dict(response.headers))
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
        except zlib.error as exc:
            raise FetchError(f"could not decompress the body: {exc}") from None
        except httpx.HTTPError as exc:
            if watchdog.fired or time.monotonic() - started >= limits.deadline:
                # a read timeout as long as it, too
                raise _deadline_error(limits, clock.stalled_lookup) from None
            if clock.stalled_lookup:
                raise FetchError(f"timed out: {exc}", network=True) from None
            if isinstance(exc, httpx.TimeoutException):
                raise FetchError(f"timed out ({type(exc).__name__})", network=True) from None
            network = isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError)
            raise FetchError(f"{type(exc).__name__}: {exc}", network=network) from None
        finally:
            _CLOCK.reset(token)


def _deadline_error(limits: Limits, stalled_lookup: str = "") -> FetchError:
    why = f" (no answer from the resolver for {stalled_lookup})" if stalled_lookup else ""
    msg = f"took longer than the {limits.deadline:g} s deadline{why}"
    return FetchError(msg, network=True)


def _status_error(response: httpx.Response) -> FetchError:
    code = response.status_code
    reason = response.reason_phrase or "error"
    if code == 410:
        return FetchError(f"HTTP 410 {reason}: the feed is gone", status="gone", code=code)
    if code in (429, 503):
        retry = response.headers.get("Retry-After", "").strip()
        when = f"; Retry-After: {retry}" if retry else ""
        return FetchError(
            f"HTTP {code} {reason}{when} (skipped this run)",
            status="skipped",
            retry_after=retry,
            code=code,
        )
    return FetchError(f"HTTP {code} {reason}", code=code)
