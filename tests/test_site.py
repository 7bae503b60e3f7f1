"""The built demo site (real ingest, real MkDocs build): links, feeds out, nav, search, 404."""

from __future__ import annotations

import gzip
import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml
from conftest import DEMO, run

from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow

SITE_URL = "https://briefing.example/marrow/"
REPO_URL = "https://github.com/example-org/marrow-bay-briefing"
NAV = ["Home", "Archive", "Sources", "Publishers", "Tags", "Feed health", "About"]


class Refs(HTMLParser):
    """Every URL a page links to or loads, with the tag and attribute it came from."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.alternates: list[tuple[str, str]] = []
        self.nav: list[str] = []
        self._in_tab = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for attr in ("href", "src", "action", "poster", "srcset", "data"):
            if attr in values:
                self.refs.append((tag, attr, values[attr]))
        if tag == "link" and values.get("rel") == "alternate":
            self.alternates.append((values.get("type", ""), values["href"]))
        self._in_tab = tag == "a" and "md-tabs__link" in values.get("class", "")

    def handle_data(self, data: str) -> None:
        if self._in_tab and data.strip():
            self.nav.append(data.strip())
            self._in_tab = False


def refs_of(path: Path) -> Refs:
    parser = Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as it is published: with site_url and repo_url set."""
    root = tmp_path_factory.mktemp("site") / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    config = root / "mkdocs.yml"
    extra = f"site_url: {SITE_URL}\nrepo_url: {REPO_URL}\n"
    config.write_text(extra + config.read_text(encoding="utf-8"), encoding="utf-8")
    for command in (["ingest"], ["build"]):
        result = run(root, *command)
        assert result.code == 0, result.err
    return root


def article_pages(root: Path) -> list[tuple[Path, str, str]]:
    """(built page, original link, edit link) of every article."""
    found = []
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        article = parse_article(path.read_text(encoding="utf-8"), path, rel)
        page = root / "site" / path.relative_to(root / "content").with_suffix("") / "index.html"
        found.append((page, article.original, f"{REPO_URL}/edit/main/{rel}"))
    return found


def test_article_pages_link_to_no_other_host_but_the_original_and_the_edit_page(
    published: Path,
) -> None:
    pages = article_pages(published)
    assert len(pages) >= 20
    for page, original, edit in pages:
        outside = {
            value
            for _, _, value in refs_of(page).refs
            if urlsplit(value).netloc and not value.startswith(SITE_URL)
        }
        assert outside == {original, edit}, page


def test_no_page_loads_anything_from_another_host(published: Path) -> None:
    for page in sorted((published / "site").rglob("*.html")):
        for tag, _attr, value in refs_of(page).refs:
            if tag == "a":
                continue  # links are followed by the reader, not loaded
            assert not urlsplit(value).netloc or value.startswith(SITE_URL), (page, tag, value)
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_listings_link_the_rss_feed_and_the_home_page_the_opml(published: Path) -> None:
    """The list of sources (OPML) is announced once, on the home page, and the site's feed on
    every page but articles and stories: on each of 100,000 of those it was 150 bytes that a
    feed reader, given the site's address, never reads."""
    site = published / "site"
    pages = [site / "404.html", *sorted(site.rglob("index.html"))]
    leaves = 0
    for page in pages:
        alternates = dict(refs_of(page).alternates)
        home = page == site / "index.html"
        leaf = page.relative_to(site).parts[0] in ("articles", "stories")
        leaves += leaf
        expected = {"application/rss+xml", "text/x-opml"} if home else {"application/rss+xml"}
        assert set(alternates) == (set() if leaf else expected), page
        for href in alternates.values():
            if page.name == "404.html":
                assert href.startswith(urlsplit(SITE_URL).path)
                continue
            base = page.parent.relative_to(site).as_posix()
            assert (site / posixpath.normpath(posixpath.join(base, href))).is_file(), page
    assert 0 < leaves < len(pages)


