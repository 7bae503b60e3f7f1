"""Where one command's time goes, as it runs: ``python -m bench.trace FUNCTIONS -- ARGS``.

Runs ``briefing ARGS`` in this process with each of ``FUNCTIONS`` (comma-separated
``module:qualified.name``, for example ``briefing.publish:_preload_articles,
briefing.analysis.draft:Briefing.of``) wrapped to print when it starts and ends, with the
process id (forked children print too) and the seconds since start, on stderr. Unlike a
profiler it adds next to nothing to the times, so overlapping work (publish's forked ingest)
shows as it happens. Used for the "where the time goes" notes in RESULTS.md.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()


def stamp(message: str) -> None:
    print(f"[{os.getpid()} {time.perf_counter() - STARTED:7.3f}] {message}", file=sys.stderr)


def wrap(spec: str) -> None:
    """Wrap ``module:qualified.name`` in place (a module function or a class' method)."""
    module_name, _, qualified = spec.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = qualified.split(".")
    for part in path:
        owner = getattr(owner, part)
    function: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(function)
    def traced(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        stamp(f"> {qualified}")
        try:
            return function(*args, **kwargs)
        finally:
            stamp(f"< {qualified} {time.perf_counter() - began:.3f} s")

    setattr(owner, name, traced)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    at = argv.index("--")
    for spec in ",".join(argv[:at]).split(","):
        if spec.strip():
            wrap(spec.strip())
    from briefing.cli import main as briefing

    stamp("start")
    sys.argv = ["briefing", *argv[at + 1 :]]
    return briefing()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
