"""Text: what briefing takes for a word, a sentence and a name, and the labels of an analysis.

Stories, drafts, quotations, the checks on a model's answer and the pages all read text; this
is the one place that says how. Where two of them genuinely read it differently (a story's
headline words are folded harder than a quotation's, a listing's excerpt keeps the stop words
a story drops), each way is its own function, named for what it is used for, and says how it
differs: changing one of them changes what a page shows, so they are not merged.

Nothing here depends on the rest of briefing.
"""

from __future__ import annotations

import re
import unicodedata

STEM = 5  # words compared by their first letters: "delays" ~ "delayed", "turbines" ~ "turbine"

STOP_WORDS = frozenset(
    """a about after again against all also an and any are as at be been before being but by
    can could did do does for from had has have he her his how i if in into is it its just may
    more most new no nor not now of off on once only or other our out over says said she so
    some than that the their them then there these they this those through to too under until
    up very was we were what when where which while who why will with would yes you""".split()  # noqa: SIM905 - readable as prose
)

# Words.

_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"[\W_]+")
_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_KEYED = re.compile(r"\w[\w'’]*")


def words(text: str) -> list[str]:
    """The words of a text as compared for quotation: case-folded letters and digits."""
    return _WORD.findall(text.casefold())


def word_count(text: str) -> int:
    """How many words (letters and digits) a text has as written. Not ``len(words(text))``:
    case-folding can split a word ("İ" folds to "i" and a combining dot), and an extracted
    page is kept or dropped by this count."""
    return len(_WORD.findall(text))


def story_words(text: str) -> list[str]:
    """The words a story is matched by: the text NFKC-normalized and case-folded (as headlines
    are keyed for recognising the same article), split at anything but letters and digits, and
    without stop words, numbers or words of one or two letters. Folded harder than ``words``:
    "Ｐｉｅｒ" (full-width) is "pier", and "on_time" is two words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [
        w
        for w in _NOT_WORD.sub(" ", folded).split()
        if len(w) > 2 and not w.isdigit() and w not in STOP_WORDS
    ]


def excerpt_words(text: str) -> list[str]:
    """The words by which a listing's excerpt is compared with its headline: ``words`` without
    numbers or words of one or two letters. Unlike ``story_words``, stop words count, and the
    text is neither NFKC-normalized nor split at "_"."""
    return [w for w in words(text) if len(w) > 2 and not w.isdigit()]


def letter_words(text: str) -> list[str]:
    """The words of a text as written, of letters only, an apostrophe inside one kept
    ("harbour’s"): how long a model's answer is. Figures are not words here, unlike in
    ``words``."""
    return _LETTERS.findall(text)


def answer_words(text: str) -> list[str]:
    """``letter_words`` case-folded, without stop words: what a model's answer is compared with
    its headline by."""
    return [w for w in (m.casefold() for m in letter_words(text)) if w not in STOP_WORDS]


def word_keys(text: str) -> dict[str, str]:
    """``{stem: the word as written}`` for the words of a text that can connect stories in a
    draft (first spelling wins): ``STEM`` letters or more, letters only, not a stop word. The
    spelling is kept because a draft prints it; a word with an apostrophe ("harbour’s") is left
    out whole, where ``words`` would cut it in two."""
    found: dict[str, str] = {}
    for word in _KEYED.findall(text):
        low = word.casefold()
        if len(low) >= STEM and low.isalpha() and low not in STOP_WORDS:
            found.setdefault(low[:STEM], word)
    return found


# Sentences.

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st mt no nos vs etc inc ltd co corp gov sen rep gen lt col capt sgt
    jan feb mar apr jun jul aug sep sept oct nov dec approx dept est fig jr sr""".split()  # noqa: SIM905
)
_BREAK = re.compile(r"(?<=[.!?…])([\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9À-Ý])")
_SNIPPET_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'])")
_ANALYSIS_BREAK = re.compile(r"(?<=[.!?…”])\s+(?=[A-Z0-9“\"'])")


def sentences(text: str) -> list[str]:
    """An article's paragraph as its sentences. A full stop after a common abbreviation ("Dr.",
    "Nov.") or an initial ("J. Smith") does not end a sentence."""
    pieces = _BREAK.split(" ".join(text.split()))
    # re.split with one group: [text, closer, text, closer, ...]
    found: list[str] = []
    for index in range(0, len(pieces), 2):
        piece = pieces[index] + (pieces[index + 1] if index + 1 < len(pieces) else "")
        if found and _continues(found[-1]):
            found[-1] = f"{found[-1]} {piece}"
        else:
            found.append(piece)
    return [s.strip() for s in found if s.strip()]


