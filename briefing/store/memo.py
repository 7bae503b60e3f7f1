"""What pure text functions made of each headline and snippet, kept between runs.

``analyze`` indexes the whole briefing on every run (stories are matched and drafts
connected across all of it), and most of that is the same text work on the same headlines:
their words, stems, names. Functions marked ``@memoized`` remember their results per text;
``load`` and ``save`` carry those tables in ``.cache/briefing/text/`` (valid for this
version of briefing's code only), so a run costs text work only for what arrived. Results
are shared, never copied: a memoized function returns immutable values.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from .cache import code_digest
from .shards import COUNT, Shards, gc_paused, shard_of

FOLDER = "text"
LEGACY = "text.pickle"  # the memo in one file, before it was sharded
R = TypeVar("R")


class _Table:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.fresh: set[str] = set()  # texts worked out since ``load`` or ``save``


_TABLES: dict[str, _Table] = {}
_STORES: dict[Path, Shards] = {}  # shards of {table: {text: result}}, by cache folder
_TAKEN: dict[Shards, frozenset[str]] = {}  # the tables each store was taken into by ``load``


def memoized(function: Callable[[str], R]) -> Callable[[str], R]:
    """Remember ``function``'s result for each text (here, and between runs when
    ``load``/``save`` are called)."""
    table = _TABLES.setdefault(f"{function.__module__}.{function.__qualname__}", _Table())

    @functools.wraps(function)
    def remembered(text: str) -> R:
        try:
            result: R = table.results[text]
        except KeyError:
            result = table.results[text] = function(text)
            table.fresh.add(text)
        return result

    return remembered


def _format() -> tuple[int, str]:
    return (3, code_digest())


def _store(cache_dir: Path) -> Shards:
    folder = (cache_dir / FOLDER).resolve()  # one store per folder, however it is named
    store = _STORES.get(folder)
    if store is None:
        store = _STORES[folder] = Shards(folder, _format())
    return store


def load(cache_dir: Path) -> None:
    """Take in the tables saved by the last runs (nothing when they are missing, torn or of
    another version of the code: it is only a cache). Each shard holds ``{table: {text:
    result}}`` for the texts that hash to it, so loading is one dictionary update per table
    and shard."""
    store = _store(cache_dir)
    if _TAKEN.get(store, frozenset()) >= _TABLES.keys():
        return  # taken in already by this process (``publish`` loads it ahead of analyze)
    saved: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
    with gc_paused():
        for index in range(COUNT):
            for name, results in store.shard(index).items():
                if name in saved and isinstance(results, dict):
                    saved[name].update(results)
        for name, table in _TABLES.items():
            table.results = {**saved[name], **table.results}
            table.fresh.clear()
    _TAKEN[store] = frozenset(_TABLES)


def release() -> None:
    """Let go of every table's results in this process (a command that goes on to other work
    after ``save``): a memoized function works them out again if asked."""
    for table in _TABLES.values():
        table.results = {}
        table.fresh.clear()
    _TAKEN.clear()
    _STORES.clear()


def save(cache_dir: Path, texts: Collection[str]) -> None:
    """Keep the results for ``texts`` (the briefing's headlines and snippets): those of
    articles that are gone are dropped. Only the shards holding new or dropped texts are
    written."""
    store = _store(cache_dir)
    gone: set[str] = set()
    for table in _TABLES.values():
        gone.update(text for text in table.results if text not in texts)
    new = set().union(*(t.fresh for t in _TABLES.values())) - gone
    for table in _TABLES.values():
        for text in gone.intersection(table.results):
            del table.results[text]
        table.fresh.clear()
    for text in gone:
        index = shard_of(text)
        for results in store.shard(index).values():
            if text in results:
                del results[text]
                store.mark(index)
    for text in new:
        index = shard_of(text)
        shard = store.shard(index)
        for name, table in _TABLES.items():
            if text in table.results:
                shard.setdefault(name, {})[text] = table.results[text]
        store.mark(index)
    store.save()
    with contextlib.suppress(OSError):
        (cache_dir / LEGACY).unlink()
