"""Writing files safely: atomically, and only when their text changes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    ``durable`` also flushes it to disk before the rename (for ``content/``, where a power cut
    must not lose an article); generated output that is rebuilt anyway skips that cost.
    """
    with atomic_open(path, durable) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_open(path: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """A file to write ``path`` through, in pieces (``pickle.dump`` into it): it becomes
    ``path`` when the block ends without an error, and is removed otherwise; see
    ``atomic_write_bytes``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600 files; content and sites are for everyone
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def atomic_write(path: Path, text: str, durable: bool = True) -> None:
    """Write ``text`` (UTF-8, newlines as given) atomically; see ``atomic_write_bytes``."""
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def write_if_changed(path: Path, text: str, durable: bool = False) -> bool:
    """Atomically write ``text`` unless the file already holds exactly it. True if written.

    Used for generated files (``docs/``, ``site/``), so not durable unless asked.
    """
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data, durable)
    return True


SYNC_THREADS = 16


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Batch:
    """Many atomic writes made durable together, for bulk work such as analyzing a first
    import: each file goes to a temporary file beside it; ``commit`` flushes them all to disk
    (their fsyncs issued at once from a few threads), then renames each into place and syncs
    the folders. The promise is that of ``atomic_write(durable=True)`` file by file (a reader
    sees the old file or the new one; a power cut never leaves a renamed file without its
    data), without waiting for one journal commit per file. ``limit`` files at most wait for a
    commit. Use it as a context manager: what is not committed when the block fails is
    discarded and the old files stay."""

    def __init__(self, limit: int = 2000) -> None:
        self.limit = limit
        self.staged: list[tuple[Path, Path]] = []

    def write(self, path: Path, text: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
            raise
        self.staged.append((Path(tmp), path))
        if len(self.staged) >= self.limit:
            self.commit()

    def commit(self) -> None:
        if not self.staged:
            return
        # Every staged file's data on disk before any rename; fsyncs issued together, so the
        # file system commits them in a few journal transactions instead of one per file.
        with ThreadPoolExecutor(max_workers=SYNC_THREADS) as pool:
            list(pool.map(_fsync, [tmp for tmp, _ in self.staged]))
            for tmp, path in self.staged:
                tmp.replace(path)
            list(pool.map(_fsync, {path.parent for _, path in self.staged}))  # the renames
        self.staged.clear()

    def discard(self) -> None:
        for tmp, _ in self.staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self.staged.clear()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()
