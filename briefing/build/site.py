"""Build and serve the site with MkDocs or ProperDocs (strict: any warning fails the build)."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import DISTRIBUTION, parallel
from ..config import SITE_URL_VARIABLE
from ..errors import BuildError
from ..mkdocs_ext import builds, engines
from ..models import Article, SiteConfig
from ..paths import GENERATED, doc_url
from ..store.cache import RACY_NS, blob_hash, code_digest
from ..store.files import atomic_write
from . import sitesize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    site_dir: Path
    pages: int
    seconds: float
    size: sitesize.SiteSize  # the built site's files and bytes, measured by the build
    incremental: bool = False
    jobs: int = 1
    engine: str = engines.DEFAULT
    rebuilt: int = 0  # docs files built (in an incremental build, those that changed)
    skipped: bool = False  # nothing changed: the engine was not run at all


def fingerprint(config: SiteConfig) -> str:
    """What every page depends on besides its own docs file: when it changes, the whole site
    is rebuilt; otherwise only pages whose docs file changed since their HTML was built are.
    Content, not times: a fresh checkout with ``.cache/briefing/`` and ``site/`` restored
    gets the same fingerprint as the run that saved them."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update((config.root / "mkdocs.yml").read_bytes())
    # The engine too: switching between MkDocs and ProperDocs rebuilds every page.
    engine = engines.get(config.engine)
    digest.update(f"engine={engine.name}={engine.version}".encode())
    for package in (DISTRIBUTION, "mkdocs", "mkdocs-material", "markdown"):
        digest.update(f"{package}={version(package)}".encode())
    for name in ("GITHUB_REPOSITORY", "GITHUB_SERVER_URL", SITE_URL_VARIABLE):
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    digest.update(code_digest().encode())  # briefing's code, templates and theme
    return digest.hexdigest()


# A docs file's (modification time in ns, size, git blob hash) when the last build read it.
Stat = tuple[int, int, str]


def _docs_pages(
    docs_dir: Path, known: Mapping[str, Sequence[Any]] | None = None
) -> tuple[dict[str, tuple[str, str]], dict[str, Stat]]:
    """``{HTML file: (its Markdown file, git blob hash of it)}`` for every page in docs/
    (directory URLs, as MkDocs makes them), and the same for the RSS feeds render writes there
    (copied as they are), so that a feed whose page is gone goes too. Hashes, not modification
    times, decide: they survive a fresh checkout and a cache restore. A file whose time and
    size are those the last build recorded (``known``; tar and actions/cache keep times) is
    not read again, like git's index (not when it had changed within ``RACY_NS`` of that
    build: it is checked by its hash next time too). Also returns what to record for the
    next build. os.walk with strings: pathlib costs seconds at 50,000."""
    known = known or {}
    pages: dict[str, tuple[str, str]] = {}
    stats: dict[str, Stat] = {}
    for folder, _, names in os.walk(docs_dir):
        rel_folder = os.path.relpath(folder, docs_dir).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        for name in names:
            if name.endswith(".md"):
                output = doc_url(prefix + name) + "index.html"
            elif name.endswith(".xml") or (prefix + name).startswith(GENERATED):
                output = prefix + name  # copied as it is (the feeds, the OPML file)
            else:
                continue
            src = prefix + name
            path = os.path.join(folder, name)  # noqa: PTH118
            stat = os.stat(path)  # noqa: PTH116
            seen = known.get(src)
            if seen and seen[0] == stat.st_mtime_ns and seen[1] == stat.st_size:
                digest = seen[2]
            else:
                with open(path, "rb") as handle:  # noqa: PTH123
                    digest = blob_hash(handle.read())
            pages[output] = (src, digest)
            stats[src] = (stat.st_mtime_ns, stat.st_size, digest)
    return pages, stats


