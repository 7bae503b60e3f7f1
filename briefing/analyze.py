"""Analyze: give every article a story and a drafted analysis, never touching a person's text.

Editorial state lives in the front matter::

    analysis: {state: draft, by: briefing-offline/1, hash: sha256:<hex of the machine text>}

A body whose text no longer matches that hash was edited by a person: it is *reviewed*, and no
command ever rewrites or removes it. A body with no ``analysis`` record was written by a person.
An editor marks a draft reviewed without changing it with ``analysis: {state: reviewed}``.
``--refresh`` redrafts only untouched machine drafts (for example when new coverage arrived).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from hashlib import sha256
from pathlib import Path
from typing import Any

from . import stories
from .draft import OFFLINE, Briefing, draft
from .errors import ContentError
from .files import atomic_write
from .frontmatter import dump_meta, load_meta, split
from .models import Article, SiteConfig
from .store import ContentStore, site_lock

log = logging.getLogger(__name__)

NONE, DRAFT, REVIEWED = "none", "draft", "reviewed"


def text_hash(analysis: str) -> str:
    """The hash stored with a machine draft; surrounding whitespace does not count."""
    return "sha256:" + sha256(analysis.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Editorial:
    """An article's analysis state as the page shows it, and any problem with its record."""

    state: str  # NONE (nothing written yet), DRAFT (untouched machine text) or REVIEWED
    by: str = ""
    problem: str = ""  # why the ``analysis`` key is malformed, for `briefing check`


def editorial(article: Article) -> Editorial:
    """The state of an article's analysis. Anything unclear counts as a person's text."""
    record = article.extra.get("analysis")
    problem = ""
    if record is not None and not isinstance(record, dict):
        problem = "'analysis' must be a mapping like {state: reviewed}"
    elif isinstance(record, dict) and record.get("state") not in (DRAFT, REVIEWED):
        problem = "'analysis: state' must be 'draft' or 'reviewed'"
    elif (
        isinstance(record, dict)
        and record.get("state") == DRAFT
        and not (isinstance(record.get("hash"), str) and isinstance(record.get("by"), str))
    ):
        problem = "a draft's 'analysis' needs 'by' and 'hash' (text values)"
    if not article.analysis:
        reviewed = isinstance(record, dict) and record.get("state") == REVIEWED
        return Editorial(REVIEWED if reviewed else NONE, problem=problem)
    if problem or not isinstance(record, dict) or record.get("state") == REVIEWED:
        return Editorial(REVIEWED, problem=problem)
    if record.get("hash") == text_hash(article.analysis):
        return Editorial(DRAFT, by=str(record.get("by")))
    return Editorial(REVIEWED)  # the machine's text was edited by a person


# A drafter returns (Markdown text, who drafted it).
Drafter = Callable[[Article, Briefing], tuple[str, str]]


def offline(article: Article, briefing: Briefing) -> tuple[str, str]:
    return draft(article, briefing), OFFLINE


@dataclass(frozen=True)
class AnalyzeReport:
    articles: int
    stories: int  # articles given a story in this run
    drafted: int  # empty analyses drafted
    refreshed: int  # untouched drafts rewritten with new text
    reviewed: int  # analyses left alone because a person wrote, edited or reviewed them
    errors: tuple[ContentError, ...]
    notes: tuple[str, ...]  # analyzer problems (LLM failures and fallbacks)
    seconds: float


def update_file(path: Path, expected: str, keys: dict[str, Any], body: str | None) -> bool:
    """Set front-matter ``keys`` (and the body, when given) if the file still holds
    ``expected``. Atomic; with ``body=None`` the body is kept byte for byte."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if text != expected:
        return False  # changed since it was read: leave it to the next run
    meta_text, old_body = split(text, path)
    meta = load_meta(meta_text, path)
    meta.update(keys)
    atomic_write(path, f"---\n{dump_meta(meta)}---\n{old_body if body is None else body}")
    return True


def analyze(config: SiteConfig, refresh: bool = False, drafter: Drafter = offline) -> AnalyzeReport:
    """Assign stories to articles without one, then draft every missing analysis (and, with
    ``refresh``, redraft untouched machine drafts whose text would change)."""
    started = time.monotonic()
    store = ContentStore(config)
    with site_lock(config, wait=True):
        articles, errors = store.load_all()
        texts = {a.id: (config.root / a.path).read_text(encoding="utf-8") for a in articles}
        assigned = stories.assign(articles)
        updated = []
        for article in articles:
            story = assigned.get(article.id)
            if story and update_file(
                config.root / article.path, texts[article.id], {"story": story}, None
            ):
                texts[article.id] = (config.root / article.path).read_text(encoding="utf-8")
                article = replace(article, extra={**article.extra, "story": story})
            updated.append(article)
        briefing = Briefing.of(updated, config.timezone)
        drafted = refreshed = reviewed = 0
        for article in stories.oldest_first(updated):
            state = editorial(article)
            if state.state == REVIEWED:
                reviewed += 1
                continue
            if state.state == DRAFT and not refresh:
                continue
            text, by = drafter(article, briefing)
            if state.state == DRAFT and (
                text.strip() == article.analysis or (by == OFFLINE != state.by)
            ):
                continue  # same text, or the analyzer fell back: keep the better draft
            record = {"analysis": {"state": DRAFT, "by": by, "hash": text_hash(text)}}
            if update_file(config.root / article.path, texts[article.id], record, f"\n{text}"):
                if state.state == DRAFT:
                    refreshed += 1
                else:
                    drafted += 1
    notes = tuple(getattr(drafter, "notes", ()))
    return AnalyzeReport(
        len(articles), len(assigned), drafted, refreshed, reviewed, tuple(errors), notes,
        time.monotonic() - started,
    )  # fmt: skip


def editorial_problems(
    articles: list[Article], line_of: Callable[[Article, str], int]
) -> list[ContentError]:
    """What `briefing check` reports about stories and analysis state, with file and line."""
    problems = []
    members = Counter(stories.recorded_story(a) for a in articles)
    for article in articles:
        state = editorial(article)
        if state.problem:
            problems.append(ContentError(article.path, line_of(article, "analysis"), state.problem))
        elif state.state == REVIEWED and not article.analysis:
            msg = "'analysis: state: reviewed' but the analysis text is empty"
            problems.append(ContentError(article.path, line_of(article, "analysis"), msg))
        story = article.extra.get("story")
        if story is None:
            continue
        own = stories.story_id_for(article)
        if not stories.is_story_id(story):
            msg = f"'story' must be a story id like {own!r} (lower-case letters, digits, '-')"
            problems.append(ContentError(article.path, line_of(article, "story"), msg))
        elif members[story] == 1 and story != own:
            msg = (
                f"story {story!r} names no other article (a typo?); to keep this article"
                f" in a story of its own, write story: {own}"
            )
            problems.append(ContentError(article.path, line_of(article, "story"), msg))
    return problems
