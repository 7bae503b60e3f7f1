"""The CI-shaped publish: ``python -m bench ci --n 10000`` (not part of ``make bench``).

What the scheduled publish workflow does, on this machine: a briefing of N generated
(FICTIONAL) articles in a git repository (origin: a bare repository in a folder); its feeds
are files outside the repository, each carrying a window of its newest items as real feeds do.

1. run 1, a fresh clone with no cache: ``briefing publish --push`` (nothing new), then
   ``briefing build`` (cold, full), timed apart; the workflow's cached paths
   (``scaffold.CACHED``) are saved with ``tar`` as actions/cache does;
2. the first feed gains ``--new`` items;
3. run 2, another fresh clone (new folder, new file times) with the cache restored with
   ``tar``: the workflow's one command, ``briefing publish --push --build`` (ingest,
   analyze, commit, push, then build in the same process); ``--repeat`` times (default 3),
   each from the origin as run 1 left it; after the last, the Pages artifact is packed, and
   the command runs again (nothing new, warm: ingest costs what arrived);
4. run 3, a third fresh clone of the last run 2's commit, the feed state copied (the health
   page shows it): ``briefing build --full``, the cold full build the target is measured
   against (``--repeat`` times too, each after a run 2 but the last, which comes after the
   Pages artifact), and whose ``site/`` must equal the last run 2's byte for byte.

A repeated step's row gives the median of its runs (this machine's wall times vary by a fifth
from one run to the next), with their range in its note; the ratio is of medians.

Writes the "## CI-shaped publish" section of ``bench/RESULTS.md`` (others untouched).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from briefing.scaffold import CACHED
from briefing.store.cache import RACY_NS

from . import generate
from .scale import BIN, OUT, RESULTS, Step, fresh_root, machine, run_step, write_section

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench Editor",
    "GIT_AUTHOR_EMAIL": "bench@newsroom.example",
    "GIT_COMMITTER_NAME": "Bench Editor",
    "GIT_COMMITTER_EMAIL": "bench@newsroom.example",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class CiResult:
    n: int
    new: int
    window: int
    steps: dict[str, Step] = field(default_factory=dict)
    repeat: int = 1
    site_files: int = 0
    different: list[str] = field(default_factory=list)  # run 2 vs run 3, byte for byte
    cache_mb: float = 0.0
    artifact_mb: float = 0.0  # the Pages artifact, compressed as upload-artifact does
    finished: str = ""
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    command: str = ""
    # Each run 2's time over the run 3 after it (minutes apart, on the same machine).
    pairs: list[float] = field(default_factory=list)


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def window_feeds(world: Path, items: list[generate.Item], window: int) -> None:
    """Each feed file as a publisher serves it: its newest ``window`` items."""
    for spec in generate.FEEDS:
        mine = sorted((i for i in items if i.feed == spec.slug), key=lambda i: i.published)
        path = world / Path(generate.feed_path(spec)).name
        path.write_text(generate.feed_text(spec, mine[-window:]), encoding="utf-8")


def make_origin(base: Path, n: int, seed: int, window: int) -> tuple[Path, Path]:
    """A bare origin holding a briefing of ``n`` analysed articles; the feeds' folder."""
    root = fresh_root(base / "seed")
    items = generate.generate(n, seed)
    generate.write_feeds(root, items)
    world = base / "world"
    shutil.rmtree(world, ignore_errors=True)
    shutil.move(root / "feeds", world)
    feeds_yml = root / "content" / "feeds.yml"
    feeds_yml.write_text(
        feeds_yml.read_text(encoding="utf-8").replace("url: feeds/", f"url: {world}/"), "utf-8"
    )
    run_step("seed: ingest", [str(BIN / "briefing"), "ingest", "-q"], root, 300 + 0.3 * n)
    generate.write_analyses(root, items)
    # A briefing as a scheduled run finds it: every article already given its story.
    run_step("seed: analyze", [str(BIN / "briefing"), "analyze", "-q"], root, 300 + n)
    window_feeds(world, items, window)
    (root / "corpus.json").unlink(missing_ok=True)
    ignored = ["/site/", "/.cache/", *(f"/{p}" for p in CACHED if p.startswith("docs/"))]
    (root / ".gitignore").write_text("\n".join(ignored) + "\n", encoding="utf-8")
    shutil.rmtree(root / ".cache", ignore_errors=True)
    origin = base / "origin.git"
    git(base, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(base, "init", "--quiet", "--initial-branch=main", str(root))
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "A briefing (FICTIONAL benchmark articles)")
    git(root, "push", "--quiet", str(origin), "main")
    return origin, world


