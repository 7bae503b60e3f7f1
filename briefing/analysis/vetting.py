"""Checks on a model's answer, in code: what the prompt asks for is not trusted to happen.

An answer is used only when it is long enough to be an analysis, says more than its headline,
attributes claims only to outlets and names that its sources contain, and carries no markup,
link or script. What passes is reduced to inert Markdown paragraphs (every tag removed, every
syntax character escaped, like feed text). A paragraph the model labelled "Background" — the
only place it may use its own knowledge — keeps a label on the page that says so; an answer in
plain prose that passes the checks is used as prose.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

import nh3

from ..ingest import quoting
from ..models import Article
from ..text import BACKGROUND, LABELS, SECTIONS, answer_words, letter_words, words
from .draft import markdown_text

MIN_WORDS = 120
MAX_PARAGRAPHS = 6

# A section's label as a model writes it at the start of a paragraph ("**Background:**").
_SECTION = "|".join(re.escape(section.lower()) for section in SECTIONS)
_LABEL = re.compile(r"^[\s*_#]*(" + _SECTION + r")[\s*_]*[:.—–-][\s*_]*", re.IGNORECASE)

# News outlets a model may name from memory. Any of them named in an answer must be among the
# sources given; this list only catches the famous ones — the attribution patterns below catch
# the rest.
KNOWN_OUTLETS = (
    "Reuters", "Associated Press", "AP News", "Agence France-Presse", "AFP", "Bloomberg",
    "BBC", "CNN", "CNBC", "NPR", "Fox News", "NBC News", "CBS News", "ABC News", "Al Jazeera",
    "New York Times", "Washington Post", "Wall Street Journal", "Financial Times",
    "The Guardian", "The Economist", "The Times", "The Telegraph", "Politico", "Axios",
    "Forbes", "Business Insider", "The Verge", "TechCrunch", "Wired", "Ars Technica",
    "The Information", "Semafor", "Le Monde", "Der Spiegel", "Nikkei", "Xinhua", "TASS",
    "South China Morning Post", "Los Angeles Times", "USA Today", "Yahoo News",
)  # fmt: skip
_KNOWN = re.compile(r"\b(?:" + "|".join(re.escape(o) for o in KNOWN_OUTLETS) + r")\b")
_NAME = r"((?:the\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&.'’-]*)*)"
_ATTRIBUTION = (
    re.compile(
        r"\b(?:[Aa]ccording to|[Rr]eported by|[Cc]ited by|[Pp]er|[Rr]eporting by)\s+" + _NAME
    ),
    re.compile(
        _NAME + r"(?:’s|'s)?\s+(?:reported|reports|wrote|writes|first reported|reporting)\b"
    ),
)
# Capitalised words that start a sentence or name nobody in particular.
_GENERIC = frozenset(
    """it they he she this that these those both some many most officials critics residents
    experts analysts supporters opponents observers sources reports others the one outlets
    coverage local regional national earlier later""".split()  # noqa: SIM905 - readable as prose
)
_MARKUP = re.compile(
    r"<\s*/?\s*[a-zA-Z!]|javascript\s*:|vbscript\s*:|\bdata:\w|https?://|www\.|\]\(|\{\{|\{%"
)
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
# A quotation: text between quotation marks, three words at least (not a scare-quoted term).
_QUOTATION = re.compile(r"[“\"]([^”\"“]+?\s+[^”\"“]+?\s+[^”\"“]+?)[”\"]")


def numbers(text: str) -> list[str]:
    """The numbers in a text, thousands separators dropped ("1,200" -> "1200")."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


class Rejected(Exception):
    """The answer fails a check; its message is the reason, for the run's report."""


