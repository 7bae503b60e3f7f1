"""Crash safety and the site lock, with the real CLI in a subprocess.

`kill -9` while ingest is writing, then a rerun: `briefing check` passes, every article is there
exactly once, no temporary file is left. A second ingest while one runs stops with exit 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run, write_feeds
from faultserver import FaultServer

from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow

FEEDS, ITEMS = 24, 40


def generated_feed(n: int) -> bytes:
    """Feed n of a fictional briefing; item 0 is the same shared story in every feed."""
    items = [
        "<item><title>Shared story about the Marrow Bay harbor (fictional)</title>"
        f"<link>https://shared.example/story?utm_source=feed{n}</link></item>"
    ]
    items += [
        f"<item><title>Fictional item {i} of feed {n}</title>"
        f"<link>https://feed{n}.example/items/{i}</link><guid>urn:feed{n}:item:{i}</guid>"
        f"<pubDate>Tue, 03 Nov 2026 {i % 24:02d}:00:00 GMT</pubDate>"
        f"<description>Generated text for item {i}.</description></item>"
        for i in range(1, ITEMS)
    ]
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n} (fictional)</title>'
        f"<link>https://feed{n}.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


EXPECTED = 1 + FEEDS * (ITEMS - 1)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(max_stall=30) as s:
        for n in range(FEEDS):
            s.add(f"/feed/{n}.xml", generated_feed(n))
        yield s


def start_ingest(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CI": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "briefing", "ingest", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def count_files(root: Path) -> int:
    folder = root / "content" / "articles"
    return sum(1 for _ in folder.rglob("*.md")) if folder.is_dir() else 0


def test_kill_9_during_ingest_then_rerun_finishes_without_duplicates(
    empty_root: Path, server: FaultServer
) -> None:
    root = empty_root
    # Each feed arrives a little later than the one before: the run stores while it fetches.
    write_feeds(
        root,
        [{"name": f"Feed {n}", "url": server.url(f"/slow/{n * 0.15:.2f}/feed/{n}.xml")}
         for n in range(FEEDS)],
    )  # fmt: skip
    kills = 0
    for threshold in (1, ITEMS * 3, ITEMS * 9):
        proc = start_ingest(root)
        deadline = time.monotonic() + 60
        while count_files(root) < threshold and proc.poll() is None:
            assert time.monotonic() < deadline, "ingest made no progress"
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=30)
        assert count_files(root) < EXPECTED or proc.returncode == 0
    assert kills >= 2, "the runs ended before they could be killed: make the feeds slower"

    final = run(root, "ingest", env={"CI": "true"})
    assert final.code == 0, final.err
    check = run(root, "check")
    assert check.code == 0, check.out
    ids: dict[str, Path] = {}
    for path in (root / "content" / "articles").rglob("*.md"):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        assert article.id not in ids, f"duplicate {article.id}: {ids[article.id]} and {path}"
        ids[article.id] = path
    assert len(ids) == EXPECTED
    shared = [i for i in ids if i.startswith("https://shared.example/")]
    assert len(shared) == 1
    assert not list((root / "content").rglob(".*.tmp"))
    ledger = (root / "content" / "ledger.tsv").read_text(encoding="utf-8").splitlines()
    entries = [line.split("\t")[0] for line in ledger if line and not line.startswith("#")]
    assert sorted(set(entries)) == sorted(entries) and set(entries) == set(ids)
    # And one more run changes nothing.
    again = run(root, "ingest", env={"CI": "true"})
    assert "ingested 0 new articles" in again.out


def test_a_second_ingest_at_the_same_time_stops_with_a_clear_message(
    empty_root: Path, server: FaultServer
) -> None:
    root = empty_root
    write_feeds(root, [{"name": "Slow", "url": server.url("/slow/3/feed/0.xml")}])
    first = start_ingest(root)
    deadline = time.monotonic() + 30
    while not server.seen("/slow/3/feed/0.xml"):  # the first run holds the lock by now
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.01)
    second = run(root, "ingest")
    assert second.code == 1
    assert "another briefing run is using" in second.err
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "ingested 40 new articles" in out
    assert count_files(root) == ITEMS
