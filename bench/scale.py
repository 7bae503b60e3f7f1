"""The scale benchmark: N generated articles through the real ``briefing`` CLI.

Each step runs as a subprocess on a fresh site root under ``bench/out/`` and is measured from
outside: wall time, and peak memory as the larger of the child's own peak (``os.wait4``) and the
sampled sum of proportional set sizes over its whole process tree (so worker processes of a
parallel build count too, and pages they share count once).
A failing or timed-out step prints the tail of its stderr and the run goes on.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import anchors, generate
from .search_probe import COMMON_WORD, ProbeResult, first_visit

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
RESULTS = REPO / "bench" / "RESULTS.md"
DEMO = REPO / "examples" / "demo"
BIN = Path(sys.executable).parent
PAGE = os.sysconf("SC_PAGE_SIZE")
SITE_URL = "https://newsroom.example/briefing/"


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float | None  # None: not run (unavailable)
    peak_mb: float | None
    ok: bool
    note: str = ""
    cpu_seconds: float | None = None  # user + system time of the child and its children


@dataclass
class SizeResult:
    n: int
    stories: int = 0
    steps: dict[str, Step] = field(default_factory=dict)
    site_bytes: int = 0
    site_files: int = 0
    article_pages: int = 0
    article_page_bytes: float = 0.0  # average HTML size of one article page
    index_bytes: int = 0  # the search index on disk (search_index.json or pagefind/)
    floor: anchors.Floor | None = None
    search: ProbeResult | None = None  # the probe word set at once
    search_typed: ProbeResult | None = None  # the probe word typed key by key
    search_common: ProbeResult | None = None  # a word of most articles, typed
    plain_search: ProbeResult | None = None
    hugo_site_bytes: int = 0  # Hugo's public/ after its full build
    sitemap: str = ""  # sitemap_figures()
    finished: str = ""  # UTC time the size's run ended
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # load average then
    command: str = ""


# -- running one step ---------------------------------------------------------------------------


def _own_memory(pid: int) -> int:
    """A process' proportional set size in bytes (its private pages, plus its share of those
    it shares with others: a forked worker's inherited pages count once over the tree), or its
    resident size where the kernel does not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def tree_memory(pid: int) -> int:
    """Proportional set size of a process and all its descendants (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += _own_memory(p)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


class _Watch(threading.Thread):
    """Samples the tree's memory every 50 ms and kills the process group at the deadline."""

    def __init__(self, pid: int, timeout: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.deadline = pid, time.monotonic() + timeout
        self.peak, self.timed_out = 0, False
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, tree_memory(self.pid))
            if time.monotonic() > self.deadline:
                self.timed_out = True
                os.killpg(self.pid, signal.SIGKILL)
                return


def run_step(name: str, argv: list[str], cwd: Path, timeout: float) -> Step:
    """Run one command, measured; never raises for a failing command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    env.pop("BRIEFING_LLM_BASE_URL", None)  # the benchmark never calls a network analyzer
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=out, stderr=err, env=env, start_new_session=True
        )
        watch = _Watch(proc.pid, timeout)
        watch.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        watch.done.set()
        watch.join()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        peak_mb = max(usage.ru_maxrss * 1024, watch.peak) / 2**20
        cpu = usage.ru_utime + usage.ru_stime
        out.seek(0)
        summary = out.read().decode(errors="replace").strip().splitlines()
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-12:]
    if watch.timed_out or code != 0:
        why = f"timed out after {timeout:.0f} s" if watch.timed_out else f"exit {code}"
        print(f"  ✗ {name} failed ({why}): {' '.join(argv)}", file=sys.stderr)
        for line in tail:
            print(f"    | {line}", file=sys.stderr)
        return Step(name, seconds, peak_mb, False, why, cpu)
    note = summary[-1] if summary else ""
    print(f"  {name:<32}{seconds:8.2f} s{cpu:8.2f} cpu s{peak_mb:7.0f} MB  {note[:80]}", flush=True)
    return Step(name, seconds, peak_mb, True, note, cpu)


# -- the site root and its figures --------------------------------------------------------------


def write_section(text: str) -> None:
    """Put ``text`` (a "## Heading" section) into bench/RESULTS.md in place of the section of
    that heading, or at the end; the other sections stay as they are."""
    heading = text.split("\n", 1)[0]
    body = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(body):
        body = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", body, count=1)
    else:
        body = body.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(body.rstrip("\n") + "\n", encoding="utf-8")


def machine() -> str:
    """The machine a run measured, for the sections of bench/RESULTS.md."""
    cpu = "unknown CPU"
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0))
    return f"nproc {nproc}, {platform.machine()}, {cpu}, Python {platform.python_version()}"


def fresh_root(path: Path) -> Path:
    """A site root like the demo's: its mkdocs.yml and hand-written docs/, no content yet."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    # With the address a published briefing has (the publish workflow passes GitHub Pages'
    # own): absolute sitemaps, canonical and og:url links, as the site on Pages carries them.
    yml = (DEMO / "mkdocs.yml").read_text(encoding="utf-8")
    (path / "mkdocs.yml").write_text(f"site_url: {SITE_URL}\n{yml}", encoding="utf-8")
    shutil.copytree(DEMO / "docs", path / "docs")
    return path


