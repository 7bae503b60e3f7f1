"""Render: turn ``content/`` into the generated pages under ``docs/``.

Pure where it can be: ``plan_pages`` maps articles to ``{docs path: text}``; ``write_pages``
is the only part that touches the disk, and it rewrites only files whose text changed and
removes generated files that no longer have an article. The same content gives
byte-identical pages.

The article page is built here; the listings (home, archive, sources, publishers, tags,
feed health) in ``listings``; the RSS feed and OPML in ``feeds_out``. Feed text reaches the
pages only through autoescaping Jinja2 templates (see ``pagetext``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .. import parallel, paths
from ..analysis.stories import Story
from ..errors import ContentError
from ..models import Article, SiteConfig
from ..paths import href
from ..store.content import ContentStore
from ..store.files import write_if_changed
from ..store.state import FeedState, load_states
from . import feeds_out, listings, previews, storypages
from .pagekeys import PageKeys, excerpt_key
from .pagetext import ENV, PageKit, front_matter, meta_text, repeats_headline

__all__ = [
    "RenderReport",
    "RenderResult",
    "Renderer",
    "load_and_render",
    "plan_pages",
    "render",
]


@dataclass(frozen=True)
class RenderReport:
    pages: int
    written: int
    removed: int
    seconds: float


@dataclass(frozen=True)
class RenderResult:
    report: RenderReport
    errors: tuple[ContentError, ...]  # files skipped because they could not be read


class Renderer(PageKit):
    """Knows the site's settings; turns one article into its page."""

    def article_page(self, article: Article, story: Story | None = None) -> str:
        doc = self.doc_of(article)
        feed = self.feed_of(article)
        meta = {
            "title": meta_text(article.title),
            "briefing_source": article.path,
            "hide": ["navigation", "toc"],
            **previews.meta(article, self.preview_of(article)),
        }
        return ENV.get_template("article.md.j2").render(
            front_matter=front_matter(meta),
            a=article,
            feed=feed,
            back_href=href(doc, paths.feed_doc(feed)),
            publisher_href=href(doc, paths.publisher_doc(article.publisher)),
            snippet="" if repeats_headline(article) else article.snippet,
            iso=self.iso(article.published),
            when=self.when(article.published),
            # The analysis is Markdown by an editor or analyzer; it is the page's body.
            analysis=Markup(article.analysis),  # noqa: S704
            tags=[
                {"name": tag, "href": href(doc, paths.tag_doc(tag))}
                for tag in dict.fromkeys(article.tags)
            ],
            edit_url=self.edit_url(article),
            **storypages.article_context(self, article, story),
        )

    def summary(self, article: Article) -> str:
        """One line for the RSS feed: the publisher and the start of the analysis."""
        return feeds_out.summary(article, self.excerpt_of(article))


# A share of the article pages: {docs path: text, or None when written already}, the docs
# paths written (changed), and the excerpts worked out for them (by article id, and by
# analysis for the cache).
_Share = tuple[dict[str, str | None], list[str], dict[str, str], dict[str, str]]
ARTICLE_CHUNK = 250  # article pages a render process takes at a time
PARALLEL_MIN = 1_000  # article pages to render before it pays to fork processes


def _article_pages(
    renderer: Renderer,
    todo: list[Article],
    stories: Mapping[str, Story],
    jobs: int,
    written: list[str] | None,
) -> dict[str, str | None]:
    """The pages of ``todo``, rendered here or, with ``jobs`` > 1, in forked processes that
    send back the listing excerpts they worked out (listings show them again). With
    ``written``, each page is written into docs/ where it was rendered (its entry is None)
    and the changed ones are added to ``written``: no process holds every page's text."""
    docs_dir = renderer.config.docs_dir

    def share(part: Sequence[Article]) -> _Share:
        pages: dict[str, str | None] = {}
        changed: list[str] = []
        for a in part:
            doc, text = Renderer.doc_of(a), renderer.article_page(a, stories[a.id])
            if written is None:
                pages[doc] = text
                continue
            pages[doc] = None
            if write_if_changed(docs_dir / doc, text):
                changed.append(doc)
        ids = {a.id for a in part}
        keys = {excerpt_key(a) for a in part}
        return (
            pages,
            changed,
            {i: t for i, t in renderer.excerpts_by_id.items() if i in ids},
            {k: t for k, t in renderer.used.items() if k in keys},
        )

    result: dict[str, str | None] = {}
    for pages, changed, excerpts, used in parallel.fork_map(share, todo, jobs, ARTICLE_CHUNK):
        result.update(pages)
        if written is not None:
            written.extend(changed)
        renderer.excerpts_by_id.update(excerpts)
        renderer.used.update(used)
    return result


