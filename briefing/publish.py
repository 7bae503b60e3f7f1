"""Publish: bring a briefing repository's content up to date, commit it and push it.

ingest → read → analyze → commit ``content/`` as a bot (only when something changed) → push,
fetching and rebasing a bounded number of times when the branch moved meanwhile. The publish
workflow runs ``briefing publish --push``; the tests run the same command on local git
repositories.

Git is driven through its command line (the I/O edge of this module); nothing here rewrites an
article: the commit holds exactly what ingest and analyze wrote, and a rebase that would have
to merge by hand stops the run instead of choosing for an editor.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .config import load_site
from .console import analyze_and_report
from .errors import BriefingError
from .ingest.fetch import Limits
from .ingest.run import IngestReport
from .models import CACHE_DIR, SiteConfig
from .pipeline import ingest_site, prepare_analyze
from .store.cache import RACY_NS, Vouched

if TYPE_CHECKING:
    from .ingest.read import ReadReport

log = logging.getLogger(__name__)

# GitHub's own identity for commits made with a workflow's token.
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"


class PublishError(BriefingError):
    """The content could not be committed or pushed."""


@dataclass(frozen=True)
class PublishOptions:
    push: bool = False
    remote: str = "origin"
    branch: str = "main"
    retries: int = 3  # fetch-rebase-push rounds after the first push is rejected
    author: str = BOT  # "Name <email>"
    read: bool = True  # read the new articles' pages (unless the site switched reading off)


@dataclass(frozen=True)
class AnalyzeOutcome:
    status: str  # "ok" or "failed"
    detail: str = ""


@dataclass(frozen=True)
class PublishReport:
    ingest: IngestReport
    analyze: AnalyzeOutcome
    changed: tuple[str, ...]  # committed paths, relative to the repository
    commit: str  # the new commit's id, "" when nothing changed
    pushed: bool
    push_attempts: int
    seconds: float
    read: ReadReport | None = None  # None: reading off, or it failed (``read_error`` says why)
    read_error: str = ""


# -- git ------------------------------------------------------------------------------------


class Git:
    """Runs git in one repository; a failure becomes a PublishError with git's own words."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}

    def try_run(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
        return self.start(*args, env=env)()

    def start(
        self, *args: str, env: Mapping[str, str] | None = None
    ) -> Callable[[], tuple[int, str]]:
        """Start git now; returns the function that waits for it, as ``try_run`` answers."""
        proc = subprocess.Popen(
            ["git", *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def finish() -> tuple[int, str]:
            out, err = proc.communicate()
            log.debug("git %s -> %d\n%s%s", " ".join(args), proc.returncode, out, err)
            return proc.returncode, (out if proc.returncode == 0 else err).strip()

        return finish

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        code, out = self.try_run(*args, env=env)
        if code:
            msg = f"git {args[0]} failed: {out or f'exit {code}'}"
            raise PublishError(msg)
        return out


def _identity(author: str) -> dict[str, str]:
    name, sep, email = author.rpartition("<")
    if not sep or not name.strip() or not email.endswith(">"):
        msg = f"--author must look like 'Name <email>', not {author!r}"
        raise PublishError(msg)
    name, email = name.strip(), email[:-1].strip()
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _rebase_onto_remote(git: Git, options: PublishOptions) -> None:
    """Fetch the branch and replay local commits on top of it; stop cleanly on a conflict."""
    git.run("fetch", "--quiet", options.remote, options.branch)
    code, out = git.try_run("rebase", "--quiet", "FETCH_HEAD")
    if code:
        conflicts = git.try_run("diff", "--name-only", "--diff-filter=U")[1]
        git.try_run("rebase", "--abort")
        files = ", ".join(conflicts.split()) or out
        msg = (
            f"{options.remote}/{options.branch} changed the same files as this run ({files});"
            " nothing was pushed. The next run ingests again on top of it."
        )
        raise PublishError(msg)


def _start_push(git: Git, options: PublishOptions) -> Callable[[], tuple[int, str]]:
    return git.start("push", "--quiet", options.remote, f"HEAD:{options.branch}")


def _push(
    git: Git, options: PublishOptions, started: Callable[[], tuple[int, str]] | None = None
) -> int:
    """Push HEAD to the branch; when rejected, rebase on what is there and try again.
    ``started``: the first push, already under way (``_start_push``)."""
    for attempt in range(1, options.retries + 2):
        pushing = started if attempt == 1 and started else _start_push(git, options)
        code, out = pushing()
        if code == 0:
            return attempt
        log.warning("push %d rejected (%s); rebasing on %s", attempt, out, options.branch)
        if attempt > options.retries:
            break
        _rebase_onto_remote(git, options)
    msg = f"push to {options.remote}/{options.branch} rejected {options.retries + 1} times: {out}"
    raise PublishError(msg)


# -- analyze --------------------------------------------------------------------------------


def run_analyze(root: Path) -> AnalyzeOutcome:
    """THE ONE PLACE publish calls the analyze stage: what ``briefing analyze`` does, in this
    process (a process of its own cost a Python start and a second reading of the briefing
    on every publish). Its summary line is printed as the command prints it. A failure is
    reported, never fatal: the new articles are published without drafts."""
    analyzer = os.environ.get("BRIEFING_ANALYZER") or "auto"
    try:
        code = analyze_and_report(load_site(root), refresh=False, analyzer=analyzer)
    except Exception as exc:
        log.debug("analyze failed", exc_info=True)
        return AnalyzeOutcome("failed", f"{type(exc).__name__}: {exc}")
    if code != 0:
        return AnalyzeOutcome("failed", "some article files could not be read (named above)")
    return AnalyzeOutcome("ok")


# -- the command ----------------------------------------------------------------------------


def publish(
    root: Path,
    now: datetime,
    options: PublishOptions,
    limits: Limits | None = None,
    analyze: Callable[[Path], AnalyzeOutcome] = run_analyze,
    while_pushing: Callable[[], object] | None = None,
    while_ingesting: Callable[[SiteConfig], object] | None = None,
) -> PublishReport:
    """Ingest, analyze, commit ``content/`` if it changed, and (with ``push``) push it.

    ``while_pushing`` (``publish --build``: the site's build) is called once the commit is
    made, while its push is under way: a push to GitHub takes a second or two, which the
    build no longer waits for. It must not touch the repository. The push is finished after
    it returns or raises, so a failed build never leaves a commit unpushed. A push that is
    rejected (an editor pushed meanwhile) is retried on top of theirs after it, as always:
    ``PublishReport.push_attempts`` > 1 then says that the commit pushed is not the one
    ``while_pushing`` saw. ``while_ingesting`` (``publish --build``: loading what the build
    needs) is called with the site's configuration while ingest runs in another process."""
    started = time.monotonic()
    # The bot is the committer of everything this run writes, rebased commits included.
    git = Git(root, env=_identity(options.author))
    top = Path(git.run("rev-parse", "--show-toplevel"))
    content = os.path.relpath((root / "content").resolve(), top.resolve())
    # git looks at every file of content/ (after a fresh clone, by reading them): meanwhile,
    # what analyze reads first is loaded here.
    before_ns = time.time_ns() - RACY_NS
    status = git.start("status", "--porcelain", "--", content)
    listed = git.start("ls-files", "--stage", "-v", "-z", "--full-name", "--", content)
    _preload_memo(root / CACHE_DIR)
    code, changes = status()
    index = listed()
    if code:
        raise PublishError(f"git status failed: {changes or f'exit {code}'}")
    if changes:
        msg = f"{content}/ has uncommitted changes: commit or discard them before publishing"
        raise PublishError(msg)
    # content/ is as git's index says: what the article cache need not read again to know.
    at = os.path.relpath(root.resolve(), top.resolve())
    vouched = Vouched(_index_blobs(*index, at), before_ns)
    if options.push:
        # Start from the newest branch, so ingest sees every editor's deletion and edit.
        _rebase_onto_remote(git, options)

    config = load_site(root)  # after the sync: an editor may have changed the feeds
    report = _ingest_while_loading(config, now, limits, vouched, while_ingesting)
    read, read_error = _read(config, now) if options.read else (None, "")
    analyzed = analyze(config.root)
    if analyzed.status == "failed":
        log.warning("analyze failed (%s); publishing without new drafts", analyzed.detail)

    git.run("add", "--all", "--", content)
    staged = [p for p in git.run("diff", "--cached", "--name-only", "-z").split("\0") if p]
    changed = tuple(p for p in staged if p == content or p.startswith(f"{content}/"))
    commit = ""
    if changed:
        message = _message(report, changed)
        # Only content/ is committed. When nothing else is staged, the index is the commit
        # as it is; else the pathspec leaves the rest staged (git then refreshes every file
        # of content/ again: 80 ms at 10,000 articles, against 20).
        only = ("--", content) if len(changed) < len(staged) else ()
        git.run("commit", "--quiet", "-m", message, *only)
        commit = git.run("rev-parse", "HEAD")

    attempts = 0
    pushing = None
    if options.push and git.run("rev-list", "--count", "FETCH_HEAD..HEAD") != "0":
        pushing = _start_push(git, options)
    meanwhile = 0.0  # not publish's own time
    try:
        if while_pushing is not None:
            began = time.monotonic()
            while_pushing()
            meanwhile = time.monotonic() - began
    finally:
        if pushing is not None:
            attempts = _push(git, options, pushing)
            commit = git.run("rev-parse", "HEAD") if commit else commit
    seconds = time.monotonic() - started - meanwhile
    return PublishReport(
        report, analyzed, changed, commit, attempts > 0, attempts, seconds, read, read_error
    )


def _ingest_while_loading(
    config: SiteConfig,
    now: datetime,
    limits: Limits | None,
    vouched: Vouched | None = None,
    meanwhile: Callable[[SiteConfig], object] | None = None,
) -> IngestReport:
    """Ingest in a forked process (``parallel.background``) while this one loads what
    analyze reads next: the parsed articles, then the modules and templates it needs (and
    ``meanwhile``'s). Fetching and parsing the feeds and loading the cache each take a good
    part of a scheduled run and need nothing of each other, so the run waits for the longer
    of them, not for both. The cache is checked against the files when analyze asks it
    (``ArticleCache.get``), so what ingest writes meanwhile is read as it is then; a failed
    or unforkable child ingests here."""
    from .parallel import background

    ingested = background(lambda: ingest_site(config, now, limits))
    _preload_articles(config, vouched)
    try:
        prepare_analyze()
        if meanwhile is not None:
            meanwhile(config)
    except Exception:  # only loading ahead: the stage that needs it says what is wrong
        log.debug("loading ahead failed", exc_info=True)
    return ingested()


def _preload_memo(cache_dir: Path) -> None:
    """The text memo analyze loads first (``analysis.run``), loaded now (it holds results
    by text, whatever the files say); never fatal: analyze loads (and reports) again."""
    from .analysis import run  # noqa: F401 - its memoized functions are the memo's tables
    from .store import memo

    try:
        memo.load(cache_dir)
    except Exception:
        log.debug("preloading the text memo failed", exc_info=True)


def _index_blobs(code: int, listed: str, root: str) -> dict[str, str]:
    """``{path relative to the site root: blob hash}`` from ``git ls-files --stage -v -z
    --full-name`` run at the repository's ``root`` (relative to its top): the files git
    checks (not those marked assume-unchanged or skip-worktree), merged (stage 0)."""
    if code:
        return {}
    prefix = "" if root == "." else f"{root}/"
    blobs = {}
    for record in listed.split("\0"):
        info, _, path = record.partition("\t")
        fields = info.split(" ")  # tag, mode, blob, stage
        if len(fields) == 4 and fields[0] == "H" and fields[3] == "0" and path.startswith(prefix):
            blobs[path[len(prefix) :]] = fields[2]
    return blobs


def _preload_articles(config: SiteConfig, vouched: Vouched | None = None) -> None:
    """The parsed articles analyze loads (``ContentStore.load_all``), read ahead; never
    fatal."""
    from .store.content import ContentStore

    try:
        ContentStore(config).preload(vouched)
    except Exception:
        log.debug("preloading the articles failed", exc_info=True)


def _read(config: SiteConfig, now: datetime) -> tuple[ReadReport | None, str]:
    """The read step, never fatal: a failure leaves the articles to the next run."""
    from .pipeline import read_site

    try:
        return read_site(config, now), ""
    except Exception as exc:
        log.debug("read failed", exc_info=True)
        return None, f"{type(exc).__name__}: {exc}"


def _message(report: IngestReport, changed: tuple[str, ...]) -> str:
    new = report.new
    title = (
        f"Publish: {new} new article{'' if new == 1 else 's'}"
        if new
        else f"Publish: update {len(changed)} content file{'' if len(changed) == 1 else 's'}"
    )
    listed = "\n".join(changed[:50])
    more = f"\n… and {len(changed) - 50} more" if len(changed) > 50 else ""
    return f"{title}\n\nMade by `briefing publish`.\n\n{listed}{more}\n"