def test_the_rss_feed_parses_back_with_the_latest_articles(published: Path) -> None:
    feed = feedparser.parse((published / "site" / "feed.xml").read_bytes())
    assert feed.bozo == 0
    count = len(article_pages(published))
    assert len(feed.entries) == min(count, 50)
    times = [e.published_parsed for e in feed.entries]
    assert times == sorted(times, reverse=True)
    for entry in feed.entries:
        assert entry.link.startswith(SITE_URL + "articles/")
        rel = entry.link.removeprefix(SITE_URL)
        assert (published / "site" / rel / "index.html").is_file()


def test_the_opml_lists_every_feed(published: Path) -> None:
    feeds = yaml.safe_load((published / "content" / "feeds.yml").read_text())["feeds"]
    opml = ET.parse(published / "site" / "feeds.opml").getroot()
    followed = [o for o in opml.findall("./body/outline") if o.get("type")]
    assert [o.get("text") for o in followed] == [f["name"] for f in feeds]
    # Then the briefing's own feeds (test_topic_feeds.py): each is in the site.
    own = [o.get("xmlUrl") or "" for o in opml.findall("./body/outline/outline")]
    assert own[0] == SITE_URL + "feed.xml" and len(own) > 10
    for url in own:
        assert (published / "site" / url.removeprefix(SITE_URL)).is_file(), url


def chrome_parts(site: Path) -> dict[str, str]:
    """The parts of the page chrome that pages share, from chrome.js (mkdocs_ext/chrome.py)."""
    text = (site / "assets" / "briefing" / "chrome.js").read_text(encoding="utf-8")
    match = re.search(r"var parts = (\{.*?\});\n", text)
    assert match, "chrome.js has no parts"
    parts: dict[str, str] = json.loads(match.group(1))
    return parts


def test_the_nav_is_small_and_fixed(published: Path) -> None:
    site = published / "site"
    for page in (site / "index.html", site / "archive/index.html"):  # pages of the nav
        assert refs_of(page).nav == NAV, page
        assert page.read_text(encoding="utf-8").count('class="md-nav__link') < 20
    # Every other page (articles first) takes the tabs and the drawer from chrome.js.
    article = article_pages(published)[0][0].read_text(encoding="utf-8")
    assert '<script>__md_chrome("tabs","../../../..")</script>' in article
    assert '<script>__md_chrome("sidebars","../../../..")</script>' in article
    assert "md-nav__link" not in article
    parts = chrome_parts(site)
    tabs = Refs()
    tabs.feed(parts["tabs"])
    assert tabs.nav == NAV
    for name in ("nav", "sidebars"):
        drawer = re.findall(
            r'class="md-nav__link">\n<span class="md-ellipsis">\n([^<\n]+)', parts[name]
        )
        assert drawer == NAV, name


def test_sitemap_and_instant_navigation_follow_site_url(published: Path, built_demo: Path) -> None:
    sitemap = ET.parse(published / "site" / "sitemap.xml").getroot()
    locs = [e.text or "" for e in sitemap.iter() if e.tag.endswith("loc")]
    assert all(loc.startswith(SITE_URL) for loc in locs)
    assert len([loc for loc in locs if "/articles/" in loc]) == len(article_pages(published))
    # No <lastmod>: MkDocs gives every page the day of the build, which is not when it changed.
    assert not [e for e in sitemap.iter() if e.tag.endswith("lastmod")]
    # Material's features are in the configuration that pages share (chrome.js).
    shared = Path("assets", "briefing", "chrome.js")
    assert "navigation.instant" in (published / "site" / shared).read_text()
    # Without site_url the sitemap's URLs cannot be absolute: instant navigation (which needs
    # them) is switched off. MkDocs still writes the file, and Material's script reads it.
    assert "navigation.instant" not in (built_demo / "site" / shared).read_text()


