"""How many processes a step uses, and work spread over forked processes.

Render and build are CPU-bound Python: on a 2-core runner one process leaves half the
machine idle. Both ask ``jobs`` how many processes the work is worth; render forks its
workers (``fork_map``: they inherit the articles instead of reading them again), the build
spawns its own (each imports its engine afresh). ``publish`` ingests in a forked process
(``background``) while it loads what analyze reads next.
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


def _answer(work: Callable[[], Any], send: Any) -> None:
    """A ``background`` child: its result, or None when it failed (the parent then runs
    ``work`` itself, so that an error is raised there with its own message)."""
    try:
        answer = ("ok", work())
    except BaseException:
        answer = ("failed", None)
    try:
        send.send(answer)
    except Exception:  # a result that does not pickle: the parent does the work
        send.send(("failed", None))
    finally:
        send.close()


def background(work: Callable[[], R]) -> Callable[[], R]:
    """Start ``work`` in a forked process now; returns the function that waits for it and
    gives its result (pickled back). The child sees this process' memory as it is now, so
    what this one does meanwhile (loading caches) neither slows it nor is seen by it. Where
    forking is not safe (``can_fork``) or there is one core to work on (``jobs``: one, or
    ``BRIEFING_JOBS=1``), ``work`` runs here when its result is asked for. When the child
    fails (an error, killed, a result that does not pickle), ``work`` runs again here: only
    for work that may be repeated (ingest: its writes are atomic and it recognises what a
    run before it stored)."""
    if jobs(2, 2) < 2 or not can_fork():  # one core, or BRIEFING_JOBS=1: one after the other
        return work
    for stream in (sys.stdout, sys.stderr):  # the child must not write this one's buffers too
        with contextlib.suppress(ValueError, OSError):
            stream.flush()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(work, send), daemon=True)
    child.start()
    send.close()

    def result() -> R:
        try:
            kind, value = receive.recv()
        except Exception:  # the child died before it answered
            kind, value = "failed", None
        finally:
            receive.close()
            child.join()
        if kind == "ok" and child.exitcode == 0:
            found: R = value
            return found
        return work()

    return result


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