def make_cold(root: Path, trash: Path) -> None:
    """What a fresh CI checkout has: content/, no site/, no build cache, no generated docs/.

    The folders are moved into ``trash`` (emptied once the size's timed steps are done), not
    deleted: on this VM, files created in the seconds after thousands were deleted cost many
    times their usual system time (a cold full build at 5,000 took 12.4 s right after the
    deletion, 7.2 s after a move; 7.5 s of system time against 1.3 s), which a CI runner's
    fresh checkout never pays and the Markdown floor, writing nothing, never meets."""
    trash.mkdir(parents=True, exist_ok=True)
    for gone in (root / "site", root / ".cache" / "briefing", root / "docs"):
        if gone.exists():
            gone.rename(trash / f"{len(list(trash.iterdir()))}-{gone.name}")
    shutil.copytree(DEMO / "docs", root / "docs")


def analyze_available() -> bool:
    cmd = [str(BIN / "briefing"), "analyze", "--help"]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def _is_article_page(parts: tuple[str, ...]) -> bool:
    return len(parts) == 5 and parts[0] == "articles" and parts[-1] == "index.html"


def measure_site(result: SizeResult, site: Path) -> None:
    sizes = [(p, p.stat().st_size) for p in site.rglob("*") if p.is_file()]
    result.site_files = len(sizes)
    result.site_bytes = sum(s for _, s in sizes)
    # articles/YYYY/MM/<slug>/index.html: one article's page (not the listings above it)
    pages = [s for p, s in sizes if _is_article_page(p.relative_to(site).parts)]
    result.article_pages = len(pages)
    result.article_page_bytes = sum(pages) / len(pages) if pages else 0.0
    index = [s for p, s in sizes if p.relative_to(site).parts[0] in ("search", "pagefind")]
    result.index_bytes = sum(index)
    result.sitemap = sitemap_figures(site)


def sitemap_figures(site: Path) -> str:
    """How the sitemap lists the site: its files, the most URLs in one, and whether every
    article page is listed (with site_url set)."""
    found = sorted([*site.glob("sitemap.xml"), *site.glob("sitemap-*.xml*")])
    if not found:
        return "no sitemap"
    urls: set[str] = set()
    most = 0
    for file in found:
        data = file.read_bytes()
        text = (gzip.decompress(data) if file.suffix == ".gz" else data).decode("utf-8")
        locs = re.findall(r"<loc>([^<]*)</loc>", text)
        if "<sitemapindex" in text[:500]:
            continue
        most = max(most, len(locs))
        urls.update(locs)
    articles = {
        SITE_URL + p.parent.relative_to(site).as_posix() + "/"
        for p in site.glob("articles/*/*/*/index.html")
    }
    missing = len(articles - urls)
    index = "an index and " if len(found) > 1 else ""
    listed = "every article page listed" if not missing else f"{missing:,} article pages missing"
    files = len(found) - (1 if index else 0)
    return f"{index}{files} file(s), at most {most:,} URLs in one; {listed}"