@dataclass(frozen=True)
class Sources:
    """What the model was given: the article and every other source, as text to check against."""

    headline: str
    publishers: frozenset[str]
    text: str  # every publisher, headline, snippet, lead and article text given, case-folded
    numbers: frozenset[str] = frozenset()  # every number in them (``numbers``)
    words: tuple[str, ...] = ()  # their words in order (``text.words``), for quotations

    @classmethod
    def of(cls, article: Article, given: Iterable[tuple[Article, str]]) -> Sources:
        """``given``: each source article with the text of it the model saw (lead, main text)."""
        items = list(given)
        text = "\n".join(
            f"{a.publisher} {a.title} {a.snippet} {a.published:%Y-%m-%d %H:%M} {more}"
            for a, more in items
        )
        return cls(
            article.title,
            frozenset(a.publisher for a, _ in items),
            text.casefold(),
            frozenset(numbers(text)),
            tuple(words(text)),
        )

    def names(self, name: str) -> bool:
        """True when ``name`` occurs in the sources: the name itself, or its last words
        ("In October Marrow Bay Ledger" -> "Marrow Bay Ledger"; two words at least when it has
        two, so "Fake Ledger" is not excused by "Ledger")."""
        parts = name.casefold().split()
        while parts and parts[0] == "the":
            parts = parts[1:]
        shortest = min(2, len(parts))
        return any(
            " ".join(parts[start:]) in self.text for start in range(len(parts) - shortest + 1)
        )


def check(answer: str, sources: Sources) -> None:
    """Raise ``Rejected`` with the first reason the answer may not be used."""
    found = _MARKUP.search(answer)
    if found:
        msg = f"it carries markup, a link or code ({found.group(0).strip()!r})"
        raise Rejected(msg)
    said = answer_words(answer)
    total = len(letter_words(answer))
    if total < MIN_WORDS:
        msg = f"too short: {total} words, at least {MIN_WORDS} needed"
        raise Rejected(msg)
    headline = set(answer_words(sources.headline))
    new = set(said) - headline
    if len(new) < 25 or sum(w in headline for w in said) * 2 > len(said):
        msg = "it mostly restates the headline"
        raise Rejected(msg)
    for paragraph in _PARAGRAPH.split(answer):
        label = _LABEL.match(paragraph)
        if label and label.group(1).lower() == BACKGROUND.lower():
            continue  # the one paragraph of general knowledge, labelled so on the page
        for figure in numbers(paragraph):
            if figure not in sources.numbers:
                msg = f"it gives the figure {figure!r}, which none of its sources has"
                raise Rejected(msg)
    for quoted in _QUOTATION.findall(answer):
        wanted = words(quoted)
        if quoting.longest_run(sources.words, quoted) < len(wanted):
            shown = " ".join(quoted.split()[:8])
            msg = f"it quotes “{shown}…”, which is not word for word in its sources"
            raise Rejected(msg)
    for outlet in _KNOWN.findall(answer):
        if not sources.names(outlet):
            msg = f"it names {outlet!r}, which none of its sources is"
            raise Rejected(msg)
    for pattern in _ATTRIBUTION:
        for name in pattern.findall(answer):
            bare = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
            if bare.casefold() in _GENERIC or sources.names(name):
                continue
            msg = f"it attributes a claim to {bare!r}, which none of its sources names"
            raise Rejected(msg)


def vet(answer: str, sources: Sources, max_chars: int) -> str:
    """The answer as inert Markdown paragraphs, or ``Rejected``."""
    check(answer, sources)
    return to_markdown(answer, max_chars)


_LIST_START = re.compile(r"^(\d+)([.)])(\s)")
# Paragraphs: blank lines, or a new line that starts with a label (models often use one \n).
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=[\s*_#]*(?:" + _SECTION + r")\b)", re.IGNORECASE)


def to_markdown(answer: str, max_chars: int) -> str:
    """Plain-text paragraphs as inert Markdown, with the model's labels kept as bold lead-ins
    written by us (so the escaping of the model's own text is never undone)."""
    text = html.unescape(nh3.clean(answer, tags=set()))
    paragraphs = []
    for block in _PARAGRAPH.split(text):
        label = ""
        match = _LABEL.match(block)
        if match:
            label = LABELS[match.group(1).lower()]
            block = block[match.end() :]
        paragraph = markdown_text(block)
        if not paragraph:
            continue
        if paragraph[:2] in ("- ", "+ "):  # a list item at the start of a line
            paragraph = "\\" + paragraph
        paragraph = _LIST_START.sub(r"\1\\\2\3", paragraph)
        paragraphs.append(f"**{label}** {paragraph}" if label else paragraph)
    kept: list[str] = []
    for paragraph in paragraphs[:MAX_PARAGRAPHS]:
        if kept and sum(len(p) + 2 for p in kept) + len(paragraph) > max_chars:
            break
        kept.append(paragraph)
    return "\n\n".join(kept) + "\n" if kept else ""
