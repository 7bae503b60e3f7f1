"""The pure part of rendering: articles in, ``{docs path: text}`` out, checked page by page."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from briefing.models import Article, Feed, SiteConfig
from briefing.pages.feeds_out import RSS_LIMIT
from briefing.pages.listings import LISTING_LIMIT
from briefing.pages.render import plan_pages, write_pages
from briefing.paths import doc_url
from briefing.store.state import FeedState

T0 = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
FEEDS = (
    Feed("Harbor Desk", "https://harbor-desk.example/feed.xml", ("harbor",)),
    Feed("Quiet Feed", "feeds/quiet.rss"),
)


def config(**changes: object) -> SiteConfig:
    values: dict[str, object] = {
        "root": Path("/nonexistent"),
        "site_name": "Test Briefing (fictional)",
        "feeds": FEEDS,
        "repo_url": "https://github.com/example-org/briefing-test",
    }
    return SiteConfig(**(values | changes))  # type: ignore[arg-type]


def article(n: int = 0, **changes: object) -> Article:
    published = T0 - timedelta(hours=7 * n)
    values: dict[str, object] = {
        "id": f"https://harbor-desk.example/{n}",
        "title": f"Harbor story number {n}",
        "publisher": "Harbor Desk",
        "link": f"https://harbor-desk.example/{n}?a=1&b=2",
        "published": published,
        "first_seen": published,
        "feeds": ("Harbor Desk",),
        "snippet": f"What happened at the harbor, part {n}.",
        "tags": ("harbor", "energy"),
        "publisher_url": "https://harbor-desk.example",
        "body": f"The analysis of story {n}. It weighs what the decision means.\n\nMore.\n",
        "path": f"content/articles/{published:%Y/%m}/story-{n}.md",
    }
    return Article(**(values | changes))  # type: ignore[arg-type]


def split(page: str) -> tuple[dict[str, object], str]:
    """Front matter and body, read the way MkDocs reads them."""
    body, meta = get_data(page)
    return meta, body


def links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


def test_the_article_page_has_the_eight_elements_in_order() -> None:
    a = article()
    page = plan_pages(config(), [a])["articles/2026/11/story-0.md"]
    order = [
        '<nav class="briefing-back"><a href="../../../../feeds/harbor-desk/">← Harbor Desk</a>',
        '<h1 class="briefing-headline">Harbor story number 0</h1>',
        '<a class="briefing-publisher" href="../../../../publishers/harbor-desk/">Harbor Desk</a>',
        '<time datetime="2026-11-03T14:05:00+00:00">3 Nov 2026, 14:05 UTC</time>',
        '<blockquote class="briefing-snippet"><p>What happened at the harbor, part 0.</p>',
        "The analysis of story 0.",
        '<a href="https://harbor-desk.example/0?a=1&amp;b=2" rel="noopener nofollow"',
        '<span class="briefing-domain">harbor-desk.example</span>',
        '<section class="briefing-related"',
        '<a class="briefing-tag" href="../../../../tags/harbor/">harbor</a>',
        'href="https://github.com/example-org/briefing-test/edit/main/content/articles/2026/11/story-0.md"',
    ]
    positions = [page.index(part) for part in order]
    assert positions == sorted(positions)


def test_time_is_shown_in_the_sites_time_zone() -> None:
    page = plan_pages(config(timezone="Pacific/Auckland"), [article()])
    text = page["articles/2026/11/story-0.md"]
    assert '<time datetime="2026-11-04T03:05:00+13:00">4 Nov 2026, 03:05 NZDT</time>' in text


def test_a_snippet_that_repeats_the_headline_is_dropped() -> None:
    repeats = article(snippet="Harbor story number 0 Harbor Desk")
    page = plan_pages(config(), [repeats])["articles/2026/11/story-0.md"]
    assert "briefing-snippet" not in page
    kept = article(snippet="Harbor story number 0: the board said no")
    assert "briefing-snippet" in plan_pages(config(), [kept])["articles/2026/11/story-0.md"]


HOSTILE = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "{{ config.site_name }} {% raw %}",
    "---\ntitle: injected\n---",
    "\"quoted: 'colon'\" # hash",
]


@settings(max_examples=60, deadline=None)
@given(
    title=st.sampled_from(HOSTILE) | st.text(min_size=1, max_size=80),
    snippet=st.sampled_from(HOSTILE) | st.text(max_size=120),
    tag=st.sampled_from(HOSTILE) | st.text(min_size=1, max_size=20),
)
def test_feed_text_is_inert_in_every_page(title: str, snippet: str, tag: str) -> None:
    a = article(title=title, snippet=snippet, tags=(tag,), publisher=title or "P")
    pages = plan_pages(config(), [a])
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        meta, body = split(text)
        assert meta["briefing_generated"] is True
        assert set(meta) <= {"title", "briefing_source", "hide", "description", "search"} | {
            "briefing_generated",
            "briefing_published",  # link previews (previews.py)
            "briefing_feed",  # a listing's topic feed
        }
        for value in (meta.get("title"), meta.get("description")):
            assert value is None or "<" not in str(value)
        assert "<script" not in body
        assert "onerror=" not in body.replace("onerror=alert", "") or "&lt;img" in body
    assert re.search(r"<img|<script", pages["articles/2026/11/story-0.md"]) is None


def test_every_link_between_generated_pages_resolves() -> None:
    articles = [article(n, tags=("harbor", f"t{n % 3}")) for n in range(12)]
    articles.append(article(99, feeds=("Gone Feed",), publisher="Other Desk"))
    pages = plan_pages(config(), articles)
    targets = {doc_url(p) for p in pages if p.endswith(".md")}
    files = {p for p in pages if not p.endswith(".md")}  # feeds
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        for link in links(text):
            if link.startswith("https://"):
                continue
            resolved = posixpath.normpath(posixpath.join(doc_url(path), link))
            if resolved in files:
                continue
            resolved = "" if resolved == "." else resolved + "/"
            assert resolved in targets, f"{path}: {link}"


def test_archive_has_one_page_per_month_in_local_time() -> None:
    late_october = article(1, published=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    pages = plan_pages(config(), [article(0), late_october])
    assert {"archive/2026/11.md", "archive/2026/10.md", "archive/index.md"} <= set(pages)
    assert "Harbor story number 1" in pages["archive/2026/10.md"]
    assert "Harbor story number 1" not in pages["archive/2026/11.md"]
    nz = plan_pages(config(timezone="Pacific/Auckland"), [article(0), late_october])
    assert "archive/2026/10.md" not in nz  # it was already November in Auckland
    assert "November 2026" in nz["archive/index.md"]


def test_home_is_bounded_and_links_to_the_archive() -> None:
    articles = [article(n) for n in range(30)]
    home = plan_pages(config(home_limit=10), articles)["index.md"]
    assert home.count('class="briefing-item"') == 10
    assert "The latest 10 of 30 articles" in home
    assert 'href="archive/"' in home
    titles = re.findall(r'class="briefing-item-title" href="[^"]+">([^<]+)<', home)
    assert titles == [f"Harbor story number {n}" for n in range(10)]  # newest first


def test_long_listings_are_capped_and_point_to_the_archive() -> None:
    articles = [article(n) for n in range(LISTING_LIMIT + 5)]
    pages = plan_pages(config(), articles)
    feed = pages["feeds/harbor-desk.md"]
    assert feed.count('class="briefing-item"') == LISTING_LIMIT
    assert f"{LISTING_LIMIT + 5} articles; the latest {LISTING_LIMIT} are listed here" in feed
    months = [p for p in pages if p.startswith("archive/2026/")]
    total = sum(pages[m].count('class="briefing-item"') for m in months)
    assert total == LISTING_LIMIT + 5  # the archive holds every article


def test_publisher_and_tag_pages() -> None:
    pages = plan_pages(config(), [article(0), article(1, publisher="Other Desk", tags=("x",))])
    assert "Harbor story number 1" in pages["publishers/other-desk.md"]
    assert "Harbor story number 1" not in pages["publishers/harbor-desk.md"]
    assert "Harbor story number 0" in pages["tags/energy.md"]
    assert "Harbor story number 1" in pages["tags/x.md"]
    assert pages["tags/index.md"].count('class="briefing-item"') == 3
    for listing in ("index.md", "archive/index.md", "tags/x.md", "publishers/index.md"):
        assert split(pages[listing])[0].get("search") == {"exclude": True}


def test_feed_health_says_when_there_is_no_state_yet() -> None:
    page = plan_pages(config(), [article()])["health.md"]
    assert "No feed state yet" in page
    assert page.count("not fetched yet") == 2


def test_feed_health_shows_each_feeds_last_fetch_and_error() -> None:
    states = {
        "Harbor Desk": FeedState(last_success="2026-11-03T15:00:00Z", last_attempt="x"),
        "Quiet Feed": FeedState(
            last_success="2026-11-01T09:00:00Z",
            last_error="HTTP 503 <b>down</b>",
            consecutive_failures=3,
        ),
    }
    page = plan_pages(config(), [article(0), article(1)], states)["health.md"]
    rows = re.findall(r"<tr class=\"(\w+(?:-\w+)?)\">(.*?)</tr>", page)
    assert [r[0] for r in rows] == ["briefing-ok", "briefing-failing"]
    assert "3 Nov 2026, 15:00 UTC" in rows[0][1]
    assert "<td>2</td>" in rows[0][1]
    assert "failing (3 times in a row)" in rows[1][1]
    assert "HTTP 503 &lt;b&gt;down&lt;/b&gt;" in rows[1][1]


def test_rss_holds_the_latest_articles_and_parses_back() -> None:
    articles = [article(n) for n in range(RSS_LIMIT + 10)]
    articles[0] = article(0, title='<script>alert("x")</script> & \x0b"quotes"')
    rss = plan_pages(config(site_url="https://briefing.example/sub/"), articles)["feed.xml"]
    parsed = feedparser.parse(rss.encode("utf-8"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == RSS_LIMIT
    assert parsed.entries[0].title == '<script>alert("x")</script> & "quotes"'
    assert parsed.entries[1].link == "https://briefing.example/sub/articles/2026/11/story-1/"
    # What the article says (its snippet, more than the headline), not the briefing's notes.
    assert parsed.entries[1].summary == "Harbor Desk: What happened at the harbor, part 1."
    # Without site_url, items link to the original articles (a feed needs absolute links).
    plain = feedparser.parse(plan_pages(config(), articles)["feed.xml"].encode("utf-8"))
    assert plain.entries[1].link == "https://harbor-desk.example/1?a=1&b=2"
    # ... without tracking parameters.
    tracked = article(1, link="https://harbor-desk.example/1?utm_source=rss&a=1")
    plain = feedparser.parse(plan_pages(config(), [tracked])["feed.xml"].encode("utf-8"))
    assert plain.entries[0].link == "https://harbor-desk.example/1?a=1"


def test_opml_lists_every_feed() -> None:
    opml = ET.fromstring(plan_pages(config(), [])["feeds.opml"])
    outlines = [o for o in opml.findall("./body/outline") if o.get("type")]
    assert [o.get("text") for o in outlines] == [f.name for f in FEEDS]
    assert outlines[0].get("xmlUrl") == "https://harbor-desk.example/feed.xml"


def test_write_pages_removes_what_is_no_longer_planned(tmp_path: Path) -> None:
    old = plan_pages(config(), [article(0), article(1, published=datetime(2026, 9, 1, tzinfo=UTC))])
    write_pages(tmp_path, old)
    assert (tmp_path / "archive" / "2026" / "09.md").is_file()
    new = plan_pages(config(), [article(0)])
    written, removed = write_pages(tmp_path, new)
    assert not (tmp_path / "archive" / "2026" / "09.md").exists()
    assert removed >= 2  # the article page and its month page
    assert written < len(new)  # unchanged pages were not rewritten


def test_an_article_page_lists_the_reports_nearest_in_time_and_links_the_whole_story() -> None:
    """A story covered by 30 outlets: each article page lists the RELATED_LIMIT other
    outlets' reports nearest to it in time (a page of every other report grew with the
    story's size squared over its pages), and links the story page, which lists them all."""
    from briefing.pages.storypages import RELATED_LIMIT

    story = [
        article(n, publisher=f"Desk {n}", extra={"story": "harbor-vote-a1b2c3"}) for n in range(30)
    ]
    pages = plan_pages(config(), story)
    middle = story[15]
    page = pages[f"articles/{middle.published:%Y/%m}/story-15.md"]
    listed = re.findall(r'<li><a href="[^"]*">(Harbor story number \d+)</a>', page)
    assert len(listed) == RELATED_LIMIT
    assert listed == [f"Harbor story number {n}" for n in (19, 18, 17, 16, 14, 13, 12, 11)]
    assert "The whole story: 30 reports in time order" in page
    whole = pages["stories/harbor-vote-a1b2c3.md"]
    assert all(f"Harbor story number {n}<" in whole for n in range(30))


