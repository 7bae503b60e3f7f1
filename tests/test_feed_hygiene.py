"""Acceptance (issue 13): feed hygiene. A feed that answered 410 Gone is not asked again until
its entry in ``feeds.yml`` changes, the health page says since when it is gone and ``briefing
check`` names its line (a warning); a resolver that hangs is cut by the per-feed deadline.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, run, write_feeds
from faultserver import FaultServer

from briefing.config import load_site
from briefing.ingest.fetch import Limits, fetch_http, make_client
from briefing.ingest.run import ingest
from briefing.models import Feed

GOOD_RSS = (FIXTURES / "feeds" / "good-rss.xml").read_bytes()
LEDGER_TURBINE = "https://ledger.marrow-bay.example/2026/11/turbine-pilot"
LEDGER_FERRY = "https://ledger.marrow-bay.example/2026/11/ferry-winter"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(max_stall=10) as s:
        yield s


def ingest_cli(root: Path, report: str) -> dict[str, dict[str, Any]]:
    result = run(root, "ingest", "--timeout", "5", "--report", report)
    assert result.code == 0, result.err
    return {f["feed"]: f for f in json.loads((root / report).read_text())["feeds"]}


def content_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "content").rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_a_feed_serving_the_same_bytes_again_is_not_stored_again(
    empty_root: Path, server: FaultServer
) -> None:
    """Many servers send no ETag or Last-Modified: a body that is byte for byte the one
    stored last time is "not modified" (nothing in it can be new), and is read again as soon
    as the bytes, the feed's entry in feeds.yml or briefing's code differ."""
    root = empty_root
    url = server.add("/plain.xml", GOOD_RSS)  # no validators: every request is answered 200
    entry: dict[str, object] = {"name": "Marrow Bay Ledger", "url": url}
    write_feeds(root, [entry])
    assert ingest_cli(root, "r1.json")["Marrow Bay Ledger"]["new"] == 3
    stored = content_files(root)
    again = ingest_cli(root, "r2.json")["Marrow Bay Ledger"]
    assert len(server.seen("/plain.xml")) == 2  # asked again: only the storing is skipped
    assert (again["status"], again["new"], again["entries"]) == ("not-modified", 0, 0)
    assert content_files(root) == stored
    # Its entry gains a tag: the same bytes are read again (and nothing is new in them).
    write_feeds(root, [{**entry, "tags": ["harbour"]}])
    tagged = ingest_cli(root, "r3.json")["Marrow Bay Ledger"]
    assert (tagged["status"], tagged["new"], tagged["entries"]) == ("ok", 0, 3)
    # The server's bytes change: one more item, stored.
    item = (
        b"<item><title>Marrow Bay opens its winter market hall</title>"
        b"<link>https://ledger.marrow-bay.example/2026/11/market-hall</link>"
        b"<pubDate>Wed, 04 Nov 2026 08:00:00 GMT</pubDate></item>"
    )
    server.add("/plain.xml", GOOD_RSS.replace(b"</channel>", item + b"</channel>"))
    grown = ingest_cli(root, "r4.json")["Marrow Bay Ledger"]
    assert (grown["status"], grown["new"], grown["entries"]) == ("ok", 1, 4)
    assert ingest_cli(root, "r5.json")["Marrow Bay Ledger"]["status"] == "not-modified"


def _digest(*items: tuple[str, str]) -> bytes:
    """A fictional digest feed carrying (title, link) items."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        "<pubDate>Wed, 04 Nov 2026 08:00:00 GMT</pubDate></item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Harbor Digest (fictional)</title>{body}</channel></rss>"
    ).encode()


def _feeds_of(root: Path) -> dict[str, tuple[str, ...]]:
    from briefing.store.frontmatter import parse_article

    found = {}
    for path in (root / "content" / "articles").rglob("*.md"):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        found[article.title] = article.feeds
    return found


