"""Quoting an article, never copying it: its lead, the sentences that carry its substance, and
the rule that nothing briefing writes holds 60 consecutive words of it.

``content/`` and the site are public; an article's text is the publisher's. briefing keeps the
full text in its cache (``.cache/``) and publishes only short, attributed quotations:

- the **lead**: the article's first sentence or two, under ``LEAD_WORDS`` words;
- **key sentences**: one or two more, chosen by an extractive scorer (below), never next to the
  lead or to each other in the article, so no quotation runs on into another;
- ``longest_run`` measures the longest run of consecutive words a text shares with the article;
  drafts are built under ``MAX_RUN`` and the tests hold ``content/`` and ``site/`` to it.

The scorer is TextRank's sentence similarity (shared content words over the log of the two
sentences' lengths, Mihalcea & Tarau 2004) summed over the article (centrality), weighted by how
much a sentence shares with the headline and lead (it is about this story), with a mild
preference for earlier sentences (news is written top-down) and for sentences that carry a
figure or a quotation (they are the substance a reader looks for). Measured on the extraction
fixtures in ``tests/fixtures/pages`` (tests/test_read.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..text import STEM, STOP_WORDS, sentences, words

LEAD_WORDS = 55  # the lead quote: at most two sentences and fewer words than this
KEY_WORDS = 45  # a key sentence longer than this is not quoted
MAX_RUN = 60  # never this many consecutive words of an article in anything published

_FIGURE = re.compile(r"\d")
_QUOTE = re.compile(r"[“\"]\s*\w.{12,}?[”\"]")
_DANGLING = re.compile(
    r"^(?:[“\"]?(?:he|she|they|it|this|that|these|those|his|her|their)\b)|,[”\"]? (?:he|she|they) "
    r"(?:said|says|added)\b",
    re.IGNORECASE,
)
_NOT_PROSE = re.compile(
    r"^(?:read more|related|see also|sign up|subscribe|click|photo|image|copyright|advertisement"
    r"|follow us|share this|listen to|watch:|updated|published)\b",
    re.IGNORECASE,
)


def is_promotion(line: str) -> bool:
    """True for a line a page puts between paragraphs to send readers elsewhere ("Read more:
    …", "Sign up …"): never the article's words."""
    return bool(_NOT_PROSE.match(line.strip()))


def paragraphs(text: str) -> list[list[str]]:
    """The main text's paragraphs (one per line, as extracted), each as its sentences."""
    return [sentences(line) for line in text.splitlines() if line.strip()]


def _is_prose(sentence: str) -> bool:
    count = len(words(sentence))
    return count >= 6 and not _NOT_PROSE.match(sentence) and sentence[-1:] in '.!?”"’…'


def lead(text: str) -> str:
    """The article's lead: the first sentence, and the second if both together stay under
    ``LEAD_WORDS`` words. A first sentence that long is cut at a word, with "…"."""
    for sentences_ in paragraphs(text):
        prose = [s for s in sentences_ if _is_prose(s)]
        if not prose or len(words(" ".join(sentences_))) < 12:
            continue  # a dateline, byline or kicker, not the lead
        first = prose[0]
        if len(words(first)) >= LEAD_WORDS:
            return cut_words(first, 40)
        if len(prose) > 1 and len(words(f"{first} {prose[1]}")) < LEAD_WORDS:
            return f"{first} {prose[1]}"
        return first
    return ""


def cut_words(text: str, count: int) -> str:
    """The first ``count`` words of ``text`` (as written), then "…"."""
    spans = list(re.finditer(r"\S+", text))
    if len(spans) <= count:
        return text
    return text[: spans[count - 1].end()].rstrip(",;:—–-") + "…"


def _stems(sentence: str) -> frozenset[str]:
    return frozenset(
        w[:STEM] for w in words(sentence) if len(w) >= 4 and w not in STOP_WORDS and w.isalpha()
    )


def key_sentences(text: str, headline: str = "", count: int = 2) -> list[str]:
    """Up to ``count`` sentences that carry the article's substance, in the article's order;
    never the lead, nor a sentence next to the lead or to another one chosen."""
    flat = [s for para in paragraphs(text) for s in para]
    opening = lead(text)
    lead_end = 0
    if opening:
        position = next((i for i, s in enumerate(flat) if opening.startswith(s[:40])), -1)
        lead_end = position + len(sentences(opening))
    stems = [_stems(s) for s in flat]
    about = _stems(f"{headline} {opening}")
    scores: dict[int, float] = {}
    for i, own in enumerate(stems):
        if i <= lead_end or not _is_prose(flat[i]) or len(words(flat[i])) > KEY_WORDS:
            continue
        if len(own) < 3 or flat[i].endswith("?"):
            continue
        centrality = sum(
            len(own & other) / (math.log(len(own) + 1) + math.log(len(other) + 1))
            for j, other in enumerate(stems)
            if j != i and other
        )
        topical = 1.0 + len(own & about) / max(len(about), 1)
        substance = 1.0 + 0.3 * bool(_FIGURE.search(flat[i])) + 0.3 * bool(_QUOTE.search(flat[i]))
        early = 1.0 / (1.0 + 0.05 * i)
        # "She said it would ..." out of its paragraph: whose words? Quoted alone, a pronoun
        # that stands for someone named in another sentence says less.
        alone = 0.5 if _DANGLING.search(flat[i]) else 1.0
        scores[i] = centrality * topical * substance * early * alone
    chosen: list[int] = []
    for i in sorted(scores, key=lambda i: (-scores[i], i)):
        if all(abs(i - j) > 1 for j in chosen):
            chosen.append(i)
        if len(chosen) == count:
            break
    return [flat[i] for i in sorted(chosen)]


def longest_run(source: Iterable[str] | str, text: str) -> int:
    """The longest run of consecutive words that ``text`` shares with ``source`` (its words,
    or its text), word for word (case and punctuation aside)."""
    a = words(source) if isinstance(source, str) else list(source)
    b = words(text)
    if not a or not b:
        return 0
    at: dict[str, list[int]] = {}
    for index, word in enumerate(a):
        at.setdefault(word, []).append(index)
    best = 0
    previous: dict[int, int] = {}  # run length ending at a[i] for the previous word of b
    for word in b:
        current: dict[int, int] = {}
        for i in at.get(word, ()):
            current[i] = previous.get(i - 1, 0) + 1
            best = max(best, current[i])
        previous = current
    return best


_INNER = str.maketrans({"“": "‘", "”": "’"})
_STRAIGHT = re.compile(r'"([^"]*)"')


def nested(quotation: str) -> str:
    """A quotation ready to stand inside “…”: its own quotation marks made single (‘…’)."""
    return _STRAIGHT.sub(r"‘\1’", quotation).translate(_INNER)


def within(source: Sequence[str] | str, text: str, limit: int = MAX_RUN) -> bool:
    """True when ``text`` holds fewer than ``limit`` consecutive words of ``source``."""
    return longest_run(source, text) < limit
