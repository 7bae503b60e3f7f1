"""The lean page chrome (briefing/mkdocs_ext/chrome.py) loses nothing a reader sees.

The demo is built twice from the same content: as briefing builds it, and with
``lean_chrome: false`` (Material's chrome as Material writes it, in every page). Debian's Chromium
then takes the same screenshots of both (article, story, month, home, 404; wide, phone-sized
with the drawer open, dark palette after a reload) and they must be identical pixel for pixel.
Search, the palette toggle and instant navigation (with ``site_url``) work on the lean site,
and its article pages are less than half the size.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO, run, set_plugin_options
from test_browser import ARTIFACTS, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO_URL = "https://github.com/example-org/marrow-bay-briefing"


def _built(root: Path, env: dict[str, str] | None = None) -> None:
    for command in (["ingest"], ["analyze", "--analyzer", "offline"], ["build"]):
        result = run(root, *command, env=env)
        assert result.code == 0, result.err


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(lean site, Material's chrome) of the same demo content."""
    lean = tmp_path_factory.mktemp("chrome") / "lean"
    shutil.copytree(DEMO, lean, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    config = lean / "mkdocs.yml"
    config.write_text(f"repo_url: {REPO_URL}\n" + config.read_text(encoding="utf-8"))
    _built(lean)
    material = lean.parent / "material"
    shutil.copytree(lean, material, ignore=shutil.ignore_patterns("site", ".cache"))
    set_plugin_options(material, lean_chrome=False)
    result = run(material, "build")
    assert result.code == 0, result.err
    return lean / "site", material / "site"


def _pages(site: Path) -> list[str]:
    article = sorted(site.glob("articles/*/*/*/index.html"))[3]
    story = sorted(site.glob("stories/*/index.html"))[0]
    month = sorted(site.glob("archive/*/*/index.html"))[-1]
    return [
        "",
        article.parent.relative_to(site).as_posix() + "/",
        story.parent.relative_to(site).as_posix() + "/",
        month.parent.relative_to(site).as_posix() + "/",
        "404.html",
    ]


TOPIC = "[data-md-component=header-topic] .md-ellipsis"
LOGO = ".md-header [data-md-component=logo]"


def _shots(
    browser: Any, site: Path, pages: list[str], texts: dict[str, str] | None = None
) -> dict[str, bytes]:
    """Screenshots of ``pages``; ``texts`` gets the header's title and home link of the
    article and story page, with the server's address taken out."""
    shots: dict[str, bytes] = {}
    texts = {} if texts is None else texts
    errors: list[str] = []

    def fresh(base: str, path: str, width: int) -> Any:
        page = browser.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + path, wait_until="networkidle")  # the icon sprite included
        page.wait_for_timeout(200)
        return page

    for base in serve(site):
        for width in (1280, 375):
            for path in pages:
                page = fresh(base, path, width)
                shots[f"{path} {width}"] = page.screenshot(full_page=True, animations="disabled")
                page.close()
        page = fresh(base, pages[1], 375)  # the drawer, open
        page.click("label.md-header__button[for=__drawer]")
        page.wait_for_timeout(400)
        shots["drawer"] = page.screenshot(animations="disabled")
        page.close()
        for path in pages[1:3]:  # scrolled past the headline: the header shows the page's title
            page = fresh(base, path, 1280)
            page.mouse.wheel(0, 700)
            page.wait_for_timeout(600)
            shots[f"{path} scrolled"] = page.screenshot(animations="disabled")
            texts[f"{path} topic"] = page.eval_on_selector(TOPIC, "e => e.textContent.trim()")
            texts[f"{path} logo"] = page.eval_on_selector(LOGO, "e => e.href")
            page.close()
        page = fresh(base, pages[1], 1280)  # the dark palette, kept on the next page
        page.click("label[for=__palette_1]")
        page.goto(base + pages[2], wait_until="networkidle")
        page.wait_for_timeout(200)
        shots["dark"] = page.screenshot(full_page=True, animations="disabled")
        page.click("label[for=__palette_0]")
        page.close()
        for key, value in texts.items():
            texts[key] = value.replace(base, "/")
    assert errors == []
    return shots


