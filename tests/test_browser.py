"""The built site in a real browser: Debian's Chromium driven by Playwright.

The site is served by a loopback HTTP server the test starts; every request the page makes is
recorded, so a request to anywhere but 127.0.0.1 fails the test. Chromium is never downloaded
by Playwright: it comes from the system (``scripts/ensure-chromium.sh``). Without it the tests
skip, except under ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import DEMO, FIXTURES, REPO, run, write_feeds

from briefing.store.frontmatter import dump_article, parse_article

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
REPO_URL = "https://github.com/example-org/marrow-bay-briefing"
# A word that occurs in exactly one article: the analysis the test writes into it.
UNIQUE = "quillwort"
# Words the test puts into another article's headline, publisher and snippet.
IN_FACTS = {"title": "Zephyrine", "publisher": "Quenby", "snippet": "marlinspike"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """A static host that, like GitHub Pages, answers a missing page with the site's 404.html."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) until the generator is closed."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def build(root: Path) -> None:
    for command in (["ingest"], ["build"]):
        result = run(root, *command)
        assert result.code == 0, result.err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo with a repository URL and one article's analysis holding the UNIQUE word."""
    root = tmp_path_factory.mktemp("browser") / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    config = root / "mkdocs.yml"
    config.write_text(f"repo_url: {REPO_URL}\n" + config.read_text(encoding="utf-8"))
    assert run(root, "ingest").code == 0
    files = sorted((root / "content" / "articles").rglob("*.md"))
    with files[3].open("a", encoding="utf-8") as handle:
        handle.write(f"The {UNIQUE} beds along the cable route decide the schedule.\n\n")
        handle.write("A second paragraph of *analysis*.\n")
    facts = parse_article(files[5].read_text(encoding="utf-8"), files[5])
    facts = dataclasses.replace(
        facts,
        title=f"{facts.title} near {IN_FACTS['title']} Point",
        publisher=f"{IN_FACTS['publisher']} Wire",
        snippet=f"Divers used a {IN_FACTS['snippet']} to free the cable.",
    )
    files[5].write_text(dump_article(facts), encoding="utf-8")
    build(root)
    yield from ((root, url) for url in serve(root / "site"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A site built from a feed whose every text tries to escape into the page."""
    root = tmp_path_factory.mktemp("browser") / "hostile"
    root.mkdir()
    shutil.copy(DEMO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(DEMO / "docs", root / "docs")
    feed = str(FIXTURES / "feeds" / "hostile.rss")
    tags = ["<i>x</i>", "{{ t }}", '"><script>alert(9)</script>']
    write_feeds(root, [{"name": "Hostile <b>Gazette</b> {{ x }}", "url": feed, "tags": tags}])
    build(root)
    yield from ((root, url) for url in serve(root / "site"))


@dataclass
class Watch:
    """Everything a page did that a reader did not ask for."""

    base: str
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_page(browser: Any, base: str, width: int = 1280) -> tuple[Any, Watch]:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    watch = Watch(base)

    def on_request(request: Any) -> None:
        if urlsplit(request.url).hostname not in ("127.0.0.1", None):
            watch.outside.append(request.url)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("request", on_request)
    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and watch.errors.append(m.text))
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and watch.errors.append(f"{r.status} {r.url}"))
    return page, watch


def assert_clean(watch: Watch) -> None:
    """No request outside the site, no dialog, no console error (searching included: the
    search index has a terms file for every bucket, so a query never meets a 404)."""
    assert watch.outside == [], "requests outside the site"
    assert watch.dialogs == [], "a dialog opened"
    assert watch.errors == [], "console errors"


# Anything in the page's content that could run or load: scripts, frames, images, handlers,
# javascript: URLs. Feed text must produce none of them.
ACTIVE_CONTENT = """() => [...document.querySelectorAll('article *')].filter(e =>
    ['SCRIPT', 'IFRAME', 'IMG', 'SVG', 'STYLE', 'OBJECT', 'EMBED'].includes(e.tagName.toUpperCase())
    || [...e.attributes].some(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value))
).map(e => e.outerHTML)"""


PREVIEW = """() => Object.fromEntries([...document.head.querySelectorAll(
    'meta[property^="og:"], meta[property^="article:"], meta[name^="twitter:"]'
)].map(m => [m.getAttribute('property') || m.name, m.content]))"""


def article_of(root: Path, url: str) -> Any:
    rel = f"content/{urlsplit(url).path.strip('/')}.md"
    return parse_article((root / rel).read_text(encoding="utf-8"), rel, rel)


def test_home_to_article_shows_every_element(browser: Any, demo: tuple[Path, str]) -> None:
    root, base = demo
    page, watch = open_page(browser, base)
    page.goto(base)
    first = page.locator("a.briefing-item-title").first
    headline = first.inner_text()
    first.click()
    page.wait_for_url("**/articles/**")
    article = article_of(root, page.url)
    assert page.locator("h1.briefing-headline").inner_text() == headline == article.title
    back = page.locator("nav.briefing-back a")
    assert back.inner_text() == f"← {article.feeds[0]}"
    meta = page.locator("p.briefing-meta")
    assert article.publisher in meta.inner_text()
    assert (
        meta.locator("time")
        .get_attribute("datetime")
        .startswith(  # type: ignore[union-attr]
            article.published.strftime("%Y-%m-%dT%H:%M")
        )
    )
    original = page.locator("p.briefing-original a")
    assert original.inner_text() == "Read original article →"
    assert original.get_attribute("href") == article.original
    assert original.get_attribute("rel") == "noopener nofollow"
    assert page.locator("span.briefing-domain").inner_text() == article.domain
    assert page.locator("section.briefing-related").count() == 1
    tags = page.locator("p.briefing-tags a")
    assert tags.all_inner_texts() == list(article.tags)
    edit = page.locator("a.briefing-edit")
    assert edit.get_attribute("href") == f"{REPO_URL}/edit/main/{article.path}"
    order = page.evaluate(
        """() => ['.briefing-back', '.briefing-headline', '.briefing-meta', '#analysis',
        '.briefing-original', '.briefing-related', '.briefing-footer']
        .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert order == sorted(order), "the elements are not in the DESIGN order"
    back.click()
    page.wait_for_url("**/feeds/**")
    assert article.feeds[0] in page.locator("h1").first.inner_text()
    assert_clean(watch)
    page.close()


def search_for(page: Any, base: str, word: str) -> Any:
    page.goto(base)
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially(word)
    results = page.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=15000)
    # Results of a prefix typed on the way ("m", "ma", ...) may still be on screen: wait
    # until the list has stayed the same for half a second.
    seen: list[str] = []
    for _ in range(50):
        page.wait_for_timeout(250)
        now = [str(a.get_attribute("href")) for a in results.all()]
        if now and now == seen:
            break
        seen = now
    return results


