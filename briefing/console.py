"""What commands print: summary lines, notes, GitHub annotations and the step summary.

Shared by ``cli`` (every command) and ``publish``, which runs analyze in its own process and
prints what ``briefing analyze`` prints. In GitHub Actions, problems become workflow commands
(``::error``, ``::warning``, ``::notice``) that GitHub shows on the run and the pull request.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LocatedError
from .models import SiteConfig

if TYPE_CHECKING:
    from .ingest.read import ReadReport

OK, ERRORS, USAGE = 0, 1, 2  # the exit codes (see cli.py)


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def escape_command(text: str) -> str:
    """Text for a GitHub workflow command: %, CR and LF encoded so it stays one message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation(error: LocatedError, github: bool, level: str = "error") -> str:
    if github:
        # GitHub turns this into an annotation on the file and line of the pull request.
        message = escape_command(error.message)
        path = error.path.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
        return f"::{level} file={path},line={error.line}::{message}"
    if level == "error":
        return str(error)
    return f"{error.path}:{error.line}: {level}: {error.message}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_skipped(errors: Sequence[LocatedError], github: bool) -> None:
    for error in errors:
        print(annotation(error, github), file=sys.stderr)


def print_read_report(report: ReadReport) -> None:
    """The read step's notes (hosts skipped) and summary line, for ``read`` and ``publish``."""
    prefix = "::notice::" if in_github_actions() else ""
    for note in report.notes:
        print(f"{prefix}{escape_command(note) if prefix else note}", file=sys.stderr)
    print(report.line())


def analyze_and_report(config: SiteConfig, refresh: bool, analyzer: str) -> int:
    """``briefing analyze``, also run by ``publish`` in its own process: analyze, then print
    its notes and summary line (and add them to the GitHub step summary)."""
    from .pipeline import analyze_site

    report = analyze_site(config, refresh, analyzer, os.environ)
    report_skipped(report.errors, in_github_actions())
    github = in_github_actions()
    for note in report.notes:
        # On GitHub a warning annotation: the run's summary page shows it.
        print(
            f"::warning title=analysis::{escape_command(note)}" if github else note,
            file=sys.stderr,
        )
    by_model = (
        f"; {report.by_model} by {report.model}, {report.backlog} offline drafts left for it"
        if report.model
        else ""
    )
    line = (
        f"analyzed {plural(report.articles, 'article')}: {report.stories} given a story,"
        f" {report.drafted} drafted, {report.refreshed} drafts refreshed,"
        f" {report.reviewed} reviewed left alone{by_model} ({len(report.notes)} analyzer"
        f" problems) in {report.seconds:.1f} s"
    )
    print(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if github and summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(f"### Analysis\n\n{line}\n\n")
            handle.writelines(f"- {note}\n" for note in report.notes)
    return ERRORS if report.errors else OK
