"""Bulk-analysis benchmark: ``briefing analyze`` of a first import, stories of 1 to 60 outlets.

Run: ``.venv/bin/python -m bench analyze --sizes 2000,8000,50000``. For each N, writes N
fictional articles (``bench/stories_gen.py``, every name invented) as article files with empty
analyses into a fresh site root under ``bench/out/analyze-N/``, then times the real CLI in a
child process: ``briefing analyze --analyzer offline`` (stories assigned, every analysis
drafted, every file written). Prints wall time and time per article (against the first N's),
the child's CPU time per article (user and system; steadier than wall time on a machine that
is busy with something else) and its peak memory; ``--results`` writes them into the
"## Bulk analysis" section of ``bench/RESULTS.md``.

``--shape gnews`` (the default) is a Google News topic briefing: a month of headlines from 40
outlets that share the subject's five name words and names in the news, so the more articles,
the more stories of the same days share a name. ``--shape invented`` is the earlier shape, a
year of stories each with names of its own.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from briefing.store.content import ContentStore
from briefing.store.files import atomic_write
from briefing.store.frontmatter import dump_article

from .scale import write_section
from .stories_gen import SHAPES

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
DEMO = ROOT.parent / "examples" / "demo"
BIN = Path(sys.executable).parent
SHAPE_NOTES = {
    "gnews": "a month of a Google News topic briefing, 40 outlets, no snippets; the"
    " subject's five name words and names in the news shared by many stories of the same days",
    "invented": "a year of stories, each with invented names of its own",
}


def make_site(n: int, seed: int, shape: str = "gnews") -> Path:
    root = OUT / f"analyze-{n}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(DEMO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(DEMO / "docs", root / "docs")
    (root / "content").mkdir()
    (root / "content" / "feeds.yml").write_text("feeds: []\n", encoding="utf-8")
    from briefing.config import load_site

    store = ContentStore(load_site(root))
    found, _ = SHAPES[shape](n, seed)
    for article in found:
        path = store.path_for(article)
        atomic_write(path, dump_article(article), durable=False)  # setup, not measured
    return root


def timed(root: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user and system: what another process's load on the
    machine changes least) and peak memory (MB) of ``briefing analyze`` in ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFING_LLM")}
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "briefing"), "analyze", "--analyzer", "offline"], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    out, err = proc.communicate()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"analyze failed: {err[-2000:]}")
    print(f"  {out.strip()}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench analyze", description=__doc__)
    parser.add_argument("--sizes", default="2000,8000", help="comma-separated N")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shape", choices=sorted(SHAPES), default="gnews",
        help="; ".join(f"{name}: {note}" for name, note in SHAPE_NOTES.items()),
    )  # fmt: skip
    parser.add_argument("--results", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args(argv)
    rows = []
    base = cpu_base = 0.0
    for n in [int(x) for x in args.sizes.split(",") if x]:
        root = make_site(n, args.seed, args.shape)
        print(f"N = {n:,}: analyze of a first import", flush=True)
        seconds, cpu, peak = timed(root)
        per, cpu_per = seconds / n * 1000, cpu / n * 1000
        base, cpu_base = base or per, cpu_base or cpu_per
        rows.append(
            f"| {n:,} | {seconds:.1f} s | {per:.2f} ms | {per / base:.2f}× | {cpu_per:.2f} ms"
            f" | {cpu_per / cpu_base:.2f}× | {peak:.0f} MB |"
        )
        print(rows[-1], flush=True)
        shutil.rmtree(root, ignore_errors=True)
    if args.results:
        table = "\n".join(
            [
                "## Bulk analysis",
                "",
                f"`python -m bench analyze {' '.join(argv)}`, {datetime.now(UTC):%Y-%m-%d},"
                f" {os.cpu_count()} cores, {platform.processor() or platform.machine()},"
                f" load {os.getloadavg()[0]:.1f} at the end. `briefing analyze --analyzer"
                " offline` of a first import: stories of 1 to 60 outlets (heavy-tailed), every"
                " analysis drafted, every file written durably. Shape"
                f" `{args.shape}`: {SHAPE_NOTES[args.shape]}",
                "",
                "| N | analyze | per article | vs smallest N | CPU per article | vs smallest N"
                " | peak memory |",
                "|---|---|---|---|---|---|---|",
                *rows,
                "",
            ]
        )
        write_section(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
