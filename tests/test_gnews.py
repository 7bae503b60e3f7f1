"""ingest.gnews: old Google News IDs decode offline; new ones resolve through a fake Google on
a loopback server (never news.google.com), paced, within budget, stopping at a 429."""

from __future__ import annotations

import base64
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.ingest.fetch import Limits, make_client
from briefing.ingest.gnews import (
    LIMITS,
    Resolver,
    article_id,
    decode_offline,
    is_google_news,
    strip_tracking,
)

PUBLISHER = "https://publisher.example/2026/11/harbour-reopens?id=7"


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def old_id(payload: bytes, trailer: bytes = b"") -> str:
    """An ID as Google built them: field 1 = 19, field 4 = the URL, maybe more fields after."""
    data = b"\x08\x13\x22" + varint(len(payload)) + payload + trailer
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def amp_field(url: str) -> bytes:
    return b"\xd2\x01" + varint(len(url)) + url.encode()


def link(ident: str) -> str:
    return f"https://news.google.com/rss/articles/{ident}?oc=5"


NEW_ID = old_id(b"AU_yqLPk3x9hT2-harbour_ReopensFictional0123456789abcdef")
OTHER_NEW_ID = old_id(b"AU_yqLOther-fictional-token_9876543210")


# --- article links and offline decoding ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/articles/CBMiAbc-_1?oc=5", "CBMiAbc-_1"),
        ("https://news.google.com/__i/rss/rd/articles/CBMiAbc", "CBMiAbc"),
        ("https://news.google.com/articles/CBMiAbc?hl=en-US&gl=US", "CBMiAbc"),
        ("https://news.google.com/read/CBMiAbc", "CBMiAbc"),
        ("http://NEWS.Google.COM/rss/articles/CBMiAbc/", "CBMiAbc"),
        ("https://news.google.com/topics/CBMiAbc", None),
        ("https://news.google.com/rss/articles/", None),
        ("https://news.google.com/rss/articles/CBMi%21bad", None),
        ("https://news.google.com/stories/rss/articles/CBMiAbc", None),
        ("https://news.google.example/rss/articles/CBMiAbc", None),
        ("https://publisher.example/rss/articles/CBMiAbc", None),
        ("javascript://news.google.com/rss/articles/CBMiAbc", None),
        ("http://[::1/rss/articles/CBMiAbc", None),
        ("", None),
    ],
)
def test_article_id(url: str, expected: str | None) -> None:
    assert article_id(url) == expected


def test_is_google_news() -> None:
    assert is_google_news("https://news.google.com/rss/articles/X?oc=5")
    assert is_google_news("https://news.google.com/topics/X")
    assert not is_google_news("https://news.google.com.example/rss/articles/X")
    assert not is_google_news(PUBLISHER)
    assert not is_google_news("http://[::1")  # malformed: an answer, not an exception


def test_an_old_id_looks_like_googles() -> None:
    assert old_id(PUBLISHER.encode()).startswith("CBMi")


@pytest.mark.parametrize(
    "ident",
    [
        old_id(PUBLISHER.encode()),
        old_id(PUBLISHER.encode(), amp_field(PUBLISHER + "&amp=1")),
        old_id(PUBLISHER.encode(), b"\xd2\x01\x00"),  # the empty AMP field some IDs end with
        # over 127 bytes: the length takes a two-byte varint
        old_id(("https://publisher.example/" + "a" * 300).encode()),
    ],
)
@pytest.mark.parametrize(
    "form",
    [
        "https://news.google.com/rss/articles/{}?oc=5",
        "https://news.google.com/__i/rss/rd/articles/{}",
        "https://news.google.com/articles/{}",
        "https://news.google.com/read/{}?hl=en",
    ],
)
def test_old_ids_decode_offline(ident: str, form: str) -> None:
    decoded = decode_offline(form.format(ident))
    payload = base64.urlsafe_b64decode(ident + "=" * (-len(ident) % 4))
    assert decoded is not None and decoded.encode() in payload
    assert decoded.startswith("https://publisher.example/")


