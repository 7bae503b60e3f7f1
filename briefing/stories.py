"""Stories: articles about the same event from different outlets, grouped together.

Two articles are *linked* when they were published within ``WINDOW`` of each other, come from
different publishers, and their headlines (or, when both have one, their snippets) share enough
*distinctive* words. Words are weighted by rarity across the whole briefing (inverse document
frequency), so the subject words that occur in almost every headline ("Marrow Bay", "tidal",
"pilot") count for almost nothing and the words that name the event ("easement", "seal colony")
count for a lot. RapidFuzz scores the raw headlines as a second opinion for near-identical ones.

A story is recorded in each article's front matter (``story: <id>``), so it keeps its identity as
new articles arrive, and an editor can move an article in or out of a story by editing that key.
``assign`` only gives a story to articles that have none: existing assignments are never moved.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256

from rapidfuzz import fuzz
from slugify import slugify

from .identity import title_key
from .memo import memoized
from .models import Article

WINDOW = timedelta(hours=72)
# Weighted overlap (shared distinctive weight / the smaller side's weight) that links two
# articles. Measured on the demo feeds (tests/test_stories.py): pairs of the same story score
# >= 0.39 on headlines or >= 0.43 on snippets (one pair, 0.33, joins through a third article);
# the best pair of different stories from different outlets in the window scores 0.29 on
# headlines and 0.22 on snippets. 0.35 sits in both gaps.
LINK = 0.35
# Near-identical headlines (token_set_ratio on the words that are not stop words).
SAME_HEADLINE = 92.0
STEM = 5  # words compared by their first letters: "delays" ~ "delayed", "turbines" ~ "turbine"

STOP_WORDS = frozenset(
    """a about after again against all also an and any are as at be been before being but by
    can could did do does for from had has have he her his how i if in into is it its just may
    more most new no nor not now of off on once only or other our out over says said she so
    some than that the their them then there these they this those through to too under until
    up very was we were what when where which while who why will with would yes you""".split()  # noqa: SIM905 - readable as prose
)

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


def story_id_for(article: Article) -> str:
    """A story's id: a short slug of its first article's headline and a hash of that id."""
    slug = slugify(article.title, max_length=40, word_boundary=True) or "story"
    return f"{slug}-{sha256(article.id.encode()).hexdigest()[:6]}"


def is_story_id(value: object) -> bool:
    """True for a value usable as a story id (it becomes a page name under ``stories/``)."""
    return isinstance(value, str) and bool(_SAFE_ID.match(value))


def recorded_story(article: Article) -> str:
    """The story recorded in the article's front matter, or "" when there is none (or junk)."""
    value = article.extra.get("story")
    return value if isinstance(value, str) and is_story_id(value) else ""


def words(text: str) -> list[str]:
    """The content words of a text, lower-cased, without stop words, numbers or short words."""
    return [
        w for w in title_key(text).split() if len(w) > 2 and not w.isdigit() and w not in STOP_WORDS
    ]


@memoized  # the same headlines are compared again and again, run after run
def stems(text: str) -> frozenset[str]:
    return frozenset(w[:STEM] for w in words(text))


