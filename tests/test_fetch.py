"""fetch_http against the loopback fault server: every fault ends as a clear FetchError
within the feed's deadline, never as a hang, a huge allocation or an exception."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import pytest
from faultserver import FaultServer

from briefing.ingest.fetch import FetchError, Limits, fetch_http, make_client
from briefing.models import Feed

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(max_stall=20) as s:
        yield s


def fetch(url: str, limits: Limits | None = None, validators: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    limits = limits or Limits(deadline=3, read_timeout=2, connect_timeout=2)
    with make_client(limits) as client:
        return fetch_http(Feed("f", url), client, limits, validators)


def failure(url: str, limits: Limits | None = None) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, limits)
    return info.value


def test_a_good_feed_and_its_honest_user_agent(server: FaultServer) -> None:
    url = server.add("/ok", FEED)
    got = fetch(url)
    assert got.data == FEED and not got.not_modified and got.url == url
    assert server.seen("/ok")[-1].headers["user-agent"].startswith("briefing/")


def test_conditional_get_sends_the_validators_and_304_is_not_modified(server: FaultServer) -> None:
    url = server.add("/etag", FEED, ETag='"v1"')
    first = fetch(url)
    assert first.headers["etag"] == '"v1"'
    second = fetch(
        url, validators={"etag": '"v1"', "last_modified": "Tue, 03 Nov 2026 10:00:00 GMT"}
    )
    assert second.not_modified and second.data == b""
    sent = server.seen("/etag")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 03 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/status/404", "failed", "HTTP 404"),
        ("/status/500", "failed", "HTTP 500"),
        ("/status/410", "gone", "HTTP 410"),
        ("/status/429/120", "skipped", "HTTP 429"),
        ("/status/503/Wed, 04 Nov 2026 10:00:00 GMT", "skipped", "HTTP 503"),
    ],
)
def test_error_statuses(server: FaultServer, path: str, status: str, text: str) -> None:
    error = failure(server.url(path))
    assert error.status == status
    assert text in str(error)
    if "/" in path.removeprefix("/status/"):
        assert error.retry_after == path.split("/", 3)[3]


def test_a_redirect_loop_stops_after_five(server: FaultServer) -> None:
    error = failure(server.url("/loop/0"))
    assert "more than 5 redirects" in str(error)
    assert len(server.seen("/loop/6")) == 0 or len(server.seen("/loop/7")) == 0


@pytest.mark.parametrize("path", ["/hang", "/hang-body", "/trickle"])
def test_the_deadline_holds_when_the_server_hangs_or_trickles(
    server: FaultServer, path: str
) -> None:
    # The read timeout (2 s) is longer than the deadline (1.5 s), and the trickle keeps every
    # single read under it: only the deadline, enforced from outside the read, can stop these.
    limits = Limits(deadline=1.5, read_timeout=2, connect_timeout=2)
    started = time.monotonic()
    error = failure(server.url(path), limits)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"{path} took {elapsed:.1f} s"
    assert "deadline" in str(error) or "timed out" in str(error)


def test_the_trickle_is_stopped_by_the_deadline_not_a_read_timeout(server: FaultServer) -> None:
    limits = Limits(deadline=1.0, read_timeout=5, connect_timeout=5)
    started = time.monotonic()
    error = failure(server.url("/trickle"), limits)
    assert time.monotonic() - started < 2.0
    assert str(error) == "took longer than the 1 s deadline"


def test_an_endless_body_stops_at_the_cap(server: FaultServer) -> None:
    limits = Limits(deadline=10, max_bytes=1024 * 1024)
    error = failure(server.url("/endless"), limits)
    assert str(error) == "body larger than 1048576 bytes (after decompression)"


def test_a_gzip_bomb_inflates_no_further_than_the_cap(server: FaultServer) -> None:
    import tracemalloc

    limits = Limits(deadline=10, max_bytes=2 * 1024 * 1024)
    tracemalloc.start()
    try:
        error = failure(server.url("/gzip-bomb"), limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "body larger than 2097152 bytes (after decompression)" in str(error)
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while refusing a 64 MiB bomb"


def test_a_gzipped_feed_is_decoded(server: FaultServer) -> None:
    url = server.add("/gz", gzip.compress(FEED), Content_Encoding="gzip")
    assert fetch(url).data == FEED


def test_an_unknown_content_encoding_is_refused(server: FaultServer) -> None:
    url = server.add("/br", b"\x00\x01", Content_Encoding="br")
    assert "unsupported Content-Encoding 'br'" in str(failure(url))


def test_nothing_listening_is_a_clear_failure() -> None:
    with FaultServer() as s:
        url = s.url("/gone-away")
    error = failure(url)
    assert error.status == "failed" and "ConnectError" in str(error)
