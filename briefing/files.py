"""Writing files safely: atomically, and only when their text changes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    ``durable`` also flushes it to disk before the rename (for ``content/``, where a power cut
    must not lose an article); generated output that is rebuilt anyway skips that cost.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600 files; content and sites are for everyone
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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
