"""Topic feeds: each source, publisher and tag page has its own RSS feed of its latest
articles, linked from the page's head and body, valid with hostile text, listed in the OPML,
and rewritten only when its articles change."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from conftest import HOSTILE_FEED, HOSTILE_TAGS
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from briefing.models import Article, Feed, SiteConfig
from briefing.pages.feeds_out import RSS_LIMIT
from briefing.pages.pagekeys import PageKeys
from briefing.pages.render import plan_pages, write_pages
from briefing.store.files import write_if_changed

T0 = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
FEEDS = (Feed("Harbor Desk", "https://harbor-desk.example/feed.xml"),)


def config(root: Path = Path("/nonexistent"), **changes: object) -> SiteConfig:
    values: dict[str, object] = {"root": root, "site_name": "Topic Briefing", "feeds": FEEDS}
    return SiteConfig(**(values | changes))  # type: ignore[arg-type]


def article(n: int, **changes: object) -> Article:
    published = T0 - timedelta(hours=n)
    values: dict[str, object] = {
        "id": f"https://harbor-desk.example/{n}",
        "title": f"Harbor story number {n}",
        "publisher": "Harbor Desk",
        "link": f"https://harbor-desk.example/{n}",
        "published": published,
        "first_seen": published,
        "feeds": ("Harbor Desk",),
        "tags": ("harbor",) + (("ferries",) if n % 3 == 0 else ()),
        "body": f"The analysis of story {n}.\n",
        "path": f"content/articles/{published:%Y/%m}/story-{n}.md",
    }
    return Article(**(values | changes))  # type: ignore[arg-type]


def parsed(text: str | None) -> feedparser.FeedParserDict:
    assert text is not None
    result = feedparser.parse(text.encode("utf-8"))
    assert result.bozo == 0, result.get("bozo_exception")
    return result


def test_a_tag_feed_lists_only_that_tags_latest_articles() -> None:
    articles = [article(n) for n in range(70)]
    pages = plan_pages(config(site_url="https://topics.example/b/"), articles)
    ferries = parsed(pages["tags/ferries.xml"])
    expected = [a for a in articles if "ferries" in a.tags]
    assert [e.title for e in ferries.entries] == [a.title for a in expected]  # newest first
    assert ferries.feed.title == "#ferries · Topic Briefing"
    assert ferries.feed.link == "https://topics.example/b/tags/ferries/"
    assert ferries.entries[0].link == "https://topics.example/b/articles/2026/11/story-0/"
    harbor = parsed(pages["tags/harbor.xml"])
    assert [e.title for e in harbor.entries] == [a.title for a in articles[:RSS_LIMIT]]


def test_source_and_publisher_pages_link_their_own_feeds() -> None:
    pages = plan_pages(config(), [article(0), article(1, publisher="Other Desk")])
    for doc in ("feeds/harbor-desk.md", "publishers/other-desk.md", "tags/harbor.md"):
        feed = doc.removesuffix(".md") + ".xml"
        _, meta = get_data(pages[doc])
        assert meta["briefing_feed"] == feed  # the theme puts it in the page's head
        name = posixpath.basename(feed)
        assert f'<a href="../{name}" type="application/rss+xml">RSS feed</a>' in pages[doc]
    assert [e.title for e in parsed(pages["publishers/other-desk.xml"]).entries] == [
        "Harbor story number 1"
    ]
    # Without site_url, items link to the originals and the channel to its page, relatively.
    plain = parsed(pages["feeds/harbor-desk.xml"])
    assert plain.entries[0].link == "https://harbor-desk.example/0"
    assert "archive/2026/11.xml" not in pages  # month pages have no feed of their own


def test_the_opml_lists_the_briefings_own_feeds() -> None:
    articles = [article(0), article(1, publisher="Other Desk")]
    for site_url, prefix in (("https://topics.example/b/", "https://topics.example/b/"), ("", "")):
        pages = plan_pages(config(site_url=site_url), articles)
        body = ET.fromstring(pages["feeds.opml"]).find("body")
        assert body is not None
        followed, own = body.findall("outline")
        assert followed.get("xmlUrl") == "https://harbor-desk.example/feed.xml"
        listed = {o.get("xmlUrl"): o.get("text") for o in own.findall("outline")}
        assert listed == {
            f"{prefix}feed.xml": "All articles",
            f"{prefix}feeds/harbor-desk.xml": "Harbor Desk",
            f"{prefix}tags/ferries.xml": "#ferries",
            f"{prefix}tags/harbor.xml": "#harbor",
            f"{prefix}publishers/harbor-desk.xml": "Harbor Desk",
            f"{prefix}publishers/other-desk.xml": "Other Desk",
        }
        for url in listed:
            assert url is not None and url.removeprefix(prefix) in pages


HOSTILE = [*HOSTILE_TAGS, '<script>alert("x")</script> & "quotes"', "]]> <![CDATA[ x", "{{ 7*7 }}"]
PLAIN = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)


@settings(max_examples=60, deadline=None)
@given(title=st.sampled_from(HOSTILE) | PLAIN, tag=st.sampled_from(HOSTILE) | PLAIN)
def test_hostile_text_in_a_topic_feed_stays_text(title: str, tag: str) -> None:
    a = article(0, title=title, publisher=title, tags=(tag,), feeds=(title,))
    pages = plan_pages(config(feeds=()), [a])
    feeds = [p for p in pages if p.endswith(".xml") and "/" in p and not p.endswith("sitemap.xml")]
    assert len(feeds) == 3  # its source, its publisher and its tag
    for path in feeds:
        assert len(parsed(pages[path]).entries) == 1
        # Exactly the text, as an XML parser reads it (feedparser also "repairs" some text
        # that looks mis-decoded, such as "Â¡", so it is not the judge of exactness).
        item = ET.fromstring(pages[path] or "").find("channel/item")
        assert item is not None
        assert item.findtext("title") == title
        assert [c.text for c in item.findall("category")] == [tag]


def test_a_topic_feed_is_rewritten_only_when_its_articles_change(tmp_path: Path) -> None:
    site = config(tmp_path)
    articles = [article(n) for n in range(6)]
    keys = PageKeys(site)
    write_pages(site.docs_dir, plan_pages(site, articles, None, keys))
    keys.save()
    # An analysis edited in an article tagged harbor only (not ferries).
    articles[1] = article(1, body="An editor rewrote this analysis.\n")
    keys = PageKeys(site)
    pages = plan_pages(site, articles, None, keys)
    assert pages["tags/ferries.xml"] is None  # unchanged: the file is left as it is
    assert pages["tags/harbor.xml"] is not None
    assert "An editor rewrote this analysis." in pages["tags/harbor.xml"]


def test_a_topic_feed_without_its_page_is_removed(tmp_path: Path) -> None:
    write_pages(tmp_path, plan_pages(config(), [article(0), article(1, tags=("gone",))]))
    assert (tmp_path / "tags" / "gone.xml").is_file()
    write_if_changed(tmp_path / "tags" / "keep-me.txt", "not render's")
    write_pages(tmp_path, plan_pages(config(), [article(0)]))
    assert not (tmp_path / "tags" / "gone.xml").exists()
    assert (tmp_path / "tags" / "keep-me.txt").is_file()


# -- built sites ---------------------------------------------------------------------------


class Links(HTMLParser):
    """A page's RSS links: (where, title, href) for <link rel=alternate> and visible <a>."""

    def __init__(self) -> None:
        super().__init__()
        self.rss: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if values.get("type") == "application/rss+xml":
            self.rss.append((tag, values.get("title", ""), values.get("href", "")))


