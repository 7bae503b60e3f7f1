"""What ``briefing ingest`` shows while it runs: a live per-feed line on a terminal, plain
lines (one per feed) in CI logs or when output is not a terminal.

This is the CLI's edge: it writes to the stream it is given; the library only calls back.
"""

from __future__ import annotations

import os
import shutil
import threading
from typing import TextIO

from ..models import Feed, FeedResult
from .fetch import Fetched, FetchError


def live_wanted(stream: TextIO) -> bool:
    """A live display only on a terminal, and never in CI (``CI=true``)."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        return False
    return stream.isatty()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe(result: FeedResult, failures: int = 0) -> str:
    """One line saying what happened to a feed, for people reading a log."""
    name = repr(result.feed)
    if result.status == "ok":
        parts = [f"{result.new} new"]
        if result.updated:
            parts.append(f"{result.updated} known recorded as also in this feed")
        if result.skipped_entries:
            parts.append(f"{result.skipped_entries} entries without a usable link or title")
        text = f"feed {name}: ok, {', '.join(parts)} ({result.seconds:.1f} s)"
        if result.malformed:
            text += f"; malformed feed, kept what could be read: {result.malformed}"
        return text
    if result.status == "not-modified":
        return f"feed {name}: not modified since the last run ({result.seconds:.1f} s)"
    text = f"feed {name} {result.status}: {result.error}"
    if failures > 1:
        text += f" ({_ordinal(failures)} failure in a row)"
    return text


class Progress:
    """Thread-safe: ``fetched`` is called from the fetching threads."""

    def __init__(self, total: int, stream: TextIO, *, live: bool, quiet: bool = False) -> None:
        self.total = total
        self.stream = stream
        self.live = live and not quiet
        self.quiet = quiet
        self.fetched_count = 0
        self.stored_count = 0
        self.new = 0
        self._last = ""
        self._shown = False
        self._lock = threading.Lock()

    def fetched(self, feed: Feed, outcome: Fetched | FetchError, seconds: float) -> None:
        with self._lock:
            self.fetched_count += 1
            self._last = feed.name
            self._draw()

    def result(self, result: FeedResult, failures: int) -> None:
        with self._lock:
            self.stored_count += 1
            self.new += result.new
            problem = result.status not in ("ok", "not-modified") or result.malformed
            if self.live:
                if problem:
                    self._clear()
                    self.stream.write(describe(result, failures) + "\n")
                self._draw()
            elif not self.quiet or problem:
                self.stream.write(describe(result, failures) + "\n")
                self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self._clear()

    def _draw(self) -> None:
        if not self.live:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        line = (
            f"ingest: {self.fetched_count}/{self.total} feeds fetched,"
            f" {self.stored_count} stored, {self.new} new · {self._last}"
        )
        self.stream.write("\r" + line[: max(width - 1, 10)].ljust(max(width - 1, 10)))
        self.stream.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            width = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + " " * max(width - 1, 10) + "\r")
            self.stream.flush()
            self._shown = False
