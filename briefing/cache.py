"""Parsed articles, cached between runs and valid in a fresh clone.

Reading tens of thousands of front matters costs seconds on every command; most files did
not change since the last run. Each entry is keyed by the file's path relative to the site
root and checked in two steps: its size and modification time (free: one ``stat``), and when
those differ, the hash of its bytes (git's blob hash, so it is the id ``git ls-files -s``
shows). A fresh checkout gives every file a new modification time, so a cache restored there
(the publish workflow carries ``.cache/briefing/`` between runs) costs one read and one hash
per file, not one YAML parse. The cache lives in ``.cache/briefing/`` (never in
``content/``): losing it costs only time. It is a local pickle written by briefing itself.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import __version__
from .errors import ContentError
from .files import atomic_write_bytes
from .models import Article

log = logging.getLogger(__name__)

RACY_NS = 2_000_000_000
# mtime_ns (-1: check the hash next time), size, git blob hash, what the file holds
Entry = tuple[int, int, str, Article | ContentError]
Parse = Callable[[Path, bytes], Article]

# Within one process (`briefing build` renders, then MkDocs' plugin indexes), reuse the last
# result instead of reading the pickle again.
_MEMO: dict[Path, dict[str, Entry]] = {}

PACKAGE = Path(__file__).parent


@functools.cache
def code_digest() -> str:
    """A hash of briefing's own code, templates and theme: every cache made by other code
    (another commit of an editable install, whatever its version number says) is dropped."""
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, names in os.walk(PACKAGE):  # top-down, in sorted order
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)  # noqa: PTH118
            digest.update(os.path.relpath(path, PACKAGE).encode() + b"\0")
            with open(path, "rb") as handle:  # noqa: PTH123
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


_ONE_SHOT = False


def one_shot() -> None:
    """Say that this process runs one command and ends (the CLI, not ``serve``): what
    ``load_articles`` loads is then left out of the garbage collector's walks for good
    (``gc.freeze``), which at 10,000 articles saves about a third of a second a command. A
    long-running process must not: cycles that were alive then would never be freed."""
    global _ONE_SHOT
    _ONE_SHOT = True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a cache of many small objects is read or the
    briefing's articles are loaded: it would walk the growing heap again and again (about
    a fifth of a second per run at 10,000 articles); what is made here holds no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def blob_hash(data: bytes) -> str:
    """git's object id of a file holding ``data`` (what ``git hash-object`` prints)."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def _format() -> tuple[int, str]:
    return (3, code_digest())


def _read(path: Path) -> dict[str, Entry]:
    try:
        with path.open("rb") as handle, gc_paused():
            data = pickle.load(handle)  # noqa: S301 - our own cache file
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a torn or foreign file: start afresh, it is only a cache
        log.debug("ignoring article cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("format") != _format():
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


class ArticleCache:
    """The article cache of one site root: ``get`` a file's parsed article, ``save`` once."""

    def __init__(self, cache_dir: Path, root: Path, parse: Parse) -> None:
        self.path = cache_dir / "articles.pickle"
        self.cache_dir = cache_dir
        self.prefix = len(str(root)) + 1
        self.parse = parse
        old = _MEMO.get(self.path)
        self.entries: dict[str, Entry] = dict(old if old is not None else _read(self.path))
        self.changed = False
        self.parsed = 0  # files read and parsed (not found in the cache)
        self.now_ns = time.time_ns()

    def get(self, path: Path | str) -> Entry | None:
        """The entry of one file under the root (None when it does not exist)."""
        try:
            stat = os.stat(path)  # noqa: PTH116 - no Path objects in the hot loop
        except FileNotFoundError:
            return None
        key = str(path)[self.prefix :]
        hit = self.entries.get(key)
        if hit is not None and hit[0] == stat.st_mtime_ns and hit[1] == stat.st_size:
            return hit
        try:
            with open(path, "rb") as handle:  # noqa: PTH123
                data = handle.read()
        except (FileNotFoundError, IsADirectoryError):
            return None
        digest = blob_hash(data)
        value: Article | ContentError
        if hit is not None and hit[2] == digest:
            value = hit[3]  # the same bytes under a new modification time (a fresh clone)
        else:
            self.parsed += 1
            try:
                value = self.parse(Path(path), data)
            except ContentError as exc:
                value = exc
        # Like git's "racy clean" rule: a file changed in the last seconds may change again
        # within the file system's timestamp granularity, so its hash is checked next time.
        mtime = stat.st_mtime_ns if self.now_ns - stat.st_mtime_ns > RACY_NS else -1
        if hit is not None and hit[:3] == (mtime, len(data), digest):
            return hit  # a recent file, checked by its hash again: nothing to save
        entry = (mtime, len(data), digest, value)
        self.entries[key] = entry
        self.changed = True
        return entry

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget every file not in ``keys`` (files that are gone)."""
        wanted = set(keys)
        if wanted != self.entries.keys():
            self.entries = {k: v for k, v in self.entries.items() if k in wanted}
            self.changed = True

    def save(self) -> None:
        if self.changed:
            with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                data = {"format": _format(), "entries": self.entries}
                blob = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
                atomic_write_bytes(self.path, blob, durable=False)
            self.changed = False
        _MEMO[self.path] = self.entries


# The git blob hash of the file each article returned by the last ``load_articles`` was parsed
# from, by the article object's identity (the object is kept, so its id stays its own).
_SOURCES: dict[int, tuple[Article, str]] = {}


def source_hash(article: Article) -> str | None:
    """The git blob hash of the file ``article`` was read from, when it is an article object
    ``load_articles`` returned (a changed copy is not): with its path and briefing's code, the
    article is a function of it."""
    hit = _SOURCES.get(id(article))
    return hit[1] if hit is not None and hit[0] is article else None


def load_articles(
    cache_dir: Path, root: Path, files: list[str], parse: Parse
) -> tuple[list[Article], list[ContentError]]:
    """Every article file read (from the cache when unchanged); errors for unreadable ones."""
    cache = ArticleCache(cache_dir, root, parse)
    found: dict[str, Entry] = {}
    with gc_paused():
        for path in files:
            entry = cache.get(path)
            if entry is not None:
                found[path[cache.prefix :]] = entry
    cache.keep_only(found)
    cache.save()
    if _ONE_SHOT:
        # What was loaded lives as long as the command: the collector need not walk it
        # again (it only ever frees cycles, and articles hold none).
        gc.freeze()
    log.info("articles: %d files, %d parsed (the rest from the cache)", len(found), cache.parsed)
    articles = [e[3] for e in found.values() if isinstance(e[3], Article)]
    _SOURCES.clear()
    _SOURCES.update((id(e[3]), (e[3], e[2])) for e in found.values() if isinstance(e[3], Article))
    errors = [e[3] for e in found.values() if isinstance(e[3], ContentError)]
    return articles, errors
