"""A reader's first search, measured in Chromium as they meet it (issue 20).

A fresh browser context (nothing cached) opens the home page of the built ``site/``, served by
``python -m http.server`` on 127.0.0.1 (a plain static host); as soon as the page has loaded,
the search box is clicked and the word typed at machine speed. Timed in the page, from the
first keystroke to the first result shown. Playwright drives Debian's ``/usr/bin/chromium``
(never a Playwright browser download) and aborts any request that is not loopback. Works with
briefing's own search, Material's lunr search and Pagefind, as long as Material's search DOM
is kept.

Bytes count the search files whose response ended before that result was in the page
(the search worker's start included): as served (body + headers), their size on disk, and
gzip-compressed (level 6), which is how GitHub Pages sends JSON and JavaScript to a browser.

``python -m bench search --site DIR`` measures a built site on its own.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SEARCH_PARTS = ("search", "pagefind", "lunr", "/workers/")
# In most of bench/generate.py's articles (4,253 of 5,000): the results of a common word are
# spread over the whole briefing, the costly case for a chunked index.
COMMON_WORD = "residents"
# When each resource the page or a worker fetched ended, in ms since the epoch: each context's
# own clock (performance.timeOrigin), as the page's time of the first result is.
_ENDED_JS = """
() => performance.getEntriesByType("resource")
  .map(e => [e.name, performance.timeOrigin + e.responseEnd])
"""


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    engine: str = ""  # "lunr" (Material's), "pagefind" or "site's own search"
    search_bytes: int = 0  # search-related responses before the first result, as served
    search_gzip_bytes: int = 0  # the same files gzip-compressed, as GitHub Pages sends them
    page_bytes: int = 0  # every response from page load to the first result
    ready_ms: float | None = None  # page load to "search ready" (Material's placeholder)
    first_result_ms: float | None = None  # first keystroke to the first result
    warm_result_ms: float | None = None  # the same for a second word
    requests: tuple[str, ...] = ()
    error: str = ""
    disk_bytes: int = 0  # the same files' sizes on disk
    articles: int = 0  # in the site, for the figures per article (0: unknown)
    mode: str = ""  # how it was asked, as the summary says it
    typing_ms: float | None = None  # first keystroke to the last: Playwright typing the word

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
        typed = f" ({self.mode})" if self.mode else ""
        return (
            f"{self.engine}{typed}: {self.disk_bytes / 1e6:.3f} MB on disk"
            f" ({self.search_gzip_bytes / 1e6:.3f} MB gzipped) of search files before"
            f" the first result{per}, {len(self.requests)} requests; first result"
            f" {self.first_result_ms:.0f} ms after the first keystroke, fresh browser{warm}"
        )


# -- a reader's first visit ---------------------------------------------------------------------

# Installed before any script of the page runs: the time of the first keystroke, and of the
# first result in the page after it (both performance.now() of the page).
_FIRST_VISIT_JS = """
window.__first = { typed: 0, last: 0, shown: 0 };
addEventListener("keydown", () => {
  __first.typed = __first.typed || performance.now();
  __first.last = performance.now();
}, true);
new MutationObserver((_, observer) => {
  if (__first.typed && document.querySelector(".md-search-result__item")) {
    __first.shown = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


@contextlib.contextmanager
def static_server(site: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``site`` on 127.0.0.1 (a process of its own, as a
    plain static host is): its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def first_visit(site: Path, word: str, articles: int = 0, runs: int = 3) -> ProbeResult:
    """A reader's first search, as they meet it: a fresh browser context (empty cache) opens
    the home page from a plain static server, and as soon as the page has loaded the search
    box is clicked and ``word`` typed at machine speed. Timed in the page from the first
    keystroke to the first result shown; the bytes are every search file fetched before
    then (the search worker's start included). The slowest of ``runs`` fresh contexts."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return ProbeResult(False, error=f"playwright not installed: {exc}")
    if not Path(CHROMIUM).exists():
        return ProbeResult(False, error=f"{CHROMIUM} not found (make browser-deps)")
    try:
        with static_server(site) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                found = [_first_visit_once(browser, base, site, word) for _ in range(runs)]
            finally:
                browser.close()
    except Exception as exc:  # a probe failure is a figure missing, not a failed benchmark
        return ProbeResult(False, error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    worst = max(found, key=lambda r: r.first_result_ms or 0.0)
    times = ", ".join(f"{r.first_result_ms:.0f}" for r in found)
    # Chromium runs input events before other tasks: while Playwright types, the worker's
    # answers wait, and a result rarely shows before the last keystroke. How long the typing
    # took tells the search's own share apart.
    typing = ", ".join(f"{r.typing_ms:.0f}" for r in found if r.typing_ms is not None)
    mode = f"first visit ({runs} runs: {times} ms; typing the word took {typing} ms)"
    return replace(worst, articles=articles, mode=mode)


def _first_visit_once(browser: Any, base: str, site: Path, word: str) -> ProbeResult:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    try:
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
        context.add_init_script(_FIRST_VISIT_JS)
        page = context.new_page()
        page.goto(base + "/", wait_until="load")
        page.locator("input.md-search__input").first.click()
        page.keyboard.type(word)  # machine speed
        page.wait_for_function("() => window.__first.shown > 0", timeout=20_000)
        page.wait_for_timeout(300)  # let the requests before the result report as finished
        typed, last, shown = page.evaluate("() => [__first.typed, __first.last, __first.shown]")
        origin = page.evaluate("() => performance.timeOrigin")
        ended: dict[str, float] = {}
        for scope in (page, *page.workers):
            for url, end in scope.evaluate(_ENDED_JS):
                ended[url] = min(end, ended.get(url, end))
        disk = gz = served = 0
        paths: list[str] = []
        engine = "site's own search"
        for request in finished:
            path = unquote(urlsplit(request.url).path)
            if not any(part in path for part in SEARCH_PARTS):
                continue
            if ended.get(request.url, 0.0) > origin + shown:
                continue  # fetched for the results after the first
            sizes = request.sizes()
            served += int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
            on_disk, zipped = _file_sizes(site, path)
            disk, gz = disk + on_disk, gz + zipped
            paths.append(path)
            if "pagefind" in path:
                engine = "pagefind"
            elif "/javascripts/workers/search" in path:
                engine = "lunr"  # Material's own worker
        return ProbeResult(
            True, engine, served, gz, 0, None, float(shown - typed),
            requests=tuple(paths), disk_bytes=disk, typing_ms=float(last - typed),
        )  # fmt: skip
    finally:
        context.close()


def main(argv: list[str]) -> int:
    """``python -m bench search --site DIR``: a reader's first search on a built site."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench search", description=first_visit.__doc__)
    p.add_argument("--site", type=Path, required=True, help="a built site/ folder")
    p.add_argument("--word", default="", help="the query (default: the benchmark's probe word)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--articles", type=int, default=0, help="articles in the site (bytes per one)")
    args = p.parse_args(argv)
    from .generate import PROBE_WORD

    result = first_visit(args.site, args.word or PROBE_WORD, args.articles, args.runs)
    print(result.summary())
    return 0 if result.ok else 1


def _file_sizes(site: Path, path: str) -> tuple[int, int]:
    """A served file's size on disk and gzip-compressed (0, 0 when it is not a file)."""
    file = site / path.lstrip("/")
    if file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return 0, 0
    data = file.read_bytes()
    return len(data), len(gzip.compress(data, 6))