def _continues(sentence: str) -> bool:
    """True when ``sentence`` ends in an abbreviation or initial, not a sentence's end."""
    if not sentence.endswith("."):
        return False
    last = sentence[:-1].rsplit(" ", 1)[-1].lstrip('(“"‘').casefold()
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def snippet_sentences(text: str) -> list[str]:
    """A headline's or snippet's sentences, its white space made single spaces: a sentence ends
    at ".", "!" or "?" before a capital, a figure or a quotation mark. Simpler than
    ``sentences``: "Dr. Reyes" is two sentences here, and a closing quotation mark or "…" ends
    none. A draft's lead and the names it connects stories by are read this way."""
    return [s for s in _SNIPPET_BREAK.split(" ".join(text.split())) if s]


def analysis_sentences(text: str) -> list[str]:
    """An analysis' sentences, as a listing's excerpt is chosen from them, from plain text on
    one line: a sentence ends at ".", "!", "?", "…" or a closing ” before a capital, a figure or
    a quotation mark. Unlike ``snippet_sentences``, "…" and ” end one, and the text is split as
    given (an empty text is one empty sentence)."""
    return _ANALYSIS_BREAK.split(text)


# A link preview's sentence ends at . ! ? or … (perhaps inside a closing quote or bracket)
# before a space.
_PREVIEW_BREAK = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][”’\"')])\s+")
_PREVIEW_ABBREVIATIONS = frozenset(
    """dr mr mrs ms prof st mt gen gov sen rep inc co corp ltd jr sr vs etc approx""".split()  # noqa: SIM905
)


def preview_sentences(text: str) -> list[str]:
    """A link preview's sentences (``pages.previews``), not cut after "Dr." or an initial:
    a shorter list of abbreviations than ``sentences``, and no white space made single."""
    found: list[str] = []
    for part in _PREVIEW_BREAK.split(text):
        last = found[-1].rsplit(" ", 1)[-1].rstrip(".") if found else ""
        if last.casefold() in _PREVIEW_ABBREVIATIONS or (len(last) == 1 and last.isupper()):
            found[-1] = f"{found[-1]} {part}"
        elif part:
            found.append(part)
    return found


# Names.

_NAME = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z](?:\s+(?:of\s+)?[A-Z][\w'’-]*[A-Za-z])+")
_POSSESSIVE = re.compile(r"['’]s?$")
_NAME_OPENERS = frozenset({"The", "A", "An", "Opinion", "Residents", "Analysts", "Developers"})


def title_case(sentence: str) -> bool:
    """True for a Title-Case headline ("Studio To Release Harbor Days Spinoff"), whose
    capitals say nothing about names."""
    long = [w for w in sentence.split() if len(w) > 3 and w[0].isalpha()]
    return len(long) >= 4 and sum(w[0].isupper() for w in long) * 10 >= len(long) * 7


def names(text: str) -> frozenset[str]:
    """Capitalised multi-word names ("Tidewell Energy Cooperative") in a text. A run of
    capitalised words longer than five, or any run in a Title-Case sentence, is a headline's
    style, not a name."""
    found = set()
    text = " ".join(s for s in snippet_sentences(text) if not title_case(s))
    for match in _NAME.finditer(text):
        parts = match.group(0).split()
        while parts and parts[0] in _NAME_OPENERS:
            parts = parts[1:]
        if parts:
            parts[-1] = _POSSESSIVE.sub("", parts[-1])
        if 2 <= len(parts) <= 5:
            found.add(" ".join(parts))
    return frozenset(found)


# The labels of an analysis.

# The sections of a model's analysis, in order: the prompt asks for them by these labels, and
# the answer is split into paragraphs and checked by them.
SECTIONS = ("What happened", "Background", "Why it matters", "What to watch")
BACKGROUND = SECTIONS[1]  # the one section where the model may use its general knowledge
# Each section's label as the page shows it, by the section lower-cased: Background's says
# where that paragraph comes from.
LABELS = {
    **{section.lower(): f"{section}." for section in SECTIONS},
    BACKGROUND.lower(): f"{BACKGROUND} — from the model’s general knowledge, not from the sources.",
}
