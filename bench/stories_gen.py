"""Fictional articles in stories of heavy-tailed size (1 to 60 outlets), for the analysis
benchmark and the story-quality test. Deterministic from the seed; every organisation, place,
person and publisher is invented (publishers are ``.example`` domains)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from briefing.models import Article

START = datetime(2025, 11, 24, tzinfo=UTC)
SYLLABLES = "bar cel dun fen gor hal ith jor kel lum mar nov ost pel quin ros sul tam uvo".split()  # noqa: SIM905
VERBS = "approves delays opens blocks funds reviews expands halts signs rejects".split()  # noqa: SIM905
SUBJECT = ["Tidewell", "harbor", "pilot"]  # words in most headlines: the briefing's subject


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


def story_sizes(n: int, rng: random.Random) -> list[int]:
    """Story sizes summing to ``n``: mostly one outlet, a heavy tail up to 60 (Zipf-like)."""
    sizes: list[int] = []
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


# The Google News shape: a topic briefing (a search for "Quenmoor" on Google News). The
# subject's five name words (the company Quenmoor, its CEO Idra Falkensby, its home city
# Ostrevale, its product Lumaquill) recur in story after story, and so do secondary names in
# the news for a few weeks (a rival, a regulator, a judge); every event word is shared with
# other stories of the month. What a story has of its own: a name, a detail and a number,
# each in some of its headlines. Every name is invented.
SUBJECT_PHRASES = [
    "Quenmoor", "Quenmoor", "Quenmoor CEO Idra Falkensby", "Idra Falkensby", "Falkensby",
    "Quenmoor's Idra Falkensby", "Ostrevale-based Quenmoor", "Lumaquill maker Quenmoor",
    "Quenmoor chief Falkensby",
]  # fmt: skip
WHERE = ["in Ostrevale", "at Ostrevale plant", "as Lumaquill sales slow", "for Lumaquill line"]
ROLES = ["Mayor", "Judge", "Senator", "regulator", "rival", "CFO", "union leader", "investor"]
ORGS = ["Commission", "Motors", "Capital", "Guild", "Bank", "Foods", "Labs", "Council"]
ACTIONS = (  # noqa: SIM905 - readable as prose
    "recall strike probe lawsuit layoffs expansion outage merger buyback shutdown audit"
    " settlement walkout delay upgrade rollout hearing fine ban partnership sale tariff breach"
    " subsidy boycott verdict inquiry spinoff downgrade relaunch"
).split()
OBJECTS = (  # noqa: SIM905 - readable as prose
    "battery plant chip factory warehouse software pension dividend robot sensor drone"
    " satellite charger firmware supplier headquarters campus subsidiary display patent"
    " license contract tablet turbine ferry refinery pipeline reactor harbour smelter"
).split()
GN_VERBS = (  # noqa: SIM905 - readable as prose
    "announces confirms faces plans denies unveils weighs delays expands halts backs defends"
    " wins loses seeks scraps revives pauses resumes targets eyes approves rejects settles"
    " probes cuts boosts ends launches tests"
).split()
FILLERS = ["report", "sources say", "analysts say", "what we know", "live updates", "explained"]
UNITS = ["jobs", "million", "billion", "percent", "units", "workers", "stores", "days"]
# 40 fictional outlets; like real ones, a name may hold "|", ".com" or " - ".
PUBLISHERS = [
    "Coastline Courier", "Northmere Ledger", "Fenwick Vale Gazette", "Saltmarsh Herald",
    "Ravelstone Tribune", "Orchard Hill Post", "Greyhaven Sentinel", "Tessaly Daily",
    "Brindmoor Chronicle", "Quayside Wire", "Ostrevale Observer", "The Lanternfield Times",
    "Marrowick Examiner", "Duncairn Dispatch", "Pellmouth Press", "Vesperfield Record",
    "Cinderby Bulletin", "Holloway Reach News", "Yarrowgate Standard", "Thistlecombe Journal",
    "Quillwire.com", "Tidings | Daily", "Gullstone Monitor", "Ambervale Voice",
    "Kestrelmoor Register", "Otterwick Mercury", "Ferncastle Star", "Rookhollow Beacon",
    "Silverholm Business", "Techquill Review", "Markets Ledger Online", "Ironwharf Report",
    "Foxmere Telegraph", "Larkmoor Leader", "Mistral Bay Argus", "Nettlefield News",
    "Copperline Digest", "Wrenfield Courant", "Briarwick Times", "Halcyon Street - Journal",
]  # fmt: skip


def coined(rng: random.Random) -> str:
    """An invented word that rarely shares its first five letters with another (as names do)."""
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    letters = [rng.choice(consonants if i % 2 == 0 else vowels) for i in range(5)]
    return "".join(letters) + rng.choice(["ek", "ora", "ith", "ant", "well", "mor"])


def recurring_names(
    rng: random.Random, count: int, span: float
) -> list[tuple[str, float, float, float]]:
    """``count`` secondary names, each ``(name, weight, centre, width)``: how often it is in
    the news (Zipf-like) and the weeks when (a centre and a width in seconds)."""
    names = []
    for rank in range(count):
        if rng.random() < 0.5:
            name = f"{rng.choice(ROLES)} {coined(rng).title()} {coined(rng).title()}"
        else:
            name = f"{coined(rng).title()} {rng.choice(ORGS)}"
        width = timedelta(days=rng.uniform(4, 30)).total_seconds()
        names.append((name, 1 / (rank + 1) ** 0.7, rng.uniform(0, span), width))
    return names


def _in_the_news(
    rng: random.Random, names: list[tuple[str, float, float, float]], at: float
) -> str:
    """A secondary name in the news at ``at`` (seconds into the span), or ""."""
    near = [(n, w) for n, w, centre, width in names if abs(at - centre) < width]
    if not near:
        return ""
    return rng.choices([n for n, _ in near], weights=[w for _, w in near])[0]


def _headline(rng: random.Random, story: dict[str, str]) -> str:
    """One outlet's headline for a story (as ingest keeps it: without " - Publisher"): some of
    the subject's names and the story's event, usually its own name or detail, often its
    place, a name in the news and its number."""
    if rng.random() < 0.2:
        return story["wire"]  # a syndicated copy of the first report's headline
    parts = [rng.choice(SUBJECT_PHRASES), rng.choice([story["verb"], rng.choice(GN_VERBS)])]
    parts += [story["object"], story["action"]]
    if rng.random() < 0.75:
        parts += [rng.choice(["over", "near", "for"]), story["detail"]]
    if rng.random() < 0.3:
        parts.append(story["where"])
    for key, chance in (("own", 0.6), ("recurring", 0.5)):
        if story[key] and rng.random() < chance:
            parts += [rng.choice(["with", "after", "amid"]), story[key]]
    if rng.random() < 0.5:
        parts.append(story["number"])
    if rng.random() < 0.15:
        parts += [rng.choice(["-", ":"]), rng.choice(FILLERS)]
    return " ".join(parts)


def gnews_articles(n: int, seed: int = 7, days: int = 30) -> tuple[list[Article], dict[str, int]]:
    """``n`` articles as ingest makes them from a Google News topic feed over ``days``, and
    the known answer (a busy topic: 2,000 articles a month is 65 a day).

    As ``normalize.normalize_entry`` leaves a Google News item: the title without its
    " - Publisher" tail, the publisher from ``<source>`` (40 outlets, ``.example`` sites), no
    snippet (the description only repeats the headline), the news.google.com link, the guid
    (``CBMi…``) as id. Stories of 1 to 60 articles (heavy-tailed; an outlet may report a story
    twice), all within two days of the first. Every headline carries some of the subject's
    five name words and one of a few dozen events; many a secondary name in the news those
    weeks, shared with other stories; what a story has of its own is a name, a detail (a
    place, a thing) and a number, each in some of its headlines."""
    rng = random.Random(seed)
    sizes = story_sizes(n, rng)
    span = timedelta(days=days).total_seconds()
    names = recurring_names(rng, 120, span)
    found: list[Article] = []
    answer: dict[str, int] = {}
    for number, size in enumerate(sizes):
        at = rng.uniform(0, span)
        start = START + timedelta(seconds=at)
        story = {
            "verb": rng.choice(GN_VERBS),
            "object": rng.choice(OBJECTS),
            "action": rng.choice(ACTIONS),
            "detail": f"{coined(rng)} {rng.choice(['site', 'deal', 'bid', 'case', 'line'])}",
            "where": rng.choice(WHERE),
            "own": f"{coined(rng).title()} {rng.choice(ORGS)}" if rng.random() < 0.8 else "",
            "recurring": _in_the_news(rng, names, at) if rng.random() < 0.6 else "",
            "number": f"{rng.randrange(2, 999)} {rng.choice(UNITS)}",
        }
        story["wire"] = (
            f"{rng.choice(SUBJECT_PHRASES)} {story['verb']} {story['object']} {story['action']}"
            f" over {story['detail']} {story['number']}"
        )
        outlets = rng.sample(range(len(PUBLISHERS)), min(size, len(PUBLISHERS)))
        outlets += [rng.randrange(len(PUBLISHERS)) for _ in range(size - len(outlets))]
        for k, outlet in enumerate(outlets):
            publisher = PUBLISHERS[outlet]
            guid = "CBMi" + sha256(f"{seed}/{number}/{k}".encode()).hexdigest()[:44]
            published = start + timedelta(minutes=rng.randrange(0, 48 * 60))
            site = "".join(c for c in publisher.casefold() if c.isalnum())
            found.append(
                Article(
                    id=guid,
                    title=_headline(rng, story),
                    publisher=publisher,
                    link=f"https://news.google.com/rss/articles/{guid}?oc=5",
                    published=published,
                    first_seen=published + timedelta(minutes=rng.randrange(5, 120)),
                    feeds=("Quenmoor - Google News",),
                    publisher_url=f"https://www.{site}.example",
                    path=f"content/articles/{guid}.md",
                )
            )
            answer[guid] = number
    return found, answer


SHAPES = {"gnews": gnews_articles, "invented": articles}
