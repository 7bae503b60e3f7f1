"""Acceptance: `briefing ingest` against a loopback server with every fault plus good feeds.

Every good item is stored exactly once, each bad feed is reported by name and reason, the run
ends in well under two minutes with exit 0; a second run changes no file; editors' deletions
and analyses survive; the built site carries no script from feed text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, run, write_feeds
from faultserver import FaultServer

from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow

FEEDS = FIXTURES / "feeds"
HTML = b"<!doctype html><html><head><title>Not a feed</title></head><body>Hi</body></html>"

# name -> expected (status, new articles, fragment of the reason or "")
GOOD = {
    "Marrow Bay Ledger": ("ok", 3, ""),
    "Tidewater Gazette": ("ok", 2, ""),
    "Gull Point Wire": ("ok", 1, ""),
    "Coastal Digest": ("ok", 0, ""),  # its items are Gull Point Wire's article again
    "Hostile Herald": ("ok", 5, ""),
    "Broken Buoy": ("ok", 2, ""),
    "Cafe Gazette": ("ok", 1, ""),
    "Smorrebrod Times": ("ok", 1, ""),
    "Entity bomb": ("ok", 1, ""),
}
BAD = {
    "Missing": ("failed", 0, "HTTP 404"),
    "Server error": ("failed", 0, "HTTP 500"),
    "Retired": ("gone", 0, "HTTP 410"),
    "Rate limited": ("skipped", 0, "HTTP 429 Too Many Requests; Retry-After: 3600"),
    "Unavailable": ("skipped", 0, "HTTP 503"),
    "Hanging": ("failed", 0, "deadline"),
    "Trickling": ("failed", 0, "deadline"),
    "Redirect loop": ("failed", 0, "more than 5 redirects"),
    "Endless": ("failed", 0, "body larger than"),
    "Gzip bomb": ("failed", 0, "body larger than"),
    "Web page": ("failed", 0, "not an RSS or Atom feed"),
}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(max_stall=30) as s:
        yield s


def setup_feeds(root: Path, s: FaultServer) -> None:
    def fixture(name: str, content_type: str = "application/rss+xml; charset=utf-8") -> str:
        return s.add(f"/feeds/{name}", (FEEDS / name).read_bytes(), Content_Type=content_type)

    urls = {
        "Marrow Bay Ledger": s.add(
            "/feeds/good-rss.xml", (FEEDS / "good-rss.xml").read_bytes(), ETag='"r1"'
        ),
        "Tidewater Gazette": fixture("good-atom.xml", "application/atom+xml"),
        "Gull Point Wire": fixture("dup-a.xml"),
        "Coastal Digest": fixture("dup-b.xml"),
        "Hostile Herald": fixture("hostile.xml"),
        "Broken Buoy": fixture("malformed.xml"),
        "Cafe Gazette": fixture("wrong-charset.xml"),
        "Smorrebrod Times": fixture("no-charset.xml", "application/rss+xml"),
        "Entity bomb": s.url("/entity-bomb"),
        "Missing": s.url("/status/404"),
        "Server error": s.url("/status/500"),
        "Retired": s.url("/status/410"),
        "Rate limited": s.url("/status/429/3600"),
        "Unavailable": s.url("/status/503"),
        "Hanging": s.url("/hang"),
        "Trickling": s.url("/trickle"),
        "Redirect loop": s.url("/loop/0"),
        "Endless": s.url("/endless"),
        "Gzip bomb": s.url("/gzip-bomb"),
        "Web page": s.add("/page.html", HTML, Content_Type="text/html"),
    }
    write_feeds(root, [{"name": n, "url": u} for n, u in urls.items()])


def ingest(root: Path, report: str = "report.json") -> tuple[dict[str, dict[str, object]], str]:
    started = time.monotonic()
    result = run(root, "ingest", "--timeout", "4", "--report", report, env={"CI": "true"})
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    assert elapsed < 120
    data = json.loads((root / report).read_text(encoding="utf-8"))
    return {f["feed"]: f for f in data["feeds"]}, result.err + result.out


def articles(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        assert article.id not in found, f"{article.id} twice: {found.get(article.id)}, {path}"
        found[article.id] = path
    return found


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted((root / "content").rglob("*"))
        if p.is_file()
    }


def test_every_fault_is_reported_and_every_good_item_stored_once(
    empty_root: Path, server: FaultServer
) -> None:
    root = empty_root
    setup_feeds(root, server)
    feeds, output = ingest(root)
    for name, (status, new, reason) in {**GOOD, **BAD}.items():
        assert feeds[name]["status"] == status, (name, feeds[name])
        assert feeds[name]["new"] == new, (name, feeds[name])
        assert reason in str(feeds[name]["error"]), (name, feeds[name])
        if status != "ok":
            assert f"feed {name!r} {status}: {feeds[name]['error']}" in output
            assert feeds[name]["consecutive_failures"] == 1
    assert feeds["Rate limited"]["retry_after"]
    assert feeds["Coastal Digest"]["updated"] == 1
    assert feeds["Hostile Herald"]["skipped_entries"] == 2  # javascript: and data: links
    for name in ("Broken Buoy", "Cafe Gazette", "Entity bomb"):
        assert feeds[name]["malformed"], name
    assert "ingested 16 new articles from 20 feeds (9 ok, 0 not modified, 2 skipped, 9 failed)" in (
        output
    )

    stored = {
        parse_article(p.read_text(encoding="utf-8"), p).id: p for p in articles(root).values()
    }
    assert len(stored) == 16
    by_title = {
        a.title: a
        for a in (parse_article(p.read_text(encoding="utf-8"), p) for p in stored.values())
    }
    seawall = by_title["Seawall repairs to start in January"]
    assert seawall.feeds == ("Gull Point Wire", "Coastal Digest")
    assert by_title["Café owners welcome the “quiet zone”"].publisher == "Café Gazette (fictional)"
    assert "Smørrebrød festival returns to the quay" in by_title
    assert "Fishers & growers meet on quota" in by_title
    # Hostile text is plain text, kept literally, and reads back exactly from YAML.
    assert "Pier vote" in by_title
    assert by_title["Pier vote"].snippet == "Quoted text ends here."
    assert '{{ config.site_name }} and {% include "x" %} in a headline' in by_title
    assert "--- title: injected ---" in by_title
    assert '!!! note "Injected admonition"' in by_title
    assert by_title['!!! note "Injected admonition"'].snippet == '--8<-- "/etc/passwd"'
    assert "Harbor notice {: onclick=x}" in by_title
    bomb = [a for a in by_title.values() if a.link == "https://bomb.example/a"]
    assert len(bomb) == 1 and "lol" * 10 not in bomb[0].title + bomb[0].snippet
    assert by_title["Council opens consultation on the east pier"].link == server.url(
        "/2026/10/east-pier"
    )
    check = run(root, "check")
    assert check.code == 0, check.out

    # Second run: nothing changes; the ETag feed answers 304, the others the same bytes as
    # last time (not stored again); the 429 feed is not even asked.
    before = snapshot(root)
    asked = len(server.seen("/status/429/3600"))
    feeds, output = ingest(root, "report2.json")
    assert snapshot(root) == before
    assert feeds["Marrow Bay Ledger"]["status"] == "not-modified"
    assert feeds["Gull Point Wire"]["status"] == "not-modified"
    assert server.seen("/feeds/good-rss.xml")[-1].headers["if-none-match"] == '"r1"'
    assert len(server.seen("/status/429/3600")) == asked
    assert feeds["Rate limited"]["status"] == "skipped"
    assert "Retry-After" in str(feeds["Rate limited"]["error"])
    assert feeds["Missing"]["consecutive_failures"] == 2
    assert "(2nd failure in a row)" in output
    assert "ingested 0 new articles" in output

    # An editor deletes one article and writes an analysis in another: both survive a run.
    deleted = stored["https://ledger.marrow-bay.example/2026/11/turbine-pilot"]
    deleted.unlink()
    edited = stored["tag:tidewater-gazette.example,2026:lighthouse"]
    edited.write_text(
        edited.read_text(encoding="utf-8") + "The keeper's cottage is next.  \n\n- a list\n",
        encoding="utf-8",
    )
    edited_bytes = edited.read_bytes()
    (root / ".cache" / "briefing" / "feeds.json").unlink()  # no validators: full fetch
    ingest(root, "report3.json")
    assert not deleted.exists()
    assert edited.read_bytes() == edited_bytes
    assert len(articles(root)) == 15

    # The built site: feed text never became script, a template or a Markdown directive.
    build = run(root, "build")
    assert build.code == 0, build.err
    site = root / "site"
    for path in site.rglob("*"):
        if path.suffix not in {".html", ".xml", ".json", ".txt", ".opml"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "alert(" not in text, path
        assert "onerror=" not in text, path
        assert "javascript:" not in text, path
        assert 'onclick="x"' not in text and "onclick=x>" not in text, path
    pages = {
        p: p.read_text(encoding="utf-8")
        for p in site.rglob("index.html")
        if "in a headline" in p.read_text(encoding="utf-8")
    }
    article_pages = [t for t in pages.values() if 'class="briefing-headline"' in t]
    assert article_pages, "the {{ }} article has no page"
    assert any("{{ config.site_name }}" in t for t in article_pages)
    admonition = [
        p.read_text(encoding="utf-8")
        for p in site.rglob("index.html")
        if "Injected admonition" in p.read_text(encoding="utf-8")
    ]
    assert admonition and not any('class="admonition' in t for t in admonition)
    assert any("--8&lt;--" in t or "--8<--" in t for t in admonition)