def _same_record(record: dict[str, Any], state: dict[str, Any]) -> bool:
    """Whether the build record is the one read at the start (its docs stats are tuples
    here and lists there): then writing it again, a second of JSON at 100,000 pages, is
    skipped."""
    docs, old = record["docs"], state.get("docs")
    if not isinstance(old, dict) or len(old) != len(docs) or record.keys() != state.keys():
        return False
    if any(record[key] != state[key] for key in record if key != "docs"):
        return False
    return all(tuple(old.get(src) or ()) == stat for src, stat in docs.items())


def _settled(docs_dir: Path, stats: dict[str, Stat], read: int) -> dict[str, Stat]:
    """What to record of ``stats`` (read at ``read``, in ns) for the next build: a file that
    had changed within ``RACY_NS`` before it was read (render writes docs/ just before) is
    recorded with time -1 (hashed again next time), unless now, at the end of the build, its
    time is still the one it had and long enough ago. Like git's index, whose racy rule
    compares with when the index is written: a change made during the build within the same
    timestamp tick as the change before it would go unseen."""
    now = time.time_ns()
    result: dict[str, Stat] = {}
    for src, (mtime, size, digest) in stats.items():
        if read - mtime <= RACY_NS:
            try:
                stat = os.stat(os.path.join(docs_dir, src))  # noqa: PTH116, PTH118
            except OSError:
                stat = None
            same = stat is not None and (stat.st_mtime_ns, stat.st_size) == (mtime, size)
            if not same or now - mtime <= RACY_NS:
                mtime = -1
        result[src] = (mtime, size, digest)
    return result


def _changed(
    target: Path, docs_pages: dict[str, tuple[str, str]], built: dict[str, str]
) -> list[str]:
    """The docs files of an incremental build: those whose hash differs from the one their
    output was built from (``built``), or whose output is missing."""
    site = str(target)  # strings: a Path per page costs a tenth of a second at 10,000
    return sorted(
        src
        for output, (src, digest) in docs_pages.items()
        if built.get(output) != digest or not os.path.isfile(os.path.join(site, output))  # noqa: PTH113, PTH118
    )


PARALLEL_MIN = 300  # pages to build before it pays to start more processes
# From this many docs files on, a build minds its memory: the search index is written after
# the build processes instead of while they run, and freed memory is given back to the system.
BIG = 20_000


def _shard_process(
    engine_name: str, root: str, target: str, strict: bool, request: builds.BuildRequest
) -> None:
    """Entry point of a build process (spawned: nothing inherited but arguments)."""
    engine = engines.get(engine_name)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger(engine.name).addHandler(handler)  # "mkdocs.*" logs end there too
    for name in {"mkdocs", engine.name}:
        logging.getLogger(name).setLevel(logging.WARNING)
    builds.build(engine, Path(root), Path(target), strict, request)


def _build_in_processes(
    engine: engines.Engine,
    root: Path,
    target: Path,
    strict: bool,
    jobs: int,
    changed: frozenset[str] | None,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Build in ``jobs`` new processes, each its share of the pages (spawned, never forked:
    each imports its engine afresh), running ``meanwhile`` here while they work."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [
            pool.submit(
                _shard_process,
                engine.name,
                str(root),
                str(target),
                strict,
                builds.BuildRequest(shard, jobs, changed),
            )
            for shard in range(jobs)
        ]
        if meanwhile is not None:
            meanwhile()
        problems = [str(f.exception()) for f in futures if f.exception() is not None]
    if problems:
        raise BuildError("; ".join(dict.fromkeys(problems)))


class Loaded:
    """Articles the caller has loaded already (``briefing build`` renders first), handed over
    to the build for the search index instead of being loaded again (seconds at 100,000).
    A big full build lets go of them before its build processes start: it needs the memory."""

    def __init__(self, articles: list[Article]) -> None:
        self._articles: list[Article] | None = articles

    def take(self) -> list[Article] | None:
        articles, self._articles = self._articles, None
        return articles


def prepare(config: SiteConfig) -> None:
    """Import what ``build_site`` imports in this process (``pipeline.prepare_build``)."""
    builds.prepare(engines.get(config.engine), config.root)


