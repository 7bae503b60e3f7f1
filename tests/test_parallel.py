"""Render spread over forked processes: the same pages, the same excerpt cache, as in one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import tree

from briefing import parallel
from briefing.config import load_site
from briefing.pages import render
from briefing.store.content import ContentStore


def _pid_and_items(part: Sequence[int]) -> tuple[int, list[int]]:
    return os.getpid(), [n * n for n in part]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_fork_map_runs_chunks_in_child_processes_in_order() -> None:
    results = parallel.fork_map(_pid_and_items, list(range(10)), processes=3, chunk=3)
    assert [items for _, items in results] == [[0, 1, 4], [9, 16, 25], [36, 49, 64], [81]]
    assert {pid for pid, _ in results} - {os.getpid()} == {pid for pid, _ in results}


def test_fork_map_stays_in_this_process_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        results = parallel.fork_map(_pid_and_items, list(range(4)), processes=2, chunk=1)
    finally:
        stop.set()
        other.join()
    assert {pid for pid, _ in results} == {os.getpid()}
    assert [items for _, items in results] == [[0], [1], [4], [9]]


@pytest.mark.parametrize("forced", ["0", "x", ""])
def test_jobs_follow_the_work_unless_forced(monkeypatch: pytest.MonkeyPatch, forced: str) -> None:
    monkeypatch.setenv("BRIEFING_JOBS", forced)
    assert parallel.jobs(10, minimum=100) == 1
    assert parallel.jobs(100, minimum=100) == min(parallel.MAX_JOBS, parallel.cores())
    monkeypatch.setenv("BRIEFING_JOBS", "3")
    assert parallel.jobs(10, minimum=100) == 3


def test_a_render_over_processes_equals_a_render_in_one(
    built_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every docs page and the excerpts kept for the next render (worked out in the children,
    sent back) are the same; then an unchanged render in processes rewrites nothing."""
    monkeypatch.setattr(render, "ARTICLE_CHUNK", 2)  # the demo's 25 articles: 13 chunks
    seed = tmp_path / "seed"
    shutil.copytree(built_demo, seed, ignore=shutil.ignore_patterns("site", ".cache"))
    # Editors wrote every third analysis: listings excerpt those (offline drafts show leads).
    for number, path in enumerate(sorted((seed / "content" / "articles").rglob("*.md"))):
        if number % 3 == 0:
            meta = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
            note = f"An editor's note {number}: the lease changes who pays for the pier repairs."
            path.write_text(f"{meta}\n---\n\n{note}\n", encoding="utf-8")
    roots, reports = {}, {}
    for jobs in ("1", "3"):
        root = tmp_path / f"jobs-{jobs}"
        shutil.copytree(seed, root)
        shutil.rmtree(root / "docs" / "articles")
        monkeypatch.setenv("BRIEFING_JOBS", jobs)
        config = load_site(root)
        articles, errors = ContentStore(config).load_all()
        assert not errors
        report = render.render(config, articles)
        assert report.written > len(articles) == 25  # every article page, and the listings
        reports[jobs] = report
        roots[jobs] = root
    assert reports["1"].written == reports["3"].written
    assert reports["1"].pages == reports["3"].pages
    one, three = roots["1"], roots["3"]
    assert tree(one / "docs") == tree(three / "docs")
    saved = [json.loads((r / ".cache/briefing/render.json").read_text()) for r in (one, three)]
    assert saved[0] == saved[1]
    assert saved[0]["excerpts"]

    config = load_site(three)
    again = render.render(config, ContentStore(config).load_all()[0])
    assert again.written == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_forked_work_runs_in_another_process_meanwhile(tmp_path: Path) -> None:
    out = tmp_path / "pid"
    with parallel.forked(lambda: out.write_text(str(os.getpid()))):
        here = os.getpid()
    assert int(out.read_text()) != here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_forked_work_that_fails_fails_here_with_its_own_error(tmp_path: Path) -> None:
    tries = tmp_path / "tries"

    def work() -> None:
        with tries.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        raise OSError("search index: disk full (simulated)")

    with pytest.raises(OSError, match="disk full"), parallel.forked(work):
        pass
    pids = tries.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) != pids[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_background_work_gives_its_result_from_another_process() -> None:
    """What publish ingests with: the child works on this process' memory as it was when it
    started, while this one goes on (here: changes it), and its result comes back."""
    state = ["before"]

    def work() -> tuple[int, list[str]]:
        return os.getpid(), list(state)

    result = parallel.background(work)
    state.append("after the fork")
    pid, seen = result()
    assert pid != os.getpid()
    assert seen == ["before"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_background_work_that_fails_runs_again_here_with_its_own_error(tmp_path: Path) -> None:
    tries = tmp_path / "tries"

    def work() -> None:
        with tries.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        raise OSError("feeds: disk full (simulated)")

    result = parallel.background(work)
    with pytest.raises(OSError, match="disk full"):
        result()
    pids = tries.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) != pids[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_background_work_whose_result_does_not_pickle_runs_here(tmp_path: Path) -> None:
    tries = tmp_path / "tries"

    def work() -> object:
        with tries.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return lambda: None  # a closure: pickle refuses it

    assert callable(parallel.background(work)())
    pids = tries.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) != pids[0]


def test_background_work_runs_here_with_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_JOBS", "1")  # a busy machine, or one core
    assert parallel.background(os.getpid)() == os.getpid()


def test_background_work_runs_here_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        result = parallel.background(os.getpid)
    finally:
        stop.set()
        other.join()
    assert result() == os.getpid()


def test_loaded_articles_leave_the_collectors_walks_only_in_a_one_command_process(
    built_demo: Path,
) -> None:
    """``gc.freeze`` after loading, for the CLI's one command; never in a process that goes
    on (``serve``, or a library user): cycles alive at the freeze would never be freed."""
    script = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from briefing.store import cache\n"
        "from briefing.config import load_site\n"
        "from briefing.store.content import ContentStore\n"
        "store = ContentStore(load_site(Path(sys.argv[1])))\n"
        "store.load_all()\n"
        "before = gc.get_freeze_count()\n"
        "cache.one_shot()\n"
        "store.load_all()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(built_demo)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    before, after = map(int, done.stdout.split())
    assert before == 0 < after
