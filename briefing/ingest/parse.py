"""Parse feed bytes with feedparser. Malformed feeds are data: what it recovers is kept."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import feedparser


class NotAFeedError(ValueError):
    """The bytes are not a feed feedparser can read anything from."""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    malformed: str = ""  # why feedparser flagged the feed (bozo), when it still read entries


def parse_feed(data: bytes, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse feed bytes (never a URL: fetching is ``fetch``'s job, with limits)."""
    # Sanitizing is ours (nh3); feedparser's relative-URI resolution stays on.
    # A stream, never bare bytes: feedparser treats a str/bytes argument that looks like a
    # path or URL as one to open, so a body of "/etc/passwd" would be read from disk.
    result = feedparser.parse(io.BytesIO(data), response_headers=headers or {}, sanitize_html=False)
    problem = ""
    if result.get("bozo"):
        exc = result.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    if not result.get("version") and not result.entries:
        msg = f"not an RSS or Atom feed ({problem or 'no feed elements found'})"
        raise NotAFeedError(msg)
    feed = result.get("feed", {})
    return ParsedFeed(
        title=str(feed.get("title") or ""),
        link=str(feed.get("link") or ""),
        entries=list(result.entries),
        malformed=problem,
    )