def fresh_items(seed: int, count: int) -> list[generate.Item]:
    """What arrived since the last run: dated after everything in the briefing, a few minutes
    apart (``extra_item`` dates them all at the corpus' last moment, where 32 others are)."""
    end = datetime.fromisoformat(generate.extra_item(seed, 1).published)
    return [
        replace(generate.extra_item(seed, k), published=(end + timedelta(minutes=k)).isoformat())
        for k in range(1, count + 1)
    ]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def median_step(runs: list[Step]) -> Step:
    """One row for a step run several times: the median wall and CPU time, the highest peak,
    the last run's note with the range of the wall times."""
    last = runs[-1]
    if len(runs) == 1 or not all(r.ok and r.seconds is not None for r in runs):
        return last if all(r.ok for r in runs) else next(r for r in runs if not r.ok)
    walls = [r.seconds for r in runs if r.seconds is not None]
    cpus = [r.cpu_seconds for r in runs if r.cpu_seconds is not None]
    peaks = [r.peak_mb for r in runs if r.peak_mb is not None]
    spread = f"median of {len(runs)}: {min(walls):.2f}–{max(walls):.2f} s"
    return Step(
        last.name,
        statistics.median(walls),
        max(peaks) if peaks else None,
        True,
        f"[{spread}] {last.note}",
        statistics.median(cpus) if cpus else None,
    )