def test_lean_pages_look_exactly_like_materials(browser: Any, sites: tuple[Path, Path]) -> None:
    lean, material = sites
    pages = _pages(lean)
    our_texts: dict[str, str] = {}
    their_texts: dict[str, str] = {}
    ours = _shots(browser, lean, pages, our_texts)
    theirs = _shots(browser, material, pages, their_texts)
    assert our_texts == their_texts
    assert our_texts[f"{pages[1]} logo"] == "/"
    assert ours.keys() == theirs.keys()
    different = [name for name in ours if ours[name] != theirs[name]]
    for name in different:  # kept to look at
        stem = "chrome-" + "".join(c if c.isalnum() else "-" for c in name).strip("-")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"{stem}-lean.png").write_bytes(ours[name])
        (ARTIFACTS / f"{stem}-material.png").write_bytes(theirs[name])
    assert different == [], "screenshots differ from Material's chrome (see test-artifacts/)"
    # ... at less than half the bytes per article page.
    article = pages[1] + "index.html"
    assert (lean / article).stat().st_size * 2 < (material / article).stat().st_size


def test_search_works_on_lean_pages(browser: Any, sites: tuple[Path, Path]) -> None:
    lean, _ = sites
    for base in serve(lean):
        page = browser.new_page()
        page.goto(base + _pages(lean)[1])
        search = page.locator("input.md-search__input")
        search.click()
        search.press_sequentially("tidal")
        page.locator(".md-search-result__item").first.wait_for(timeout=15000)
        page.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_instant_navigation_puts_the_chrome_back(
    browser: Any, sites: tuple[Path, Path], tmp_path: Path
) -> None:
    """With site_url, Material swaps pages in place and runs their scripts again: the tabs
    and the drawer of the new page get its own base URL."""
    lean, _ = sites
    port = _free_port()
    root = tmp_path / "instant"
    shutil.copytree(lean.parent, root, ignore=shutil.ignore_patterns("site", ".cache"))
    config = root / "mkdocs.yml"
    config.write_text(f"site_url: http://127.0.0.1:{port}/\n" + config.read_text("utf-8"))
    result = run(root, "build")
    assert result.code == 0, result.err
    handler = functools.partial(_Quiet, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_timeout(500)
        page.evaluate("window.__same_page = true")
        page.locator("a.briefing-item-title").first.click()
        page.wait_for_url("**/articles/**")
        page.locator("h1.briefing-headline").wait_for()
        assert page.evaluate("window.__same_page") is True, "not an instant navigation"
        for selector in (".md-tabs__link", ".md-nav--primary .md-nav__link"):
            hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
            assert hrefs[1] == f"http://127.0.0.1:{port}/archive/", selector
        # The article's header came from chrome.js: its title and home link are this page's.
        _assert_header(page, port)
        story = sorted((root / "site").glob("stories/*/index.html"))[0].parent.name
        page.evaluate(  # a story page, from the article (a link clicked, as a reader would)
            """url => { const a = document.createElement("a"); a.href = url;
                        document.querySelector("article").append(a); a.click(); }""",
            f"http://127.0.0.1:{port}/stories/{story}/",
        )
        page.wait_for_url(f"**/stories/{story}/")
        page.locator(".briefing-item-title").first.wait_for()
        assert page.evaluate("window.__same_page") is True
        _assert_header(page, port)
        page.locator(LOGO).click()  # home, whose header is Material's own
        page.wait_for_url(f"http://127.0.0.1:{port}/")
        page.locator("a.briefing-item-title").first.wait_for()
        assert page.evaluate("window.__same_page") is True
        assert errors == []
        page.close()
    finally:
        server.shutdown()
        server.server_close()


def _assert_header(page: Any, port: int) -> None:
    """The header shows this page's title (its og:title, as Material prints page.meta.title)
    and its logo and icons point at the site, whatever page the header was made on."""
    title = page.eval_on_selector('meta[property="og:title"]', "e => e.content")
    assert page.eval_on_selector(TOPIC, "e => e.textContent.trim()") == title
    assert page.eval_on_selector(LOGO, "e => e.href") == f"http://127.0.0.1:{port}/"
    icons = page.eval_on_selector_all(
        ".md-header use", "els => els.map(e => e.getAttribute('xlink:href'))"
    )
    assert icons and all(
        icon.startswith(f"http://127.0.0.1:{port}/assets/briefing/icons.svg#") for icon in icons
    ), icons