@pytest.mark.parametrize("field", sorted(IN_FACTS))
def test_search_finds_words_of_the_headline_publisher_and_snippet(
    browser: Any, demo: tuple[Path, str], field: str
) -> None:
    root, base = demo
    page, watch = open_page(browser, base)
    results = search_for(page, base, IN_FACTS[field])
    pages = {urlsplit(a.get_attribute("href")).path for a in results.all()}
    assert len(pages) == 1, pages
    article = article_of(root, base.rstrip("/") + pages.pop())
    assert IN_FACTS[field] in getattr(article, field)
    assert_clean(watch)
    page.close()


def test_search_finds_a_word_of_one_analysis(browser: Any, demo: tuple[Path, str]) -> None:
    root, base = demo
    page, watch = open_page(browser, base)
    search_for(page, base, UNIQUE)
    results = page.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=15000)
    pages = {urlsplit(a.get_attribute("href")).path for a in results.all()}
    assert len(pages) == 1, pages  # the article (its title and its analysis section)
    results.first.click()
    page.wait_for_url("**/articles/**")
    assert UNIQUE in page.locator("article").inner_text()
    article = article_of(root, page.url)
    assert UNIQUE in article.analysis
    assert_clean(watch)
    page.close()


def test_a_word_of_many_articles_lists_them_all_headline_matches_first(
    browser: Any, demo: tuple[Path, str]
) -> None:
    """The worker shows the first screen's results as soon as their docs chunks are in, then
    all of them: every article holding the word is listed, headline matches first, newest
    first among equals, as the index (briefing/pages/search.py) has them."""
    from briefing.pages.search import article_words

    root, base = demo
    files = sorted((root / "content" / "articles").rglob("*.md"))
    articles = [
        article_of(root, f.relative_to(root / "content").with_suffix("").as_posix()) for f in files
    ]
    found = {a: article_words(a) for a in articles}
    counts: dict[str, int] = {}
    for title, body in found.values():
        for word in title | body:
            counts[word] = counts.get(word, 0) + 1
    # The most common word of at least three letters, in more than a first screen's articles.
    word = max((w for w in counts if len(w) >= 3 and w.isalpha()), key=lambda w: (counts[w], w))
    matches = [a for a, (t, b) in found.items() if any(w.startswith(word) for w in t | b)]
    assert 10 < len(matches) <= 100, (word, len(matches))
    in_title = {a.path for a, (t, _) in found.items() if any(w.startswith(word) for w in t)}
    ranked = sorted(matches, key=lambda a: (a.path in in_title, a.published, a.id), reverse=True)
    expected = [f"/{a.path.removeprefix('content/').removesuffix('.md')}/" for a in ranked]
    page, watch = open_page(browser, base)
    search_for(page, base, word)
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function(
        "n => parseInt(document.querySelector('.md-search-result__meta').textContent) >= n",
        arg=len(matches),
    )
    shown = int(meta.inner_text().split()[0])
    # Material renders the first ten and adds the rest as the reader scrolls.
    results = page.locator(".md-search-result__item > a")
    first_screen = [urlsplit(a.get_attribute("href")).path for a in results.all()][:10]
    assert first_screen == expected[:10]
    assert shown - len(matches) >= 0  # plus any hand-written page holding the word
    assert_clean(watch)
    page.close()


