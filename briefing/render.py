"""Render: turn ``content/`` into the generated Markdown pages under ``docs/``.

Pure where it can be: ``plan_pages`` maps articles to ``{docs path: text}``; ``write_pages``
is the only part that touches the disk, and it rewrites only files whose text changed and
removes generated files that no longer have an article. The same content gives
byte-identical pages.

Feed text reaches the pages only through Jinja2 with autoescaping, inside raw HTML blocks,
so Markdown, MkDocs and the browser all see it as inert text.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import markdown
import nh3
import yaml
from markupsafe import Markup

from .files import write_if_changed
from .models import Article, SiteConfig, feed_slug

log = logging.getLogger(__name__)

# Everything under these docs/ paths belongs to render; hand-written pages live elsewhere.
GENERATED = ("index.md", "articles", "feeds")
EXCERPT = 240


@dataclass(frozen=True)
class RenderReport:
    pages: int
    written: int
    removed: int
    seconds: float


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("briefing", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


ENV = _environment()


def doc_url(doc: str) -> str:
    """The site URL (directory style) of a docs-relative Markdown path, without leading slash."""
    stem = doc.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def href(from_doc: str, to_doc: str) -> str:
    """A relative link between two generated pages, as MkDocs would make it."""
    rel = posixpath.relpath(doc_url(to_doc) or ".", doc_url(from_doc) or ".")
    return "./" if rel == "." else rel + "/"


def front_matter(meta: dict[str, Any]) -> Markup:
    """Front matter for a generated page. Feed text is HTML-escaped first: MkDocs and the
    theme print ``title`` into the page as it is."""
    text = yaml.safe_dump(
        {**meta, "briefing_generated": True}, sort_keys=False, allow_unicode=True, width=1000
    )
    return Markup(f"---\n{text}---\n")  # noqa: S704 - YAML of escaped values


_TAG_STRIP = re.compile(r"\s+")


def excerpt(analysis: str, limit: int = EXCERPT) -> str:
    """The first lines of an analysis as plain text, for listings."""
    if not analysis:
        return ""
    first = analysis.split("\n\n", 1)[0]
    text = html.unescape(nh3.clean(markdown.markdown(first), tags=set()))
    text = _TAG_STRIP.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


class Renderer:
    """Knows the site's settings; turns articles into pages."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.zone = ZoneInfo(config.timezone)

    # -- small helpers used by the templates -----------------------------------------------

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def when(self, moment: datetime) -> str:
        local = self.local(moment)
        return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"

    def day(self, moment: datetime) -> str:
        local = self.local(moment)
        return f"{local:%A}, {local.day} {local:%B %Y}"

    @staticmethod
    def doc_of(article: Article) -> str:
        """``articles/2026/11/slug.md`` for ``content/articles/2026/11/slug.md``."""
        return article.path.removeprefix("content/")

    def edit_url(self, article: Article) -> str:
        if not self.config.repo_url:
            return ""
        return f"{self.config.repo_url}/edit/{self.config.edit_branch}/{article.path}"

    # -- pages -----------------------------------------------------------------------------

    def article_page(self, article: Article) -> str:
        doc = self.doc_of(article)
        feed = article.feeds[0] if article.feeds else article.publisher
        meta = {
            "title": html.escape(article.title),
            "briefing_source": article.path,
            "hide": ["navigation", "toc"],
        }
        if article.snippet:
            meta["description"] = html.escape(article.snippet[:160])
        return ENV.get_template("article.md.j2").render(
            front_matter=front_matter(meta),
            a=article,
            feed=feed,
            back_href=href(doc, f"feeds/{feed_slug(feed)}.md"),
            iso=article.published.isoformat(),
            when=self.when(article.published),
            # The analysis is Markdown by an editor or analyzer; it is the page's body.
            analysis=Markup(article.analysis),  # noqa: S704
            edit_url=self.edit_url(article),
        )

    def listing(self, doc: str, articles: list[Article]) -> list[dict[str, Any]]:
        """Articles grouped by local day, newest first, with links relative to ``doc``."""
        days: dict[str, list[dict[str, Any]]] = defaultdict(list)
        order: list[str] = []
        for article in articles:
            day = self.day(article.published)
            if day not in days:
                order.append(day)
            days[day].append(
                {
                    "a": article,
                    "href": href(doc, self.doc_of(article)),
                    "time": f"{self.local(article.published):%H:%M}",
                    "iso": article.published.isoformat(),
                    "excerpt": excerpt(article.analysis) or article.snippet[:EXCERPT],
                }
            )
        return [{"day": day, "items": days[day]} for day in order]

    def home_page(self, articles: list[Article]) -> str:
        latest = articles[: self.config.home_limit]
        return ENV.get_template("home.md.j2").render(
            front_matter=front_matter(
                {"title": "Latest", "hide": ["navigation", "toc"], "search": {"exclude": True}}
            ),
            site_name=self.config.site_name,
            groups=self.listing("index.md", latest),
            total=len(articles),
            shown=len(latest),
            feeds_href=href("index.md", "feeds/index.md"),
        )

    def feed_page(self, name: str, articles: list[Article]) -> str:
        doc = f"feeds/{feed_slug(name)}.md"
        feed = next((f for f in self.config.feeds if f.name == name), None)
        return ENV.get_template("feed.md.j2").render(
            front_matter=front_matter(
                {"title": html.escape(name), "hide": ["toc"], "search": {"exclude": True}}
            ),
            name=name,
            feed=feed,
            groups=self.listing(doc, articles),
            count=len(articles),
        )

    def feeds_index(self, counts: dict[str, int]) -> str:
        names = [f.name for f in self.config.feeds]
        names += sorted(n for n in counts if n not in names)
        rows = [
            {
                "name": n,
                "href": href("feeds/index.md", f"feeds/{feed_slug(n)}.md"),
                "count": counts.get(n, 0),
                "configured": any(f.name == n for f in self.config.feeds),
            }
            for n in names
        ]
        return ENV.get_template("feeds.md.j2").render(
            front_matter=front_matter(
                {"title": "Sources", "hide": ["toc"], "search": {"exclude": True}}
            ),
            rows=rows,
        )


