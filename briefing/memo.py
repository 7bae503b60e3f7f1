"""What pure text functions made of each headline and snippet, kept between runs.

``analyze`` indexes the whole briefing on every run (stories are matched and drafts
connected across all of it), and most of that is the same text work on the same headlines:
their words, stems, names. Functions marked ``@memoized`` remember their results per text;
``load`` and ``save`` carry those tables in ``.cache/briefing/text.pickle`` (valid for this
version of briefing's code only), so a run costs text work only for what arrived. Results
are shared, never copied: a memoized function returns immutable values.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import pickle
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from .cache import code_digest, gc_paused
from .files import atomic_write_bytes

log = logging.getLogger(__name__)

FILE = "text.pickle"
R = TypeVar("R")


class _Table:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.computed = 0  # results worked out since ``load`` or ``save``


_TABLES: dict[str, _Table] = {}


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
            table.computed += 1
        return result

    return remembered


def _format() -> tuple[int, str]:
    return (1, code_digest())


def load(cache_dir: Path) -> None:
    """Take in the tables saved by the last run (nothing when they are missing, torn or of
    another version of the code: it is only a cache)."""
    try:
        with (cache_dir / FILE).open("rb") as handle, gc_paused():
            data = pickle.load(handle)  # noqa: S301 - briefing's own cache file
        tables = data["tables"] if data["format"] == _format() else {}
    except Exception as exc:
        log.debug("text memo not loaded: %s", exc)
        tables = {}
    for name, table in _TABLES.items():
        saved = tables.get(name)
        if isinstance(saved, dict):
            table.results = {**saved, **table.results}
        table.computed = 0


def save(cache_dir: Path, texts: Collection[str]) -> None:
    """Keep the results for ``texts`` (the briefing's headlines and snippets): those of
    articles that are gone are dropped."""
    tables = {
        name: {text: result for text, result in t.results.items() if text in texts}
        for name, t in _TABLES.items()
    }
    if not any(t.computed for t in _TABLES.values()) and all(
        len(tables[name]) == len(t.results) for name, t in _TABLES.items()
    ):
        return  # nothing new, nothing gone
    with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
        blob = pickle.dumps({"format": _format(), "tables": tables}, pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(cache_dir / FILE, blob, durable=False)
    for name, t in _TABLES.items():
        t.results, t.computed = tables[name], 0