def prepare() -> None:
    """Compile the page templates ahead of a render (``pipeline.prepare_build``)."""
    for name in ENV.list_templates(extensions=["j2"]):
        ENV.get_template(name)


def newest_first(articles: list[Article]) -> list[Article]:
    """Newest first; ties broken by id so the order never depends on the file system."""
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


def plan_pages(
    config: SiteConfig,
    articles: list[Article],
    states: dict[str, FeedState] | None = None,
    keys: PageKeys | None = None,
    jobs: int | None = 1,
    written: list[str] | None = None,
) -> dict[str, str | None]:
    """Every generated file: ``{path relative to docs/: text}``. Pure.

    ``states`` is the feeds' health from the last ingest, for the feed-health page. With
    ``keys``, article and story pages whose inputs are unchanged since the last render map to
    None (their files stay as they are) instead of being rendered again. With ``jobs`` > 1,
    the article pages are rendered in that many processes (the same text as in one); None:
    as many as the pages to render are worth (``parallel.jobs``). With ``written`` (render's
    own use, not pure), article pages are written into docs/ as they are rendered and map
    to None; the docs paths of those that changed are added to ``written``.
    """
    renderer = Renderer(config, keys.excerpts if keys else None)
    if keys:
        keys.used_excerpts = renderer.used
        renderer.keys = keys
    ordered = newest_first(articles)
    stories = storypages.index(ordered)
    pages: dict[str, str | None] = {}
    todo: list[Article] = []  # whose page is rendered (all, or those whose inputs changed)
    for a in ordered:
        story = stories[a.id]
        doc = Renderer.doc_of(a)
        members = keys.group(story.id, story.articles) if keys and story else ""
        if keys and not keys.changed(doc, (a,), members):
            pages[doc] = None
        else:
            todo.append(a)
    processes = parallel.jobs(len(todo), PARALLEL_MIN) if jobs is None else jobs
    pages |= _article_pages(renderer, todo, stories, processes, written)
    pages |= storypages.pages(renderer, stories, keys)
    pages |= listings.home(renderer, ordered)
    pages |= listings.archive(renderer, ordered)
    pages |= listings.feeds(renderer, ordered)
    pages |= listings.publishers(renderer, ordered)
    pages |= listings.tags(renderer, ordered)
    pages |= listings.health(renderer, ordered, states or {})
    pages[paths.RSS_FILE] = feeds_out.rss(
        config, ordered, lambda a: paths.article_url(a.path), renderer.summary
    )
    site_feed = feeds_out.Channel(config.site_name, "", label="All articles")
    topics = listings.topics(renderer, ordered)
    pages[paths.OPML_FILE] = feeds_out.opml(config, [site_feed, *topics])
    pages |= feeds_out.sitemaps_for([channel.feed for channel in topics])
    return pages


def write_pages(docs_dir: Path, pages: Mapping[str, str | None]) -> tuple[int, int]:
    """Write changed pages, remove stale generated ones. Returns (written, removed).

    A page whose text is None is known unchanged: its file is kept as it is."""
    written = sum(
        write_if_changed(docs_dir / rel, text)
        for rel, text in sorted(pages.items())
        if text is not None
    )
    removed = 0
    for owned in paths.GENERATED:
        base = docs_dir / owned
        if base.is_file():
            if owned not in pages:
                base.unlink()
                removed += 1
            continue
        # os.walk and plain strings: pathlib costs seconds over tens of thousands of pages.
        for folder, _, names in os.walk(base, topdown=False):
            rel_folder = os.path.relpath(folder, docs_dir).replace(os.sep, "/")
            for name in names:
                # Pages, and the topic feeds beside the source, publisher and tag pages.
                if name.endswith((".md", ".xml")) and f"{rel_folder}/{name}" not in pages:
                    (Path(folder) / name).unlink()
                    removed += 1
            if not any(Path(folder).iterdir()):
                Path(folder).rmdir()  # emptied by removals (deepest first)
    return written, removed


def render(config: SiteConfig, articles: list[Article]) -> RenderReport:
    started = time.monotonic()
    keys = PageKeys(config)
    states = load_states(config.cache_dir / "feeds.json")
    done: list[str] = []  # article pages written as they were rendered
    pages = plan_pages(config, articles, states, keys, jobs=None, written=done)
    written, removed = write_pages(config.docs_dir, pages)
    written += len(done)
    keys.save()
    return RenderReport(len(pages), written, removed, time.monotonic() - started)


def load_and_render(config: SiteConfig) -> tuple[RenderResult, list[Article]]:
    """Load ``content/`` and write ``docs/`` from it; unreadable article files are skipped
    and reported. Returns the articles too (``briefing build``'s search index needs them)."""
    articles, errors = ContentStore(config).load_all()
    return RenderResult(render(config, articles), tuple(errors)), articles
