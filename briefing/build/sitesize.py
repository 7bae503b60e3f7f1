"""The built site's size against GitHub Pages' limit.

GitHub Pages publishes a site of at most 1 GB ("Uploaded artifact size of … bytes exceeds the
allowed size of 1 GB. Deployment might fail."): a briefing that passes it stops deploying.
``briefing build`` reports the size and warns from ``WARN_AT`` of the limit on. The limit can
be set lower (or higher, for another host) with ``BRIEFING_PAGES_LIMIT`` (bytes, or with a
``KB``/``MB``/``GB`` suffix, decimal): tests use it to see the warning on a small site.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

PAGES_LIMIT = 1_000_000_000  # GitHub Pages: a published site may be at most 1 GB
WARN_AT = 0.8  # warn when the site passes this share of the limit
LIMIT_ENV = "BRIEFING_PAGES_LIMIT"
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9}


@dataclass(frozen=True)
class SiteSize:
    files: int
    bytes: int
    limit: int

    @property
    def share(self) -> float:
        return self.bytes / self.limit if self.limit else 0.0

    def summary(self) -> str:
        """For the build line, e.g. ``"23.4 MB, 2% of GitHub Pages' 1 GB limit"``."""
        return f"{megabytes(self.bytes)}, {self.share:.0%} of {_limit_text(self.limit)}"

    def warning(self) -> str | None:
        """A message when the site has passed ``WARN_AT`` of the limit, else None."""
        if self.share < WARN_AT:
            return None
        past = "is over" if self.bytes > self.limit else "is close to"
        return (
            f"the built site is {megabytes(self.bytes)} ({self.files:,} files): {self.share:.0%}"
            f" of {_limit_text(self.limit)} for a published site. It {past} the limit: past"
            " it, deployments to GitHub Pages fail. See 'Past 1 GB' in CONTRIBUTING.md"
            " (yearly archives as separate sites, or another host)."
        )


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _limit_text(limit: int) -> str:
    if limit == PAGES_LIMIT:
        return "GitHub Pages' 1 GB limit"
    return f"the {megabytes(limit)} limit set by {LIMIT_ENV} (instead of GitHub Pages' 1 GB)"


def limit() -> int:
    """``BRIEFING_PAGES_LIMIT`` when set (a UsageError naming it when it is not a size),
    else GitHub Pages' 1 GB."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    if not text:
        return PAGES_LIMIT
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)B?", text.upper())
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(f"{LIMIT_ENV}={text!r}: expected a size such as 1000000, 500MB or 1GB")
    return int(float(match.group(1)) * _UNITS[match.group(2) + "B" if match.group(2) else ""])


def measure(site_dir: Path, limit_bytes: int | None = None, skip: Iterable[str] = ()) -> SiteSize:
    """Files and bytes (the files' sizes, as they are uploaded) under ``site_dir``, against
    ``limit_bytes`` (default: ``limit()``); the top-level folders named in ``skip`` are left
    out (their files are counted by ``of_files``)."""
    files = total = 0
    skipped = {os.path.join(site_dir, name) for name in skip}  # noqa: PTH118
    folders = [str(site_dir)]
    while folders:  # os.scandir: no path joins, no stat for folders (a second at 50,000)
        try:
            entries = os.scandir(folders.pop())
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in skipped:
                        folders.append(entry.path)
                else:
                    files += 1
                    total += entry.stat(follow_symlinks=False).st_size
    return SiteSize(files, total, limit() if limit_bytes is None else limit_bytes)


def of_files(site_dir: Path, paths: Iterable[str]) -> tuple[int, int]:
    """How many of ``paths`` (relative to ``site_dir``) are files, and their bytes. One
    ``stat`` each, no folder read: at 100,000 article folders, reading every folder of a
    site just built took a minute on a runner's disk, a ``stat`` of each page a second."""
    files = total = 0
    site = str(site_dir)
    for path in paths:
        try:
            size = os.stat(os.path.join(site, path)).st_size  # noqa: PTH116, PTH118
        except (FileNotFoundError, NotADirectoryError):
            continue
        files += 1
        total += size
    return files, total