def test_the_long_url_comes_back_whole() -> None:
    url = "https://publisher.example/" + "a" * 300
    assert decode_offline(link(old_id(url.encode()))) == url


def test_a_url_as_encoded_is_returned_with_its_parameters() -> None:
    url = "https://publisher.example/x?utm_source=gn&id=1"
    assert decode_offline(link(old_id(url.encode()))) == url  # resolve() strips, not this


def test_new_ids_do_not_decode_offline() -> None:
    assert decode_offline(link(NEW_ID)) is None


@pytest.mark.parametrize(
    "url",
    [
        link(old_id(b"javascript:alert(1)")),
        link(old_id(b"ftp://files.example/a")),
        link(old_id(b"/relative/path")),
        link(old_id(b"https://")),
        link(old_id(b"https://news.google.com/rss/articles/CBMiAbc")),  # a loop back to Google
        link(old_id(b"https://publisher.example/a b")),
        link(old_id(b"https://publisher.example/a\nb")),
        link(old_id(b"https://publisher.example/\xff\xfe")),  # not UTF-8
        link(old_id(b"https://[publisher.example/")),  # urlsplit raises on it
        # cut short: the length promises more bytes than follow
        link(old_id(b"https://publisher.example/cut")[:-8]),
        link(base64.urlsafe_b64encode(b"\x08\x13\x22\xff\xff").decode()),  # a varint cut short
        link(base64.urlsafe_b64encode(b"\x08\x13\x22" + b"\xff" * 9).decode()),  # endless varint
        link(base64.urlsafe_b64encode(b"not a protobuf at all").decode()),
        link("CBMia"),  # a length no base64 text has
        link(""),
        "https://news.google.com/rss/articles/CBMi%2Fnot-base64",
        PUBLISHER,
    ],
)
def test_garbage_does_not_decode(url: str) -> None:
    assert decode_offline(url) is None


@given(
    host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    path=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"),
        max_size=400,
    ),
)
def test_any_publisher_url_round_trips(host: str, path: str) -> None:
    url = f"https://{host}.example/{path}"
    assert decode_offline(link(old_id(url.encode(), amp_field(url)))) == url


# --- tracking parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://publisher.example/a?utm_source=gn&id=7&UTM_Medium=rss&fbclid=x#top",
            "https://publisher.example/a?id=7#top",
        ),
        (
            "https://publisher.example/a?gclid=1&mc_cid=2&mc_eid=3&ocid=4&cmpid=5&_ga=6",
            "https://publisher.example/a",
        ),
        ("https://publisher.example/a?b=2&a=1&b=3", "https://publisher.example/a?b=2&a=1&b=3"),
        ("https://publisher.example/a?oc=5", "https://publisher.example/a?oc=5"),
        ("https://news.google.com/rss/articles/X?oc=5", "https://news.google.com/rss/articles/X"),
        (
            "https://news.google.com/rss/articles/X?hl=en&oc=5&gl=US",
            "https://news.google.com/rss/articles/X?hl=en&gl=US",
        ),
        ("https://publisher.example/a?utm%5Fsource=x&q=1", "https://publisher.example/a?q=1"),
        ("https://publisher.example/a?utm_source", "https://publisher.example/a"),
        ("https://publisher.example/a?&&q=1&", "https://publisher.example/a?&&q=1&"),
        ("https://publisher.example/a?q=1&utm_x=2&", "https://publisher.example/a?q=1&"),
        ("https://publisher.example/a#?utm_source=x", "https://publisher.example/a#?utm_source=x"),
        ("https://publisher.example/a?", "https://publisher.example/a?"),
        ("https://publisher.example/utm_source=x", "https://publisher.example/utm_source=x"),
        ("http://[::1?utm_source=x", "http://[::1"),
        ("not a url", "not a url"),
        ("", ""),
    ],
)
def test_strip_tracking(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected


@given(st.text())
def test_strip_tracking_never_raises_and_is_idempotent(text: str) -> None:
    once = strip_tracking(text)
    assert strip_tracking(once) == once


_NAMES = st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "_ga", "oc", "id", "q"])
_PIECES = st.lists(
    st.tuples(_NAMES, st.text(alphabet="abc%=+", max_size=4)).map(lambda kv: "=".join(kv)),
    max_size=6,
)


