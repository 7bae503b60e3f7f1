"""Extract an article from its page: the main text, title, author, date and language.

The main text comes from trafilatura (2.x), the open extractor with the best published accuracy
on news pages: it drops navigation, cookie banners, related-story boxes, comments and captions,
which must never reach an analysis. What is ours here is only what trafilatura does not decide:

- the charset: a ``charset`` the server declared in ``Content-Type`` wins (decoded here); without
  one, the bytes go to trafilatura, which reads ``<meta charset>`` and detects the rest;
- paywalls: a page that marks itself ``"isAccessibleForFree": false`` in its JSON-LD (the markup
  Google asks paywalled publishers to use) is not an article we may read, whatever teaser it
  shows; a page whose main text is too short to be an article is reported as such;
- the headline that trafilatura keeps as the first line of the text is dropped.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any

from ..text import word_count
from . import quoting

MIN_WORDS = 80  # shorter main texts are teasers, errors or galleries, not articles

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    """What was found on a page; ``status`` is "ok", "paywalled" or "empty"."""

    status: str
    text: str = ""
    title: str = ""
    author: str = ""
    date: str = ""
    language: str = ""
    reason: str = ""

    @property
    def words(self) -> int:
        return word_count(self.text)


def charset_of(content_type: str) -> str:
    """The codec named by a ``Content-Type`` header, or "" when none or unknown."""
    match = _CHARSET.search(content_type or "")
    if not match:
        return ""
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return ""


def decode(data: bytes, content_type: str = "") -> str | bytes:
    """The page as text when the server named its charset, else the bytes (trafilatura reads
    ``<meta charset>`` and detects the rest). ISO-8859-1 is read as windows-1252, as browsers do."""
    charset = charset_of(content_type)
    if not charset:
        return data
    if charset == "iso8859-1":
        charset = "cp1252"
    return data.decode(charset, errors="replace")


def _json_ld(node: Any) -> bool:
    """True when a JSON-LD value says the content is not free to read."""
    if isinstance(node, dict):
        free = node.get("isAccessibleForFree")
        if free is False or (isinstance(free, str) and free.strip().lower() == "false"):
            return True
        return any(_json_ld(v) for v in node.values())
    if isinstance(node, list):
        return any(_json_ld(v) for v in node)
    return False


def paywalled(tree: Any) -> bool:
    """True when the page's JSON-LD marks it ``isAccessibleForFree: false``."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        if _json_ld(data):
            return True
    return False


def extract(data: bytes, url: str, content_type: str = "") -> Extracted:
    """The article on a page of HTML or XHTML bytes."""
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    page = decode(data, content_type)
    tree = load_html(page)
    if tree is None:
        return Extracted("empty", reason="not a readable HTML page")
    if paywalled(tree):
        return Extracted("paywalled", reason="the page marks its text as not free to read")
    found = bare_extraction(
        tree,  # trafilatura takes the parsed tree as it is (and prunes it)
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=True,
    )
    if found is None:
        return Extracted("empty", reason="no main text found")
    fields: dict[str, Any] = found if isinstance(found, dict) else found.as_dict()

    def value(key: str) -> str:
        return " ".join(str(fields.get(key) or "").split())

    title = value("title")
    lines = [" ".join(line.split()) for line in str(fields.get("text") or "").splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]  # the headline, kept by trafilatura as the first line
    text = "\n".join(line for line in lines if not quoting.is_promotion(line))
    result = Extracted(
        "ok",
        text=text,
        title=title,
        author=value("author"),
        date=value("date"),
        language=value("language"),
    )
    if result.words < MIN_WORDS:
        why = f"{result.words} words of main text, fewer than {MIN_WORDS}"
        return Extracted("empty", title=result.title, author=result.author, reason=why)
    return result
