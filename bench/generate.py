"""A deterministic corpus of FICTIONAL news articles, written as local RSS and Atom feeds.

Every organisation, place, person and publisher comes from the invented vocabulary below;
all domains are ``.example``. Stories are covered by one to four outlets whose headlines are
variants of each other, published within two days; dates spread over the year ending
2026-11-24. Each article also gets a ~350-word analysis (written into its file after ingest,
so the benchmark measures realistic pages whatever the analyzer drafts).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from hashlib import sha1
from pathlib import Path
from xml.sax.saxutils import escape

END = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
SPAN_DAYS = 365
# A word planted in exactly one headline and analysis, for the search probe.
PROBE_WORD = "quillmarrow"

# -- the invented vocabulary ------------------------------------------------------------------

_SYL = (
    "mar", "wen", "tal", "bri", "dor", "vel", "kes", "lun", "ost", "rav", "sel", "tor",
    "quen", "hal", "mir", "dun", "fel", "gar", "lin", "oss", "pel", "rud", "sta", "vor",
)  # fmt: skip
_PLACE_END = ("Bay", "Ridge", "Falls", "Harbor", "Vale", "Point", "Crossing", "Fen", "Narrows")
_ORG_END = (
    "Cooperative", "Grid", "Holdings", "Authority", "Institute", "Council", "Labs", "Works",
    "Transit Board", "Water District", "Port Trust", "Energy", "Health Network", "Guild",
)  # fmt: skip
_FIRST = ("Oren", "Imogen", "Tamsin", "Felix", "Maren", "Idris", "Calla", "Bastian", "Wren", "Juno")
_OBJECTS = (
    "tidal array", "cable landing", "ferry terminal", "housing plan", "seawall upgrade",
    "battery depot", "rail spur", "water treatment plant", "school budget", "wind lease",
    "fishing quota", "bridge repair", "clinic expansion", "data centre", "port dredging plan",
    "bus network redesign", "solar canopy", "flood barrier", "library levy", "harbor dredge",
)  # fmt: skip
_VERBS = (
    ("approves", "backs", "clears", "signs off on", "endorses"),
    ("delays", "postpones", "pushes back", "puts on hold", "stalls"),
    ("rejects", "turns down", "blocks", "votes against", "throws out"),
    ("expands", "widens", "scales up", "extends", "enlarges"),
    ("reviews", "re-examines", "audits", "revisits", "questions"),
)
_TAILS = (
    "after months of talks", "despite objections from residents", "in a narrow vote",
    "ahead of winter storms", "as costs climb", "following a public hearing",
    "amid questions over funding", "after a state inspection", "before the spring deadline",
    "in a surprise move", "as crews wait for permits", "after a heated meeting",
)  # fmt: skip
_NOUNS = (
    "budget", "timeline", "permit", "contract", "survey", "hearing", "tariff", "grant",
    "schedule", "forecast", "agreement", "inspection", "appeal", "report", "estimate",
)  # fmt: skip
_ADJ = (
    "revised", "preliminary", "disputed", "long-awaited", "costly", "modest", "regional",
    "independent", "temporary", "detailed", "cautious", "ambitious", "seasonal",
)  # fmt: skip
_FILLER = (
    "The {adj} {noun} suggests the {obj} will take longer than {org} first promised.",
    "Residents of {place} have asked for a clearer {noun} before work begins.",
    "{person}, who chairs the {org} committee, said the {noun} was {adj} but workable.",
    "Critics argue the {adj} {noun} leaves too many questions about the {obj} unanswered.",
    "The decision matters beyond {place}: neighbouring towns face the same {noun} choices.",
    "Funding remains the open question, and the {adj} {noun} does not settle it.",
    "If the {noun} holds, the first visible work on the {obj} could start within months.",
    "Local businesses expect the {obj} to change traffic and trade around {place}.",
    "Earlier coverage described a smaller {obj}; the {adj} plan is roughly twice the size.",
    "What to watch next is the {noun} due from {org} and any appeal that follows it.",
    "The numbers in the {noun} are {adj}, and outside reviewers have not yet checked them.",
    "Supporters say the {obj} will pay for itself; the {noun} is more careful than that.",
)  # fmt: skip


@dataclass(frozen=True)
class FeedSpec:
    slug: str
    name: str
    kind: str  # "rss", "atom" or "gnews" (RSS shaped like a Google News search feed)
    publisher: str  # empty for feeds that carry several publishers


@dataclass(frozen=True)
class Item:
    feed: str  # FeedSpec.slug
    title: str
    link: str
    publisher: str
    domain: str
    published: str  # ISO 8601, UTC
    snippet: str
    analysis: str
    story: int


FEEDS = (
    FeedSpec("harbor-ledger", "Harbor Ledger", "rss", "Harbor Ledger"),
    FeedSpec("gridline-weekly", "Gridline Weekly", "atom", "Gridline Weekly"),
    FeedSpec("valley-courier", "Valley Courier", "rss", "Valley Courier"),
    FeedSpec("civic-wire", "Civic Wire", "atom", "Civic Wire"),
    FeedSpec("coastal-newswire", "Coastal Newswire", "rss", ""),
    FeedSpec("news-search", "News search (Google News shape)", "gnews", ""),
)
_POOLED = (
    "Estuary Post", "Northshore Herald", "Tideline Radio", "Fenwick Gazette",
    "Saltmarsh Review", "Brightwater Times", "Kestrel Daily", "Harborfront Radio",
)  # fmt: skip


def _domain(name: str) -> str:
    return "-".join(name.lower().replace(".", "").split()) + ".example"


def _publishers() -> list[tuple[str, str]]:
    """(publisher, feed slug) pairs: the four single-publisher feeds, then the pooled ones."""
    pairs = [(f.publisher, f.slug) for f in FEEDS if f.publisher]
    for i, name in enumerate(_POOLED):
        pairs.append((name, "coastal-newswire" if i % 2 else "news-search"))
    return pairs


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYL) for _ in range(parts)).capitalize()


# Real news text has a long tail of rare words (names, places, jargon), which is what makes a
# search index big. A fixed list of invented words, drawn with a Zipf-like (log-uniform) law,
# gives the corpus that tail: a few words are common, most are rare.
_RARE_COUNT = 30_000
_RARE_CLAUSES = (
    "according to the {r1} {noun}", "near the {r1} {r2} site", "as the {r1} group noted",
    "unlike the {r1} proposal", "with help from {R1} {R2}", "in the {r1} district",
    "after the {r1} study", "said {R1} of the {r2} office",
)  # fmt: skip


def _rare_words() -> list[str]:
    rng = random.Random(0)
    words: set[str] = set()
    while len(words) < _RARE_COUNT:
        words.add("".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))))
    return sorted(words)


_RARE = _rare_words()


def _rare(rng: random.Random) -> str:
    return _RARE[min(int(_RARE_COUNT ** rng.random()) - 1, _RARE_COUNT - 1)]


def _sentence(rng: random.Random, world: dict[str, str]) -> str:
    text = rng.choice(_FILLER).format(adj=rng.choice(_ADJ), noun=rng.choice(_NOUNS), **world)
    if rng.random() < 0.6:
        r1, r2 = _rare(rng), _rare(rng)
        clause = rng.choice(_RARE_CLAUSES).format(
            r1=r1, r2=r2, R1=r1.capitalize(), R2=r2.capitalize(), noun=rng.choice(_NOUNS)
        )
        text = f"{text[:-1]}, {clause}."
    return text


def _words(text: str) -> int:
    return len(text.split())


def _headline(rng: random.Random, world: dict[str, str], verbs: tuple[str, ...]) -> str:
    verb = rng.choice(verbs)
    form = rng.randrange(3)
    if form == 0:
        text = f"{world['org']} {verb} {world['place']} {world['obj']}"
    elif form == 1:
        text = f"{world['place']}: {world['org']} {verb} {world['obj']} plan"
    else:
        text = f"{world['org']} {verb} the {world['obj']} for {world['place']}"
    tails = list(_TAILS)
    rng.shuffle(tails)
    for tail in tails:  # 8 to 14 words
        if _words(text) >= 8 + rng.randrange(4):
            break
        text += f" {tail}"
    return " ".join(text.split()[:14])


def _snippet(rng: random.Random, world: dict[str, str]) -> str:
    text = ""
    while _words(text) < 36:
        text += " " + _sentence(rng, world)
    return text.strip()


def analysis_text(rng: random.Random, world: dict[str, str]) -> str:
    """About 350 words of Markdown: paragraphs, some emphasis, sometimes a short list."""
    paragraphs: list[str] = []
    total = 0
    while total < 315:
        sentences = [_sentence(rng, world) for _ in range(rng.randint(3, 5))]
        paragraph = " ".join(sentences)
        if rng.random() < 0.3:
            paragraph = paragraph.replace(world["obj"], f"**{world['obj']}**", 1)
        paragraphs.append(paragraph)
        total += _words(paragraph)
    if rng.random() < 0.35:
        items = [f"- the {rng.choice(_ADJ)} {rng.choice(_NOUNS)}" for _ in range(3)]
        paragraphs.insert(2, "What to look for:\n\n" + "\n".join(items))
    return "\n\n".join(paragraphs) + "\n"


def generate(n: int, seed: int = 8) -> list[Item]:
    """``n`` articles (exactly), deterministic for a seed, newest story last."""
    rng = random.Random(seed)
    publishers = _publishers()
    people = [f"{rng.choice(_FIRST)} {_name(rng, 3)}" for _ in range(60)]
    orgs = [f"{_name(rng)} {rng.choice(_ORG_END)}" for _ in range(80)]
    places = [f"{_name(rng)} {rng.choice(_PLACE_END)}" for _ in range(50)]
    items: list[Item] = []
    seen: set[tuple[str, str]] = set()
    story = 0
    planted = False
    while len(items) < n:
        story += 1
        world = {
            "org": rng.choice(orgs),
            "place": rng.choice(places),
            "obj": rng.choice(_OBJECTS),
            "person": rng.choice(people),
        }
        if not planted and len(items) >= n // 2:  # the one story the search probe looks for
            world["obj"] = f"{PROBE_WORD} {world['obj']}"
            planted = True
        verbs = rng.choice(_VERBS)
        start = END - timedelta(days=SPAN_DAYS * rng.random())
        wanted = rng.choice((1, 1, 1, 1, 2, 2, 3, 4))  # most stories have one outlet
        outlets = rng.sample(publishers, k=min(wanted, n - len(items)))
        if planted and PROBE_WORD in world["obj"]:
            outlets = outlets[:1]  # exactly one article holds the probe word
        for publisher, feed in outlets:
            title = _headline(rng, world, verbs)
            if (title, publisher) in seen:  # two outlets never share a headline: vary it
                title = f"{title} ({len(items)})"
            seen.add((title, publisher))
            when = min(start + timedelta(hours=48 * rng.random()), END)
            domain = _domain(publisher)
            items.append(
                Item(
                    feed=feed,
                    title=title,
                    link=f"https://{domain}/{when:%Y/%m}/story-{story}-{len(items)}",
                    publisher=publisher,
                    domain=domain,
                    published=when.replace(microsecond=0).isoformat(),
                    snippet=_snippet(rng, world),
                    analysis=analysis_text(rng, world),
                    story=story,
                )
            )
    return items


def extra_item(seed: int, number: int) -> Item:
    """One more article for the first feed (the incremental-build step), dated at the end."""
    rng = random.Random(seed * 1_000_003 + number)
    world = {"org": "Ostwen Port Trust", "place": "Talbri Narrows", "obj": "ferry terminal",
             "person": "Wren Selmirdun"}  # fmt: skip
    return Item(
        feed=FEEDS[0].slug,
        title=f"{_headline(rng, world, _VERBS[0])} (update {number})",
        link=f"https://{_domain(FEEDS[0].publisher)}/2026/11/update-{number}",
        publisher=FEEDS[0].publisher,
        domain=_domain(FEEDS[0].publisher),
        published=END.isoformat(),
        snippet=_snippet(rng, world),
        analysis=analysis_text(rng, world),
        story=-number,
    )


# -- writing the feeds --------------------------------------------------------------------------


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def gnews_link(item: Item) -> str:
    """The (never fetched) redirect link a Google-News-shaped feed gives for an item."""
    return f"https://news.google.com/rss/articles/CBMi{sha1(item.link.encode()).hexdigest()}?oc=5"


def rss_item(item: Item, kind: str) -> str:
    title, link, source = item.title, item.link, ""
    if kind == "gnews":
        link = gnews_link(item)
        title = f"{item.title} - {item.publisher}"
        html = f'<a href="{link}">{item.title}</a>&nbsp;&nbsp;<font>{item.publisher}</font>'
        description = escape(html)
    else:
        description = f"<![CDATA[<p>{escape(item.snippet)}</p>]]>"
    if kind == "gnews" or not FEED_BY_SLUG[item.feed].publisher:
        source = f'<source url="https://{item.domain}">{escape(item.publisher)}</source>'
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="{"false" if kind == "gnews" else "true"}">{escape(link)}</guid>'
        f"<pubDate>{_rfc822(item.published)}</pubDate><description>{description}</description>"
        f"{source}</item>\n"
    )


def atom_entry(item: Item) -> str:
    return (
        f"<entry><id>{escape(item.link)}</id><title>{escape(item.title)}</title>"
        f'<link rel="alternate" type="text/html" href="{escape(item.link)}"/>'
        f"<published>{item.published}</published><updated>{item.published}</updated>"
        f"<author><name>{escape(item.publisher)} staff</name></author>"
        f"<summary>{escape(item.snippet)}</summary></entry>\n"
    )


FEED_BY_SLUG = {f.slug: f for f in FEEDS}
_NOTE = "FICTIONAL BENCHMARK FEED generated by bench/generate.py; every name in it is invented."


def feed_text(spec: FeedSpec, items: list[Item]) -> str:
    ordered = sorted(items, key=lambda i: i.published, reverse=True)
    if spec.kind == "atom":
        body = "".join(atom_entry(i) for i in ordered)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<id>tag:{_domain(spec.name)},2026:feed</id><title>{escape(spec.name)}</title>"
            f"<subtitle>{_NOTE}</subtitle>"
            f'<link rel="alternate" href="https://{_domain(spec.name)}/"/>'
            f"<updated>{END.isoformat()}</updated>\n{body}</feed>\n"
        )
    body = "".join(rss_item(i, spec.kind) for i in ordered)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
        f"<title>{escape(spec.name)}</title><link>https://{_domain(spec.name)}/</link>"
        f"<description>{_NOTE}</description>\n{body}</channel></rss>\n"
    )


# Items in one feed file at most: a feed is capped at 16 MB (briefing/ingest/fetch.py), and a real
# publisher's feed is never this long. Past it, a feed is written as numbered parts, each a
# feed of its own (at 100,000 articles: ten or more feeds of at most 10,000).
PER_FILE = 10_000


def feed_path(spec: FeedSpec, part: int = 0) -> str:
    """The feed's file; ``part`` (from 1) when it is written in parts."""
    suffix = f"-{part}" if part else ""
    return f"feeds/{spec.slug}{suffix}.{'atom' if spec.kind == 'atom' else 'rss'}"