def _hugo_anchor(
    result: SizeResult, dest: Path, items: list[generate.Item], timeout: float
) -> None:
    """Hugo's full build of the same articles (``anchors.write_hugo_site``), where installed."""
    name = "anchor: Hugo (full build)"
    command = anchors.hugo()
    if command is None:
        note = "hugo not installed (Debian: apt-get install hugo): skipped"
        print(f"  {name}: {note}", flush=True)
        result.steps[name] = Step(name, None, None, True, note)
        return
    try:
        where = anchors.write_hugo_site(dest, items)
    except Exception as exc:
        print(f"  ✗ {name}: could not write its site: {exc}", file=sys.stderr)
        return
    step = run_step(name, [command, "--minify", "--quiet"], where, timeout)
    result.steps[name] = replace(step, note=step.note or anchors.hugo_version())
    if step.ok:
        result.hugo_site_bytes = sum(
            p.stat().st_size for p in (where / "public").rglob("*") if p.is_file()
        )


# -- one N --------------------------------------------------------------------------------------


def arriving(seed: int, number: int = 1) -> generate.Item:
    """The one new article: dated a minute after everything in the briefing, as arriving news
    is (``extra_item`` dates it at the corpus' last moment, where 32 others are; ``ci.py``
    dates its new items the same way)."""
    item = generate.extra_item(seed, number)
    published = datetime.fromisoformat(item.published) + timedelta(minutes=1)
    return replace(item, published=published.isoformat())


def load_result(path: Path) -> SizeResult:
    """A SizeResult back from the result.json a run wrote."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = SizeResult(data["n"], data["stories"])
    for key in ("site_bytes", "site_files", "article_pages", "article_page_bytes", "index_bytes"):
        setattr(result, key, data[key])
    result.hugo_site_bytes = data.get("hugo_site_bytes", 0)
    result.sitemap = data.get("sitemap", "")
    result.finished, result.command = data.get("finished", ""), data.get("command", "")
    result.load = tuple(data.get("load") or (0.0, 0.0, 0.0))
    result.steps = {k: Step(**v) for k, v in data["steps"].items()}
    result.floor = anchors.Floor(**data["floor"]) if data.get("floor") else None
    for key in ("search", "search_typed", "search_common", "plain_search"):
        if data.get(key):
            setattr(
                result, key, ProbeResult(**{**data[key], "requests": tuple(data[key]["requests"])})
            )
    return result


def run_builds(n: int, seed: int) -> SizeResult:
    """The build steps again on the site root a full run of ``n`` left (its articles
    ingested, analysed and rendered): a cold full build, nothing changed, and one more new
    article. Its other rows are the full run's (``result.json``)."""
    base = OUT / f"n{n}"
    root = base / "site-root"
    result = load_result(base / "result.json")
    timeout = 300 + 0.3 * n
    cli = str(BIN / "briefing")
    print(f"\n== N = {n:,}: the build steps again in {root}", flush=True)

    def step(name: str, *args: str) -> Step:
        result.steps[name] = run_step(name, [cli, *args], root, timeout)
        return result.steps[name]

    # Rendered once unmeasured: pages are keyed by briefing's code too, so a new version of
    # it renders every page again (written only where they changed).
    run_step("render (settling)", [cli, "render", "-q"], root, timeout)
    step("render (nothing changed)", "render", "-q")
    make_cold(root, base / "trash")
    full = step("full build (cold)", "build", "-q")
    if full.ok:
        measure_site(result, root / "site")
    step("build (nothing changed)", "build", "-q")
    counter = base / "arrivals.txt"  # each run's new article is another one
    number = 2 + (int(counter.read_text()) if counter.is_file() else 0)
    counter.write_text(f"{number - 1}\n")
    arrived = arriving(seed, number)
    generate.append_item(root, arrived)
    step("ingest one new article", "ingest", "-q")
    generate.write_analyses(root, [arrived])
    step("build after one new article", "build", "-q")
    shutil.rmtree(base / "trash", ignore_errors=True)
    result.finished = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    result.load = os.getloadavg()
    return result