@pytest.mark.slow
def test_the_items_a_feed_repeats_are_not_looked_up_again(
    empty_root: Path, server: FaultServer
) -> None:
    """A feed repeats most of its items run after run. The entries its last body delivered
    were stored then, or their article was given the feed then (its state remembers them),
    so they are skipped without reading the article again: an editor who took the feed off
    an article keeps it off. An item the feed had not delivered before is still recognised,
    and with the feed state lost every item is looked up again, nothing stored twice."""
    root = empty_root
    turbine = ("Harbor Authority approves tidal turbine pilot", LEDGER_TURBINE)
    ferry = ("Ferry timetable changes for the winter season", LEDGER_FERRY)
    own = ("Harbor Digest opens a reader desk", "https://digest.marrow-bay.example/desk")
    ledger_url = server.add("/ledger.xml", GOOD_RSS)
    digest_url = server.add("/digest.xml", _digest(turbine, own))
    write_feeds(
        root,
        [
            {"name": "Marrow Bay Ledger", "url": ledger_url},
            {"name": "Harbor Digest", "url": digest_url},
        ],
    )
    first = ingest_cli(root, "r1.json")
    assert (first["Marrow Bay Ledger"]["new"], first["Harbor Digest"]["new"]) == (3, 1)
    assert first["Harbor Digest"]["updated"] == 1  # the turbine article gains the digest
    assert _feeds_of(root)[turbine[0]] == ("Marrow Bay Ledger", "Harbor Digest")
    state = json.loads((root / ".cache" / "briefing" / "feeds.json").read_text())["feeds"]
    assert len(state["Harbor Digest"]["delivered"]) == 2
    assert len(state["Marrow Bay Ledger"]["delivered"]) == 3

    # An editor takes the digest off the turbine article.
    path = next(p for p in (root / "content" / "articles").rglob("*turbine*.md"))
    text = path.read_text(encoding="utf-8")
    assert "- Harbor Digest\n" in text
    path.write_text(text.replace("- Harbor Digest\n", ""), encoding="utf-8")
    edited = path.read_bytes()
    # The digest grows by an item of the ledger it had not carried: only that one is looked up.
    server.add("/digest.xml", _digest(turbine, own, ferry))
    second = ingest_cli(root, "r2.json")["Harbor Digest"]
    assert (second["status"], second["new"], second["updated"], second["entries"]) == (
        "ok", 0, 1, 3,
    )  # fmt: skip
    assert path.read_bytes() == edited
    assert _feeds_of(root)[ferry[0]] == ("Marrow Bay Ledger", "Harbor Digest")

    # The feed state is lost (a cache that was not restored): every item is looked up.
    (root / ".cache" / "briefing" / "feeds.json").unlink()
    before = content_files(root)
    third = ingest_cli(root, "r3.json")
    assert sum(f["new"] for f in third.values()) == 0
    assert third["Harbor Digest"]["updated"] == 1  # the turbine article, as before the edit
    assert set(content_files(root)) == set(before)