@given(host=st.sampled_from(["publisher.example", "news.google.com"]), pieces=_PIECES)
def test_strip_tracking_keeps_exactly_the_other_parameters(host: str, pieces: list[str]) -> None:
    dropped = {"utm_source", "utm_campaign", "fbclid", "gclid", "_ga"}
    if host == "news.google.com":
        dropped.add("oc")
    kept = [p for p in pieces if p.split("=", 1)[0] not in dropped]
    url = f"https://{host}/a" + ("?" + "&".join(pieces) if pieces else "") + "#f"
    assert (
        strip_tracking(url) == f"https://{host}/a" + ("?" + "&".join(kept) if kept else "") + "#f"
    )


# --- a fake Google on loopback ------------------------------------------------------------


class FakeTime:
    """A clock that moves only when the resolver sleeps: pacing is checked, never waited."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def page(signature: str = "SIG", timestamp: str = "123") -> bytes:
    return (
        "<!doctype html><html><head><title>Google News</title></head><body>"
        '<c-wiz jsrenderer="x"><div jscontroller="x" jsaction="y" '
        f'data-n-a-sg="{signature}" data-n-a-ts="{timestamp}" data-n-a-id="z"></div></c-wiz>'
        "</body></html>"
    ).encode()


def google_answer(url: object) -> bytes:
    """batchexecute's shape: an XSSI guard, a blank line, then the envelopes."""
    reply = json.dumps(["garturlres", url, 1])
    envelopes = [
        ["wrb.fr", "Fbv4je", reply, None, None, None, "generic"],
        ["di", 42],
        ["af.httprm", 41, "-1234567890", 17],
    ]
    return b")]}'\n\n" + json.dumps(envelopes).encode()


@dataclass
class Request:
    method: str
    path: str
    at: float  # on the fake clock


