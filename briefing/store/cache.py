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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import ContentError
from ..models import Article
from .files import atomic_write_bytes
from .shards import COUNT, Shards, gc_paused

log = logging.getLogger(__name__)

RACY_NS = 2_000_000_000
# mtime_ns (-1: check the hash next time), size, git blob hash, what the file holds
Entry = tuple[int, int, str, Article | ContentError]
Stamp = tuple[int, int, str]  # an entry without what the file holds
Parse = Callable[[Path, bytes], Article]

# Within one process (`briefing build` renders, then MkDocs' plugin indexes), reuse the last
# result instead of reading the files again.
_MEMO: dict[Path, tuple[dict[str, Stamp], Shards]] = {}

PACKAGE = Path(__file__).parent.parent  # the whole briefing package, every stage
LEGACY = "articles.pickle"  # the whole cache in one file, before it was sharded


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


def blob_hash(data: bytes) -> str:
    """git's object id of a file holding ``data`` (what ``git hash-object`` prints)."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def _format() -> tuple[int, str]:
    return (4, code_digest())


def _read(path: Path) -> dict[str, Stamp]:
    try:
        with path.open("rb") as handle, gc_paused():
            data = pickle.load(handle)  # noqa: S301 - our own cache file
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a torn or foreign file: start afresh, it is only a cache
        log.debug("ignoring article cache %s: %s", path, exc)
        return {}
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != _format():
        return {}
    return data[1] if isinstance(data[1], dict) else {}


@dataclass(frozen=True)
class Vouched:
    """Files whose git blob hash git has just vouched for, so they need not be read to be
    found in the cache: ``publish`` takes them from git's index (``git ls-files``) right
    after ``git status`` found ``content/`` clean. A fresh checkout gives every file a new
    modification time; without this, each would be read and hashed again (a second at
    100,000 articles). Only a file last modified before ``before_ns`` (before that status
    began, less ``RACY_NS``) is taken on git's word, and only when the cache holds what was
    parsed from exactly that blob: a file changed since, or one git converts (line endings),
    is read as ever."""

    blobs: Mapping[str, str]  # path relative to the site root -> blob hash in git's index
    before_ns: int


class ArticleCache:
    """The article cache of one site root: ``get`` a file's parsed article, ``save`` once.

    Kept in ``articles/``: ``index.pickle`` maps each file to its size, modification time and
    blob hash (small, written whenever one changed: after a fresh clone, every one did), and
    ``Shards`` map it to its blob hash and parsed article (big, written only where a file's
    bytes changed). A shard checks itself: a value is used only under the blob hash it was
    parsed from, so a run killed between writing shards and the index loses nothing.
    """

    def __init__(self, cache_dir: Path, root: Path, parse: Parse) -> None:
        self.folder = cache_dir / "articles"
        self.path = self.folder / "index.pickle"
        self.cache_dir = cache_dir
        self.prefix = len(str(root)) + 1
        self.parse = parse
        old = _MEMO.get(self.path)
        if old is None:
            old = _MEMO[self.path] = (_read(self.path), Shards(self.folder, _format()))
        self.index: dict[str, Stamp] = dict(old[0])
        self.values = old[1]
        self.changed = False
        self.parsed = 0  # files read and parsed (not found in the cache)
        self.now_ns = time.time_ns()

    def get(
        self, path: Path | str, settled_only: bool = False, vouched: Vouched | None = None
    ) -> Entry | None:
        """The entry of one file under the root (None when it does not exist). With
        ``settled_only``, a file that would have to be read and changed within ``RACY_NS``
        is not read (None): ``preload_articles``. ``vouched``: see ``Vouched``."""
        try:
            stat = os.stat(path)  # noqa: PTH116 - no Path objects in the hot loop
        except FileNotFoundError:
            return None
        key = str(path)[self.prefix :]
        hit = self.index.get(key)
        if hit is not None and hit[0] == stat.st_mtime_ns and hit[1] == stat.st_size:
            stored = self.values.get(key)
            if stored is not None and stored[0] == hit[2]:
                return (*hit, stored[1])
        if vouched is not None and stat.st_mtime_ns < vouched.before_ns:
            blob = vouched.blobs.get(key)
            stored = self.values.get(key)
            if blob is not None and stored is not None and stored[0] == blob:
                stamp = (stat.st_mtime_ns, stat.st_size, blob)
                self.index[key] = stamp
                self.changed = True
                return (*stamp, stored[1])
        if settled_only and self.now_ns - stat.st_mtime_ns <= RACY_NS:
            return None
        try:
            with open(path, "rb") as handle:  # noqa: PTH123
                data = handle.read()
        except (FileNotFoundError, IsADirectoryError):
            return None
        digest = blob_hash(data)
        stored = self.values.get(key)
        value: Article | ContentError
        if stored is not None and stored[0] == digest:
            value = stored[1]  # the same bytes under a new modification time (a fresh clone)
        else:
            self.parsed += 1
            try:
                value = self.parse(Path(path), data)
            except ContentError as exc:
                value = exc
            self.values.put(key, (digest, value))
        # Like git's "racy clean" rule: a file changed in the last seconds may change again
        # within the file system's timestamp granularity, so its hash is checked next time.
        mtime = stat.st_mtime_ns if self.now_ns - stat.st_mtime_ns > RACY_NS else -1
        stamp = (mtime, len(data), digest)
        if hit != stamp:
            self.index[key] = stamp
            self.changed = True
        return (*stamp, value)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget every file not in ``keys`` (files that are gone)."""
        wanted = set(keys)
        gone = self.index.keys() - wanted
        if gone:
            self.index = {k: v for k, v in self.index.items() if k in wanted}
            self.values.drop(gone)
            self.changed = True

    def save(self) -> None:
        self.values.save()
        if self.changed:
            with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
                blob = pickle.dumps((_format(), self.index), pickle.HIGHEST_PROTOCOL)
                atomic_write_bytes(self.path, blob, durable=False)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.cache_dir / LEGACY)  # noqa: PTH108
            self.changed = False
        _MEMO[self.path] = (self.index, self.values)


# The git blob hash of the file each article returned by the last ``load_articles`` was parsed
# from, by the article object's identity (the object is kept, so its id stays its own).
_SOURCES: dict[int, tuple[Article, str]] = {}


def source_hash(article: Article) -> str | None:
    """The git blob hash of the file ``article`` was read from, when it is an article object
    ``load_articles`` returned (a changed copy is not): with its path and briefing's code, the
    article is a function of it."""
    hit = _SOURCES.get(id(article))
    return hit[1] if hit is not None and hit[0] is article else None


def preload_articles(
    cache_dir: Path, root: Path, files: list[str], parse: Parse, vouched: Vouched | None = None
) -> None:
    """Read ahead what the next ``load_articles`` of this process reads (``publish`` does
    while ingest runs in another process): the cache's index and every shard, and each file
    as ``load_articles`` checks it (or as git vouches for it), except a file changed within
    ``RACY_NS`` that would have to be read: its entry would be marked to be read again by the
    next look (a fresh clone's files, seconds old), so it is left to that look. Nothing is
    dropped from the cache."""
    cache = ArticleCache(cache_dir, root, parse)
    with gc_paused():
        for index in range(COUNT):
            cache.values.shard(index)
        for path in files:
            cache.get(path, settled_only=True, vouched=vouched)
    cache.save()


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
