"""Building blocks shared by every generated page: templates, links, front matter, local time.

Feed text reaches the pages only through Jinja2 with autoescaping, inside raw HTML blocks,
so Markdown, MkDocs and the browser all see it as inert text.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import markdown
import nh3
import yaml
from markupsafe import Markup

from .. import paths
from ..analysis.editorial import editorial, is_offline
from ..models import Article, SiteConfig
from ..paths import href
from ..text import BACKGROUND, SECTIONS, analysis_sentences, excerpt_words, words
from .pagekeys import PageKeys, excerpt_key

EXCERPT = 240


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("briefing", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


ENV = _environment()


# libyaml's emitter when PyYAML was built with it: the same YAML, several times faster.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(meta: dict[str, Any]) -> Markup:
    """Front matter for a generated page. Feed text is HTML-escaped first: MkDocs and the
    theme print ``title`` into the page as it is."""
    text = yaml.dump(
        {**meta, "briefing_generated": True},
        Dumper=_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    return Markup(f"---\n{text}---\n")  # noqa: S704 - YAML of escaped values


def meta_text(text: str) -> str:
    """Feed text for a front-matter value: one line, HTML-escaped (the theme prints it raw)."""
    return html.escape(" ".join(text.split()))


def listing_meta(title: str) -> Markup:
    """Front matter of a listing page: kept out of search so that results are articles."""
    return front_matter({"title": meta_text(title), "hide": ["toc"], "search": {"exclude": True}})


_SPACES = re.compile(r"\s+")


_MARKDOWN = markdown.Markdown()


# A section's label as the page shows it (``text.LABELS``), Background's in any wording.
_LABELS = re.compile(
    r"^(?:"
    + "|".join(re.escape(s) + ("[^.]*" if s == BACKGROUND else "") for s in SECTIONS)
    + r")\.\s+"
)


def adds_to(headline: str, sentence: str) -> bool:
    """True when a sentence says something its headline does not: a listing shows it under
    the headline, so a restatement would show the headline twice."""
    head = set(excerpt_words(headline))
    said = excerpt_words(sentence)
    new = [w for w in said if w not in head]
    return len(new) >= 3 and len(new) * 2 > len(said)


def cut(text: str, limit: int = EXCERPT) -> str:
    """``text`` at most ``limit`` characters, cut at a word."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def excerpt(analysis: str, headline: str = "", limit: int = EXCERPT) -> str:
    """The analysis as plain text for listings, from its first sentence that adds something
    to the headline (a model's paragraph label dropped); "" if none does. Sentences quoting
    other headlines are passed over while others remain (a listing shows those headlines
    already), and the excerpt stops before the next one."""
    if not analysis:
        return ""
    paragraphs = analysis.split("\n\n")[:3]
    if "<" in analysis or "]:" in analysis:  # raw HTML or link definitions: all at once
        return _excerpt_from(_plain("\n\n".join(paragraphs)), headline, limit) or ""
    # Paragraph by paragraph, stopping as soon as the excerpt is decided (usually in the
    # first): without raw HTML or link definitions, which reach across paragraphs, each
    # converts to the text it has among the others.
    texts: list[str] = []
    for count, paragraph in enumerate(paragraphs, 1):
        texts.append(_plain(paragraph))
        text = " ".join(t for t in texts if t)
        found = _excerpt_from(text, headline, limit, partial=count < len(paragraphs))
        if found is not None:
            return found
    return ""


def _plain(markdown_text: str) -> str:
    """Markdown as plain text, on one line."""
    text = html.unescape(nh3.clean(_MARKDOWN.reset().convert(markdown_text), tags=set()))
    return _SPACES.sub(" ", text).strip()


def _excerpt_from(text: str, headline: str, limit: int, partial: bool = False) -> str | None:
    """``excerpt`` of the plain ``text``. With ``partial`` (``text`` is only the start of
    what to look at), None unless the excerpt ends before the text's last sentence, which
    may go on in the next paragraph."""
    sentences = [_LABELS.sub("", s) for s in analysis_sentences(text)]
    decided = len(sentences) - 1 if partial else len(sentences)
    adding = [i for i, s in enumerate(sentences[:decided]) if adds_to(headline, s)]
    unquoted = [i for i in adding if "“" not in sentences[i]]
    if partial and not unquoted:
        return None  # the first unquoted one may come later
    if not adding:
        return ""
    first = (unquoted or adding)[0]
    taken = [sentences[first]]
    for index in range(first + 1, len(sentences)):
        if "“" in sentences[index] or len(" ".join(taken)) >= limit:
            break
        if index >= decided:
            return None
        taken.append(sentences[index])
    else:
        if partial:
            return None
    return cut(" ".join(taken), limit)


