"""Story pages and the parts of an article page that come from its story.

``plan_pages`` in ``render.py`` calls ``index`` once, passes ``article_context`` into every
article page (related coverage, the analysis badge) and adds ``pages``: one page per story
with coverage from more than one article, under ``docs/stories/``.
"""

from __future__ import annotations

import html
from typing import Any

from .. import paths
from ..analysis.editorial import DRAFT, REVIEWED, editorial
from ..analysis.stories import Story, group
from ..models import Article
from ..paths import href
from . import previews
from .pagekeys import PageKeys
from .pagetext import ENV, PageKit, front_matter


def index(articles: list[Article]) -> dict[str, Story]:
    """``{article id: its story}`` for every article."""
    return {a.id: story for story in group(articles) for a in story.articles}


def story_doc(story: Story) -> str:
    return paths.story_doc(story.id)


def has_page(story: Story | None) -> bool:
    return story is not None and len(story.articles) > 1


def badge(article: Article) -> dict[str, str]:
    """The analysis state as the page shows it: "Draft by <who> — not yet reviewed" (the model's
    id, or the offline analyzer's name), "Reviewed", or nothing."""
    found = editorial(article)
    state = found.state
    if state == DRAFT:
        return {"kind": "draft", "label": f"Draft by {found.by} — not yet reviewed"}
    if state == REVIEWED and article.analysis:
        return {"kind": "reviewed", "label": "Reviewed"}
    return {}


# Other outlets' reports an article page lists under "Related coverage": those nearest in
# time (the story's page lists them all). A story of 60 outlets made each of its pages list 59,
# 15 KB of every one of its 60 pages.
RELATED_LIMIT = 8


def article_context(kit: PageKit, article: Article, story: Story | None) -> dict[str, Any]:
    """What ``_related.md.j2`` and ``_analysis_state.md.j2`` need on an article page."""
    doc = kit.doc_of(article)
    related: list[dict[str, Any]] = []
    if story is not None:
        others = [
            other
            for other in story.articles
            if other.id != article.id and other.publisher != article.publisher
        ]
        if len(others) > RELATED_LIMIT:
            nearest = sorted(others, key=lambda a: abs(a.published - article.published))
            kept = {a.id for a in nearest[:RELATED_LIMIT]}
            others = [a for a in others if a.id in kept]  # in the story's (time) order
        related = [
            {
                "a": other,
                "href": href(doc, kit.doc_of(other)),
                "iso": kit.iso(other.published),
                "when": kit.when(other.published),
            }
            for other in others
        ]
    return {
        "related": related,
        "story_href": href(doc, story_doc(story)) if story and has_page(story) else "",
        "story_size": len(story.articles) if story else 1,
        "badge": badge(article),
    }


def pages(
    kit: PageKit, stories: dict[str, Story], keys: PageKeys | None = None
) -> dict[str, str | None]:
    """One page per story with more than one article: coverage in time order, its analysis.
    With ``keys``, a story whose articles did not change maps to None (page kept as it is)."""
    result: dict[str, str | None] = {}
    for story in {s.id: s for s in stories.values()}.values():
        if not has_page(story):
            continue

        def render(story: Story = story) -> str:
            return story_page(kit, story)

        doc = story_doc(story)
        members = keys.group(story.id, story.articles) if keys else ""
        result[doc] = keys.page(doc, (), render, members) if keys else render()
    return result


def story_page(kit: PageKit, story: Story) -> str:
    """The text of one story's page: its coverage in time order, and what its first report's
    analysis says, its opening as listings show it (the analysis itself is on that report's
    page, where it is edited: repeated whole here, it was a ninth of a big briefing's site)."""
    doc = story_doc(story)
    lead = story.first
    return str(
        ENV.get_template("story.md.j2").render(
            front_matter=front_matter(
                {
                    "title": html.escape(lead.title),
                    "hide": ["navigation", "toc"],
                    **previews.meta(lead, kit.preview_of(lead)),
                }
            ),
            story=story,
            coverage=[
                {
                    "a": a,
                    "href": href(doc, kit.doc_of(a)),
                    "iso": kit.iso(a.published),
                    "when": kit.when(a.published),
                }
                for a in story.articles
            ],
            lead=lead,
            lead_href=href(doc, kit.doc_of(lead)),
            excerpt=kit.analysis_excerpt(lead),
            badge=badge(lead),
        )
    )
