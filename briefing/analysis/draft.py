"""The offline analyzer: drafts an analysis from the briefing's own data and nothing else.

A draft never restates its headline (the page shows it right above). It says what the
briefing knows around the article: where this report stands in the story's coverage (who was
first, who followed, what only this outlet's account has), what in it is new to the briefing
(names and words no earlier report had), and the dated, attributed, linked timeline of earlier
and later reports about the same people, places and organisations. Every statement is traceable
to ``content/``.

The text is composed by ``templates/analysis.md.j2``; every value printed there is escaped for
Markdown and HTML (``markdown_text``), so feed text can never become markup, a link or a
directive. The only links are to the originals' http(s) addresses, written by ``source_link``.

Drafting a whole briefing is linear in its size: connections come from an inverted index of
names and rare words in which each lookup reads a bounded slice (found by bisection).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from ..ingest import quoting
from ..models import Article
from ..store.memo import memoized
from ..text import STEM, names, snippet_sentences, story_words, word_keys, words
from .stories import Story, group, plain_words, stems

OFFLINE = "briefing-offline/3"
# every version of the offline analyzer
OFFLINE_NAMES = frozenset({"briefing-offline/1", "briefing-offline/2", OFFLINE})
LEAD_LIMIT = 280
NEIGHBOURS = 8  # stories read on each side of a story in one key's list
CONNECTIONS = 4  # earlier stories named in a draft
LATER = 2  # later stories named in a draft
TIMELINE = 5  # a story's reports listed in one draft (the first ones and this one)
# Why an article's own words are missing from its draft, by its read status (read.py).
UNREAD = {
    "disallowed": "its publisher asks automated readers not to fetch it (robots.txt)",
    "paywalled": "it is behind a paywall",
    "gone": "its link no longer leads to it",
    "forbidden": "its site refused the request",
    "not-html": "the link leads to a file, not a web page",
    "too-large": "its page is larger than briefing reads (4 MB)",
    "empty": "its page holds no article text that could be read",
}
OUTLETS = 3  # other outlets an article's draft names (its story page lists them all)

# Characters that Markdown, its extensions (attr_list, tables, emoji, magic links) or the
# browser could read as syntax. Backslash escapes where Markdown honours them, entities where
# it does not; entities for & < > so no HTML tag or entity can be formed.
_BACKSLASH = frozenset("\\`*_{}[]#")
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: f"&#{ord(c)};" for c in "|~^=@%"}}
_URL_OR_CODE = re.compile(r":(?=[/\w])")  # "https://", ":emoji:"; not "Opinion: the"


# "1. " and "1) " open a list; "3.1 metres" does not (and must not show as "3\.1").
_BLOCK_START = re.compile(r"^(?:[-+]|\d+(?=[.)](?:\s|$)))")


_ESCAPES = str.maketrans({**{c: "\\" + c for c in _BACKSLASH}, **_ENTITY})


def markdown_text(value: object) -> str:
    """Untrusted text as inert Markdown: one line, every syntax character escaped, and a start
    that could open a list ("- ", "+ ", "1. ") escaped too, since a value may begin a line."""
    text = " ".join(str(value).split()).translate(_ESCAPES)
    text = _BLOCK_START.sub(_escape_start, text)
    return _URL_OR_CODE.sub("&#58;", text)


def _escape_start(match: re.Match[str]) -> str:
    start = match.group(0)
    return start + "\\" if start.isdigit() else "\\" + start


def source_link(text: object, url: str) -> Markup:
    """``[text](<url>)`` for an http(s) address, with ``text`` escaped; just the text for
    anything else. Characters that could end the link or form markup are percent-encoded."""
    label = markdown_text(text)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Markup(label)  # noqa: S704 - escaped by markdown_text
    safe = quote(url, safe="/:?&=#%+,;~!$'*@-._")
    return Markup(f"[{label}](<{safe}>)")  # noqa: S704 - escaped label, percent-encoded url


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


def lead(snippet: str) -> tuple[str, bool]:
    """The first sentence(s) of a snippet, at most ``LEAD_LIMIT`` characters; True if cut."""
    text = " ".join(snippet.split())
    taken = ""
    for sentence in snippet_sentences(text):
        candidate = f"{taken} {sentence}".strip()
        if taken and len(candidate) > LEAD_LIMIT:
            break
        taken = candidate
    if len(taken) > LEAD_LIMIT:
        return taken[:LEAD_LIMIT].rsplit(" ", 1)[0], True
    return taken, taken != text


# The names and the words that connect stories, memoized: the same headlines and snippets,
# run after run. Shared between callers: read them, never change them.
names_in = memoized(names)
_word_keys = memoized(word_keys)


def _text_of(article: Article) -> str:
    return f"{article.title}. {article.snippet}"


def texts_of(article: Article) -> tuple[str, ...]:
    """The texts of an article the analyzer's memoized functions are asked about."""
    return article.title, article.snippet, _text_of(article)


