"""Stories: articles about the same event from different outlets, grouped together.

Two articles are *linked* when they were published within ``WINDOW`` of each other, come from
different publishers, and their headlines (or, when both have one, their snippets) share enough
*distinctive* words. Words are weighted by rarity across the whole briefing (inverse document
frequency), so the subject words that occur in almost every headline ("Marrow Bay", "tidal",
"pilot") count for almost nothing and the words that name the event ("easement", "seal colony")
count for a lot. RapidFuzz scores the raw headlines as a second opinion for near-identical ones.

A topic briefing (a Google News search) repeats its subject's names in story after story, and
a name in the news that week (a judge, a rival) in several stories at once: rare in the
briefing, common in those days. So a word counts less, when two articles share it, the more
stories of the ``WINDOW`` before the newer one used it (its weight over the square root of how
many), and the candidates an article is scored against come from an index that reads at most
``RUNS`` stories and ``KEEP`` of their articles per word: grouping costs the same per article
however many stories share a name and however big the briefing is.

A story is recorded in each article's front matter (``story: <id>``), so it keeps its identity as
new articles arrive, and an editor can move an article in or out of a story by editing that key.
``assign`` only gives a story to articles that have none: existing assignments are never moved.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from hashlib import sha256
from itertools import chain

from rapidfuzz import fuzz
from slugify import slugify

from ..models import Article
from ..store.memo import memoized
from ..text import STEM, story_words

WINDOW = timedelta(hours=72)
# Weighted overlap (shared distinctive weight / the smaller side's weight) that links two
# articles. Measured on the demo feeds (tests/test_stories.py): pairs of the same story score
# >= 0.39 on headlines or >= 0.43 on snippets (one pair, 0.33, joins through a third article);
# the best pair of different stories from different outlets in the window scores 0.29 on
# headlines and 0.22 on snippets. 0.35 sits in both gaps.
LINK = 0.35
# Near-identical headlines (token_set_ratio on the words that are not stop words).
SAME_HEADLINE = 92.0
# An article is scored against the groups that used one of its rarer words most recently:
# at most RUNS groups per word, each by its KEEP newest articles with that word; a word more
# than RUNS stories of the window used is not looked up (it tells none of them apart).
# Measured on bench/stories_gen.py's Google News shape (tests/test_stories.py): 16 and 16
# find 6% more of the pairs of a story than 8 and 8, 32 and 16 no more than 1% more.
RUNS = 16
KEEP = 16
RECORDED = 16  # articles with a recorded story scored per word of an article, nearest first

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


@memoized  # the same headlines are compared again and again, run after run
def stems(text: str) -> frozenset[str]:
    return frozenset(w[:STEM] for w in story_words(text))


@memoized
def plain_words(text: str) -> str:
    """The words a story is matched by (``story_words``), one space between them."""
    return " ".join(story_words(text))


@dataclass(frozen=True)
class Story:
    """One story: its id and its articles, oldest first."""

    id: str
    articles: tuple[Article, ...]

    @property
    def first(self) -> Article:
        return self.articles[0]

    @cached_property  # asked for again and again while a story's articles are drafted
    def publishers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.publisher for a in self.articles))


def oldest_first(articles: Iterable[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.published, a.id))


class Matcher:
    """Scores how likely two articles of one briefing are to report the same story."""

    def __init__(self, articles: Sequence[Article]) -> None:
        headline = self.headline = {a.id: stems(a.title) for a in articles}
        self.snippet = {a.id: headline[a.id] | stems(a.snippet) for a in articles if a.snippet}
        self._df_headline = Counter(chain.from_iterable(headline.values()))
        self._df_snippet = Counter(chain.from_iterable(self.snippet.values()))
        self.idf = _idf(self._df_headline, len(articles))
        self.idf_snippet = _idf(self._df_snippet, len(articles))

    def stems_of(self, article: Article) -> frozenset[str]:
        """The stems compared: the headline's and the snippet's together when it has one."""
        return self.snippet.get(article.id, self.headline[article.id])

    def rare_stems(self, total: int) -> Callable[[Article], frozenset[str]]:
        """The stems of an article that at most one article in 50 has (at least 20 may):
        those that can make two articles one story."""
        limit = max(20, total // 50)
        # How many articles each stem is compared in: the snippets' counts, and the
        # headlines' of the articles without one.
        if not self.snippet:  # a Google News briefing: no snippets
            df = self._df_headline
        elif len(self.snippet) == len(self.headline):
            df = self._df_snippet
        else:
            df = self._df_snippet.copy()
            df.update(
                w for aid, doc in self.headline.items() if aid not in self.snippet for w in doc
            )
        common = frozenset(w for w, n in df.items() if n > limit)

        def rare(article: Article) -> frozenset[str]:
            stems = self.stems_of(article)
            found = stems - common
            return found if found else stems

        return rare

    def score(self, a: Article, b: Article, spread: Mapping[str, int] | None = None) -> float:
        """0..1: the weighted share of distinctive words the two have in common. ``spread``
        says how many stories of those days used a word of ``a`` (``assign``): a shared word
        counts its weight over the square root of that."""
        if a.publisher == b.publisher or abs(a.published - b.published) > WINDOW:
            return 0.0
        spread = spread or {}
        best = _overlap(self.headline[a.id], self.headline[b.id], self.idf, spread)
        if a.id in self.snippet and b.id in self.snippet:
            pair = (self.snippet[a.id], self.snippet[b.id])
            best = max(best, _overlap(*pair, self.idf_snippet, spread))
        if fuzz.token_set_ratio(plain_words(a.title), plain_words(b.title)) >= SAME_HEADLINE:
            best = max(best, 1.0)
        return best


def _idf(df: Mapping[str, int], n: int) -> dict[str, float]:
    """Each word's inverse document frequency, from how many of ``n`` documents have it."""
    return {w: math.log((n + 1) / count) for w, count in df.items()}


