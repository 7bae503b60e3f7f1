"""``make bench`` / ``python -m bench``: the scale benchmark, a table per N, bench/RESULTS.md.

``python -m bench ingest ...`` runs the ingest benchmark (``bench/bench_ingest.py``) instead,
``python -m bench analyze ...`` the bulk-analysis benchmark (``bench/bench_analyze.py``),
``python -m bench read ...`` the read step's cost per page (``bench/bench_read.py``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from .scale import (
    OUT,
    RESULTS,
    SizeResult,
    Step,
    load_result,
    machine,
    run_builds,
    run_size,
    write_section,
)

BLOG, PLAIN = "anchor: Material blog plugin", "anchor: MkDocs + Material"
HUGO = "anchor: Hugo (full build)"
FULL, AGAIN, ONE = "full build (cold)", "build (nothing changed)", "build after one new article"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--sizes", default="1000,5000,10000", help="comma-separated N (default %(default)s)"
    )
    p.add_argument("--n", type=int, action="append", help="one N (repeatable), e.g. --n 50000")
    p.add_argument("--quick", action="store_true", help="N=200 smoke test; RESULTS.md untouched")
    p.add_argument("--no-blog", action="store_true", help="skip the (slow) blog-plugin anchor")
    p.add_argument("--blog-max", type=int, default=0, help="run the blog anchor only up to this N")
    p.add_argument("--analyze-max", type=int, default=0, help="time analyze only up to this N")
    p.add_argument("--no-plain", action="store_true", help="skip the plain MkDocs anchor")
    p.add_argument("--no-hugo", action="store_true", help="skip the Hugo anchor")
    p.add_argument("--no-browser", action="store_true", help="skip the Chromium search probe")
    p.add_argument("--no-results", action="store_true", help="do not write bench/RESULTS.md")
    p.add_argument("--seed", type=int, default=8)
    p.add_argument(
        "--builds-only", action="store_true",
        help="only the build steps again, on the site root a full run of each N left",
    )  # fmt: skip
    p.add_argument(
        "--from-out", action="store_true",
        help="no run: print and write the tables from bench/out/n<N>/result.json of the sizes",
    )  # fmt: skip
    return p


# -- the report ---------------------------------------------------------------------------------


def _seconds(step: Step | None) -> float | None:
    return step.seconds if step and step.ok else None


def _ratio_rows(r: SizeResult, base: SizeResult | None) -> list[tuple[str, str, str, str]]:
    """(what, value, target, ✓/✗/–) for one N."""
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, value: float | None, fmt: str, target: str, ok: bool | None) -> None:
        shown = "n/a" if value is None else fmt.format(value)
        rows.append((what, shown, target, "–" if ok is None or value is None else "✓✗"[not ok]))

    full = _seconds(r.steps.get(FULL))
    floor = r.floor.docs_seconds if r.floor and r.floor.docs_pages else None
    ratio = full / floor if full and floor else None
    add("full build / Markdown floor", ratio, "{:.2f}×", "≤ 2×", ratio is not None and ratio <= 2)
    cpu = r.steps[FULL].cpu_seconds if FULL in r.steps and r.steps[FULL].ok else None
    floor_cpu = r.floor.docs_cpu_seconds if r.floor else None
    ratio = cpu / floor_cpu if cpu and floor_cpu else None
    add("full build / Markdown floor, CPU time", ratio, "{:.2f}×", "(info)", None)
    blog = _seconds(r.steps.get(BLOG))
    ratio = blog / full if blog and full else None
    add("blog plugin / full build", ratio, "{:.1f}×", "≥ 5×", ratio is not None and ratio >= 5)
    plain = _seconds(r.steps.get(PLAIN))
    add("plain MkDocs + Material / full build", plain / full if plain and full else None,
        "{:.2f}×", "(info)", None)  # fmt: skip
    for name, limit in ((ONE, 0.1), (AGAIN, 0.05)):  # issue 20's targets
        part = _seconds(r.steps.get(name))
        ratio = part / full if part is not None and full else None
        add(
            f"{name} / full build",
            ratio,
            "{:.0%}",
            f"≤ {limit:.0%}",
            ratio is not None and ratio <= limit,
        )
    if base is not None and base.n != r.n:
        base_full = _seconds(base.steps.get(FULL))
        ratio = (full / r.n) / (base_full / base.n) if full and base_full else None
        add(f"full build per article vs N={base.n:,}", ratio, "{:.2f}×", "≤ 1.3×",
            ratio is not None and ratio <= 1.3)  # fmt: skip
        ratio = r.article_page_bytes / base.article_page_bytes if base.article_page_bytes else None
        add(f"article page HTML vs N={base.n:,}", ratio, "{:.2f}×", "≤ 1.1× (no growth)",
            ratio is not None and ratio <= 1.1)  # fmt: skip
    per = r.site_bytes / r.n if r.site_bytes and r.n else None
    add("site per article, all in", per, "{:,.0f} B", "≤ 8,000 B", per is not None and per <= 8000)
    # Issue 20: the worst of the probes (a rare word, a word of most articles), each a
    # reader's first visit in a fresh browser.
    probes = [p for p in (r.search, r.search_typed, r.search_common) if p and p.ok]
    mb = max(p.disk_bytes for p in probes) / 1e6 if probes else None
    add("search download before the first result (worst probe)", mb, "{:.3f} MB", "≤ 1 MB",
        mb is not None and mb <= 1)  # fmt: skip
    for measure, label in (("disk", "on disk"), ("gzip", "gzipped, as GitHub Pages sends it")):
        values = [v for p in probes if (v := p.per_article(measure)) is not None]
        worst = max(values) if values else None
        add(f"search bytes per article before the first result, {label} (worst probe)", worst,
            "{:.0f} B", "≤ 200 B", worst is not None and worst <= 200)  # fmt: skip
    times = [p.first_result_ms for p in probes if p.first_result_ms is not None]
    ms = max(times) if times else None
    add(
        "first search result after the first keystroke, fresh browser (worst probe)",
        ms,
        "{:.0f} ms",
        "< 300 ms",
        ms is not None and ms < 300,
    )
    hugo = _seconds(r.steps.get(HUGO))
    add("Hugo full build / briefing full build", hugo / full if hugo and full else None,
        "{:.2f}×", "(info)", None)  # fmt: skip
    ci = _ci_publish(r.n)
    new = f"{ci[1]} new" if ci else "new articles"
    ratio = ci[0] / hugo if ci and hugo else None
    add(f"CI-shaped publish of {new} (bench ci, run 2: publish + build) / Hugo full build",
        ratio, "{:.2f}×", "< 1× (moonshot)", ratio is not None and ratio < 1)  # fmt: skip
    peaks = [x.peak_mb for k, x in r.steps.items() if x.peak_mb and not k.startswith("anchor")]
    peak = max(peaks) if peaks else None
    add(
        "peak memory of any briefing step (its whole process tree)",
        peak,
        "{:.0f} MB",
        "< 2048 MB",
        peak is not None and peak < 2048,
    )
    return rows


def _ci_publish(n: int) -> tuple[float, int] | None:
    """Seconds of run 2's publish + build and how many articles it published, from the
    ``python -m bench ci --n N`` result of the same N (the same generated articles), if any."""
    try:
        data = json.loads((OUT / f"ci-n{n}" / "result.json").read_text(encoding="utf-8"))
        steps = data["steps"]
        publish = steps[f"run 2: publish, {data['new']} new"]
        build = steps["run 2: build (incremental)"]
        if not (publish["ok"] and build["ok"]):
            return None
        return float(publish["seconds"]) + float(build["seconds"]), int(data["new"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _figures(r: SizeResult) -> list[tuple[str, str]]:
    page = f"{r.article_page_bytes / 1024:.1f} KB over {r.article_pages:,} pages"
    out = [
        ("site", f"{r.site_files:,} files, {r.site_bytes / 1e6:.1f} MB"),
        ("article page HTML (average)", page),
        ("search index on disk", f"{r.index_bytes / 1e6:.2f} MB"),
    ]
    if r.site_bytes and r.n:
        # GitHub Pages publishes at most 1 GB (briefing/build/sitesize.py): linear in N from here.
        per = r.site_bytes / r.n
        per_1000 = f"{per / 1000:.1f} MB per 1,000 articles"
        out.append(("site per article, all in", f"{per:,.0f} B ({per_1000})"))
        out.append(("GitHub Pages limit (1 GB): articles that fit", f"{1e9 / per:,.0f}"))
    if r.floor:
        out.append(
            (
                "Markdown floor (article pages)",
                f"{r.floor.docs_seconds:.2f} s for {r.floor.docs_pages:,}",
            )
        )
        out.append(
            (
                "Markdown floor (analyses alone)",
                f"{r.floor.bodies_seconds:.2f} s for {r.floor.bodies:,}",
            )
        )
    if r.sitemap:
        out.append(("sitemap", r.sitemap))
    for label, s in (
        ("search, first visit (a rare word)", r.search),
        ("search (briefing), typed", r.search_typed),
        ("search, first visit (a word of most articles)", r.search_common),
        ("search (plain MkDocs)", r.plain_search),
    ):
        if s is not None:
            out.append((label, s.summary()))
    if r.hugo_site_bytes:
        out.append(("Hugo's site (public/)", f"{r.hugo_site_bytes / 1e6:.1f} MB"))
    return out


def _step_cells(step: Step) -> tuple[str, str, str, str]:
    if step.seconds is None:
        return ("–", "–", "–", step.note)
    mark = "" if step.ok else f"✗ {step.note}"
    cpu = "–" if step.cpu_seconds is None else f"{step.cpu_seconds:.2f}"
    return (f"{step.seconds:.2f}", cpu, f"{step.peak_mb:.0f}", mark)


def print_table(r: SizeResult, base: SizeResult | None) -> None:
    print(f"\nN = {r.n:,} articles ({r.stories:,} stories)")
    print(f"  {'step':<36}{'time s':>10}{'cpu s':>10}{'peak MB':>10}")
    for name, step in r.steps.items():
        t, c, m, note = _step_cells(step)
        print(f"  {name:<36}{t:>10}{c:>10}{m:>10}  {note}")
    for label, value in _figures(r):
        print(f"  {label:<46}{value}")
    print(f"  {'ratio':<44}{'value':>10}   target")
    for what, value, target, mark in _ratio_rows(r, base):
        print(f"  {what:<44}{value:>10}   {target} {mark}")


def markdown_table(r: SizeResult, base: SizeResult | None) -> str:
    lines = [f"### N = {r.n:,} articles ({r.stories:,} stories)", "",
             "| step | wall (s) | CPU (s) | peak memory (MB) | note |",
             "|---|---:|---:|---:|---|"]  # fmt: skip
    for name, step in r.steps.items():
        t, c, m, note = _step_cells(step)
        lines.append(f"| {name} | {t} | {c} | {m} | {note} |")
    lines += ["", "| figure | value |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in _figures(r)]
    lines += ["", "| ratio | value | target | |", "|---|---:|---|---|"]
    lines += [f"| {w} | {v} | {t} | {m} |" for w, v, t, m in _ratio_rows(r, base)]
    return "\n".join(lines) + "\n"


def write_results(results: list[SizeResult], command: str) -> None:
    """Replace the "## Scale" section of bench/RESULTS.md; other sections stay as they are."""
    base = results[0]
    last = results[-1]
    finished = last.finished or f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load = ", ".join(f"{x:.1f}" for x in (last.load if last.finished else os.getloadavg()))
    section = [
        "## Scale",
        "",
        f"Run ended {finished} on {machine()}; load average (1, 5, 15 min) {load}.",
        f"Command: `{last.command or command}`.",
        "",
        "Every step is the real CLI run as a subprocess on a fresh site root; peak memory is the",
        "larger of the child's own peak RSS and the sampled sum of proportional set sizes (PSS)",
        "over its process tree, workers included. Other work on",
        "a shared machine inflates wall times (CPU times are steadier): compare ratios. Targets",
        "are those of issue 20 (shown at every N).",
        "",
    ]
    body = "\n".join(section) + "\n" + "\n".join(markdown_table(r, base) for r in results)
    write_section(body)
    print(f"\nwrote the Scale section of {RESULTS}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["ci"]:  # the CI-shaped publish (bench/ci.py)
        from .ci import main as ci_main

        return ci_main(argv[1:])
    if argv[:1] == ["search"]:  # a reader's first search on a built site
        from .search_probe import main as search_main

        return search_main(argv[1:])
    if argv[:1] in (["ingest"], ["analyze"], ["read"]):  # benchmarks in modules of their own
        module = importlib.import_module(f"bench.bench_{argv[0]}")
        return int(module.main(argv[1:]))
    args = _parser().parse_args(argv)
    sizes = [200] if args.quick else args.n or [int(x) for x in args.sizes.split(",") if x]
    results: list[SizeResult] = []
    if args.from_out:
        results = [load_result(OUT / f"n{n}" / "result.json") for n in sizes]
        for result in results:
            print_table(result, results[0])
        if not args.no_results:
            write_results(results, "python -m bench " + " ".join(argv))
        return 0
    for n in sizes:
        if args.builds_only:
            result = run_builds(n, args.seed)
            result.command = "python -m bench " + " ".join(argv)
            results.append(result)
            (OUT / f"n{n}" / "result.json").write_text(
                json.dumps(asdict(result), indent=2, default=str)
            )
            print_table(result, results[0])
            continue
        blog = not args.no_blog and (not args.blog_max or n <= args.blog_max)
        analyze = not args.analyze_max or n <= args.analyze_max
        result = run_size(
            n, args.seed, blog, not args.no_plain, not args.no_browser, analyze, not args.no_hugo
        )
        result.command = "python -m bench " + " ".join(argv)
        results.append(result)
        (OUT / f"n{n}" / "result.json").write_text(
            json.dumps(asdict(result), indent=2, default=str)
        )
        print_table(result, results[0])
        if not (args.quick or args.no_results):  # after each N, so a long run keeps its figures
            write_results(results, "python -m bench " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
