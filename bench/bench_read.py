"""The read step's cost per page: ``python -m bench read [--pages 300] [--results]``.

N generated article pages (fictional, publisher-shaped: navigation, cookie banner, related
stories, comments; 300 to 1,200 words of body) are served by a loopback HTTP server on
127.0.0.1, listed in a local feed, ingested, and read by the real ``read`` step (robots.txt,
the hardened client, trafilatura, the cache, the front-matter records), with no politeness
gap (one host; the gap is a wait, not a cost). Reported: wall time per page, extraction alone
per page (the same bytes through ``extract``), the process's peak memory, and a second run
over the same articles (every page from the cache: no request).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .scale import fresh_root, write_section

WORDS = (
    "harbour",
    "board",
    "council",
    "pier",
    "ferry",
    "lease",
    "tide",
    "turbine",
    "cable",
    "channel",
    "residents",
    "boatworks",
    "survey",
    "permit",
    "grid",
    "export",
    "cooperative",
    "fishing",
    "season",
    "meeting",
    "vote",
    "plan",
    "study",
    "report",
    "maritime",
    "office",
    "schedule",
    "repair",
    "timber",
    "deck",
    "jobs",
    "rent",
    "shoreline",
    "consultation",
)


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 24))]
    number = f" {rng.randint(2, 900)} " if rng.random() < 0.3 else " "
    return f"The {' '.join(words[:4])}{number}{' '.join(words[4:])}."


def article_page(n: int, rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(6, 24)):
        body = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        paragraphs.append(f"<p>{body}</p>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Fictional story {n} | Benchmark Gazette</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<div class="cookie-banner">We use cookies. Accept all cookies or manage your settings.</div>
<main><article><h1>Fictional story {n}</h1><p class="byline">By Wren Halloway</p>
{"".join(paragraphs)}
<figure><img src="/x.jpg" alt=""><figcaption>A caption for picture {n}.</figcaption></figure>
</article><aside><h2>Related stories</h2><ul><li><a href="/a">Another story</a></li></ul></aside>
<section id="comments"><p>A comment on story {n}, longer than a line of text.</p></section>
</main><footer>© 2026 Benchmark Gazette (fictional)</footer></body></html>"""


def run(pages: int, results: bool) -> str:
    from briefing.config import load_site
    from briefing.ingest.extract import extract
    from briefing.ingest.read import ReadSettings, read

    rng = random.Random(19)
    work = Path(tempfile.mkdtemp(prefix="bench-read-"))
    try:
        web = work / "web"
        (web / "news").mkdir(parents=True)
        (web / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
        bodies = []
        for n in range(pages):
            text = article_page(n, rng)
            bodies.append(text.encode())
            (web / "news" / f"story-{n}.html").write_text(text, encoding="utf-8")
        handler = partial(_Quiet, directory=str(web))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        root = fresh_root(work / "site")
        now = datetime(2026, 11, 24, 12, tzinfo=UTC)
        items = "".join(
            f"<item><title>Fictional story {n}</title><link>{base}/news/story-{n}.html</link>"
            f"<pubDate>{now - timedelta(minutes=n):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
            for n in range(pages)
        )
        (root / "bench.rss").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}'
            "</channel></rss>",
            encoding="utf-8",
        )
        (root / "content").mkdir(exist_ok=True)
        (root / "content" / "feeds.yml").write_text(
            "feeds:\n  - name: Benchmark Gazette\n    url: bench.rss\n", encoding="utf-8"
        )
        from briefing.pipeline import ingest_site

        config = replace(load_site(root), read_from="")
        ingest_site(config, now)
        settings = ReadSettings(budget=pages, gap=0.0)
        started = time.perf_counter()
        first = read(config, now, settings)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        second = read(config, now, settings)
        warm = time.perf_counter() - started
        started = time.perf_counter()
        for n, body in enumerate(bodies):
            extract(body, f"{base}/news/story-{n}.html", "text/html; charset=utf-8")
        extraction = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(len(b) for b in bodies) / len(bodies) / 1024
    text = (
        "## Read step\n\n"
        f"`python -m bench read --pages {pages}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {pages}"
        f" generated pages ({size:.0f} KB each on average) from a loopback server, one process."
        " No politeness gap here (one host): on the web a host is asked at most every 2 s and"
        " hosts take turns, so a run's 150 pages take at least 2 s × the most pages any one"
        " host has; Google News links cost two paced requests each (at most 40 a run).\n\n"
        "| what | figure |\n|---|---|\n"
        f"| read step, first run (robots.txt, GET, extract, cache, records) | {cold:.2f} s ="
        f" {cold / pages * 1000:.1f} ms per page; {first.counts['read']} read |\n"
        f"| extraction alone (trafilatura, the same bytes) |"
        f" {extraction / pages * 1000:.1f} ms per page |\n"
        f"| read step again (every page from the cache, no request) | {warm:.2f} s;"
        f" {second.counts['read']} fetched |\n"
        f"| peak memory of the process | {peak:.0f} MB |\n"
    )
    print(text)
    if results:
        write_section(text)
    return text


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench read", description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--results", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args(argv)
    run(args.pages, args.results)
    return 0