def test_a_story_page_gives_the_opening_of_its_first_reports_analysis_not_all_of_it() -> None:
    """The analysis is on the first report's page, where it is edited; the story page shows
    its opening and links there (repeated whole, it was a ninth of a big briefing's site)."""
    body = (
        "The harbor board's vote <b>moves</b> the berth plan into its costliest phase. "
        + "It hinges on the tide.\n\n"
        + "Second paragraph, only on the article page. " * 20
    )
    story = [
        article(n, publisher=f"Desk {n}", body=body, extra={"story": "harbor-vote-a1b2c3"})
        for n in range(3)
    ]
    pages = plan_pages(config(), story)
    page = pages["stories/harbor-vote-a1b2c3.md"]
    lead = min(story, key=lambda a: a.published)
    lede = re.search(
        r'"briefing-lede">From the analysis of the first report, <a href="([^"]+)"', page
    )
    assert lede and lede.group(1) == f"../../articles/{lead.published:%Y/%m}/story-2/"
    assert '<p class="briefing-excerpt">The harbor board&#39;s vote moves the berth plan' in page
    assert "<b>" not in page  # plain text, escaped
    assert page.count("Second paragraph") < 5  # its opening, cut at a word
    assert "Second…</p>" in page
    assert "edit/main/content" not in page  # edited on the article's page
    assert pages[f"articles/{lead.published:%Y/%m}/story-2.md"].count("Second paragraph") == 20
    no_analysis = [replace(a, body="") for a in story]
    empty = plan_pages(config(), no_analysis)["stories/harbor-vote-a1b2c3.md"]
    assert "No analysis has been written for this story yet." in empty