@dataclass
class FakeGoogle:
    time: FakeTime
    port: int = 0
    page: bytes = field(default_factory=page)
    page_status: int = 200
    answer: bytes = field(default_factory=lambda: google_answer(PUBLISHER + "&utm_source=gn"))
    answer_status: int = 200
    hang: bool = False
    requests: list[Request] = field(default_factory=list)
    bad_posts: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(google: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            google.requests.append(Request("GET", self.path, google.time.now))
            if google.hang:
                google.stopping.wait(5)
                return
            if not self.path.startswith("/rss/articles/"):
                self._send(404, b"not found", "text/plain")
                return
            self._send(google.page_status, google.page, "text/html; charset=utf-8")

        def do_POST(self) -> None:
            google.requests.append(Request("POST", self.path, google.time.now))
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            problem = self._check(body)
            if problem:
                google.bad_posts.append(problem)
                self._send(400, problem.encode(), "text/plain")
                return
            self._send(google.answer_status, google.answer, "application/json; charset=utf-8")

        def _check(self, body: bytes) -> str:
            """What is wrong with the POST, as Google's parser would see it ("" if nothing)."""
            if self.path != "/_/DotsSplashUi/data/batchexecute":
                return f"path {self.path}"
            kind = self.headers.get("Content-Type", "")
            if not kind.startswith("application/x-www-form-urlencoded"):
                return f"content type {kind}"
            form = parse_qs(body.decode("ascii"), strict_parsing=True)
            (rpc,) = json.loads(form["f.req"][0])[0]
            if rpc[0] != "Fbv4je":
                return f"rpc {rpc[0]}"
            inner = json.loads(rpc[1])
            ident = google.requests[-2].path.split("/")[-1] if len(google.requests) > 1 else ""
            if inner[0] != "garturlreq" or inner[2:] != [ident, 123, "SIG"]:
                return f"request {inner!r}"
            return ""

    return Handler


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle(FakeTime())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = int(server.server_address[1])
    # a short poll: shutdown() waits for it, and the default half second adds up
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One client for the module: building its TLS context is most of a test's time, and it
    keeps no connection alive between requests anyway."""
    with make_client(LIMITS) as shared:
        yield shared


@pytest.fixture
def resolver(google: FakeGoogle, client: httpx.Client) -> Resolver:
    return Resolver(client, base=google.base, sleep=google.time.sleep, clock=google.time.clock)


# --- resolving ----------------------------------------------------------------------------


def test_new_ids_resolve_through_google_with_the_gap_between_requests(
    google: FakeGoogle, resolver: Resolver
) -> None:
    assert resolver.resolve(link(NEW_ID)) == PUBLISHER  # utm_source stripped
    assert resolver.resolve(link(OTHER_NEW_ID)) == PUBLISHER
    assert google.bad_posts == []
    assert [(r.method, r.path) for r in google.requests] == [
        ("GET", f"/rss/articles/{NEW_ID}"),
        ("POST", "/_/DotsSplashUi/data/batchexecute"),
        ("GET", f"/rss/articles/{OTHER_NEW_ID}"),
        ("POST", "/_/DotsSplashUi/data/batchexecute"),
    ]
    times = [r.at for r in google.requests]
    assert all(b - a >= resolver.gap for a, b in itertools.pairwise(times))
    assert google.time.slept == [1.0, 1.0, 1.0]  # none before the first request
    assert (resolver.resolved, resolver.failed, resolver.skipped, resolver.offline) == (2, 0, 0, 0)
    assert resolver.stopped == ""


def test_no_sleep_when_the_gap_has_already_passed(google: FakeGoogle, resolver: Resolver) -> None:
    resolver.gap = 2.5
    assert resolver.resolve(link(NEW_ID)) == PUBLISHER
    google.time.now += 60  # the caller did other work meanwhile
    assert resolver.resolve(link(OTHER_NEW_ID)) == PUBLISHER
    assert google.time.slept == [2.5, 2.5]  # only between each page and its POST


def test_old_ids_resolve_offline_without_a_request(google: FakeGoogle, resolver: Resolver) -> None:
    url = "https://publisher.example/b?fbclid=1&page=2"
    assert resolver.resolve(link(old_id(url.encode()))) == "https://publisher.example/b?page=2"
    assert google.requests == []
    assert (resolver.offline, resolver.resolved, resolver.failed) == (1, 0, 0)


def test_an_old_id_with_a_bad_url_fails_without_asking_google(
    google: FakeGoogle, resolver: Resolver
) -> None:
    assert resolver.resolve(link(old_id(b"javascript:alert(1)"))) is None
    assert google.requests == []
    assert (resolver.failed, resolver.offline, resolver.skipped) == (1, 0, 0)


def test_links_that_are_not_google_news_articles_are_left_alone(
    google: FakeGoogle, resolver: Resolver
) -> None:
    assert resolver.resolve(PUBLISHER) is None
    assert resolver.resolve("https://news.google.com/topics/CBMiAbc") is None
    assert google.requests == []
    assert (resolver.offline, resolver.resolved, resolver.failed, resolver.skipped) == (0, 0, 0, 0)


@pytest.mark.parametrize("where", ["page", "answer"])
def test_a_429_stops_network_resolution_for_the_run(
    google: FakeGoogle, resolver: Resolver, where: str
) -> None:
    if where == "page":
        google.page_status = 429
    else:
        google.answer_status = 429
    assert resolver.resolve(link(NEW_ID)) is None
    made = len(google.requests)
    assert "429" in resolver.stopped
    assert resolver.resolve(link(OTHER_NEW_ID)) is None
    assert len(google.requests) == made  # not asked again
    assert (resolver.failed, resolver.skipped) == (1, 1)
    # offline decoding goes on: it costs Google nothing
    assert resolver.resolve(link(old_id(PUBLISHER.encode()))) == PUBLISHER
    assert resolver.offline == 1


def test_an_unreachable_google_stops_network_resolution(
    google: FakeGoogle, client: httpx.Client
) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    resolver = Resolver(client, base=f"http://127.0.0.1:{closed}", sleep=google.time.sleep)
    assert resolver.resolve(link(NEW_ID)) is None
    assert resolver.stopped
    assert resolver.resolve(link(OTHER_NEW_ID)) is None
    assert (resolver.failed, resolver.skipped) == (1, 1)


def test_a_google_that_hangs_costs_one_deadline_then_stops(
    google: FakeGoogle, client: httpx.Client
) -> None:
    google.hang = True
    limits = Limits(connect_timeout=0.2, read_timeout=0.2, deadline=0.2)
    resolver = Resolver(client, base=google.base, limits=limits, sleep=google.time.sleep)
    started = time.monotonic()
    assert resolver.resolve(link(NEW_ID)) is None
    assert resolver.resolve(link(OTHER_NEW_ID)) is None
    assert time.monotonic() - started < 2  # the deadline, not the server, ended the wait
    assert len(google.requests) == 1
    assert resolver.stopped and (resolver.failed, resolver.skipped) == (1, 1)


@pytest.mark.parametrize(
    "changed",
    [
        page().replace(b'jscontroller="x" ', b""),  # the element lost its jscontroller
        page().replace(b"c-wiz", b"section"),  # the element is no longer in a c-wiz
        page(signature=""),
        page(timestamp="soon"),
        b"",
        b"\x00\xff" * 50,
    ],
)
def test_a_changed_page_fails_that_link_only(
    google: FakeGoogle, resolver: Resolver, changed: bytes
) -> None:
    google.page = changed
    assert resolver.resolve(link(NEW_ID)) is None
    assert [r.method for r in google.requests] == ["GET"]  # no POST without a signature
    assert (resolver.failed, resolver.resolved, resolver.stopped) == (1, 0, "")
    google.page = page()
    assert resolver.resolve(link(OTHER_NEW_ID)) == PUBLISHER  # the next link is still tried


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"garbage",
        b")]}'\n\n",
        b")]}'\n\nnot json",
        b")]}'\n\n{}",
        b")]}'\n\n[]",
        b")]}'\n\n" + b"[" * 100_000,
        b")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", None], [], []]).encode(),
        b")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", "[]"], [], []]).encode(),
        google_answer(None),
        google_answer(["https://publisher.example/"]),
        google_answer("javascript:alert(1)"),
        google_answer("https://news.google.com/rss/articles/CBMiAbc"),
        google_answer("/relative"),
    ],
)
def test_a_changed_answer_fails_that_link_only(
    google: FakeGoogle, resolver: Resolver, answer: bytes
) -> None:
    google.answer = answer
    assert resolver.resolve(link(NEW_ID)) is None
    assert google.bad_posts == []
    assert (resolver.failed, resolver.resolved, resolver.stopped) == (1, 0, "")


def test_other_http_errors_fail_that_link_only(google: FakeGoogle, resolver: Resolver) -> None:
    google.page_status = 404
    assert resolver.resolve(link(NEW_ID)) is None
    assert (resolver.failed, resolver.stopped) == (1, "")
    google.page_status = 200
    assert resolver.resolve(link(OTHER_NEW_ID)) == PUBLISHER


def test_the_budget_caps_network_resolutions(google: FakeGoogle, resolver: Resolver) -> None:
    resolver.budget = 1
    assert resolver.resolve(link(NEW_ID)) == PUBLISHER
    made = len(google.requests)
    assert resolver.resolve(link(OTHER_NEW_ID)) is None
    assert len(google.requests) == made == 2
    assert (resolver.resolved, resolver.skipped) == (1, 1)
    assert "budget" in resolver.stopped


def test_a_failed_resolution_spends_budget_too(google: FakeGoogle, resolver: Resolver) -> None:
    resolver.budget = 1
    google.page = b"<html></html>"
    assert resolver.resolve(link(NEW_ID)) is None
    assert resolver.resolve(link(OTHER_NEW_ID)) is None
    assert len(google.requests) == 1
    assert (resolver.failed, resolver.skipped) == (1, 1)


def test_the_default_base_is_google_and_the_defaults_are_small(client: httpx.Client) -> None:
    resolver = Resolver(client)
    assert urlsplit(resolver.base).hostname == "news.google.com"
    assert resolver.limits.deadline <= 15 and resolver.limits.max_bytes <= 4 * 1024 * 1024
    assert (resolver.budget, resolver.gap) == (50, 1.0)
