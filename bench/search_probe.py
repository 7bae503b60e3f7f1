"""What a reader downloads before the first search result, measured in Chromium.

The built ``site/`` is served on 127.0.0.1 by ``http.server``; Playwright drives Debian's
``/usr/bin/chromium`` (never a Playwright browser download) and aborts any request that is not
loopback. Works with Material's lunr search (``search/search_index.json`` + a web worker) and
with Pagefind (``pagefind/``), as long as Material's search DOM is kept.
"""

from __future__ import annotations

import gzip
import http.server
import threading
import time
from dataclasses import dataclass
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

# Set the query and fire both an input and a keyup event in one task, so the time is taken
# right at the (single) last keystroke whichever event the search engine listens to.
_QUERY_JS = """
(word) => new Promise((resolve) => {
  const input = document.querySelector("input.md-search__input");
  const found = () => document.querySelector(".md-search-result__item");
  let t0 = 0;
  const obs = new MutationObserver(() => {
    if (found()) { obs.disconnect(); resolve(performance.now() - t0); }
  });
  obs.observe(document.body, {childList: true, subtree: true, characterData: true});
  input.value = word;
  t0 = performance.now();
  input.dispatchEvent(new Event("input", {bubbles: true}));
  input.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true, key: "End"}));
  setTimeout(() => { obs.disconnect(); resolve(null); }, 20000);
})
"""
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
    search_bytes: int = 0  # search-related responses from page load to the first result
    search_gzip_bytes: int = 0  # the same files gzip-compressed, as a CDN would send them
    page_bytes: int = 0  # every response from page load to the first result
    ready_ms: float | None = None  # page load to "search ready" (Material's placeholder)
    first_result_ms: float | None = None  # last keystroke to the first result
    warm_result_ms: float | None = None  # the same for a second word
    requests: tuple[str, ...] = ()
    error: str = ""

    def summary(self) -> str:
        if not self.ok:
            return f"failed: {self.error}"
        warm = f", {self.warm_result_ms:.0f} ms warm" if self.warm_result_ms is not None else ""
        return (
            f"{self.engine}: {self.search_bytes / 1e6:.2f} MB downloaded for search"
            f" ({self.search_gzip_bytes / 1e6:.2f} MB gzipped) before the first result,"
            f" {len(self.requests)} requests; first result {self.first_result_ms:.0f} ms"
            f" after the last keystroke{warm}"
        )


class _Quiet(http.server.SimpleHTTPRequestHandler):
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


def probe(site: Path, word: str, timeout: float = 180.0) -> ProbeResult:
    """Open the home page, search for ``word``, and measure bytes and time to the first result."""
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
                return _measure(browser, base, site, word, timeout)
            finally:
                browser.close()
    except Exception as exc:  # a probe failure is a figure missing, not a failed benchmark
        return ProbeResult(False, error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        server.shutdown()
        server.server_close()


def _measure(browser: Any, base: str, site: Path, word: str, timeout: float) -> ProbeResult:
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
    first = page.evaluate(_QUERY_JS, word)
    page.wait_for_timeout(50)  # let the requests that fed the result report as finished
    before_result = list(finished)
    page.evaluate(_CLEAR_JS)
    page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
    warm = page.evaluate(_QUERY_JS, WARM_WORD)
    if first is None:
        return ProbeResult(False, error=f"no search result for {word!r} within 20 s")
    search_bytes = page_bytes = gzip_bytes = 0
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
            gzip_bytes += _gzip_size(site, path)
            if "pagefind" in path:
                engine = "pagefind"
            elif "/javascripts/workers/search" in path and engine == "unknown":
                engine = "lunr"  # Material's own worker
    if engine == "unknown" and paths:
        engine = "site's own search"
    return ProbeResult(
        True, engine, search_bytes, gzip_bytes, page_bytes, ready_ms, float(first),
        None if warm is None else float(warm), tuple(paths),
    )  # fmt: skip


def _gzip_size(site: Path, path: str) -> int:
    file = site / path.lstrip("/")
    if file.is_dir():
        file = file / "index.html"
    return len(gzip.compress(file.read_bytes(), 6)) if file.is_file() else 0