def _overlap(
    a: frozenset[str], b: frozenset[str], idf: dict[str, float], spread: Mapping[str, int]
) -> float:
    smaller = min(sum(idf[w] for w in a), sum(idf[w] for w in b))
    if smaller <= 0:
        return 0.0
    return sum(idf[w] / math.sqrt(spread.get(w, 1)) for w in a & b) / smaller


class _Run:
    """Consecutive articles of one group under a word: when the last was published, the
    group, and its ``KEEP`` newest such articles."""

    __slots__ = ("group", "latest", "members")

    def __init__(self, article: Article, group: int) -> None:
        self.latest = article.published
        self.group = group
        self.members = [article]


class _Index:
    """Word (stem) -> the runs of groups that used it, oldest first, as ``assign`` places
    articles: a word's list grows with the groups that take turns using it, not with their
    size, and a lookup reads at most ``RUNS`` runs however many stories share the word."""

    def __init__(self, root: Callable[[int], int]) -> None:
        self.runs: dict[str, list[_Run]] = defaultdict(list)
        self.old: dict[str, int] = {}  # runs at the start of a word's list that are too old
        self.root = root

    def place(self, stem: str, article: Article, group: int) -> None:
        runs = self.runs[stem]
        if runs and self.root(runs[-1].group) == group:
            last = runs[-1]
            last.latest = article.published
            last.members = [*last.members[1 - KEEP :], article]
        else:
            runs.append(_Run(article, group))

    def spread(self, stem: str, since: datetime) -> int:
        """How many runs of ``stem`` reach ``since``: about how many stories used it since.
        ``since`` never goes back (articles are placed oldest first), so older runs are
        dropped: the index holds a window of the briefing, not all of it."""
        runs = self.runs.get(stem)
        if not runs:
            return 0
        old = self.old.get(stem, 0)
        while old < len(runs) and runs[old].latest < since:
            old += 1
        if old >= 64 and 2 * old >= len(runs):
            del runs[:old]
            old = 0
        self.old[stem] = old
        return len(runs) - old

    def groups(self, stem: str, since: datetime) -> dict[int, list[Article]]:
        """``{group: its newest articles with stem}`` of the newest ``RUNS`` runs since
        ``since``, newest group first."""
        found: dict[int, list[Article]] = {}
        runs = self.runs.get(stem, [])
        for run in reversed(runs[-RUNS:]):
            if run.latest < since:
                break
            found.setdefault(self.root(run.group), run.members)
        return found


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
    ordered = oldest_first(articles)
    loose = [a for a in ordered if not recorded_story(a)]
    if not loose:
        return {}
    matcher = Matcher(articles)
    recorded = _within_reach(ordered, loose)
    found: list[list[Article]] = []  # emptied when merged into an earlier group
    started: list[datetime] = []  # when each group's oldest article was published
    merged_into: list[int] = []  # a group's index, or the group it was merged into
    spreads: dict[str, dict[str, int]] = {}  # article id -> its words used by several stories

    def root(index: int) -> int:
        while merged_into[index] != index:
            merged_into[index] = merged_into[merged_into[index]]
            index = merged_into[index]
        return index

    # Candidates come from an index of every word, looked up by the article's rarer words (a
    # pair sharing only the briefing's subject words never links), each lookup reading at
    # most RUNS groups and KEEP articles of each: grouping stays linear in the briefing's
    # size however busy a day is and however many stories share a name.
    index = _Index(root)
    rare = matcher.rare_stems(len(articles))
    for article in loose:
        since = article.published - WINDOW
        own = matcher.stems_of(article)
        spread = {stem: n for stem in own if (n := index.spread(stem, since)) > 1}
        spreads[article.id] = spread
        best: dict[int, float] = {}
        # The rarer words, those fewest stories of the window used first (then by stem: the
        # same scores in every run); one that more than RUNS used names none of them.
        probe = sorted(rare(article), key=lambda stem: (spread.get(stem, 1), stem))
        for stem in [s for s in probe if spread.get(s, 1) <= RUNS] or probe[:1]:
            for group, others in index.groups(stem, since).items():
                if started[group] < since or best.get(group, 0.0) >= LINK:
                    continue  # too old to take it, or already linked
                for other in reversed(others):
                    score = matcher.score(article, other, spread)
                    best[group] = max(best.get(group, 0.0), score)
                    if score >= LINK:
                        break
        linked = sorted(group for group, score in best.items() if score >= LINK)
        if not linked:
            target = len(found)
            found.append([article])
            started.append(article.published)
            merged_into.append(target)
        else:
            # An article that links to several open groups joins them (it bridges two outlets'
            # reports of one event); all of them started within WINDOW of it.
            target = linked[0]
            for merged in linked[1:]:
                found[target].extend(found[merged])
                found[merged] = []
                started[target] = min(started[target], started[merged])
                merged_into[merged] = target
            found[target].append(article)
        for stem in own:
            index.place(stem, article, target)
    return _stories_of(found, recorded, matcher, spreads, rare)