def build_site(
    config: SiteConfig,
    site_dir: Path | None = None,
    strict: bool = True,
    full: bool = False,
    loaded: Loaded | None = None,
) -> BuildReport:
    """Build the site root with its engine (strict); raise BuildError with the engine's reason.

    Incremental unless ``full``: when nothing the whole site depends on changed since the last
    build into the same folder (``fingerprint``), only the pages whose docs file changed since
    their HTML was built (by content: ``_changed``) are built, and the pages whose docs file
    is gone are removed. Big builds are split over the machine's cores: each process builds a
    share of the article and story pages, the first also everything else. A build also runs
    in a new process when this one has already loaded the other engine
    (``engines.usable_here``).
    """
    started = time.monotonic()
    engine = engines.get(config.engine)
    target = (site_dir or config.root / "site").resolve()
    state_path = config.cache_dir / "build.json"
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        state = {}
    stamp = fingerprint(config)
    # Relative to the site root when inside it, so that a clone in another folder (a CI
    # runner's checkout with site/ restored from the cache) can build incrementally too.
    root = config.root.resolve()
    where = os.path.relpath(target, root) if target.is_relative_to(root) else ""
    built = state.get("pages")
    dirty = (
        not full
        and target.is_dir()
        and state.get("fingerprint") == stamp
        and state.get("site_dir") == (where or str(target))
        and isinstance(built, dict)
    )
    known = state.get("docs") if dirty else None
    read = time.time_ns()
    docs_pages, docs_stats = _docs_pages(
        config.docs_dir, known if isinstance(known, dict) else None
    )
    outputs = set(docs_pages)
    changed = _changed(target, docs_pages, built) if dirty and isinstance(built, dict) else []
    stale = set(built or ()) - outputs if dirty else set()
    # The site's size: its generated trees (most of its files) counted page by page, from the
    # last build's count and the pages this one writes or removes; the rest read whole.
    recorded = state.get("trees") if dirty else None
    trees = tuple(recorded) if isinstance(recorded, list) and len(recorded) == 2 else None
    known_trees = trees is not None
    written = _outputs_of(docs_pages, changed) if known_trees else sorted(outputs)
    before = sitesize.of_files(target, _in_trees([*written, *stale])) if known_trees else (0, 0)
    rest = _rest_intact(target, state) if dirty and not changed and not stale else None
    # Nothing to do (no docs file changed or went, the same fingerprint, and the site still
    # has the files and bytes the last build left): the engine is not started, it would only
    # write the same files again; the search index is checked (it has its own record).
    idle = rest is not None and known_trees
    if not idle:
        state_path.unlink(missing_ok=True)  # a build that fails half-way leaves no promise
    big = len(docs_pages) >= BIG
    jobs = 1 if idle else parallel.jobs(len(changed) if dirty else len(outputs), PARALLEL_MIN)
    articles = loaded.take() if loaded else None
    if big and not dirty:
        articles = None  # loaded again once the build processes are done
    if idle:
        if _write_search_index(config, target, False, articles):
            rest = None  # measured again below
    else:
        _run_engine(config, engine, target, strict, dirty, changed, big, jobs, articles)
    del articles
    for gone in stale:
        page = target / gone
        page.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the page's folder, when nothing else is in it
            page.parent.rmdir()
    after = sitesize.of_files(target, _in_trees(written))
    counted = (trees[0] - before[0] + after[0], trees[1] - before[1] + after[1]) if trees else after
    if rest is None:
        rest = sitesize.measure(target, skip=TREES)
    size = sitesize.SiteSize(rest.files + counted[0], rest.bytes + counted[1], rest.limit)
    record = {
        "fingerprint": stamp,
        "site_dir": where or str(target),
        "pages": {output: digest for output, (_, digest) in sorted(docs_pages.items())},
        "docs": _settled(config.docs_dir, docs_stats, read),
        # As built: a later build checks the site is intact, and counts from there.
        "size": [size.files, size.bytes],
        "trees": list(counted),
        "rest": [rest.files, rest.bytes],
    }
    if not idle or not _same_record(record, state):  # idle, most often the last one again
        atomic_write(state_path, json.dumps(record), durable=False)
    seconds = time.monotonic() - started
    pages = sum(1 for output in outputs if output.endswith(".html"))
    rebuilt = len(changed) if dirty else len(outputs)
    return BuildReport(target, pages, seconds, size, dirty, jobs, engine.name, rebuilt, idle)