def test_results_beyond_the_first_screen_come_from_the_chunks_loaded_after_it(
    browser: Any, demo: tuple[Path, str], tmp_path: Path
) -> None:
    """150 articles share a headline word: the first screen is the ten newest, from the last
    docs chunks; the rest of the hundred shown arrive from chunks loaded after it, in order."""
    from datetime import UTC, datetime, timedelta

    from briefing.models import Article
    from briefing.pages.search import write_index

    root, _ = demo
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    articles = [
        Article(
            id=f"test:{n}",
            title=f"Tidewater ledger entry {n}",
            publisher="Saltmarsh Chronicle",
            link=f"https://saltmarsh-chronicle.example/{n}",
            published=start + timedelta(hours=n),
            first_seen=start + timedelta(hours=n),
            snippet=f"Entry {n} of the ledger.",
            path=f"content/articles/2026/10/ledger-{n}.md",
        )
        for n in range(150)
    ]
    write_index(site, articles)  # the demo's own index replaced by these 150
    for base in serve(site):
        page, watch = open_page(browser, base)
        search_for(page, base, "tidewater")
        page.wait_for_function(
            "() => /^100 /.test(document.querySelector('.md-search-result__meta').textContent)"
        )
        results = page.locator(".md-search-result__item > a")
        scroller = page.locator(".md-search__scrollwrap")
        for _ in range(60):  # Material renders four more results each time one scrolls down
            if results.count() >= 100:
                break
            scroller.evaluate("e => e.scrollTo(0, 0)")
            page.wait_for_timeout(20)
            scroller.evaluate("e => e.scrollTo(0, e.scrollHeight)")
            page.wait_for_timeout(20)
        paths = [urlsplit(a.get_attribute("href")).path for a in results.all()]
        assert paths == [f"/articles/2026/10/ledger-{n}/" for n in range(149, 49, -1)]
        assert_clean(watch)
        page.close()