def newest_first(articles: list[Article]) -> list[Article]:
    """Newest first; ties broken by id so the order never depends on the file system."""
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


def plan_pages(config: SiteConfig, articles: list[Article]) -> dict[str, str]:
    """Every generated page: ``{path relative to docs/: text}``. Pure."""
    renderer = Renderer(config)
    ordered = newest_first(articles)
    pages: dict[str, str] = {}
    by_feed: dict[str, list[Article]] = defaultdict(list)
    for article in ordered:
        pages[Renderer.doc_of(article)] = renderer.article_page(article)
        by_feed[article.feeds[0] if article.feeds else article.publisher].append(article)
    for feed in config.feeds:
        by_feed.setdefault(feed.name, [])
    for name, items in by_feed.items():
        pages[f"feeds/{feed_slug(name)}.md"] = renderer.feed_page(name, items)
    pages["feeds/index.md"] = renderer.feeds_index({n: len(v) for n, v in by_feed.items()})
    pages["index.md"] = renderer.home_page(ordered)
    return pages


def write_pages(docs_dir: Path, pages: dict[str, str]) -> tuple[int, int]:
    """Write changed pages, remove stale generated ones. Returns (written, removed)."""
    written = sum(write_if_changed(docs_dir / rel, text) for rel, text in sorted(pages.items()))
    removed = 0
    for owned in GENERATED:
        base = docs_dir / owned
        candidates = (
            [base] if base.is_file() else sorted(base.rglob("*.md")) if base.is_dir() else []
        )
        for path in candidates:
            if path.relative_to(docs_dir).as_posix() not in pages:
                path.unlink()
                removed += 1
    for owned in GENERATED:  # drop folders emptied by removals, deepest first
        base = docs_dir / owned
        if base.is_dir():
            for folder in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
    return written, removed


def render(config: SiteConfig, articles: list[Article]) -> RenderReport:
    started = time.monotonic()
    pages = plan_pages(config, articles)
    written, removed = write_pages(config.docs_dir, pages)
    return RenderReport(len(pages), written, removed, time.monotonic() - started)
