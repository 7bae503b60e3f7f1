"""Fictional articles in stories of heavy-tailed size (1 to 60 outlets), for the analysis
benchmark and the story-quality test. Deterministic from the seed; every organisation, place,
person and publisher is invented (publishers are ``.example`` domains)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from briefing.models import Article

START = datetime(2025, 11, 24, tzinfo=UTC)
SYLLABLES = "bar cel dun fen gor hal ith jor kel lum mar nov ost pel quin ros sul tam uvo".split()  # noqa: SIM905
VERBS = "approves delays opens blocks funds reviews expands halts signs rejects".split()  # noqa: SIM905
SUBJECT = ["Tidewell", "harbor", "pilot"]  # words in most headlines: the briefing's subject


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


def story_sizes(n: int, rng: random.Random) -> list[int]:
    """Story sizes summing to ``n``: mostly one outlet, a heavy tail up to 60 (Zipf-like)."""
    sizes = []
    while sum(sizes) < n:
        size = min(60, int(rng.paretovariate(1.3)))
        sizes.append(max(1, min(size, n - sum(sizes))))
    return sizes


def articles(n: int, seed: int = 7) -> tuple[list[Article], dict[str, int]]:
    """``n`` articles and the story each belongs to (the known answer)."""
    rng = random.Random(seed)
    sizes = story_sizes(n, rng)
    span = timedelta(days=365).total_seconds()
    found: list[Article] = []
    answer: dict[str, int] = {}
    for number, size in enumerate(sizes):
        start = START + timedelta(seconds=span * number / len(sizes))
        place = f"{word(rng).title()} {rng.choice(['Point', 'Bay', 'Ledge', 'Sound'])}"
        thing = [word(rng) for _ in range(3)]
        verb = rng.choice(VERBS)
        outlets = rng.sample(range(80), size)
        for k, outlet in enumerate(outlets):
            words = [*thing, rng.choice(SUBJECT)]
            rng.shuffle(words)
            title = f"{place} {verb} {' '.join(words[:3])} {rng.choice(SUBJECT)}"
            aid = f"bench-{number}-{k}"
            found.append(
                Article(
                    id=aid,
                    title=title,
                    publisher=f"Outlet {outlet} Gazette",
                    link=f"https://outlet{outlet}.example/{aid}",
                    published=start + timedelta(minutes=rng.randrange(0, 48 * 60)),
                    first_seen=start,
                    snippet=(
                        f"{place} officials said the {' '.join(thing)} plan {verb}"
                        f" the {rng.choice(SUBJECT)}."
                    ),
                    path=f"content/articles/{aid}.md",
                )
            )
            answer[aid] = number
    return found, answer