def test_a_hostile_feed_stays_inert(browser: Any, hostile: tuple[Path, str]) -> None:
    root, base = hostile
    page, watch = open_page(browser, base)
    pages = [base, base + "feeds/", base + "tags/", base + "publishers/", base + "archive/"]
    pages += [
        base + p.relative_to(root / "site").parent.as_posix() + "/"
        for p in sorted((root / "site" / "articles").rglob("index.html"))
        + sorted((root / "site" / "tags").rglob("index.html"))
    ]
    assert len(pages) > 8
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate(ACTIVE_CONTENT) == [], url
        if "/articles/" in url:  # the link preview, as the browser read it: the headline
            preview = page.evaluate(PREVIEW)
            assert preview["og:title"] == page.locator("h1").first.inner_text(), url
            assert preview["twitter:card"] == "summary"
    page.goto(base)
    text = page.locator("article").inner_text()
    assert "{{ config.site_name }}" in text  # template code shows as text, unevaluated
    page.goto(base + "tags/")
    assert '"><script>alert(9)</script>' in page.locator("article").inner_text()
    assert_clean(watch)
    page.close()


def test_a_missing_page_shows_the_404_in_the_sites_layout(
    browser: Any, demo: tuple[Path, str]
) -> None:
    _, base = demo
    page, watch = open_page(browser, base, width=375)
    missing = base + "articles/2026/01/no-such-article/"
    response = page.goto(missing)
    assert response.status == 404
    assert page.locator("h1").first.inner_text() == "Page not found"
    loaded = page.evaluate("[...document.styleSheets].map(s => s.href || '')")
    assert any(href.endswith("assets/briefing/briefing.css") for href in loaded)
    page.locator("a", has_text="The archive, month by month").click()
    page.wait_for_url(base + "archive/")
    # The page's own 404 is expected (once as a response, once as Chromium's console line);
    # any other missing resource still fails.
    watch.errors.remove(f"404 {missing}")
    watch.errors.remove(
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    )
    assert_clean(watch)
    page.close()


def test_screenshots_at_phone_width(browser: Any, demo: tuple[Path, str]) -> None:
    """375 px wide screenshots of the home and an article page, kept in test-artifacts/."""
    root, base = demo
    ARTIFACTS.mkdir(exist_ok=True)
    page, watch = open_page(browser, base, width=375)
    page.goto(base)
    page.screenshot(path=str(ARTIFACTS / "home-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the home page scrolls sideways on a phone"
    with_analysis = next(
        p for p in sorted((root / "content" / "articles").rglob("*.md")) if UNIQUE in p.read_text()
    )
    rel = with_analysis.relative_to(root / "content").with_suffix("").as_posix()
    page.goto(f"{base}{rel}/")
    page.screenshot(path=str(ARTIFACTS / "article-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "article-1280.png"), full_page=True)
    assert_clean(watch)
    page.close()


# From the first keystroke to the first result on screen, timed in the page itself.
FIRST_RESULT = """() => {
    const input = document.querySelector('input.md-search__input');
    window.briefingTyped = 0;
    window.briefingShown = 0;
    input.addEventListener('keydown', () => {
        window.briefingTyped = window.briefingTyped || performance.now();
    });
    new MutationObserver((_, observer) => {
        if (window.briefingTyped && document.querySelector('.md-search-result__item')) {
            window.briefingShown = performance.now();
            observer.disconnect();
        }
    }).observe(document.body, {childList: true, subtree: true});
}"""
SEARCH_BUDGET_MS = 300  # issue 20: a reader sees a result before noticing a wait


def test_a_cold_cache_shows_the_first_result_within_three_times_the_budget(
    browser: Any, demo: tuple[Path, str]
) -> None:
    """The browser's HTTP cache emptied first (Chromium's own Network.clearBrowserCache), so
    the page, the search worker and the index come from the server as on a first visit."""
    _, base = demo
    page = browser.new_page()
    session = browser.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    page.goto(base)
    page.wait_for_load_state("load")
    page.evaluate(FIRST_RESULT)
    page.locator("input.md-search__input").click()
    page.keyboard.type("turbine")  # at machine speed
    page.wait_for_function("window.briefingShown > 0", timeout=10000)
    elapsed = float(page.evaluate("window.briefingShown - window.briefingTyped"))
    page.close()
    assert 0 < elapsed < 3 * SEARCH_BUDGET_MS, f"first result after {elapsed:.0f} ms"