# The folders of the site that hold only pages built from render's docs files (the article,
# story and listing pages, the topic feeds): their size is counted page by page.
TREES = tuple(name for name in GENERATED if "." not in name)


def _in_trees(outputs: Iterable[str]) -> list[str]:
    return [o for o in outputs if o.split("/", 1)[0] in TREES]


def _outputs_of(docs_pages: dict[str, tuple[str, str]], sources: list[str]) -> list[str]:
    """The built files of these docs files."""
    wanted = set(sources)
    return [output for output, (src, _) in docs_pages.items() if src in wanted]


def _rest_intact(target: Path, state: dict[str, Any]) -> sitesize.SiteSize | None:
    """The size of the site outside ``TREES`` when it is still what the last build recorded
    (the trees' pages are each checked to be there by ``_changed``)."""
    size = sitesize.measure(target, skip=TREES)
    return size if state.get("rest") == [size.files, size.bytes] else None


def _run_engine(
    config: SiteConfig,
    engine: engines.Engine,
    target: Path,
    strict: bool,
    dirty: bool,
    changed: list[str],
    big: bool,
    jobs: int,
    articles: list[Article] | None,
) -> None:
    """Build with the engine (all pages, or ``changed`` in a dirty build) and write the
    search index: while the build processes run, in a forked process while a small build
    runs here, or after them (``big``: the index needs every article, as much memory again
    as a build process at tens of thousands)."""
    if big:
        _give_back_memory()  # what render held, before the build processes start
    if not dirty:
        _empty(target)
    rebuild = frozenset(changed) if dirty else None  # the plugin's to build; None: all
    index = functools.partial(_write_search_index, config, target, big, articles)
    del articles  # the index holds them (or None: it loads them when it runs)
    in_processes = jobs > 1 or not engines.usable_here(engine)
    alongside = not big and (in_processes or parallel.can_fork())
    here = builds.BuildRequest(0, 1, rebuild)
    if in_processes:
        meanwhile = index if alongside else None
        _build_in_processes(engine, config.root, target, strict, jobs, rebuild, meanwhile)
    elif alongside:
        # A small build runs here; the index is written in a forked process meanwhile
        # (at 10,000 articles each takes about a second).
        with parallel.forked(index):
            builds.build(engine, config.root, target, strict, here)
    else:
        builds.build(engine, config.root, target, strict, here)
    if not alongside:
        index()


def _write_search_index(
    config: SiteConfig, target: Path, big: bool, articles: list[Article] | None = None
) -> int:
    """briefing's search index, written by ``briefing build`` itself (the plugin leaves it
    to it) while or after the build processes run: it needs every article (``articles``, or
    loaded here), and in the first build process its memory added up with all the processes'
    own at tens of thousands."""
    from ..pages.search import write_index
    from ..store.content import ContentStore

    if big:
        _give_back_memory()
    if articles is None:
        articles, _ = ContentStore(config).load_all()  # unreadable files: reported by render
    report = write_index(target, articles, config.cache_dir)
    log.debug("search index: %d articles, %d files written", report.docs, report.files_written)
    return report.files_written


def _give_back_memory() -> None:
    """Return freed memory to the system (glibc keeps it otherwise), so that the build
    processes this one waits for do not add to what it no longer uses. Only for big builds:
    memory given back costs page faults when it is taken again."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _empty(folder: Path) -> None:
    """Remove everything in ``folder`` (a full build starts from nothing)."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def serve_site(config: SiteConfig, dev_addr: str | None = None) -> None:
    """Preview with live reload; the briefing plugin re-renders when ``content/`` changes."""
    builds.serve(engines.get(config.engine), config.root, dev_addr)