def run_ci(n: int, new: int, window: int, seed: int, repeat: int = 3) -> CiResult:
    timeout = 300 + 0.3 * n
    base = OUT / f"ci-n{n}"
    # The last run's folders are moved aside and deleted after the timed steps: on this VM,
    # files made in the seconds after thousands were deleted cost many times their system
    # time (a clone 2.6 s instead of 0.4 s, the cache restore 11 s instead of 1.3 s, the
    # cold build 20 s instead of 14 s), which a CI runner's fresh disk never pays.
    trash = OUT / "trash"
    if base.exists():
        trash.mkdir(exist_ok=True)
        base.rename(trash / f"{base.name}-{os.getpid()}-{datetime.now(UTC):%H%M%S}")
    base.mkdir(parents=True)
    result = CiResult(n, new, window, repeat=repeat)
    cli = str(BIN / "briefing")
    print(f"\n== CI shape, N = {n:,}: making origin in {base}", flush=True)
    origin, world = make_origin(base, n, seed, window)
    runs: dict[str, list[Step]] = {}

    def step(name: str, argv: list[str], where: Path) -> Step:
        runs.setdefault(name, []).append(run_step(name, argv, where, timeout))
        result.steps[name] = median_step(runs[name])
        return runs[name][-1]

    # Reading off (issue 20: the read step has its own budget; with it off nothing changes).
    publish = [cli, "publish", "--push", "--no-read"]
    scheduled = [*publish, "--build"]  # the publish workflow's one command
    first, second, third = base / "run-1", base / "run-2", base / "run-3"
    step("run 1: clone", ["git", "clone", "--quiet", str(origin), str(first)], base)
    step("run 1: publish, nothing new (no cache)", publish, first)
    step("run 1: build (cold, full)", [cli, "build", "-q"], first)
    archive = base / "actions-cache.tar"
    present = [p for p in CACHED if (first / p).exists()]
    step("run 1: cache save (tar)", ["tar", "--posix", "-cf", str(archive), *present], first)
    result.cache_mb = archive.stat().st_size / 1e6

    items = generate.generate(n, seed) + fresh_items(seed, new)
    window_feeds(world, items, window + new)

    before = subprocess.run(
        ["git", "rev-parse", "main"], cwd=origin, capture_output=True, text=True, check=True
    ).stdout.strip()
    state = base / "feeds-of-run-2-build.json"

    def cold_build(where: Path) -> None:
        """Run 3: a fresh clone of what run 2 pushed, with run 2's feed state (the health
        page shows it), built cold and full."""
        step("run 3: clone", ["git", "clone", "--quiet", str(origin), str(where)], base)
        (where / ".cache" / "briefing").mkdir(parents=True)
        shutil.copy2(state, where / ".cache/briefing/feeds.json")
        step("run 3: build --full (cold)", [cli, "build", "-q", "--full"], where)

    for k in range(repeat):
        if k:  # the origin as run 1 left it; a new folder (new file times), the same cache
            git(origin, "update-ref", "refs/heads/main", before)
            second = base / f"run-2.{k + 1}"
        cloned = time.monotonic()
        step("run 2: clone", ["git", "clone", "--quiet", str(origin), str(second)], base)
        step("run 2: cache restore (tar)", ["tar", "-xf", str(archive)], second)
        # On a runner, installing Python and briefing comes between the checkout and the
        # publish (tens of seconds): the checkout's files are older than the seconds within
        # which a file may still change unseen (``store.cache.RACY_NS``). Here, as there,
        # they are not read again for that.
        time.sleep(max(0.0, RACY_NS / 1e9 + 0.5 - (time.monotonic() - cloned)))
        step(f"run 2: publish --build, {new} new", scheduled, second)
        if k < repeat - 1:
            # Runs 2 and 3 take turns, so that their medians (and the ratio) come from the
            # same minutes of this machine, whose speed drifts by a fifth over a quarter hour.
            shutil.copy2(second / ".cache/briefing/feeds.json", state)
            cold_build(base / f"run-3.{k + 1}")
    # What actions/upload-pages-artifact does next: tar site/ (dot files left out), which
    # actions/upload-artifact then compresses (zlib level 6) and uploads.
    artifact = base / "pages-artifact.tar.gz"
    pack = (
        f"tar --dereference --hard-dereference --directory site -cf - --exclude=.git"
        f" --exclude=.github --exclude='.[^/]*' . | gzip -6 > {artifact}"
    )
    step("run 2: Pages artifact (tar + gzip -6)", ["bash", "-o", "pipefail", "-c", pack], second)
    result.artifact_mb = artifact.stat().st_size / 1e6
    step("run 2: publish --build again, nothing new", scheduled, second)
    # The feed state run 2's last site was built from (the health page shows it).
    shutil.copy2(second / ".cache/briefing/feeds.json", state)

    cold_build(third)  # the last run 3: its site is compared with run 2's
    scheduled_runs = runs[f"run 2: publish --build, {new} new"]
    result.pairs = [
        two.seconds / three.seconds
        for two, three in zip(scheduled_runs, runs["run 3: build --full (cold)"], strict=True)
        if two.ok and three.ok and two.seconds and three.seconds
    ]
    built, expected = tree(second / "site"), tree(third / "site")
    result.site_files = len(expected)
    result.different = sorted(
        name for name in built.keys() | expected.keys() if built.get(name) != expected.get(name)
    )
    print(f"  run 2 site vs run 3 site: {len(result.different)} files differ", flush=True)
    result.finished = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    result.load = os.getloadavg()
    shutil.rmtree(trash, ignore_errors=True)  # after every timed step (see above)
    return result


def _s(result: CiResult, name: str) -> float:
    step = result.steps.get(name)
    return step.seconds if step and step.ok and step.seconds is not None else float("nan")


