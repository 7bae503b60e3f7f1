"""Listing excerpts: converting only the first paragraph, when it decides the excerpt, gives
exactly what converting the first three gives."""

from __future__ import annotations

import random

import pytest

from bench import generate
from briefing.pages.pagetext import EXCERPT, _excerpt_from, _plain, excerpt


def whole(analysis: str, headline: str) -> str:
    """The excerpt from the first three paragraphs converted together (no shortcut)."""
    start = "\n\n".join(analysis.split("\n\n")[:3])
    return _excerpt_from(_plain(start), headline, EXCERPT) or ""


def test_generated_analyses_give_the_same_excerpt_and_mostly_take_the_shortcut() -> None:
    items = generate.generate(600, seed=3)
    decided = 0
    for item in items:
        first = item.analysis.split("\n\n")[0]
        if _excerpt_from(_plain(first), item.title, EXCERPT, partial=True) is not None:
            decided += 1
        assert excerpt(item.analysis, item.title) == whole(item.analysis, item.title), item.title
    assert decided > len(items) * 0.7


EDGES = [
    "One short line.\n\nThe harbour board met twice on the dredging plan, and said little.",
    "Harbour board meets.\n\nIt met “in private” about the plan.\n\nA third paragraph here.",
    "A first sentence without an end\n\nand the paragraph after it goes on. Then more text.",
    "“Quoted opening,” said the chair of the harbour board today. Another sentence follows.\n\n"
    "The second paragraph adds the dredging budget figures for the year.",
    "The board met. “A quote” in the middle. The plan is new and costs more than hoped for.\n\nx",
    "- a list item about the dredging plan budget\n- another item\n\n- a loose item",
    "Heading text\n===\n\nThe dredging plan costs more than the harbour board said in May.",
    "See [the report][r] on the dredging plan costs and delays for the town.\n\n[r]: https://x.example",
    "<div>\n\nRaw HTML block around the dredging plan budget for the harbour.\n\n</div>",
    "    indented code about the dredging plan\n\n    more code lines here for the board",
    "Entities &amp; escapes \\*not emphasis\\* on the harbour dredging plan today.\n\nNext.",
    "",
    "\n\n\n",
    "Short.\n\nAlso short.\n\nStill short.\n\nThe fourth is never read.",
]


@pytest.mark.parametrize("analysis", EDGES)
@pytest.mark.parametrize("headline", ["Harbour board meets", "Dredging plan budget"])
def test_edge_cases_give_the_same_excerpt(analysis: str, headline: str) -> None:
    assert excerpt(analysis, headline) == whole(analysis, headline)


def test_random_paragraph_mixes_give_the_same_excerpt() -> None:
    rng = random.Random(12)
    pieces = [edge for edge in EDGES if edge.strip()] + [
        item.analysis for item in generate.generate(40, seed=5)
    ]
    paragraphs = [p for piece in pieces for p in piece.split("\n\n") if p]
    for _ in range(2000):
        analysis = "\n\n".join(rng.choice(paragraphs) for _ in range(rng.randint(1, 5)))
        headline = rng.choice(["Harbour board meets", "Dredging plan budget", ""])
        assert excerpt(analysis, headline) == whole(analysis, headline), analysis
