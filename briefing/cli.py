"""The ``briefing`` command. Errors become one message and an exit code here, and only here.

Exit codes: 0 ok, 1 errors found, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .build import sitesize
from .config import load_site
from .console import (
    ERRORS,
    OK,
    USAGE,
    analyze_and_report,
    annotation,
    in_github_actions,
    plural,
    print_read_report,
    report_skipped,
)
from .errors import BriefingError, ConfigErrors, UsageError
from .mkdocs_ext.engines import ENGINES
from .models import SiteConfig

if TYPE_CHECKING:
    from .build.site import BuildReport
    from .pages.render import RenderResult

log = logging.getLogger("briefing")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    for engine in ("mkdocs", "properdocs"):
        logging.getLogger(engine).setLevel(logging.INFO if verbose else logging.WARNING)
    for noisy in ("httpx", "httpcore", "MARKDOWN", "watchdog"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _site(args: argparse.Namespace) -> SiteConfig:
    return load_site(Path(args.root))


def _with_engine(args: argparse.Namespace, config: SiteConfig) -> SiteConfig:
    """The engine from ``--engine``, else mkdocs.yml's; checked to be installed before any
    work is done."""
    from .mkdocs_ext.engines import get

    if args.engine:
        config = replace(config, engine=args.engine)
    get(config.engine)
    return config


# -- commands -------------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest.fetch import Limits
    from .ingest.progress import Progress, live_wanted
    from .pipeline import ingest_site

    config = _site(args)
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    limits = Limits(
        deadline=args.timeout,
        read_timeout=min(20.0, args.timeout),
        connect_timeout=min(10.0, args.timeout),
    )
    progress = Progress(
        len(config.feeds), sys.stderr, live=live_wanted(sys.stderr), quiet=args.quiet
    )
    try:
        now = datetime.now(UTC)
        report = ingest_site(
            config, now, limits, on_fetched=progress.fetched, on_result=progress.result
        )
    finally:
        progress.close()
    if args.report:
        data = {
            "new": report.new,
            "seconds": round(report.seconds, 3),
            "counts": {
                s: report.count(s) for s in ("ok", "not-modified", "skipped", "failed", "gone")
            },
            "new_paths": list(report.new_paths),
            "feeds": [
                {
                    **asdict(r),
                    "consecutive_failures": report.failures.get(r.feed, 0),
                    "retry_after": report.retry_after.get(r.feed, ""),
                }
                for r in report.results
            ],
        }
        Path(args.report).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    failed = len(report.failed)
    print(
        f"ingested {plural(report.new, 'new article')} from {plural(len(report.results), 'feed')}"
        f" ({report.count('ok')} ok, {report.count('not-modified')} not modified,"
        f" {report.count('skipped')} skipped, {failed} failed) in {report.seconds:.1f} s"
    )
    if report.results and failed == len(report.results):
        return ERRORS
    return ERRORS if args.strict and (failed or report.count("skipped")) else OK


def cmd_render(args: argparse.Namespace) -> int:
    from .pipeline import render_site

    result = render_site(_site(args))
    report_skipped(result.errors, in_github_actions())
    r = result.report
    print(
        f"rendered {plural(r.pages, 'page')} into docs/ ({r.written} written, {r.removed} removed,"
        f" {len(result.errors)} article files skipped) in {r.seconds:.1f} s"
    )
    return ERRORS if result.errors else OK


def cmd_build(args: argparse.Namespace) -> int:
    """``briefing build``: render, build, and say where the site is and how big."""
    from .pipeline import build

    sitesize.limit()  # a wrong BRIEFING_PAGES_LIMIT fails before anything is built
    config = _with_engine(args, _site(args))
    site_dir = Path(args.site_dir).resolve() if args.site_dir else None
    return _say_built(*build(config, site_dir, full=args.full))


def _say_built(rendered: RenderResult, built: BuildReport) -> int:
    report_skipped(rendered.errors, in_github_actions())
    shown = os.path.relpath(built.site_dir, Path.cwd())
    r = rendered.report
    how = f"incremental, {built.rebuilt} rebuilt" if built.incremental else "full"
    if built.skipped:
        how = "nothing changed"
    if built.jobs > 1:
        how += f", {built.jobs} processes"
    if built.engine != "mkdocs":
        how += f", {built.engine}"
    size = built.size
    print(
        f"built {shown}/ ({how}: {plural(built.pages, 'page')}; {r.written} of {r.pages}"
        f" generated pages changed) in {r.seconds + built.seconds:.1f} s; {size.summary()}"
    )
    warning = size.warning()
    if warning:  # GitHub Pages refuses a site over its limit: say so before it does
        prefix = "::warning::" if in_github_actions() else "warning: "
        print(prefix + warning, file=sys.stderr)
    return ERRORS if rendered.errors else OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .build.site import serve_site
    from .pipeline import render_site

    config = _with_engine(args, _site(args))
    result = render_site(config)
    report_skipped(result.errors, False)
    print(f"rendered {plural(result.report.pages, 'page')}; serving (Ctrl+C to stop)")
    serve_site(config, args.dev_addr)
    return OK


def cmd_read(args: argparse.Namespace) -> int:
    from .pipeline import read_site

    config = _site(args)
    if args.budget is not None and args.budget < 0:
        raise UsageError("--budget must be 0 or more pages")
    report = read_site(config, datetime.now(UTC), args.budget)
    if report is None:
        print("read nothing: reading is switched off (read: false under extra.briefing)")
        return OK
    print_read_report(report)
    return OK


def cmd_analyze(args: argparse.Namespace) -> int:
    return analyze_and_report(_site(args), args.refresh, args.analyzer)


def cmd_check(args: argparse.Namespace) -> int:
    from .analysis.check import check_content

    github = args.format == "github" or (args.format == "auto" and in_github_actions())
    root = Path(args.root)
    feed_errors = None
    try:
        config = load_site(root)
    except ConfigErrors as exc:
        feed_errors = exc
        config = SiteConfig(root=root.resolve(), site_name="", feeds=())
    report = check_content(config, feed_errors)
    for error in report.errors:
        print(annotation(error, github))
    # Warnings (a feed gone for good) never fail the check: see check.py.
    for warning in report.warnings:
        print(annotation(warning, github, "warning"))
    checked = f"checked {plural(report.files, 'article file')}"
    warned = f" ({plural(len(report.warnings), 'warning')})" if report.warnings else ""
    if report.ok:
        print(f"{checked}: no errors{warned}" if warned else f"{checked}: no problems")
        return OK
    print(f"{checked}: {plural(len(report.errors), 'error')}{warned}")
    return ERRORS


def cmd_publish(args: argparse.Namespace) -> int:
    from .ingest.fetch import Limits
    from .publish import BOT, PublishOptions, publish

    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    if args.build:
        sitesize.limit()  # as ``briefing build``: fails before anything is fetched
        _with_engine(args, _site(args))
    author = args.author or BOT
    options = PublishOptions(
        args.push, args.remote, args.branch, args.retries, author, read=not args.no_read
    )
    limits = Limits(deadline=args.timeout, read_timeout=min(20.0, args.timeout))
    # With --build, what ``briefing build`` does next is done here, while the commit is
    # pushed: the articles publish loaded are still cached in this process (checked against
    # the files), so the briefing is not started and read again.
    built: list[tuple[RenderResult, BuildReport]] = []
    failed: list[Exception] = []

    def build_site() -> None:
        from .pipeline import build
        from .store import memo

        memo.release()  # analyze's text tables: the build needs none of them
        try:
            built[:] = [build(_with_engine(args, _site(args)), None, full=False)]
        except Exception as exc:  # said after publish's own report, once the push is done
            failed.append(exc)

    def prepare(config: SiteConfig) -> None:
        from .pipeline import prepare_build

        prepare_build(_with_engine(args, config))

    report = publish(
        Path(args.root), datetime.now(UTC), options, limits,
        while_pushing=build_site if args.build else None,
        while_ingesting=prepare if args.build else None,
    )  # fmt: skip
    # Warnings, not errors: a dead feed must not stop the deploy of everything else.
    prefix = "::warning::" if in_github_actions() else ""
    for result in report.ingest.failed:
        print(f"{prefix}feed {result.feed!r} failed: {result.error}", file=sys.stderr)
    if report.read is not None:
        print_read_report(report.read)
    elif report.read_error:
        print(f"{prefix}read failed: {report.read_error}", file=sys.stderr)
    if report.analyze.status == "failed":
        print(f"{prefix}analyze failed: {report.analyze.detail}", file=sys.stderr)
    committed = (
        f"committed {plural(len(report.changed), 'file')} as {report.commit[:12]}"
        if report.commit
        else "nothing to commit"
    )
    pushed = f", pushed (attempt {report.push_attempts})" if report.pushed else ""
    print(
        f"published {plural(report.ingest.new, 'new article')} from"
        f" {plural(len(report.ingest.results), 'feed')} ({len(report.ingest.failed)} failed;"
        f" analyze: {report.analyze.status}): {committed}{pushed} in {report.seconds:.1f} s"
    )
    if failed:
        raise failed[0]
    if not args.build:
        return OK
    if report.push_attempts > 1:  # pushed on top of an editor's commit: build what was pushed
        build_site()
        if failed:
            raise failed[0]
    return _say_built(*built[0])


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import NewSite, default_package_spec, plan_site, write_site

    directory = Path(args.directory)
    spec = args.package_spec or default_package_spec()
    files = plan_site(NewSite(args.title, args.topic, spec))
    write_site(directory, files)
    print(f"created {plural(len(files), 'file')} in {directory}/ (installs {spec!r})")
    print(f"next: read {directory / 'README.md'} for the three steps to publish it")
    return OK


# -- the parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root", default=".", metavar="DIR", help="site root (where mkdocs.yml is); default: ."
    )
    common.add_argument("-v", "--verbose", action="store_true", help="more detail, tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="only errors and the summary")

    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Turn news feeds into an analysed, searchable briefing site (MkDocs).",
        epilog="Run from the site root, like mkdocs. Exit codes: 0 ok, 1 errors, 2 usage.",
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = command("ingest", cmd_ingest, "Fetch the feeds in content/feeds.yml and add new articles.")
    p.add_argument("--strict", action="store_true", help="exit 1 if any feed failed or was skipped")
    p.add_argument("--report", metavar="FILE", help="write every feed's outcome as JSON")
    p.add_argument(
        "--timeout", type=float, default=45.0, metavar="SECONDS",
        help="deadline for fetching one feed (default 45)",
    )  # fmt: skip
    p = command("analyze", cmd_analyze, "Group articles into stories; draft missing analyses.")
    p.add_argument(
        "--refresh", action="store_true",
        help="also redraft machine drafts nobody edited (e.g. after new coverage arrived)",
    )  # fmt: skip
    p.add_argument(
        "--analyzer", choices=("auto", "offline", "llm"),
        default=os.environ.get("BRIEFING_ANALYZER") or "auto",
        help="auto (default, or $BRIEFING_ANALYZER): the model when an endpoint is set"
        " (BRIEFING_LLM_BASE_URL or extra.briefing.model_url), else offline",
    )  # fmt: skip
    p = command(
        "read", cmd_read,
        "Read the original pages of articles not yet read (robots.txt, budget, cache).",
    )  # fmt: skip
    p.add_argument(
        "--budget", type=int, metavar="PAGES",
        help="pages to fetch in this run (default: extra.briefing.read_budget, or 150)",
    )  # fmt: skip
    command("render", cmd_render, "Write the generated Markdown pages into docs/.")
    p = command("build", cmd_build, "Render, then build the site with MkDocs (strict) into site/.")
    p.add_argument("--site-dir", metavar="DIR", help="where to build (default: site/)")
    p.add_argument(
        "--full", action="store_true", help="rebuild every page (default: only what changed)"
    )
    engine_help = "what builds the site (default: extra.briefing.engine in mkdocs.yml, or mkdocs)"
    p.add_argument("--engine", choices=tuple(ENGINES), help=engine_help)
    p = command("serve", cmd_serve, "Render and preview the site with live reload.")
    p.add_argument(
        "-a", "--dev-addr", metavar="IP:PORT", help="address to serve on (default 127.0.0.1:8000)"
    )
    p.add_argument("--engine", choices=tuple(ENGINES), help=engine_help)
    p = command(
        "check", cmd_check, "Validate content/: front matter, required keys, duplicate ids."
    )
    p.add_argument(
        "--format", choices=("auto", "text", "github"), default="auto",
        help="github: ::error annotations (default in GitHub Actions)",
    )  # fmt: skip
    p = command(
        "publish", cmd_publish,
        "Ingest, analyze, commit content/ as a bot if it changed; with --push, push it.",
    )  # fmt: skip
    p.add_argument("--push", action="store_true", help="push the commit (rebasing if needed)")
    p.add_argument("--remote", default="origin", help="remote to push to (default origin)")
    p.add_argument("--branch", default="main", help="branch to push to (default main)")
    p.add_argument(
        "--retries", type=int, default=3, metavar="N",
        help="fetch-rebase-push rounds when the branch moved meanwhile (default 3)",
    )  # fmt: skip
    p.add_argument(
        "--author", metavar="'NAME <EMAIL>'",
        help="who the commit is by (default: the github-actions bot)",
    )  # fmt: skip
    p.add_argument(
        "--timeout", type=float, default=45.0, metavar="SECONDS",
        help="deadline for fetching one feed (default 45)",
    )  # fmt: skip
    p.add_argument(
        "--no-read", action="store_true",
        help="do not read the new articles' pages (as read: false under extra.briefing)",
    )  # fmt: skip
    p.add_argument(
        "--build", action="store_true",
        help="then build the site as `briefing build` does, in this process (the scheduled run)",
    )  # fmt: skip
    p.add_argument("--engine", choices=tuple(ENGINES), help=engine_help)
    p = sub.add_parser(
        "new", help="Create a new briefing repository in DIR (like mkdocs new).",
        description="Create a new briefing repository in DIR (like mkdocs new).",
    )  # fmt: skip
    p.set_defaults(func=cmd_new, verbose=False, quiet=False)
    p.add_argument("directory", metavar="DIR", help="folder to create (must be new or empty)")
    p.add_argument("--title", required=True, help="the site's name")
    p.add_argument("--topic", required=True, help="what it follows: the Google News search")
    p.add_argument(
        "--package-spec", metavar="REQUIREMENT",
        help="pip requirement for briefing that the workflows install (written to"
        " requirements.txt; default: the git URL this briefing came from, else this release:"
        " mkdocs-briefing==VERSION)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    if argv is None and args.func is not cmd_serve:
        # Run as the program, for one command (``serve`` runs until stopped): see one_shot.
        from .store.cache import one_shot

        one_shot()
        _exit_when_done(_run(args))
    return _run(args)


def _exit_when_done(code: int) -> NoReturn:
    """End the program now that its one command is done: what it loaded is not freed object
    by object (tens of thousands of articles: 30-80 ms of a scheduled run's command). Every
    file briefing writes is written and closed by then (atomic writes), forked and pooled
    workers are joined, logs and the standard streams are flushed here."""
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away: nothing more to say
        code = code or ERRORS
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        return USAGE
    except ConfigErrors as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        return ERRORS
    except BriefingError as exc:
        if args.verbose:
            log.exception("failed")
        print(f"briefing: {exc}", file=sys.stderr)
        return ERRORS
    except KeyboardInterrupt:
        print("briefing: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