def test_a_sitemap_past_its_limit_becomes_an_index_of_parts(
    published: Path, tmp_path: Path
) -> None:
    """The protocol allows 50,000 URLs a file; here the limit is 10, to see it work."""
    root = tmp_path / "demo"
    shutil.copytree(published, root, ignore=shutil.ignore_patterns("site"))
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - briefing\n", "  - briefing:\n      sitemap_urls: 10\n"))
    assert run(root, "build").code == 0
    site = root / "site"
    index = ET.parse(site / "sitemap.xml").getroot()
    assert index.tag.endswith("sitemapindex")
    parts = [e.text or "" for e in index.iter() if e.tag.endswith("loc")]
    assert parts == [f"{SITE_URL}sitemap-{n}.xml.gz" for n in range(1, len(parts) + 1)]
    listed = []
    for part in parts:  # gzip-compressed, as the protocol allows
        data = gzip.decompress((site / part.removeprefix(SITE_URL)).read_bytes())
        urls = ET.fromstring(data)
        locs = [e.text or "" for e in urls.iter() if e.tag.endswith("loc")]
        assert 0 < len(locs) <= 10
        listed += locs
    whole = ET.parse(published / "site" / "sitemap.xml").getroot()
    assert listed == [e.text for e in whole.iter() if e.tag.endswith("loc")]
    # Back under the limit: one sitemap again, and no part left behind.
    config.write_text(text)
    assert run(root, "build").code == 0
    assert ET.parse(site / "sitemap.xml").getroot().tag.endswith("urlset")
    assert not list(site.glob("sitemap-*"))


def test_the_pages_address_from_the_workflow_makes_every_link_absolute(
    built_demo: Path, tmp_path: Path
) -> None:
    """The publish workflow passes GitHub Pages' base_url (actions/configure-pages) when
    mkdocs.yml has no site_url: the sitemap lists every article, pages carry absolute
    canonical and og:url links, the RSS feed links the site's pages."""
    root = tmp_path / "demo"
    shutil.copytree(built_demo, root, ignore=shutil.ignore_patterns("site"))
    pages_url = "https://newsroom.example/harbor"  # as configure-pages gives it: no slash
    result = run(root, "build", env={"BRIEFING_SITE_URL": pages_url})
    assert result.code == 0, result.err
    base = pages_url + "/"
    sitemap = ET.parse(root / "site" / "sitemap.xml").getroot()
    locs = {e.text or "" for e in sitemap.iter() if e.tag.endswith("loc")}
    articles = sorted((root / "content" / "articles").rglob("*.md"))
    for path in articles:
        rel = path.relative_to(root / "content").with_suffix("").as_posix()
        assert f"{base}{rel}/" in locs
        page = (root / "site" / rel / "index.html").read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{base}{rel}/">' in page
        assert f'<meta property="og:url" content="{base}{rel}/">' in page
    rss = (root / "site" / "feed.xml").read_text(encoding="utf-8")
    assert f"<link>{base}articles/" in rss
    # Locally (no variable) nothing changes: the same build has no absolute links.
    assert run(root, "build").code == 0
    assert "<loc>" not in (root / "site" / "sitemap.xml").read_text(encoding="utf-8")


def test_listings_are_kept_out_of_the_search_index(built_demo: Path) -> None:
    """Results are articles: listing pages carry ``search: exclude``. (What search finds is
    checked in the browser, test_browser.py, whatever index answers it.)"""
    index = json.loads((built_demo / "site" / "search" / "search_index.json").read_text())
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "about/" in locations
    listings = ("archive/", "feeds/", "tags/", "publishers/", "health/", "stories/")
    assert "" not in locations
    assert not any(loc.startswith(listings) for loc in locations)


def test_the_404_page_uses_the_layout_and_loads_nothing_from_elsewhere(built_demo: Path) -> None:
    page = built_demo / "site" / "404.html"
    text = page.read_text(encoding="utf-8")
    assert "Page not found" in text
    assert "assets/briefing/briefing.css" in text
    assert not [v for _, _, v in refs_of(page).refs if urlsplit(v).netloc]


def test_feed_health_reflects_the_last_ingest(built_demo: Path) -> None:
    health = (built_demo / "site" / "health" / "index.html").read_text(encoding="utf-8")
    assert "No feed state yet" not in health
    assert health.count('<tr class="briefing-ok">') == 3
