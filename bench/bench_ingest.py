"""Ingest benchmark: ``briefing ingest`` of 300 loopback feeds × 50 fictional items.

Run on its own: ``.venv/bin/python -m bench.bench_ingest`` (or ``python -m bench ingest``).
Starts a loopback HTTP server (127.0.0.1) serving generated feeds with ETags, then runs the
real CLI in a child process three times on a fresh site root:

1. cold: every item is new (15,000 article files written);
2. again, conditional GET: every feed answers 304 Not Modified;
3. again, no validators (cache removed): every item fetched, parsed, recognised, none written.

For each it prints the wall time and the child's peak memory (``os.wait4`` rusage), and
writes them into the "## Ingest" section of ``bench/RESULTS.md`` (other sections untouched).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from .scale import RESULTS, write_section

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    "harbor",
    "turbine",
    "ferry",
    "council",
    "pier",
    "quota",
    "lighthouse",
    "seawall",
    "tide",
    "buoy",
    "shelter",
    "festival",
    "cooperative",
    "permit",
    "survey",
    "channel",
    "dredging",
    "marina",
    "storm",
    "schedule",
    "budget",
    "vote",
]


def generated_feed(n: int, items: int) -> bytes:
    """Feed ``n``: fictional items on invented ``.example`` sites."""
    parts = []
    for i in range(items):
        words = " ".join(WORDS[(n * 7 + i * 3 + k) % len(WORDS)] for k in range(6))
        parts.append(
            f"<item><title>Fictional {words} report {n}-{i}</title>"
            f"<link>https://outlet{n}.example/news/{i}?utm_source=rss</link>"
            f"<guid>urn:bench:{n}:{i}</guid>"
            f"<pubDate>Tue, 03 Nov 2026 {i % 24:02d}:{n % 60:02d}:00 GMT</pubDate>"
            f"<description>&lt;p&gt;Generated text about the {words}.&lt;/p&gt;</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {n} (fictional)</title><link>https://outlet{n}.example/</link>"
        f"{''.join(parts)}</channel></rss>"
    ).encode()


class _Server:
    def __init__(self, feeds: dict[str, bytes]) -> None:
        bodies = feeds

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = bodies.get(self.path)
                etag = f'"{hash(self.path) & 0xFFFFFFFF:x}"'
                if body is None:
                    status, body = 404, b""
                elif self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                else:
                    status = 200
                self.send_response(status)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def timed_ingest(root: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the child, and its summary line."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "briefing", "ingest", "--quiet"],
            cwd=root,
            stdout=out,
            stderr=err,
            env={**os.environ, "CI": "true"},
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.monotonic() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"ingest failed ({code}):\n{err.read().decode()}")
        return wall, usage.ru_maxrss / 1024, out.read().decode().strip()


def run(feeds: int, items: int) -> list[tuple[str, float, float, str]]:
    bodies = {f"/feed/{n}.xml": generated_feed(n, items) for n in range(feeds)}
    server = _Server(bodies)
    server.thread.start()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "examples" / "demo" / "mkdocs.yml", root / "mkdocs.yml")
        (root / "content").mkdir()
        listing = [
            {"name": f"Outlet {n}", "url": server.url(f"/feed/{n}.xml")} for n in range(feeds)
        ]
        (root / "content" / "feeds.yml").write_text(yaml.safe_dump({"feeds": listing}), "utf-8")
        for label in ("cold (all new)", "again (304 Not Modified)", "again (no cache, all known)"):
            if label.startswith("again (no cache"):
                shutil.rmtree(root / ".cache")
            wall, peak, summary = timed_ingest(root)
            rows.append((label, wall, peak, summary))
            print(f"{label:30} {wall:7.2f} s  peak {peak:6.1f} MiB  | {summary}", flush=True)
        files = sum(1 for _ in (root / "content" / "articles").rglob("*.md"))
        print(f"{files} article files")
    server.httpd.shutdown()
    server.httpd.server_close()
    return rows


NOTE = (
    "Cold is bound by the one fsync per article file that atomic writes make (about 8 ms each o"
    "n this shared disk); the no-cache rerun by feedparser's pure-Python parsing (about 2 ms pe"
    "r entry at this load); the 304 rerun by process start and listing `content/`."
)


def record(rows: list[tuple[str, float, float, str]], feeds: int, items: int) -> None:
    """Replace the "## Ingest" section of bench/RESULTS.md; other sections stay."""
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "## Ingest",
        "",
        f"`briefing ingest` of {feeds} loopback feeds × {items} fictional items"
        f" ({feeds * items:,} articles), measured {when} on {platform.machine()},"
        f" {os.cpu_count()} CPUs, Python {platform.python_version()}, load average"
        f" {os.getloadavg()[0]:.1f}. Command: `.venv/bin/python -m bench.bench_ingest`.",
        "",
        "| run | wall time | peak memory (child RSS) |",
        "|---|---:|---:|",
        *(f"| {label} | {wall:.1f} s | {peak:.0f} MiB |" for label, wall, peak, _ in rows),
        "",
        NOTE,
        "",
    ]
    write_section("\n".join(lines) + "\n")
    print(f"wrote the Ingest section of {RESULTS}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ingest", description=__doc__)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    rows = run(args.feeds, args.items)
    if not args.no_results and (args.feeds, args.items) == (300, 50):
        record(rows, args.feeds, args.items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
