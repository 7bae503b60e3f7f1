"""Link previews: what a chat or social app shows when a reader shares an article or story.

Render puts the values in the page's front matter (``title``, ``description`` and
``briefing_published``); the theme's ``partials/briefing-preview.html`` prints them as Open
Graph and Twitter card tags, with ``og:url`` only when MkDocs knows the page's canonical URL
(``site_url`` is set). No image and nothing fetched: everything comes from the article itself.

The description is the snippet, else the first sentence of the analysis' excerpt (the plain
text listings show, cached between runs by render) that adds something to the headline, else
nothing: a preview never shows the headline twice.
"""

from __future__ import annotations

import re
from typing import Any

from ..models import Article, utc_iso
from ..text import preview_sentences, words
from .pagetext import meta_text

LIMIT = 160  # about what search results and preview cards show before cutting

_SPACES = re.compile(r"\s+")


def meta(article: Article, excerpt: str) -> dict[str, Any]:
    """The front-matter keys of a page whose preview is ``article``'s; ``excerpt`` is its
    analysis as plain text (``PageKit.excerpt_of``)."""
    values: dict[str, Any] = {"briefing_published": utc_iso(article.published)}
    text = description(article, excerpt)
    if text:
        values["description"] = meta_text(text)
    return values


def description(article: Article, excerpt: str) -> str:
    """Plain text that says more than the headline, at most ``LIMIT`` characters, or ""."""
    if article.snippet and _adds_to(article, article.snippet):
        return shorten(article.snippet)
    found = preview_sentences(" ".join(excerpt.split()))
    for i, sentence in enumerate(found):
        if _adds_to(article, sentence) and not _quotes_headline(article, sentence):
            return shorten(" ".join(found[i:]))
    return ""


def shorten(text: str, limit: int = LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters: after its last whole sentence when
    that keeps most of it, else at a word, with "…"."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    whole = ""
    for sentence in preview_sentences(text):
        if len(whole) + 1 + len(sentence) > limit:
            break
        whole = f"{whole} {sentence}".lstrip()
    if len(whole) >= limit // 2:
        return whole
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-") + "…"


def _adds_to(article: Article, text: str) -> bool:
    """True when ``text`` has a word that is neither in the headline nor the publisher."""
    known = set(words(f"{article.title} {article.publisher}"))
    return not set(words(text)) <= known


def _quotes_headline(article: Article, text: str) -> bool:
    """True when ``text`` holds the whole headline (“… reported this under the headline …”)."""
    title = " ".join(words(article.title))
    return bool(title) and f" {title} " in f" {' '.join(words(text))} "
