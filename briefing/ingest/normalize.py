"""Turn a parsed feed entry into an Article: plain-text titles, sanitized snippets, UTC dates.

Everything in a feed is untrusted. Titles and snippets leave this module as plain text (no
markup at all); every renderer escapes them again on the way out.
"""

from __future__ import annotations

import calendar
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from ..models import Article, Feed
from ..store.identity import article_id, title_key

MAX_TITLE = 200
MAX_DERIVED_TITLE = 110  # a headline made from a title-less post's text
MIN_DERIVED_SENTENCE = 20  # a shorter "first sentence" ("Hi.", "U.S.") runs on to the next
MAX_SNIPPET = 600
MAX_TAGS = 8
FUTURE_SLACK = timedelta(days=1)
MAX_UNESCAPE_ROUNDS = 6
GOOGLE_NEWS_HOSTS = frozenset({"news.google.com"})

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
# Tags that end a line or paragraph. They are kept by nh3 (without attributes) only to split
# text into blocks, and matched only in nh3's own normalized output.
_BLOCK_TAGS = frozenset(
    {"p", "br", "li", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_BLOCK = re.compile(r"</?(?:p|br|li|div|blockquote|pre|ul|ol|h[1-6])>")
# A sentence ends at . ! ? or … (with any closing quote or bracket) before a space or the end.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")


@dataclass(frozen=True)
class FeedContext:
    """What normalizing an entry needs to know about the feed it came from."""

    feed: Feed
    base_url: str  # the URL the feed was fetched from, or its channel link
    channel_title: str = ""
    channel_link: str = ""


def plain_text(value: str, limit: int) -> str:
    """Any feed text as plain text: tags stripped (script/style with their content),
    entities decoded, control characters dropped, whitespace collapsed, cut with an ellipsis."""
    if not value:
        return ""
    # Until nothing changes: feeds often escape their HTML once more ("&lt;b&gt;"), some
    # twice, and what decoding reveals must not survive as markup. nh3 (Ammonia) does the
    # parsing; we never do. Text still changing after that many rounds loses its angle brackets.
    text = value
    for _ in range(MAX_UNESCAPE_ROUNDS):
        cleaned = html.unescape(nh3.clean(text, tags=set(), attributes={}))
        if cleaned == text:
            break
        text = cleaned
    else:
        text = text.replace("<", " ").replace(">", " ")
    return shorten(_SPACE.sub(" ", _CONTROL.sub(" ", text)).strip(), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:  # never end in half a word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def text_blocks(value: str) -> list[str]:
    """Feed HTML as plain-text blocks: one per paragraph, line or list item."""
    kept = nh3.clean(value, tags=set(_BLOCK_TAGS), attributes={})
    return [text for part in _BLOCK.split(kept) if (text := plain_text(part, 10_000))]


def derived_headline(raw: str) -> tuple[str, str]:
    """A headline and snippet for an entry that has text but no title.

    The headline is the text's first sentence (within its first paragraph or line), cut at a
    word boundary to at most ``MAX_DERIVED_TITLE`` characters with an ellipsis; the snippet is
    the rest of the text. ``("", "")`` when there is no text at all.
    """
    blocks = text_blocks(raw)
    if not blocks:
        return "", ""
    first = blocks[0]
    end = next(
        (m.end() for m in _SENTENCE_END.finditer(first) if m.end() >= MIN_DERIVED_SENTENCE),
        len(first),
    )
    sentence, after = first[:end], first[end:].strip()
    headline = shorten(sentence, MAX_DERIVED_TITLE)
    rest = [after, *blocks[1:]]
    if headline != sentence:  # cut: the snippet carries on where the headline stopped
        carried = sentence[len(headline) - 1 :].lstrip(" ,;:-")
        rest.insert(0, f"…{carried}")
    elif headline.endswith(".") and not headline.endswith(".."):
        headline = headline[:-1]  # a headline has no full stop
    return headline, plain_text(" ".join(r for r in rest if r), MAX_SNIPPET)


def is_google_news(link: str) -> bool:
    return (urlsplit(link).hostname or "").lower() in GOOGLE_NEWS_HOSTS


def split_publisher(title: str, publisher: str) -> tuple[str, str]:
    """Split a Google News title ``Headline - Publisher`` into its two parts.

    With a known publisher (from ``<source>``) exactly that suffix is removed; otherwise the
    last `` - `` separates them (a headline can contain `` - `` itself).
    """
    if publisher:
        suffix = f" - {publisher}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].strip(), publisher
        return title, publisher
    head, sep, tail = title.rpartition(" - ")
    if sep and head.strip() and tail.strip():
        return head.strip(), tail.strip()
    return title, ""


def useful_snippet(raw: str, headline: str, publisher: str, google: bool) -> str:
    """The entry's summary as plain text, or "" when it only repeats the headline.

    Google News descriptions are the headline and publisher as links, or on topic feeds an
    ``<ol>`` of other outlets' links: neither is a snippet.
    """
    if google and ("<ol" in raw or "<li" in raw):
        return ""
    text = plain_text(raw, MAX_SNIPPET)
    if not text:
        return ""
    key, head = title_key(text), title_key(headline)
    if key in {head, title_key(f"{headline} {publisher}")}:
        return ""
    if google and key.startswith(head) and key.removeprefix(head).strip() == title_key(publisher):
        return ""
    return text


def entry_time(entry: dict[str, Any], now: datetime) -> datetime:
    """The entry's publication time in UTC; missing, unparseable or future means first seen."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            return now if moment > now + FUTURE_SLACK else moment
    return now


def absolute_link(link: str, base: str) -> str:
    """An absolute http(s) URL, or "" when the link is unusable (javascript:, data:, …)."""
    link = _CONTROL.sub("", link or "").strip()
    if not link:
        return ""
    resolved = urljoin(base, link) if base else link
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return resolved


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _entry_text(entry: dict[str, Any]) -> str:
    """The entry's summary, or else its full content (newsletters may send only that)."""
    summary = str(entry.get("summary") or entry.get("description") or "")
    if summary.strip():
        return summary
    for content in entry.get("content") or []:
        if isinstance(content, dict) and str(content.get("value") or "").strip():
            return str(content["value"])
    return ""


def normalize_entry(entry: dict[str, Any], ctx: FeedContext, now: datetime) -> Article | None:
    """One feed entry as an Article, or None when it has no usable link, or neither a title
    nor any text. An entry with text but no title (Mastodon, Bluesky bridges, newsletters)
    gets a headline made from its text, marked ``title_derived``."""
    link = absolute_link(str(entry.get("link") or ""), ctx.base_url)
    if not link:
        return None
    google = is_google_news(link)
    source = entry.get("source") or {}
    source_title = plain_text(str(source.get("title") or ""), 120)
    source_url = absolute_link(str(source.get("href") or ""), "")
    raw_title = plain_text(str(entry.get("title") or ""), 10_000)
    if google:
        headline, publisher = split_publisher(raw_title, source_title)
    else:
        headline, publisher = raw_title, source_title
    headline = plain_text(headline, MAX_TITLE)
    raw_summary = str(entry.get("summary") or entry.get("description") or "")
    derived = not headline
    snippet = ""
    if derived:
        headline, snippet = derived_headline(_entry_text(entry))
        if not headline:
            return None
    publisher = (
        ctx.feed.publisher
        or publisher
        or plain_text(ctx.channel_title, 120)
        or urlsplit(link).hostname
        or ctx.feed.name
    )
    publisher_url = (
        source_url
        or (_origin(ctx.channel_link) if not google else "")
        or ("" if google else _origin(link))
    )
    if not derived:
        snippet = useful_snippet(raw_summary, headline, publisher, google)
    tags = list(ctx.feed.tags)
    for tag in entry.get("tags") or []:
        term = plain_text(str(tag.get("term") or tag.get("label") or ""), 40)
        if term and term.casefold() not in {t.casefold() for t in tags}:
            tags.append(term)
    published = entry_time(entry, now)
    guid = str(entry.get("id") or "")
    return Article(
        id=article_id(guid, link, headline, publisher),
        title=headline,
        publisher=publisher,
        link=link,
        published=published,
        first_seen=now,
        feeds=(ctx.feed.name,),
        snippet=snippet,
        tags=tuple(tags[:MAX_TAGS]),
        publisher_url=publisher_url,
        title_derived=derived,
    )