def links_of(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def topic_pages(site: Path) -> list[Path]:
    return [
        page
        for folder in ("feeds", "publishers", "tags")
        for page in sorted((site / folder).glob("*/index.html"))
    ]


@pytest.mark.slow
def test_every_source_publisher_and_tag_page_of_the_demo_links_its_feed(
    built_demo: Path,
) -> None:
    site = built_demo / "site"
    pages = topic_pages(site)
    assert len(pages) >= 10
    for page in pages:
        rss = links_of(page).rss
        own = [(tag, href) for tag, _, href in rss if not href.endswith("/feed.xml")]
        assert [tag for tag, _ in own] == ["link", "a"], page  # in the head, and visible
        base = page.parent.relative_to(site).as_posix()
        for _, href in own:
            assert posixpath.normpath(posixpath.join(base, href)) == base + ".xml"
        feed = parsed((site / (base + ".xml")).read_text(encoding="utf-8"))
        assert 1 <= len(feed.entries) <= RSS_LIMIT
        listed = page.read_text(encoding="utf-8")
        for entry in feed.entries:
            assert entry.title.replace("&", "&amp;") in listed.replace("&#x27;", "'"), page


@pytest.mark.slow
def test_topic_feeds_of_a_hostile_site_stay_text(hostile_site: Path) -> None:
    site = hostile_site / "site"
    titles = set()
    for page in topic_pages(site):
        base = page.parent.relative_to(site).as_posix()
        feed = parsed((site / (base + ".xml")).read_text(encoding="utf-8"))
        own = [(tag, title) for tag, title, href in links_of(page).rss if href.endswith(".xml")]
        head = [title for tag, title in own if tag == "link" and title != SITE_FEED]
        # The head link's title is the channel's title, the same text once parsed.
        assert head == [f"{feed.feed.title} (RSS)"], page
        titles.add(feed.feed.title.removesuffix(" · Marrow Bay Tidal Briefing (fictional demo)"))
    assert {f"#{tag}" for tag in HOSTILE_TAGS} <= titles
    assert HOSTILE_FEED in titles


SITE_FEED = "Marrow Bay Tidal Briefing (fictional demo) (RSS)"


def test_a_topic_feeds_folder_answers_materials_sitemap_request() -> None:
    """Material fetches sitemap.xml beside each <link rel="alternate"> of a page: each folder
    of topic feeds has an empty, valid one, so a reader's browser never meets a 404."""
    import xml.etree.ElementTree as ET

    pages = plan_pages(config(), [article(0)])
    for folder in ("feeds", "publishers", "tags"):
        root = ET.fromstring(pages[f"{folder}/sitemap.xml"].encode("utf-8"))
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        assert list(root) == []