def prime_memo(articles: Iterable[Article]) -> None:
    """Work out (or find memoized) what story matching and ``Briefing.of`` need of each
    article's text, for a run that does neither: the next run that does finds it ready."""
    for article in articles:
        for text in (article.title, article.snippet):
            stems(text)
        plain_words(article.title)
        names_in(_text_of(article))
        _word_keys(_text_of(article))


@dataclass(frozen=True)
class Briefing:
    """What the analyzer knows about the whole briefing: its stories, and an index of the
    names and rare words that connect them across time."""

    stories: tuple[Story, ...]
    story_of: dict[str, Story]
    # story id -> {key: how to show it}: its names ("n:") and rare words ("w:"), all of them
    # (``keys_of`` leaves out those in too many stories to say anything).
    found: dict[str, dict[str, str]]
    by_key: dict[str, list[Story]]  # key -> its stories, oldest first
    weight: dict[str, float]  # key -> how much sharing it says (rarer: more); the keys kept
    by_publisher: dict[str, list[Article]]  # publisher -> its articles, oldest first
    first_named: dict[str, str]  # a name, and each of its shorter tails, -> the first story
    articles: int
    zone: ZoneInfo
    # The main text read from an article's page ("" when it was not read): read.PageCache.
    reading: Callable[[Article], str] = field(default=lambda _: "", compare=False, repr=False)
    # What every member of a story shares (its connections, its headlines' own words),
    # computed once per story: drafting a 60-article story must not redo it 60 times.
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        articles: Sequence[Article],
        timezone: str = "UTC",
        reading: Callable[[Article], str] | None = None,
    ) -> Briefing:
        """The briefing's index, built in one pass over its stories; what only a drafted
        story needs (its kept keys, its names rarest first) is worked out when asked."""
        stories = tuple(group(articles))
        story_of = {a.id: s for s in stories for a in s.articles}
        found_by_story: dict[str, dict[str, str]] = {}
        by_key: dict[str, list[Story]] = defaultdict(list)
        name_stems: dict[str, frozenset[str]] = {}  # a name recurs in many stories
        for story in stories:  # oldest first, so each list of by_key is too
            found: dict[str, str] = {}
            texts = [_text_of(a) for a in story.articles]
            named = [names_in(text) for text in texts]
            story_names = named[0] if len(named) == 1 else frozenset().union(*named)
            name_words: set[str] = set()
            for name in story_names:
                if name not in name_stems:
                    name_stems[name] = frozenset(w[:STEM] for w in story_words(name))
                name_words |= name_stems[name]
            for name in sorted(story_names):
                found[f"n:{name.casefold()}"] = name
            for text in texts:
                for stem, word in _word_keys(text).items():
                    if stem not in name_words:
                        found.setdefault(f"w:{stem}", word)
            found_by_story[story.id] = found
            for key in found:
                by_key[key].append(story)
        # A key in most stories is the briefing's subject ("Marrow Bay"), not a connection.
        limit = max(2, len(stories) // 4)
        weight = {
            k: math.log((len(stories) + 1) / len(having)) * (2.0 if k.startswith("n:") else 1.0)
            for k, having in by_key.items()
            if len(having) <= limit
        }
        firsts: dict[str, Story] = {}  # a name and its tails -> the oldest story naming it
        for key, having in by_key.items():
            if key.startswith("n:") and key in weight:
                first = having[0]
                parts = key[2:].split()  # "Harbor Authority" of "Marrow Bay Harbor …"
                for start in range(len(parts) - 1):
                    tail = " ".join(parts[start:])
                    known = firsts.get(tail)
                    if known is None or _story_order(first) < _story_order(known):
                        firsts[tail] = first
        first_named = {tail: story.id for tail, story in firsts.items()}
        by_publisher: dict[str, list[Article]] = defaultdict(list)
        for article in sorted(articles, key=lambda a: (a.published, a.id)):
            by_publisher[article.publisher].append(article)
        return cls(
            stories, story_of, found_by_story, dict(by_key), weight, dict(by_publisher),
            first_named, len(articles), ZoneInfo(timezone), reading or (lambda _: ""),
        )  # fmt: skip

    def keys_of(self, story: Story) -> dict[str, str]:
        """The story's keys that say something (``weight``): {key: how to show it}."""
        memo = (story.id, "keys")
        if memo not in self.memo:
            found = self.found[story.id]
            self.memo[memo] = {k: v for k, v in found.items() if k in self.weight}
        kept: dict[str, str] = self.memo[memo]
        return kept

    def names(self, story: Story) -> tuple[str, ...]:
        """The story's names that say something, rarest first."""
        named = (v for k, v in self.keys_of(story).items() if k.startswith("n:"))
        return tuple(sorted(named, key=lambda n: (len(self.by_key[f"n:{n.casefold()}"]), n)))

    def date(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{local.day} {local:%B %Y}"

    def connected(self, story: Story, later: bool = False) -> list[tuple[Story, list[str]]]:
        """Stories before (or after) ``story`` that share its names or rare words, best first,
        each with what they share (names first). Reads at most ``NEIGHBOURS`` stories per key."""
        memo = (story.id, "later" if later else "earlier")
        if memo not in self.memo:
            self.memo[memo] = self._connected(story, later)
        found: list[tuple[Story, list[str]]] = self.memo[memo]
        return found

    def _connected(self, story: Story, later: bool) -> list[tuple[Story, list[str]]]:
        score: dict[str, float] = defaultdict(float)
        shared: dict[str, list[str]] = defaultdict(list)
        found: dict[str, Story] = {}
        moment = _story_order(story)
        kept = self.keys_of(story)
        for key, shown in kept.items():
            members = self.by_key[key]
            at = bisect.bisect_left(members, moment, key=_story_order)
            window = (
                members[at + 1 : at + 1 + NEIGHBOURS]
                if later
                else members[max(0, at - NEIGHBOURS) : at]
            )
            for other in window:
                score[other.id] += self.weight[key]
                shared[other.id].append(shown)
                found[other.id] = other
        best = []
        for sid in sorted(score, key=lambda sid: -score[sid]):
            names = [s for s in shared[sid] if f"n:{s.casefold()}" in kept]
            # A shared word or two is chance; a name, or three rare words, is a connection.
            if names or len(shared[sid]) >= 3:
                best.append((found[sid], names))
        return best

    def first_mentions(self, story: Story, article: Article) -> list[str]:
        """Names in ``article`` that no earlier story of the briefing has (within the story,
        each belongs to the first report that names it)."""
        memo = (story.id, "first mentions")
        if memo not in self.memo:
            firsts: dict[str, list[str]] = defaultdict(list)
            for name in self.names(story):
                if self.first_named.get(name.casefold()) == story.id:
                    first = next(a for a in story.articles if name in names_in(_text_of(a)))
                    firsts[first.id].append(name)
            self.memo[memo] = firsts
        return list(self.memo[memo].get(article.id, ()))

    def standing(self, story: Story, article: Article) -> tuple[int, int]:
        """The article's place in its story (0 for the first) and how many outlets had
        reported the story by then, its own included."""
        memo = (story.id, "standing")
        if memo not in self.memo:
            standing: dict[str, tuple[int, int]] = {}
            outlets: set[str] = set()
            for at, member in enumerate(story.articles):
                outlets.add(member.publisher)
                standing[member.id] = (at, len(outlets))
            self.memo[memo] = standing
        found: tuple[int, int] = self.memo[memo][article.id]
        return found

    def published_before(self, article: Article) -> int:
        """How many articles the publisher had in the briefing before this one."""
        items = self.by_publisher.get(article.publisher, [])
        return bisect.bisect_left(
            items, (article.published, article.id), key=lambda a: (a.published, a.id)
        )


def _story_order(story: Story) -> tuple[datetime, str]:
    """Where a story stands among the briefing's (``stories.group`` sorts them so)."""
    return (story.first.published, story.id)


def _gap(before: datetime, after: datetime) -> str:
    delta = after - before
    if delta < timedelta(hours=1):
        return "within the hour"
    if delta < timedelta(hours=24):
        hours = round(delta.total_seconds() / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(delta.total_seconds() / 86400)
    return "a day" if days == 1 else f"{days} days"


_ORDINAL = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]


def ordinal(n: int) -> str:
    """1 -> "first"; past the ninth, "13th"."""
    if n <= len(_ORDINAL):
        return _ORDINAL[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_NUMBER = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def number(n: int) -> str:
    """Small counts in words, as in prose: 2 -> "two", 12 -> "12"."""
    return _NUMBER[n] if 0 <= n < len(_NUMBER) else str(n)


def _chronological(found: list[tuple[Story, list[str]]]) -> list[tuple[Story, list[str]]]:
    return sorted(found, key=lambda item: (item[0].first.published, item[0].id))


def _entry(
    briefing: Briefing, story: Story, shared: Sequence[str] = (), first: Article | None = None
) -> dict[str, Any]:
    """A report in a draft's timeline: the story's first article, or ``first`` of it."""
    first = first or story.first
    return {
        "date": briefing.date(first.published),
        "publisher": first.publisher,
        "own": False,
        "link": source_link(f"“{first.title}”", first.original),
        "outlets": len(story.publishers),
        "others": number(len(story.publishers) - 1),
        "shared": list(shared)[:2],
        "lead": lead(first.snippet)[0].split(". ")[0] if first.snippet else "",
    }


def report(article: Article, text: str) -> dict[str, Any]:
    """What the article itself says, quoted and attributed: its lead and up to two key
    sentences of its main ``text`` (the lead its file records when the text is not at hand),
    together with the snippet the page shows above them holding fewer than
    ``quoting.MAX_RUN`` consecutive words of it. A lead the snippet already shows (many feeds'
    summary is the first paragraph) is not quoted again: the key sentences are."""
    record = article.extra.get("read")
    record = record if isinstance(record, dict) else {}
    opening = quoting.lead(text) if text else str(record.get("lead") or "")
    keys = quoting.key_sentences(text, article.title) if text else []
    if text:  # the keys are never next to the lead; this holds for what the page shows whole
        shown = [article.snippet, opening]
        keys = [k for k in keys if quoting.within(text, " ".join([*shown, k]))]
    if opening and _repeats(opening, article.snippet):
        opening, keys = (keys[0], keys[1:]) if keys else ("", [])
    author = record.get("author")
    status = str(record.get("status"))
    return {
        "publisher": article.publisher,
        "unread": "" if opening or status == "ok" else UNREAD.get(status, ""),
        "author": author if isinstance(author, str) else "",
        "lead": quoting.nested(opening),
        "quotes": [quoting.nested(k) for k in keys],
    }


def _repeats(quotation: str, snippet: str) -> bool:
    """True when the snippet already says (nearly) all the words of a quotation."""
    wanted = words(quotation)
    have = set(words(snippet))
    return bool(wanted) and sum(w in have for w in wanted) >= 0.8 * len(wanted)


def draft(article: Article, briefing: Briefing) -> str:
    """The offline draft for one article, as Markdown paragraphs ending in a newline: what the
    article reports (quoted, when it was read), where it stands in its story, and the earlier
    and later reports of the briefing that share its names."""
    story = briefing.story_of[article.id]
    position, outlets_by_then = briefing.standing(story, article)
    count = briefing.published_before(article)
    own = report(article, briefing.reading(article))
    # A follower that could not be read is told by the first report's opening words instead.
    first_report = (
        report(story.first, briefing.reading(story.first))
        if position and not own["lead"]
        else {"lead": ""}
    )
    others = [p for p in story.publishers if p != article.publisher]
    coverage: dict[str, Any] = {
        "publisher": article.publisher,
        "outlets": len(story.publishers),
        "followers": number(len(story.publishers) - 1),
        "all": number(len(story.publishers)),
        "position": ordinal(outlets_by_then),
        "first": story.first,
        "first_date": briefing.date(story.first.published),
        "first_lead": first_report["lead"] if first_report["lead"] else "",
        "gap": _gap(story.first.published, article.published) if position else "",
        "names": others[:OUTLETS] if len(others) <= OUTLETS else [],
        "history": count,
        "nth": ordinal(count + 1),
        "since": briefing.date(briefing.by_publisher[article.publisher][0].published),
    }
    earlier = [item for item in briefing.connected(story) if item[1]][:CONNECTIONS]
    later = [item for item in briefing.connected(story, later=True) if item[1]][:LATER]
    context = {
        "new_names": briefing.first_mentions(story, article),
        "earlier": [
            {**_entry(briefing, s, shared), "own": s.first.publisher == article.publisher}
            for s, shared in _chronological(earlier)
        ],
        "later": [_entry(briefing, s, shared) for s, shared in _chronological(later)],
        "publisher": article.publisher,
    }
    macros: Any = ENV.get_template("analysis.md.j2").module
    paragraphs = [
        macros.report(own),
        macros.coverage(coverage),
        macros.new(context),
        macros.background(context),
        macros.later(context),
    ]
    return "\n\n".join(" ".join(str(p).split()) for p in paragraphs if str(p).strip()) + "\n"