@memoized
def plain_words(text: str) -> str:
    """The content words of a text, one space between them."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Story:
    """One story: its id and its articles, oldest first."""

    id: str
    articles: tuple[Article, ...]

    @property
    def first(self) -> Article:
        return self.articles[0]

    @property
    def publishers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.publisher for a in self.articles))


def oldest_first(articles: Iterable[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published, a.id))


class Matcher:
    """Scores how likely two articles of one briefing are to report the same story."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.headline = {a.id: stems(a.title) for a in articles}
        self.snippet = {a.id: stems(a.title) | stems(a.snippet) for a in articles if a.snippet}
        self.plain = {a.id: plain_words(a.title) for a in articles}
        self.idf = _idf(list(self.headline.values()), len(articles))
        self.idf_snippet = _idf(list(self.snippet.values()), len(articles))

    def rare_stems(self, total: int) -> Callable[[Article], frozenset[str]]:
        """The stems of an article that at most one article in 50 has (at least 20 may):
        those that can make two articles one story."""
        limit = max(20, total // 50)
        df = Counter(w for doc in self.snippet_or_headline() for w in doc)
        common = frozenset(w for w, n in df.items() if n > limit)

        def rare(article: Article) -> frozenset[str]:
            stems = self.snippet.get(article.id, self.headline[article.id])
            found = stems - common
            return found if found else stems

        return rare

    def snippet_or_headline(self) -> Iterable[frozenset[str]]:
        return (self.snippet.get(aid, stems) for aid, stems in self.headline.items())

    def score(self, a: Article, b: Article) -> float:
        """0..1: the weighted share of distinctive words the two have in common."""
        if a.publisher == b.publisher or abs(a.published - b.published) > WINDOW:
            return 0.0
        best = _overlap(self.headline[a.id], self.headline[b.id], self.idf)
        if a.id in self.snippet and b.id in self.snippet:
            best = max(best, _overlap(self.snippet[a.id], self.snippet[b.id], self.idf_snippet))
        if fuzz.token_set_ratio(self.plain[a.id], self.plain[b.id]) >= SAME_HEADLINE:
            best = max(best, 1.0)
        return best


def _idf(documents: list[frozenset[str]], n: int) -> dict[str, float]:
    df = Counter(w for doc in documents for w in doc)
    return {w: math.log((n + 1) / count) for w, count in df.items()}


def _overlap(a: frozenset[str], b: frozenset[str], idf: dict[str, float]) -> float:
    smaller = min(sum(idf[w] for w in a), sum(idf[w] for w in b))
    if smaller <= 0:
        return 0.0
    return sum(idf[w] for w in a & b) / smaller


def assign(articles: Sequence[Article]) -> dict[str, str]:
    """``{article id: story id}`` for every article that has no story yet. Pure.

    The articles without a story are taken oldest first (ties by id, so the order of files
    never matters); each joins the groups it links to (merging them), or starts one. Only
    groups that started within ``WINDOW`` of the article take it, so links can never chain a
    whole busy briefing into one "story". A group that links to articles with a recorded
    story joins the best-scoring such story; otherwise it starts a story named after its
    oldest article.
    Recorded stories are never changed.
    """
    loose = [a for a in oldest_first(articles) if not recorded_story(a)]
    if not loose:
        return {}
    matcher = Matcher(articles)
    recorded = [a for a in oldest_first(articles) if recorded_story(a)]
    found: list[list[Article]] = []  # emptied when merged into an earlier group
    merged_into: list[int] = []  # a group's index, or the group it was merged into
    # Candidates come from an index of the rarer words: an article is scored only against
    # earlier articles in the window that share one with it (a pair sharing only the
    # briefing's subject words never links), so grouping stays linear in the briefing's size
    # however busy a day is.
    rare = matcher.rare_stems(len(articles))
    placed: dict[str, list[tuple[datetime, int, Article]]] = defaultdict(list)

    def root(index: int) -> int:
        while merged_into[index] != index:
            merged_into[index] = merged_into[merged_into[index]]
            index = merged_into[index]
        return index

    for article in loose:
        since = article.published - WINDOW
        best: dict[int, float] = {}
        for stem in rare(article):
            postings = placed[stem]
            for at in range(len(postings) - 1, -1, -1):
                moment, index, other = postings[at]
                if moment < since:
                    break
                group = root(index)
                if found[group][0].published < since or best.get(group, 0.0) >= LINK:
                    continue  # too old to take it, or already linked
                best[group] = max(best.get(group, 0.0), matcher.score(article, other))
        linked = sorted(group for group, score in best.items() if score >= LINK)
        if not linked:
            target_index = len(found)
            found.append([article])
            merged_into.append(target_index)
        else:
            # An article that links to several open groups joins them (it bridges two outlets'
            # reports of one event); all of them started within WINDOW of it.
            target_index = linked[0]
            target = found[target_index]
            for index in linked[1:]:
                target.extend(found[index])
                found[index] = []
                merged_into[index] = target_index
            target.append(article)
            target.sort(key=lambda a: (a.published, a.id))
        for stem in rare(article):
            placed[stem].append((article.published, target_index, article))
    new: dict[str, str] = {}
    times = [a.published for a in recorded]
    for members in (group for group in found if group):
        joined: tuple[float, str] | None = None
        for article in members:
            start = bisect.bisect_left(times, article.published - WINDOW)
            end = bisect.bisect_right(times, article.published + WINDOW)
            for other in recorded[start:end]:
                score = matcher.score(article, other)
                if score >= LINK and (joined is None or score > joined[0]):
                    joined = (score, recorded_story(other))
        story = joined[1] if joined else story_id_for(members[0])
        new.update((a.id, story) for a in members)
    return new


def group(articles: Iterable[Article]) -> list[Story]:
    """Stories as recorded in the articles (one of its own for an article with none),
    oldest story first."""
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        members[recorded_story(article) or story_id_for(article)].append(article)
    stories = [Story(sid, tuple(oldest_first(items))) for sid, items in members.items()]
    return sorted(stories, key=lambda s: (s.first.published, s.id))