def run_size(
    n: int,
    seed: int,
    blog: bool,
    plain: bool,
    browser: bool,
    analyze: bool = True,
    hugo: bool = True,
) -> SizeResult:
    timeout = 300 + 0.3 * n
    base = OUT / f"n{n}"
    root = fresh_root(base / "site-root")
    result = SizeResult(n)
    cli = str(BIN / "briefing")
    print(f"\n== N = {n:,}: generating the articles in {base}", flush=True)
    items = generate.generate(n, seed)
    result.stories = len({i.story for i in items})
    generate.write_feeds(root, items)
    word = generate.PROBE_WORD

    def step(name: str, *args: str, where: Path = root) -> Step:
        result.steps[name] = run_step(name, [cli, *args], where, timeout)
        return result.steps[name]

    step("ingest", "ingest", "-q")
    copy = base / "analyze-root"
    analyze = analyze and analyze_available()
    if analyze:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy)  # the articles as ingested: empty bodies
    written = generate.write_analyses(root, items)
    print(f"  wrote a ~350-word analysis into {written:,} article files", flush=True)
    if analyze:
        step("analyze (empty bodies)", "analyze", "-q", "--analyzer", "offline", where=copy)
        shutil.rmtree(copy, ignore_errors=True)
    else:
        result.steps["analyze (empty bodies)"] = Step("analyze", None, None, True, "not run")
    # As in a published briefing, every article has its story recorded (analyze drafts
    # nothing here: every body has its analysis).
    step("analyze (stories; analyses written)", "analyze", "-q", "--analyzer", "offline")
    step("render (cold)", "render", "-q")
    step("render (nothing changed)", "render", "-q")
    trash = base / "trash"
    make_cold(root, trash)
    full = step("full build (cold)", "build", "-q")
    if full.ok:
        measure_site(result, root / "site")
    step("build (nothing changed)", "build", "-q")
    arrived = arriving(seed)
    generate.append_item(root, arrived)
    step("ingest one new article", "ingest", "-q")
    generate.write_analyses(root, [arrived])
    step("build after one new article", "build", "-q")
    if browser and full.ok:
        # As a reader meets it: a fresh browser, the site from a plain static server, the
        # word typed at machine speed as soon as the home page has loaded.
        site = root / "site"
        result.search = first_visit(site, word, articles=n + 1)
        result.search_common = first_visit(site, COMMON_WORD, articles=n + 1)
        common = f"{COMMON_WORD} (most articles)"
        for what, found in ((word, result.search), (common, result.search_common)):
            print(f"  search, first visit ({what}): {found.summary()}", flush=True)

    try:
        result.floor = anchors.markdown_floor(root)
        print(f"  {result.floor.summary()}", flush=True)
    except Exception as exc:  # an anchor missing must not lose the figures above
        print(f"  ✗ Markdown floor failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    mkdocs = [str(BIN / "mkdocs"), "build", "-q"]
    yml = root / "mkdocs.yml"
    if plain:
        name = "anchor: MkDocs + Material"
        try:
            where = anchors.write_plain_site(base / "plain-anchor", items, yml)
        except Exception as exc:
            print(f"  ✗ {name}: could not write its site: {exc}", file=sys.stderr)
        else:
            result.steps[name] = run_step(name, mkdocs, where, timeout)
            if browser and result.steps[name].ok:
                result.plain_search = first_visit(where / "site", word, articles=n)
                print(f"  search probe (plain MkDocs): {result.plain_search.summary()}", flush=True)
    if hugo:
        _hugo_anchor(result, base / "hugo-anchor", items, timeout)
    if blog:
        name = "anchor: Material blog plugin"
        try:
            where = anchors.write_blog_site(base / "blog-anchor", items, yml)
        except Exception as exc:
            print(f"  ✗ {name}: could not write its site: {exc}", file=sys.stderr)
        else:
            result.steps[name] = run_step(name, mkdocs, where, 600 + 3 * n)
    shutil.rmtree(trash, ignore_errors=True)  # after every timed step (see make_cold)
    result.finished = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    result.load = os.getloadavg()
    return result
