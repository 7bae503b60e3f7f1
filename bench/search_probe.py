"""What a reader downloads before the first search result, measured in Chromium.

The built ``site/`` is served on 127.0.0.1 by ``http.server`` (HTTP/1.1, keep-alive);
Playwright drives Debian's ``/usr/bin/chromium`` (never a Playwright browser download) and
aborts any request that is not loopback. Works with Material's lunr search
(``search/search_index.json`` + a web worker) and with Pagefind (``pagefind/``), as long as
Material's search DOM is kept.

Two ways of asking, each in a fresh browser context (nothing cached):

- **at once**: the query set in one task, as a paste would, timed from that keystroke;
- **typed**: the word typed key by key, ``TYPING_MS`` apart, as a reader types: every prefix
  is a query of its own (the search box answers each). Timed from the last key's release to the
  result list showing the whole word's results (a few ms when a shorter prefix's query had
  found them already), and the bytes are all downloaded until then, the prefixes' included.

Bytes count the search files whose response ended before that result was in the page:
as served (body + headers), their size on disk, and gzip-compressed (level 6), which is how
GitHub Pages sends JSON and JavaScript to a browser.
"""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SEARCH_PARTS = ("search", "pagefind", "lunr", "/workers/")
WARM_WORD = "ferry"
# In most of bench/generate.py's articles (4,253 of 5,000): the results of a common word are
# spread over the whole briefing, the costly case for a chunked index.
COMMON_WORD = "residents"
TYPING_MS = 120  # each key held this long (Material searches on keyup): 8 keys a second

# Set the query and fire both an input and a keyup event in one task, so the time is taken
# right at the (single) last keystroke whichever event the search engine listens to.
_QUERY_JS = """
(word) => new Promise((resolve) => {
  const input = document.querySelector("input.md-search__input");
  const found = () => document.querySelector(".md-search-result__item");
  let t0 = 0;
  const obs = new MutationObserver(() => {
    if (found()) {
      obs.disconnect();
      resolve([performance.now() - t0, performance.timeOrigin + performance.now()]);
    }
  });
  obs.observe(document.body, {childList: true, subtree: true, characterData: true});
  input.value = word;
  t0 = performance.now();
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true, key: "End"}));
  setTimeout(() => { obs.disconnect(); resolve(null); }, 20000);
})
"""
# Before typing: record when a result is first in the page (epoch ms), and when the result
# list last changed after each keystroke.
_WATCH_JS = """
() => {
  window.__probe = { origin: performance.timeOrigin, keys: [], changes: [] };
  const input = document.querySelector("input.md-search__input");
  input.addEventListener("keyup", () => window.__probe.keys.push(performance.now()), true);
  new MutationObserver(() => {
    const now = performance.now();
    const shown = [...document.querySelectorAll(".md-search-result__item > a")];
    if (!shown.length) return;
    window.__probe.changes.push([now, shown.map(a => a.href).join(" ")]);
  }).observe(document.querySelector(".md-search-result"), {childList: true, subtree: true});
}
"""
# When each resource the page or a worker fetched ended, in ms since the epoch: each context's
# own clock (performance.timeOrigin), as the page's time of the first result is.
_ENDED_JS = """
() => performance.getEntriesByType("resource")
  .map(e => [e.name, performance.timeOrigin + e.responseEnd])
"""
_BUFFER_JS = "() => performance.setResourceTimingBufferSize(100000)"
_CLEAR_JS = """
() => {
  const input = document.querySelector("input.md-search__input");
  input.value = "";
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true, key: "Backspace"}));
}
"""


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    engine: str = ""  # "lunr" (Material's), "pagefind" or "site's own search"
    search_bytes: int = 0  # search-related responses before the first result, as served
    search_gzip_bytes: int = 0  # the same files gzip-compressed, as GitHub Pages sends them
    page_bytes: int = 0  # every response from page load to the first result
    ready_ms: float | None = None  # page load to "search ready" (Material's placeholder)
    first_result_ms: float | None = None  # last keystroke to the first result
    warm_result_ms: float | None = None  # the same for a second word
    requests: tuple[str, ...] = ()
    error: str = ""
    disk_bytes: int = 0  # the same files' sizes on disk
    articles: int = 0  # in the site, for the figures per article (0: unknown)
    mode: str = "at once"  # or "typed"

    def per_article(self, measure: str = "disk") -> float | None:
        """Bytes per article before the first result: ``disk`` or ``gzip``."""
        if not (self.ok and self.articles):
            return None
        return (self.disk_bytes if measure == "disk" else self.search_gzip_bytes) / self.articles

    def summary(self) -> str:
        if not self.ok:
            return f"failed: {self.error}"
        warm = f", {self.warm_result_ms:.0f} ms warm" if self.warm_result_ms is not None else ""
        disk, gz = self.per_article("disk"), self.per_article("gzip")
        per = f" = {disk:.0f} B per article ({gz:.0f} B gzipped)" if disk is not None else ""
        typed = f" (typed, {TYPING_MS} ms a key)" if self.mode == "typed" else ""
        return (
            f"{self.engine}{typed}: {self.disk_bytes / 1e6:.3f} MB on disk"
            f" ({self.search_gzip_bytes / 1e6:.3f} MB gzipped) of search files before"
            f" the first result{per}, {len(self.requests)} requests; first result"
            f" {self.first_result_ms:.0f} ms after the last keystroke{warm}"
        )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _open_search(page: Any) -> None:
    label = page.locator("label.md-header__button[for=__search]")
    if label.count() and label.first.is_visible():
        label.first.click()
    elif page.locator("input.md-search__input").first.is_visible():
        page.locator("input.md-search__input").first.click()
    else:
        page.keyboard.press("/")
    page.locator("input.md-search__input").first.wait_for(state="visible", timeout=5000)