@pytest.mark.slow
def test_a_gone_feed_is_asked_once_until_its_entry_changes(
    empty_root: Path, server: FaultServer
) -> None:
    root = empty_root
    feeds: list[dict[str, object]] = [
        {"name": "Marrow Bay Ledger", "url": server.add("/good.xml", GOOD_RSS)},
        {"name": "Retired Gazette", "url": server.url("/status/410"), "tags": ["harbour"]},
    ]
    write_feeds(root, feeds)
    first = ingest_cli(root, "r1.json")
    assert first["Retired Gazette"]["status"] == "gone"
    assert "HTTP 410" in first["Retired Gazette"]["error"]
    second = ingest_cli(root, "r2.json")
    assert len(server.seen("/status/410")) == 1  # two runs, one request
    assert len(server.seen("/good.xml")) == 2
    assert second["Retired Gazette"]["status"] == "gone"
    assert "not fetched: it answered 410 Gone on 20" in second["Retired Gazette"]["error"]
    assert second["Retired Gazette"]["consecutive_failures"] == 1  # not asked, not counted

    # `briefing check` names the entry's line as a warning and still passes.
    line = next(
        i
        for i, text in enumerate((root / "content/feeds.yml").read_text().splitlines(), 1)
        if "Retired Gazette" in text
    )
    check = run(root, "check")
    assert check.code == 0, check.out
    assert f"content/feeds.yml:{line}: warning: feed 'Retired Gazette' answered 410 Gone on" in (
        check.out
    )
    assert "no errors (1 warning)" in check.out
    github = run(root, "check", "--format", "github")
    assert f"::warning file=content/feeds.yml,line={line}::feed 'Retired Gazette'" in github.out
    assert github.code == 0

    # The health page says since when.
    assert run(root, "render").code == 0
    health = (root / "docs" / "health.md").read_text(encoding="utf-8")
    row = next(r for r in health.splitlines() if "Retired Gazette" in r)
    assert "gone since " in row and "no longer fetched" in row

    # Any edit to the entry (here its tags) is a new chance: asked once more, gone again.
    feeds[1]["tags"] = ["harbour", "archive"]
    write_feeds(root, feeds)
    ingest_cli(root, "r3.json")
    assert len(server.seen("/status/410")) == 2
    ingest_cli(root, "r4.json")
    assert len(server.seen("/status/410")) == 2

    # A new url that works clears it everywhere.
    feeds[1]["url"] = server.add("/moved.xml", GOOD_RSS)
    write_feeds(root, feeds)
    fifth = ingest_cli(root, "r5.json")
    assert fifth["Retired Gazette"]["status"] == "ok"
    check = run(root, "check")
    assert check.code == 0 and "warning" not in check.out and "no problems" in check.out
    state = json.loads((root / ".cache/briefing/feeds.json").read_text())
    assert state["feeds"]["Retired Gazette"]["gone_since"] == ""


class HangingResolver:
    """A resolver stub: ``hang.invalid`` blocks until released; other names resolve locally
    (only 127.0.0.1 literals are used, so nothing ever reaches a real resolver)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(host)
        if host == "hang.invalid":
            self.release.wait(60)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def test_a_hanging_resolver_is_cut_by_the_deadline(empty_root: Path, server: FaultServer) -> None:
    root = empty_root
    write_feeds(
        root,
        [
            {"name": "Hanging resolver", "url": "http://hang.invalid/feed.xml"},
            {"name": "Marrow Bay Ledger", "url": server.add("/good.xml", GOOD_RSS)},
            {"name": "Unknown host", "url": "http://nowhere.invalid/feed.xml"},
        ],
    )
    resolver = HangingResolver()
    limits = Limits(deadline=1.5, connect_timeout=10.0, read_timeout=10.0)
    client = make_client(limits, resolve=resolver)
    started = time.monotonic()
    try:
        report = ingest(load_site(root), datetime.now(UTC), limits, client=client)
    finally:
        elapsed = time.monotonic() - started
        resolver.release.set()
        client.close()
    assert elapsed < limits.deadline + 1.0, elapsed
    results = {r.feed: r for r in report.results}
    hanging = results["Hanging resolver"]
    assert hanging.status == "failed"
    assert "deadline" in hanging.error and "hang.invalid" in hanging.error, hanging.error
    assert results["Marrow Bay Ledger"].status == "ok" and results["Marrow Bay Ledger"].new == 3
    assert results["Unknown host"].status == "failed"
    assert "could not resolve 'nowhere.invalid'" in results["Unknown host"].error
    assert "hang.invalid" in resolver.asked and "127.0.0.1" not in resolver.asked


def test_names_are_still_looked_up_and_every_address_tried(server: FaultServer) -> None:
    """The real resolver path: ``localhost`` through getaddrinfo (no network: /etc/hosts),
    where ``::1`` may come first and refuse (the server listens on 127.0.0.1 only)."""
    url = server.add("/good.xml", GOOD_RSS).replace("127.0.0.1", "localhost")
    limits = Limits(deadline=5.0)
    with make_client(limits) as client:
        fetched = fetch_http(Feed("Local", url), client, limits)
    assert fetched.data == GOOD_RSS
    assert server.seen("/good.xml")[-1].headers["host"].startswith("localhost:")
