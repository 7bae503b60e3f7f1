"""A cache dictionary kept in many small pickle files, so that a run writes what changed.

The article cache and the text memo hold tens of megabytes at 10,000 articles. Written as one
file, every run that adds 20 articles serializes and writes all of it again (a third of a
second of the scheduled publish at 10,000). Here the keys are spread over ``COUNT`` files by
a hash of the key, each file is read only when one of its keys (or the shard itself, for a
caller with its own layout inside shards, as the text memo) is asked for, and ``save``
rewrites only the files whose keys changed. Each file is
written atomically and carries the format it was written in: a file of another format, torn
or unreadable is an empty shard (it is only a cache).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .files import atomic_write_bytes

log = logging.getLogger(__name__)

COUNT = 256


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


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % COUNT


class Shards:
    """``key -> value`` kept in ``folder/NN.pickle`` files; see the module's docstring."""

    def __init__(self, folder: Path, format: object) -> None:
        self.folder = folder
        self.format = format
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty: set[int] = set()

    def shard(self, index: int) -> dict[str, Any]:
        """One shard's dictionary, read when first asked for. Changing it directly is for
        callers with a layout of their own inside shards: they ``mark`` it changed."""
        shard = self._shards.get(index)
        if shard is None:
            shard = self._shards[index] = self._read(index)
        return shard

    def mark(self, index: int) -> None:
        """Shard ``index`` is to be written by the next ``save``."""
        self._dirty.add(index)

    def _read(self, index: int) -> dict[str, Any]:
        try:
            with open(self._path(index), "rb") as handle, gc_paused():  # noqa: PTH123
                data = pickle.load(handle)  # noqa: S301 - briefing's own cache file
        except FileNotFoundError:
            return {}
        except Exception as exc:  # torn or foreign: an empty shard
            log.debug("ignoring cache shard %s: %s", self._path(index), exc)
            return {}
        if not isinstance(data, tuple) or len(data) != 2 or data[0] != self.format:
            return {}
        return data[1] if isinstance(data[1], dict) else {}

    def _path(self, index: int) -> str:
        return os.path.join(self.folder, f"{index:02x}.pickle")  # noqa: PTH118

    def get(self, key: str) -> Any:
        """The value of ``key``, None when there is none."""
        return self.shard(shard_of(key)).get(key)

    def put(self, key: str, value: Any) -> None:
        index = shard_of(key)
        shard = self.shard(index)
        if key not in shard or shard[key] is not value:
            shard[key] = value
            self.mark(index)

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            index = shard_of(key)
            shard = self.shard(index)
            if key in shard:
                del shard[key]
                self.mark(index)

    def save(self) -> None:
        """Write the shards that changed. A read-only folder is left alone (the next run is
        only slower)."""
        with contextlib.suppress(OSError):
            for index in sorted(self._dirty):
                blob = pickle.dumps((self.format, self._shards[index]), pickle.HIGHEST_PROTOCOL)
                atomic_write_bytes(Path(self._path(index)), blob, durable=False)
        self._dirty.clear()