def _wait_ready(page: Any) -> None:
    # Material shows "Initializing search" until its worker has built the index.
    page.wait_for_function(
        """() => { const m = document.querySelector('.md-search-result__meta');
                   return !m || !/initiali/i.test(m.textContent); }""",
        timeout=120_000,
    )


def probe(
    site: Path, word: str, timeout: float = 180.0, articles: int = 0, typed: bool = False
) -> ProbeResult:
    """Open the home page, search for ``word`` (set at once, or ``typed`` key by key), and
    measure bytes and time to the first result. ``articles``: how many the site has."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return ProbeResult(False, error=f"playwright not installed: {exc}")
    if not Path(CHROMIUM).exists():
        return ProbeResult(False, error=f"{CHROMIUM} not found (make browser-deps)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                result = _measure(browser, base, site, word, timeout, typed)
                return replace(result, articles=articles, mode="typed" if typed else "at once")
            finally:
                browser.close()
    except Exception as exc:  # a probe failure is a figure missing, not a failed benchmark
        return ProbeResult(False, error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        server.shutdown()
        server.server_close()


def _measure(
    browser: Any, base: str, site: Path, word: str, timeout: float, typed: bool
) -> ProbeResult:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    context.set_default_timeout(timeout * 1000)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    finished: list[Any] = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    started = time.perf_counter()
    page.goto(base + "/", wait_until="load")
    page.wait_for_load_state("networkidle")
    _open_search(page)
    _wait_ready(page)
    ready_ms = (time.perf_counter() - started) * 1000
    for scope in (page, *page.workers):
        scope.evaluate(_BUFFER_JS)
    settled = len(finished)  # everything so far came before the query
    first: float | None = None
    if typed:
        page.evaluate(_WATCH_JS)
        page.keyboard.type(word, delay=TYPING_MS)
        page.locator(".md-search-result__item").first.wait_for(timeout=20_000)
        page.wait_for_timeout(1500)  # the whole word's results are in by then
        watched = page.evaluate("() => window.__probe")
        shown_at = None
        if watched["keys"] and watched["changes"]:
            # From the last keystroke to the list showing the whole word's results (what it
            # shows in the end); the bytes are those downloaded until then, every prefix's.
            last_key, final = watched["keys"][-1], watched["changes"][-1][1]
            after = [t for t, shown in watched["changes"] if t >= last_key and shown == final]
            first = after[0] - last_key if after else 0.0
            shown_at = watched["origin"] + (after[0] if after else last_key)
    else:
        answer = page.evaluate(_QUERY_JS, word)
        first, shown_at = answer if answer is not None else (None, None)
    page.wait_for_timeout(300)  # let the requests before the result report as finished
    ended: dict[str, float] = {}
    for scope in (page, *page.workers):
        for url, end in scope.evaluate(_ENDED_JS):
            ended[url] = min(end, ended.get(url, end))
    before_result = finished[:settled] + [
        r
        for r in finished[settled:]
        if shown_at is not None and ended.get(r.url, 1e300) <= shown_at
    ]
    page.evaluate(_CLEAR_JS)
    page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
    warm = page.evaluate(_QUERY_JS, WARM_WORD)
    if first is None or shown_at is None:
        return ProbeResult(False, error=f"no search result for {word!r} within 20 s")
    search_bytes = page_bytes = gzip_bytes = disk_bytes = 0
    paths: list[str] = []
    engine = "unknown"
    for request in before_result:
        sizes = request.sizes()
        size = int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
        page_bytes += size
        path = unquote(urlsplit(request.url).path)
        if any(part in path for part in SEARCH_PARTS):
            search_bytes += size
            paths.append(path)
            disk, gz = _file_sizes(site, path)
            disk_bytes += disk
            gzip_bytes += gz
            if "pagefind" in path:
                engine = "pagefind"
            elif "/javascripts/workers/search" in path and engine == "unknown":
                engine = "lunr"  # Material's own worker
    if engine == "unknown" and paths:
        engine = "site's own search"
    return ProbeResult(
        True, engine, search_bytes, gzip_bytes, page_bytes, ready_ms, float(first),
        None if warm is None else float(warm[0]), tuple(paths), disk_bytes=disk_bytes,
    )  # fmt: skip


def _file_sizes(site: Path, path: str) -> tuple[int, int]:
    """A served file's size on disk and gzip-compressed (0, 0 when it is not a file)."""
    file = site / path.lstrip("/")
    if file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return 0, 0
    data = file.read_bytes()
    return len(data), len(gzip.compress(data, 6))