def markdown(result: CiResult, machine: str) -> str:
    new = result.new
    run = _s(result, f"run 2: publish --build, {new} new")
    full = _s(result, "run 3: build --full (cold)")
    restore = _s(result, "run 2: cache restore (tar)")
    load = ", ".join(f"{x:.1f}" for x in result.load)
    lines = [
        "## CI-shaped publish",
        "",
        f"Run ended {result.finished} on {machine}; load average (1, 5, 15 min) {load}.",
        f"Command: `{result.command}`. Feeds are windows of their newest {result.window} items;"
        " every run is a fresh `git clone` in a new folder; the cache is what the publish"
        " workflow carries (`scaffold.CACHED`), saved and restored with `tar` (actions/cache"
        f" compresses it too): {result.cache_mb:.0f} MB uncompressed. Runs 2 and 3 ran"
        f" {result.repeat} times each: their rows are medians, and the ratio is of medians.",
        "",
        "| step | wall (s) | CPU (s) | peak memory (MB) | note |",
        "|---|---:|---:|---:|---|",
    ]
    for name, step in result.steps.items():
        cpu = "–" if step.cpu_seconds is None else f"{step.cpu_seconds:.2f}"
        secs = "–" if step.seconds is None else f"{step.seconds:.2f}"
        peak = "–" if step.peak_mb is None else f"{step.peak_mb:.0f}"
        note = step.note if step.ok else f"✗ {step.note}"
        lines.append(f"| {name} | {secs} | {cpu} | {peak} | {note[:90]} |")
    ratio = run / full
    with_restore = (restore + run) / full
    pack = _s(result, "run 2: Pages artifact (tar + gzip -6)")
    scheduled = restore + run + pack
    same = "✓" if not result.different else f"✗ {len(result.different)} files differ"
    pairs = sorted(result.pairs)
    paired = f"{statistics.median(pairs):.0%} ({pairs[0]:.1%}–{pairs[-1]:.1%})" if pairs else "–"
    lines += [
        "",
        "| ratio | value | target | |",
        "|---|---:|---|---|",
        f"| run 2 publish --build ({new} new) / cold full build, N = {result.n:,} |"
        f" {ratio:.0%} | ≤ 15% | {'✓' if ratio <= 0.15 else '✗'} |",
        f"| the same, each run 2 over the run 3 after it (median, range) | {paired} |"
        f" ≤ 15% | {'✓' if pairs and statistics.median(pairs) <= 0.15 else '✗'} |",
        f"| the same with the cache restore | {with_restore:.0%} | (info) | – |",
        f"| a scheduled run's own work: cache restore + publish --build + Pages artifact"
        f" ({result.artifact_mb:,.0f} MB compressed) | {scheduled:.0f} s | within the"
        f" 10-minute deploy window (600 s) | {'✓' if scheduled <= 600 else '✗'} |",
        f"| run 2 site = full build's site ({result.site_files:,} files), byte for byte |"
        f" {'yes' if not result.different else 'no'} | identical | {same} |",
    ]
    return "\n".join(lines) + "\n"


def write_results(text: str) -> None:
    write_section(text)
    print(f"wrote the CI-shaped publish section of {RESULTS}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench ci", description=__doc__)
    p.add_argument("--n", type=int, default=10_000, help="articles (default %(default)s)")
    p.add_argument("--new", type=int, default=20, help="new items in run 2 (default %(default)s)")
    p.add_argument("--window", type=int, default=100, help="items per feed (default %(default)s)")
    p.add_argument("--seed", type=int, default=8)
    p.add_argument(
        "--repeat", type=int, default=3, help="runs 2 and 3 each (median; default %(default)s)"
    )
    p.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    args = p.parse_args(argv)
    os.environ["BRIEFING_ANALYZER"] = "offline"  # the benchmark never calls a model
    result = run_ci(args.n, args.new, args.window, args.seed, args.repeat)
    result.command = "python -m bench ci " + " ".join(argv)
    (OUT / f"ci-n{args.n}" / "result.json").write_text(
        json.dumps(asdict(result), indent=2, default=str)
    )
    text = markdown(result, machine())
    print("\n" + text)
    if not args.no_results:
        write_results(text)
    return 0 if not result.different else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
