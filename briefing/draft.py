"""The offline analyzer: drafts an analysis from the briefing's own data and nothing else.

Every statement comes from ``content/``: who reported what and when (the feed's snippet quoted
and attributed), how the story's coverage developed across outlets, what one outlet's headline
says that the others' do not, and which earlier stories share a name or a tag with it. The text
is composed by ``templates/analysis.md.j2``; every value printed there is escaped for Markdown
and HTML (``markdown_text``), so feed text can never become markup, a link or a directive.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from .models import Article
from .stories import STEM, STOP_WORDS, Story, group, stems, words

OFFLINE = "briefing-offline/1"
LEAD_LIMIT = 280

# Characters that Markdown, its extensions (attr_list, tables, emoji, magic links) or the
# browser could read as syntax. Backslash escapes where Markdown honours them, entities where
# it does not; entities for & < > so no HTML tag or entity can be formed.
_BACKSLASH = frozenset("\\`*_{}[]#")
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: f"&#{ord(c)};" for c in "|~^=@%"}}
_URL_OR_CODE = re.compile(r":(?=[/\w])")  # "https://", ":emoji:"; not "Opinion: the"


def markdown_text(value: object) -> str:
    """Untrusted text as inert Markdown: one line, every syntax character escaped."""
    text = " ".join(str(value).split())
    text = "".join("\\" + c if c in _BACKSLASH else _ENTITY.get(c, c) for c in text)
    return _URL_OR_CODE.sub("&#58;", text)


def _finalize(value: object) -> object:
    return value if isinstance(value, Markup) else markdown_text(value)


ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("briefing", "templates"),
    autoescape=False,  # noqa: S701 - Markdown, not HTML: _finalize escapes every printed value instead
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'])")
_NAME = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z](?:\s+(?:of\s+)?[A-Z][\w'’-]*[A-Za-z])+")
_NAME_OPENERS = frozenset({"The", "A", "An", "Opinion", "Residents", "Analysts", "Developers"})


def lead(snippet: str) -> tuple[str, bool]:
    """The first sentence(s) of a snippet, at most ``LEAD_LIMIT`` characters; True if cut."""
    text = " ".join(snippet.split())
    taken = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{taken} {sentence}".strip()
        if taken and len(candidate) > LEAD_LIMIT:
            break
        taken = candidate
    if len(taken) > LEAD_LIMIT:
        return taken[:LEAD_LIMIT].rsplit(" ", 1)[0], True
    return taken, taken != text


def names_in(text: str) -> set[str]:
    """Capitalised multi-word names ("Tidewell Energy Cooperative") in a text."""
    found = set()
    for match in _NAME.finditer(text):
        parts = match.group(0).split()
        while parts and parts[0] in _NAME_OPENERS:
            parts = parts[1:]
        if len(parts) >= 2:
            found.add(" ".join(parts))
    return found


@dataclass(frozen=True)
class Briefing:
    """What the analyzer knows about the whole briefing: its stories, names and tags."""

    stories: tuple[Story, ...]
    story_of: dict[str, Story]
    names: dict[str, tuple[str, ...]]  # story id -> recurring names, rarest first
    tag_count: Counter[str]
    articles: int
    common: frozenset[str]  # headline word stems in a quarter of all headlines or more
    zone: ZoneInfo
    by_name: dict[str, list[Story]]  # recurring name -> its stories, oldest first
    by_tag: dict[str, list[Story]]  # tag -> stories with an article so tagged, oldest first

    @classmethod
    def of(cls, articles: Sequence[Article], timezone: str = "UTC") -> Briefing:
        stories = tuple(group(articles))
        story_of = {a.id: s for s in stories for a in s.articles}
        names_of = {
            s.id: set().union(*(names_in(f"{a.title}. {a.snippet}") for a in s.articles))
            for s in stories
        }
        spread = Counter(n for names in names_of.values() for n in names)
        # A name in most stories is the briefing's subject ("Marrow Bay"), not a connection.
        limit = max(2, len(stories) // 2)
        recurring = {
            sid: tuple(
                sorted((n for n in names if 2 <= spread[n] <= limit), key=lambda n: (spread[n], n))
            )
            for sid, names in names_of.items()
        }
        tags = Counter(t for a in articles for t in set(a.tags))
        spread_words = Counter(w for a in articles for w in stems(a.title))
        common = frozenset(w for w, n in spread_words.items() if n * 4 >= len(articles) > 3)
        by_name: dict[str, list[Story]] = defaultdict(list)
        by_tag: dict[str, list[Story]] = defaultdict(list)
        for story in stories:  # oldest first, so each list is too
            for name in recurring[story.id]:
                by_name[name].append(story)
            for tag in dict.fromkeys(t for a in story.articles for t in a.tags):
                by_tag[tag].append(story)
        return cls(
            stories,
            story_of,
            recurring,
            tags,
            len(articles),
            common,
            ZoneInfo(timezone),
            dict(by_name),
            dict(by_tag),
        )

    def date(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{local.day} {local:%B %Y}"

    def earlier_named(self, story: Story, name: str) -> Story | None:
        """The most recent story before ``story`` among those where ``name`` recurs (found by
        bisection, so drafting a whole briefing stays close to linear)."""
        return _latest_before(self.by_name.get(name, ()), story)

    def earlier_tagged(self, story: Story, tag: str) -> Story | None:
        """The most recent story before ``story`` with an article tagged ``tag``."""
        return _latest_before(self.by_tag.get(tag, ()), story)


def _latest_before(candidates: Sequence[Story], story: Story) -> Story | None:
    index = bisect.bisect_left(candidates, story.first.published, key=lambda s: s.first.published)
    return candidates[index - 1] if index else None


def _gap(before: datetime, after: datetime) -> str:
    delta = after - before
    if delta < timedelta(hours=1):
        return "within the hour"
    if delta < timedelta(hours=24):
        hours = round(delta.total_seconds() / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} later"
    days = round(delta.total_seconds() / 86400)
    return "a day later" if days == 1 else f"{days} days later"


def distinctive(
    article: Article, others: Sequence[Article], common: frozenset[str] = frozenset()
) -> list[str]:
    """Words of the article's headline that no other headline of the story has (at most 2)."""
    seen = set(common).union(*(stems(o.title) for o in others))
    result: list[str] = []
    content = set(words(article.title))
    for raw in article.title.split():
        word = raw.strip(".,:;!?\"'“”‘’()[]")
        low = word.casefold()
        if (
            low in content
            and low not in STOP_WORDS
            and low[:STEM] not in seen
            and word not in result
        ):
            result.append(word)
    return sorted(result, key=lambda w: -len(w))[:2]


