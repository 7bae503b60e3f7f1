"""Typed records that travel between the stages of the data flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .paths import feed_slug


def utc_iso(moment: datetime) -> str:
    """``2026-11-03T14:05:00Z``: the one format for times in ``content/``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def domain_of(url: str) -> str:
    """The host of a URL without ``www.``, as shown beside an original-article link."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


@dataclass(frozen=True)
class Feed:
    """One entry of ``content/feeds.yml``."""

    name: str
    url: str
    tags: tuple[str, ...] = ()
    publisher: str = ""
    line: int = 0

    @property
    def slug(self) -> str:
        return feed_slug(self.name)

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))


CACHE_DIR = Path(".cache") / "briefing"  # under a site root: never content, never committed


@dataclass(frozen=True)
class SiteConfig:
    """What briefing needs to know about a site root."""

    root: Path
    site_name: str
    feeds: tuple[Feed, ...]
    timezone: str = "UTC"
    repo_url: str = ""
    edit_branch: str = "main"
    site_url: str = ""
    home_limit: int = 60
    engine: str = "mkdocs"  # what builds the site: mkdocs or properdocs (engines.py)
    model: str = ""  # the model that drafts analyses (llm.py); "off" switches it off
    model_url: str = ""  # its OpenAI-compatible endpoint; environment variables win
    read: bool = True  # the read step fetches articles' pages (read.py); False switches it off
    read_budget: int = 150  # pages read per run
    read_from: str = ""  # a folder standing in for the web (the offline demo), else ""

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def articles_dir(self) -> Path:
        return self.root / "content" / "articles"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE_DIR


@dataclass(frozen=True)
class Article:
    """One article: the facts from its feed(s) and the analysis a person or analyzer wrote.

    ``body`` is the text after the front matter exactly as it is in the file; ``extra`` keeps
    front-matter keys briefing does not know, so that rewriting facts never drops them.
    """

    id: str
    title: str
    publisher: str
    link: str
    published: datetime
    first_seen: datetime
    feeds: tuple[str, ...] = ()
    snippet: str = ""
    tags: tuple[str, ...] = ()
    publisher_url: str = ""
    title_derived: bool = False  # the feed gave no title: the headline was made from its text
    body: str = ""
    path: str = ""  # relative to the site root, for example content/articles/2026/11/x.md
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def analysis(self) -> str:
        return self.body.strip()

    @property
    def original(self) -> str:
        """The link readers follow to the article: the publisher's page where the read step
        found it (a Google News link resolved), else the feed's link; tracking parameters
        dropped either way."""
        from .urls import strip_tracking

        read = self.extra.get("read")
        resolved = read.get("url") if isinstance(read, dict) else None
        if isinstance(resolved, str) and resolved.startswith(("http://", "https://")):
            return strip_tracking(resolved)
        return strip_tracking(self.link)

    @property
    def domain(self) -> str:
        """The host shown beside the original link: the page read, else the publisher's site."""
        read = self.extra.get("read")
        if isinstance(read, dict) and isinstance(read.get("url"), str):
            return domain_of(read["url"])
        return domain_of(self.publisher_url or self.link)


@dataclass(frozen=True)
class FeedResult:
    """What happened to one feed in one ingest run."""

    feed: str
    status: str  # "ok", "not-modified", "failed", "skipped", "gone"
    new: int = 0
    updated: int = 0
    entries: int = 0
    skipped_entries: int = 0
    malformed: str = ""  # feedparser's bozo message, when the feed was recovered
    error: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status in {"failed", "gone"}