def _within_reach(ordered: Sequence[Article], loose: Sequence[Article]) -> list[Article]:
    """The articles with a recorded story that ``_stories_of`` may join a loose article to,
    oldest first: those within ``WINDOW`` of one (any other scores 0, ``Matcher.score``).
    Leaving the others out of its index takes a prefix and a suffix off each of its lists by
    time, so the nearest ones it reads within ``WINDOW`` of an article are the same."""
    low, high = loose[0].published - WINDOW, loose[-1].published + WINDOW
    return [a for a in ordered if low <= a.published <= high and recorded_story(a)]


def _stories_of(
    found: list[list[Article]],
    recorded: list[Article],
    matcher: Matcher,
    spreads: dict[str, dict[str, int]],
    rare: Callable[[Article], frozenset[str]],
) -> dict[str, str]:
    """Each group's story: the best-scoring recorded story it links to, else a new one named
    after its oldest article. An article is scored against the recorded articles within
    ``WINDOW`` that share one of its rarer words, at most ``RECORDED`` per word (the nearest
    in time)."""
    by_stem: dict[str, list[Article]] = defaultdict(list)
    for article in recorded:  # oldest first, so each list is too
        for stem in matcher.stems_of(article):
            by_stem[stem].append(article)
    new: dict[str, str] = {}
    for members in (group for group in found if group):
        members.sort(key=lambda a: (a.published, a.id))
        joined: tuple[float, str] | None = None
        for article in members if recorded else ():
            scored: set[str] = set()
            for stem in sorted(rare(article)):
                items = by_stem.get(stem, [])
                at = bisect.bisect_left(items, article.published, key=lambda a: a.published)
                near = items[max(0, at - RECORDED // 2) : at + RECORDED // 2]
                for other in near:
                    if other.id in scored:
                        continue
                    scored.add(other.id)
                    score = matcher.score(article, other, spreads[article.id])
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