def draft(article: Article, briefing: Briefing) -> str:
    """The offline draft for one article, as Markdown paragraphs ending in a newline."""
    story = briefing.story_of[article.id]
    others = [a for a in story.articles if a.id != article.id]
    text, cut = lead(article.snippet)
    timeline = []
    previous = None
    for item in story.articles:
        item_lead, _ = lead(item.snippet) if item.id != article.id else ("", False)
        timeline.append(
            {
                "a": item,
                "date": briefing.date(item.published),
                "gap": _gap(previous, item.published) if previous else "",
                "lead": item_lead.split(". ")[0] if item_lead else "",
                "is_this": item.id == article.id,
            }
        )
        previous = item.published
    only = [
        {
            "publisher": a.publisher,
            "words": distinctive(a, [o for o in story.articles if o is not a], briefing.common),
        }
        for a in [article, *others]
    ]
    connections = []
    for name in briefing.names.get(story.id, ())[:2]:
        earlier = briefing.earlier_named(story, name)
        if earlier:
            connections.append(
                {
                    "name": name,
                    "story": earlier.first,
                    "date": briefing.date(earlier.first.published),
                }
            )
    # A tag on most articles (a feed's own tag) says nothing about this story.
    rare_tags = [t for t in article.tags if briefing.tag_count[t] <= briefing.articles // 3]
    tag_link = None
    for tag in rare_tags:
        earlier = briefing.earlier_tagged(story, tag)
        if earlier:
            tag_link = {
                "tag": tag,
                "story": earlier.first,
                "date": briefing.date(earlier.first.published),
            }
            break
    macros: Any = ENV.get_template("analysis.md.j2").module
    paragraphs = [
        macros.reported(article, briefing.date(article.published), text, cut),
        macros.coverage(
            len(story.publishers),
            briefing.date(story.first.published),
            briefing.date(story.articles[-1].published),
            timeline if others else [],
            [o for o in only if o["words"]] if others else [],
        ),
        macros.connections(connections, tag_link),
    ]
    return "\n\n".join(" ".join(str(p).split()) for p in paragraphs if str(p).strip()) + "\n"
