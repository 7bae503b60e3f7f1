"""A loopback HTTP server (127.0.0.1 only) that serves good feeds and every fault the real web
has: error statuses, Retry-After, a hang, a slow trickle, a redirect loop, an endless body, a
gzip bomb, an entity-expansion bomb, wrong or missing charsets.

Bounded: every handler ends by itself (a hang or trickle gives up after ``max_stall`` seconds,
or as soon as the server stops), so a test can never hang on it. Requests are recorded, so
tests can assert what a client sent (conditional GET) or that it sent nothing at all.
"""

from __future__ import annotations

import contextlib
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

RSS = "application/rss+xml"


@dataclass(frozen=True)
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


@cache
def gzip_bomb(inflated: int = 64 * 1024 * 1024) -> bytes:
    """``inflated`` zero bytes, gzipped to a few hundred KiB."""
    block = b"\0" * (1024 * 1024)
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: with a gzip header
    parts = [z.compress(block) for _ in range(inflated // len(block))]
    parts.append(z.flush())
    return b"".join(parts)


def entity_bomb() -> bytes:
    """Billion laughs: ten levels of ten references each, 10^9 "lol" if expanded."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", '<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    lines += [
        "]>",
        '<rss version="2.0"><channel><title>Bomb (fictional)</title>',
        "<link>https://bomb.example/</link>",
        "<item><title>&lol9;</title><link>https://bomb.example/a</link>",
        "<description>&lol9;</description></item>",
        "</channel></rss>",
    ]
    return "\n".join(lines).encode()


class FaultServer:
    """``with FaultServer() as server: server.url("/good")``"""

    def __init__(self, max_stall: float = 60.0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.max_stall = max_stall
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        """Serve ``body`` at ``path`` (header names with ``_`` for ``-``); returns the URL."""
        fixed = {k.replace("_", "-"): v for k, v in headers.items()}
        fixed.setdefault("Content-Type", f"{RSS}; charset=utf-8")
        self.routes[path] = Route(body, status, fixed)
        return self.url(path)

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def stall(self, seconds: float) -> bool:
        """Wait (bounded); False once the server is stopping."""
        return not self.stopping.wait(min(seconds, self.max_stall))


def _handler_for(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            path = unquote(self.path.split("?", 1)[0])
            with server._lock:
                server.requests.append(Seen(path, {k.lower(): v for k, v in self.headers.items()}))
            with contextlib.suppress(ConnectionError):  # the client gave up, as it should
                self._serve(path)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def _serve(self, path: str) -> None:
            route = server.routes.get(path)
            if route is not None:
                etag = route.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", {"ETag": etag})
                    return
                self._send(route.status, route.body, route.headers)
                return
            name, _, arg = path.strip("/").partition("/")
            fault = getattr(self, f"fault_{name.replace('-', '_')}", None)
            if fault is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            fault(arg)

        def fault_status(self, arg: str) -> None:
            code, _, retry = arg.partition("/")
            headers = {"Content-Type": "text/plain"}
            if retry:
                headers["Retry-After"] = retry
            self._send(int(code), b"error page", headers)

        def fault_hang(self, arg: str) -> None:
            """Accept the request, never answer (until the bound)."""
            server.stall(server.max_stall)

        def fault_hang_body(self, arg: str) -> None:
            """Headers and half a feed, then silence."""
            self.send_response(200)
            self.send_header("Content-Type", RSS)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            self.wfile.flush()
            server.stall(server.max_stall)

        def fault_trickle(self, arg: str) -> None:
            """One byte every 0.2 s: each read succeeds, the whole never ends in time."""
            self.send_response(200)
            self.send_header("Content-Type", RSS)
            self.end_headers()
            started = time.monotonic()
            while time.monotonic() - started < server.max_stall and server.stall(0.2):
                self.wfile.write(b" ")
                self.wfile.flush()

        def fault_loop(self, arg: str) -> None:
            n = int(arg or 0)
            self.send_response(302)
            self.send_header("Location", f"/loop/{n + 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def fault_endless(self, arg: str) -> None:
            """A body with no end (bounded at 256 MiB)."""
            self.send_response(200)
            self.send_header("Content-Type", RSS)
            self.end_headers()
            chunk = b"<!-- padding -->" * 4096
            for _ in range((256 * 1024 * 1024) // len(chunk)):
                if server.stopping.is_set():
                    return
                self.wfile.write(chunk)

        def fault_slow(self, arg: str) -> None:
            """``/slow/<seconds>/<path>``: the route at ``/<path>``, after a (bounded) wait."""
            seconds, _, rest = arg.partition("/")
            if server.stall(float(seconds)):
                self._serve(f"/{rest}")

        def fault_gzip_bomb(self, arg: str) -> None:
            self._send(200, gzip_bomb(), {"Content-Type": RSS, "Content-Encoding": "gzip"})

        def fault_entity_bomb(self, arg: str) -> None:
            self._send(200, entity_bomb(), {"Content-Type": RSS})

    return Handler
