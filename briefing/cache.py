"""Parsed articles, cached between runs by each file's size and modification time.

Reading tens of thousands of front matters costs seconds on every command; most files did
not change since the last run. The cache lives in ``.cache/briefing/`` (never in
``content/``): losing it costs only time. It is a local pickle written by briefing itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import ContentError
from .files import atomic_write_bytes
from .models import Article

log = logging.getLogger(__name__)

FORMAT = (2, __version__)
RACY_NS = 2_000_000_000
Entry = tuple[int, int, Article | ContentError]  # mtime_ns, size, what the file holds

# Within one process (`briefing build` renders, then MkDocs' plugin indexes), reuse the last
# result instead of reading the pickle again.
_MEMO: dict[Path, dict[str, Entry]] = {}


def _read(path: Path) -> dict[str, Entry]:
    try:
        with path.open("rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - our own cache file
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a torn or foreign file: start afresh, it is only a cache
        log.debug("ignoring article cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def load_articles(
    cache_dir: Path, root: Path, files: list[Path], read: Callable[[Path], Article]
) -> tuple[list[Article], list[ContentError]]:
    """Every article file read (from the cache when unchanged); errors for unreadable ones."""
    cache_path = cache_dir / "articles.pickle"
    old = _MEMO.get(cache_path)
    if old is None:
        old = _read(cache_path)
    new: dict[str, Entry] = {}
    now_ns = time.time_ns()
    prefix = len(str(root)) + 1
    for path in files:
        try:
            stat = os.stat(path)  # noqa: PTH116 - no Path objects in the hot loop
        except FileNotFoundError:
            continue
        key = str(path)[prefix:]  # relative to the root (files are under it)
        hit = old.get(key)
        if hit is not None and hit[0] == stat.st_mtime_ns and hit[1] == stat.st_size:
            new[key] = hit
            continue
        try:
            entry: Article | ContentError = read(path)
        except ContentError as exc:
            entry = exc
        # Like git's "racy clean" rule: a file changed in the last seconds may change again
        # within the file system's timestamp granularity, so it is read again next time.
        stamp = stat.st_mtime_ns if now_ns - stat.st_mtime_ns > RACY_NS else -1
        new[key] = (stamp, stat.st_size, entry)
    if new.keys() != old.keys() or any(new[k] is not old[k] for k in new):
        with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
            cache_dir.mkdir(parents=True, exist_ok=True)
            blob = pickle.dumps({"format": FORMAT, "entries": new}, pickle.HIGHEST_PROTOCOL)
            atomic_write_bytes(cache_path, blob, durable=False)
    _MEMO[cache_path] = new
    articles = [e[2] for e in new.values() if isinstance(e[2], Article)]
    errors = [e[2] for e in new.values() if isinstance(e[2], ContentError)]
    return articles, errors
