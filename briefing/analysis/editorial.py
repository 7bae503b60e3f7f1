"""The editorial record: who wrote an article's analysis, and whether a command may replace it.

Editorial state lives in the front matter::

    analysis: {state: draft, by: briefing-offline/1, hash: sha256:<hex of the machine text>}

A body whose text no longer matches that hash was edited by a person: it is *reviewed*, and no
command ever rewrites or removes it. A body with no ``analysis`` record was written by a person.
An editor marks a draft reviewed without changing it with ``analysis: {state: reviewed}``.
A file is rewritten only while it still says what was read from it
(``store.frontmatter.updated_text``); ``briefing check`` reports a malformed record or story
(``editorial_problems``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256

from ..errors import ContentError
from ..models import Article
from . import stories
from .draft import OFFLINE_NAMES

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


def is_offline(state: Editorial) -> bool:
    """An untouched draft of the offline analyzer: what a model may replace."""
    return state.state == DRAFT and state.by in OFFLINE_NAMES


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