def repeats_headline(article: Article) -> bool:
    """True when the snippet says nothing the headline (and publisher) does not already say,
    as Google News descriptions do."""
    snippet = words(article.snippet)
    title = words(article.title)
    publisher = words(article.publisher)
    return not snippet or snippet in (title, title + publisher)


class PageKit:
    """The site's settings and the small helpers every page template needs."""

    def __init__(self, config: SiteConfig, known: dict[str, str] | None = None) -> None:
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self.excerpts_by_id: dict[str, str] = {}  # by article id: each is listed on several pages
        # Excerpts by analysis text (hashed), kept between runs by the caller (PageKeys).
        self.known = {} if known is None else known
        self.used: dict[str, str] = {}
        self.keys: PageKeys | None = None  # set by render: skip pages whose inputs are unchanged

    def keyed(
        self, doc: str, inputs: Sequence[Article], render: Callable[[], str], extra: str = ""
    ) -> str | None:
        """``render()``, or None when ``keys`` knows the page is unchanged."""
        return self.keys.page(doc, inputs, render, extra) if self.keys else render()

    def analysis_excerpt(self, article: Article) -> str:
        """The analysis as plain text, from its first sentence that adds to the headline."""
        key = excerpt_key(article)
        text = self.known.get(key)
        if text is None:
            text = excerpt(article.analysis, article.title)
        self.used[key] = text
        return text

    def excerpt_of(self, article: Article) -> str:
        """What listings show under a headline, never a restatement of it nor the briefing's
        own coverage notes: the article's lead as read from its page; else the feed's snippet
        when it adds something; else a person's or a model's analysis from its first sentence
        that adds something. An offline draft without a lead says nothing worth listing."""
        if article.id not in self.excerpts_by_id:
            read = article.extra.get("read")
            lead = read.get("lead") if isinstance(read, dict) else None
            text = ""
            if isinstance(lead, str) and adds_to(article.title, lead):
                text = cut(lead)
            elif not repeats_headline(article) and adds_to(article.title, article.snippet):
                text = cut(article.snippet)
            elif not is_offline(editorial(article)):
                text = self.analysis_excerpt(article)
            self.excerpts_by_id[article.id] = text
        return self.excerpts_by_id[article.id]

    def preview_of(self, article: Article) -> str:
        """What a link preview says of an article: its listing excerpt, else (an offline draft
        of an unread article) the draft's first sentence that adds to the headline."""
        return self.excerpt_of(article) or self.analysis_excerpt(article)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def iso(self, moment: datetime) -> str:
        """Machine-readable time for ``<time datetime>``, in the site's time zone."""
        return self.local(moment).isoformat()

    def when(self, moment: datetime) -> str:
        local = self.local(moment)
        return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"

    def day(self, moment: datetime) -> str:
        local = self.local(moment)
        return f"{local:%A}, {local.day} {local:%B %Y}"

    def month_doc(self, moment: datetime) -> str:
        """``archive/2026/11.md``: the month page an article is listed on."""
        return paths.month_doc(self.local(moment))

    @staticmethod
    def doc_of(article: Article) -> str:
        """``articles/2026/11/slug.md`` for ``content/articles/2026/11/slug.md``."""
        return paths.article_doc(article.path)

    @staticmethod
    def feed_of(article: Article) -> str:
        """The feed an article is filed under (its first), or its publisher for old files."""
        return article.feeds[0] if article.feeds else article.publisher

    def edit_url(self, article: Article) -> str:
        if not self.config.repo_url:
            return ""
        return paths.edit_url(self.config.repo_url, self.config.edit_branch, article.path)

    def listing(
        self, doc: str, articles: list[Article], excerpts: bool = True
    ) -> list[dict[str, Any]]:
        """Articles grouped by local day, newest first, with links relative to ``doc``; each
        with its excerpt unless not ``excerpts``."""
        days: dict[str, list[dict[str, Any]]] = defaultdict(list)
        order: list[str] = []
        for article in articles:
            day = self.day(article.published)
            if day not in days:
                order.append(day)
            days[day].append(
                {
                    "a": article,
                    "href": href(doc, self.doc_of(article)),
                    "time": f"{self.local(article.published):%H:%M}",
                    "iso": self.iso(article.published),
                    "excerpt": self.excerpt_of(article) if excerpts else "",
                }
            )
        return [{"day": day, "items": days[day]} for day in order]
