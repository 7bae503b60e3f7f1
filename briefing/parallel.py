"""How many processes a step uses, and work spread over forked processes.

Render and build are CPU-bound Python: on a 2-core runner one process leaves half the
machine idle. Both ask ``jobs`` how many processes the work is worth; render forks its
workers (``fork_map``: they inherit the articles instead of reading them again), the build
spawns its own (each imports its engine afresh).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_JOBS = 4


def cores() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def jobs(work: int, minimum: int) -> int:
    """Processes for ``work`` items: one per core (at most ``MAX_JOBS``) from ``minimum``
    items on, else one. ``BRIEFING_JOBS`` overrides (tests, benchmarks, a busy machine)."""
    forced = os.environ.get("BRIEFING_JOBS", "")
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    if work < minimum:
        return 1
    return min(MAX_JOBS, cores())


def can_fork() -> bool:
    """Forking is safe only with no other thread running: a thread's held lock (logging,
    a DNS lookup) would stay held forever in the child. ``briefing serve`` renders from a
    server thread, ``publish`` may still have a DNS lookup running: those work in one process.
    Linux only: on macOS system frameworks may crash a forked child (Python spawns there)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


# What the forked children run: set just before they are forked, so they inherit it (a
# closure cannot be sent to them; only its chunk number and its results travel).
_WORK: tuple[Callable[[Any], Any], list[Any]] | None = None


def _run_chunk(index: int) -> Any:
    assert _WORK is not None
    work, chunks = _WORK
    return work(chunks[index])


def fork_map(
    work: Callable[[Sequence[T]], R], items: Sequence[T], processes: int, chunk: int
) -> list[R]:
    """``work`` on chunks of ``items`` (in order, ``chunk`` items each) in ``processes``
    forked processes; the results (pickled back) in chunk order. The children see this
    process' memory as it was when called, so ``work`` may be a closure over anything."""
    global _WORK  # handed to the children by fork
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if processes <= 1 or len(chunks) <= 1 or not can_fork():
        return [work(part) for part in chunks]
    _WORK = (work, chunks)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(processes, len(chunks))) as pool:
            return pool.map(_run_chunk, range(len(chunks)), chunksize=1)
    finally:
        _WORK = None


@contextlib.contextmanager
def forked(work: Callable[[], object]) -> Iterator[None]:
    """Run ``work`` in a forked process while the ``with`` block runs here (in this process
    when it cannot fork). When the child fails, ``work`` runs again here after the block, so
    that its error is raised with its own message."""
    if not can_fork():
        yield
        work()
        return
    child = multiprocessing.get_context("fork").Process(target=work, daemon=True)
    child.start()
    try:
        yield
    finally:
        child.join()
    if child.exitcode != 0:
        work()