def write_feeds(root: Path, items: list[Item]) -> None:
    """``feeds/*`` and ``content/feeds.yml`` under a site root, plus ``corpus.json``."""
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(parents=True, exist_ok=True)
    lines = ["# Generated by bench/generate.py: FICTIONAL feeds for the benchmark.", "feeds:"]
    for spec in FEEDS:
        mine = sorted((i for i in items if i.feed == spec.slug), key=lambda i: i.published)[::-1]
        parts = [mine[at : at + PER_FILE] for at in range(0, len(mine), PER_FILE)] or [[]]
        for number, part in enumerate(parts, 1):
            path = feed_path(spec, number if len(parts) > 1 else 0)
            name = f"{spec.name} {number}" if len(parts) > 1 else spec.name
            (root / path).write_text(feed_text(spec, part), encoding="utf-8")
            lines += [f"  - name: {name}", f"    url: {path}"]
            if spec.publisher:
                lines.append(f"    publisher: {spec.publisher}")
    (root / "content" / "feeds.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    probe = next((i for i in items if PROBE_WORD in i.title), None)
    manifest = {"articles": len(items), "stories": len({i.story for i in items}),
                "probe_word": PROBE_WORD, "probe_title": probe.title if probe else ""}  # fmt: skip
    (root / "corpus.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def append_item(root: Path, item: Item) -> None:
    """Add one item at the top of its (RSS) feed file, as a publisher would."""
    spec = FEED_BY_SLUG[item.feed]
    path = root / feed_path(spec)
    if not path.exists():  # written in parts: the newest items are in the first
        path = root / feed_path(spec, 1)
    text = path.read_text(encoding="utf-8")
    marker = "</description>\n"
    head, _, rest = text.partition(marker)
    path.write_text(head + marker + rss_item(item, spec.kind) + rest, encoding="utf-8")


def as_json(items: list[Item]) -> str:
    return json.dumps([asdict(i) for i in items])


def write_analyses(root: Path, items: list[Item]) -> int:
    """Write each item's analysis into its article file whose body is still empty.

    Uses the project's own front-matter split, so the facts are kept byte for byte; a body a
    person (or the analyzer) already wrote is never touched. Returns the files written.
    """
    from briefing.store.frontmatter import DELIMITER, load_meta, split

    by_link = {i.link: i.analysis for i in items}
    by_link.update({gnews_link(i): i.analysis for i in items if i.feed == "news-search"})
    written = 0
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        meta_text, body = split(text, path)
        analysis = by_link.get(str(load_meta(meta_text, path).get("link", "")))
        if analysis is None or body.strip():
            continue
        path.write_text(f"{DELIMITER}\n{meta_text}{DELIMITER}\n\n{analysis}", encoding="utf-8")
        written += 1
    return written
