"""The listing pages: home, archive by month, sources, publishers, tags and feed health.

Each function returns ``{docs path: text}`` and is pure. Every article appears on a bounded
number of listings (home, its month, its feed, its publisher, its tags), so the total output
stays linear in the number of articles; single listings are capped at ``LISTING_LIMIT`` and
point to the archive, where month pages hold everything. Each source, publisher and tag page
has a topic feed beside it: the RSS of its latest ``RSS_LIMIT`` articles (``topics`` lists
them for the OPML).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .. import paths
from ..models import Article
from ..paths import doc_url, href
from ..store.state import FeedState, gone_since
from . import feeds_out
from .feeds_out import RSS_LIMIT, Channel
from .pagetext import ENV, PageKit, front_matter, listing_meta, meta_text

LISTING_LIMIT = 500

# The listing of each folder's pages.
_ARCHIVE = paths.index_doc(paths.ARCHIVE)
_FEEDS = paths.index_doc(paths.FEEDS)
_PUBLISHERS = paths.index_doc(paths.PUBLISHERS)
_TAGS = paths.index_doc(paths.TAGS)


Pages = dict[str, str | None]  # None: unchanged since the last render (see pagekeys.py)


def home(kit: PageKit, ordered: list[Article]) -> Pages:
    latest = ordered[: kit.config.home_limit]

    def render() -> str:
        return ENV.get_template("home.md.j2").render(
            front_matter=front_matter(
                {"title": "Latest", "hide": ["navigation", "toc"], "search": {"exclude": True}}
            ),
            site_name=kit.config.site_name,
            groups=kit.listing(paths.HOME, latest),
            total=len(ordered),
            shown=len(latest),
            archive_href=href(paths.HOME, _ARCHIVE),
            feeds_href=href(paths.HOME, _FEEDS),
        )

    return {paths.HOME: kit.keyed(paths.HOME, latest, render, f"{len(ordered)}")}


def _group_page(
    kit: PageKit,
    doc: str,
    title: str,
    lede: str,
    articles: list[Article],
    limit: int | None = LISTING_LIMIT,
    about: str = "",
    excerpts: bool = True,
) -> Pages:
    """A listing page; with ``about`` ("tagged harbor"), also its topic feed; with
    ``excerpts``, each article's excerpt under its headline."""
    shown = articles[:limit]
    feed = feeds_out.topic_feed(doc) if about else ""

    def render() -> str:
        meta: dict[str, Any] = {"title": meta_text(title), "hide": ["toc"]}
        meta |= {"search": {"exclude": True}, "briefing_feed": feed} if feed else {}
        return ENV.get_template("group.md.j2").render(
            front_matter=front_matter(meta) if feed else listing_meta(title),
            title=title,
            lede=lede,
            count=len(articles),
            shown=len(shown),
            groups=kit.listing(doc, shown, excerpts),
            archive_href=href(doc, _ARCHIVE),
            feed_href=_file_href(doc, feed) if feed else "",
            about=about,
            feed_limit=RSS_LIMIT,
        )

    key = f"{title}\0{lede}\0{len(articles)}\0{about}\0{excerpts}"
    pages = {doc: kit.keyed(doc, shown, render, key)}
    if feed:
        pages[feed] = _topic_feed(kit, doc, title, about, articles[:RSS_LIMIT])
    return pages


def _file_href(doc: str, path: str) -> str:
    """A relative link from a generated page to a file in the site (not a page)."""
    return posixpath.relpath(path, doc_url(doc) or ".")


def _channel(kit: PageKit, doc: str, title: str, about: str) -> Channel:
    name = kit.config.site_name
    return Channel(
        f"{title} · {name}",
        f"The latest articles {about} in {name}, with analysis.",
        doc_url(doc),
        feeds_out.topic_feed(doc),
        title,
    )


def _topic_feed(
    kit: PageKit, doc: str, title: str, about: str, latest: list[Article]
) -> str | None:
    channel = _channel(kit, doc, title, about)

    def render() -> str:
        return feeds_out.rss(
            kit.config,
            latest,
            lambda a: paths.article_url(a.path),
            lambda a: feeds_out.summary(a, kit.excerpt_of(a)),
            channel,
        )

    return kit.keyed(channel.feed, latest, render, f"{channel.title}\0{channel.description}")


def _index_page(doc: str, title: str, lede: str, rows: list[dict[str, Any]]) -> Pages:
    text = ENV.get_template("index.md.j2").render(
        front_matter=listing_meta(title), title=title, lede=lede, rows=rows
    )
    return {doc: text}


def archive(kit: PageKit, ordered: list[Article]) -> Pages:
    """An index of months and one page per month (so no page lists the whole briefing)."""
    months: dict[str, list[Article]] = defaultdict(list)
    for article in ordered:
        months[kit.month_doc(article.published)].append(article)
    pages: Pages = {}
    rows = []
    for doc, items in months.items():
        label = f"{kit.local(items[0].published):%B %Y}"
        # Month pages are where everything can be found: never capped, and headlines only
        # (a busy month holds thousands: with excerpts, most of the bytes a site adds per
        # article after the article's own page, and a page of megabytes).
        lede = f"Articles published in {label}."
        pages |= _group_page(kit, doc, label, lede, items, None, excerpts=False)
        rows.append({"name": label, "href": href(_ARCHIVE, doc), "count": len(items)})
    lede = "Every article in the briefing, month by month, newest first."
    return pages | _index_page(_ARCHIVE, "Archive", lede, rows)


Groups = list[tuple[str, str, list[Article]]]  # (page, name, its articles newest first)


def _feed_groups(kit: PageKit, ordered: list[Article]) -> Groups:
    by_feed: dict[str, list[Article]] = {f.name: [] for f in kit.config.feeds}
    for article in ordered:
        by_feed.setdefault(kit.feed_of(article), []).append(article)
    return [(paths.feed_doc(name), name, items) for name, items in by_feed.items()]


def feeds(kit: PageKit, ordered: list[Article]) -> Pages:
    """One page per feed (what an article's back link leads to) and the Sources index."""
    configured = {f.name for f in kit.config.feeds}
    pages: Pages = {}
    rows = []
    for doc, name, items in _feed_groups(kit, ordered):
        lede = "From this feed, newest first."
        if name not in configured:
            lede += " This feed is no longer followed (not in content/feeds.yml)."
        pages |= _group_page(kit, doc, name, lede, items, about=f"from the feed {name}")
        note = "" if name in configured else "no longer followed"
        rows.append({"name": name, "href": href(_FEEDS, doc), "count": len(items), "note": note})
    lede = "The feeds this briefing follows, and how many of its articles each brought."
    return pages | _index_page(_FEEDS, "Sources", lede, rows)


def _by_name(doc_of: Callable[[str], str], named: list[tuple[str, Article]]) -> Groups:
    """Group (name, article) pairs by the slug of the name; the first name seen titles it.
    Sorted by name."""
    groups: dict[str, tuple[str, list[Article]]] = {}
    for name, article in named:
        doc = doc_of(name)
        groups.setdefault(doc, (name, []))[1].append(article)
    ordered = sorted(groups.items(), key=lambda g: g[1][0].casefold())
    return [(doc, name, items) for doc, (name, items) in ordered]


def _publisher_groups(ordered: list[Article]) -> Groups:
    return _by_name(paths.publisher_doc, [(a.publisher, a) for a in ordered if a.publisher])


def _tag_groups(ordered: list[Article]) -> Groups:
    return _by_name(paths.tag_doc, [(t, a) for a in ordered for t in dict.fromkeys(a.tags)])


def publishers(kit: PageKit, ordered: list[Article]) -> Pages:
    pages: Pages = {}
    rows = []
    for doc, name, items in _publisher_groups(ordered):
        domain = items[0].domain
        lede = f"Articles reported by {name}" + (f" ({domain})." if domain else ".")
        pages |= _group_page(kit, doc, name, lede, items, about=f"reported by {name}")
        rows.append({"name": name, "href": href(_PUBLISHERS, doc), "count": len(items)})
    lede = "Who reported the articles in this briefing."
    return pages | _index_page(_PUBLISHERS, "Publishers", lede, rows)


def tags(kit: PageKit, ordered: list[Article]) -> Pages:
    pages: Pages = {}
    rows = []
    for doc, name, items in _tag_groups(ordered):
        lede = f"Articles tagged {name}."
        pages |= _group_page(kit, doc, f"#{name}", lede, items, about=f"tagged {name}")
        rows.append({"name": name, "href": href(_TAGS, doc), "count": len(items)})
    lede = "The subjects this briefing's articles are tagged with."
    return pages | _index_page(_TAGS, "Tags", lede, rows)


def topics(kit: PageKit, ordered: list[Article]) -> list[Channel]:
    """The topic feeds of the source, tag and publisher pages, in that order (for the OPML)."""
    found = [_channel(kit, d, n, f"from the feed {n}") for d, n, _ in _feed_groups(kit, ordered)]
    found += [_channel(kit, d, f"#{n}", f"tagged {n}") for d, n, _ in _tag_groups(ordered)]
    found += [_channel(kit, d, n, f"reported by {n}") for d, n, _ in _publisher_groups(ordered)]
    return found


def _stamp(kit: PageKit, value: str) -> str:
    try:
        return kit.when(datetime.fromisoformat(value))
    except ValueError:
        return value


def health(kit: PageKit, ordered: list[Article], states: dict[str, FeedState]) -> Pages:
    """Each feed's last successful fetch, last error, failures in a row and article count."""
    counts: dict[str, int] = defaultdict(int)
    for article in ordered:
        counts[kit.feed_of(article)] += 1
    rows = []
    for feed in kit.config.feeds:
        state = states.get(feed.name)
        gone = gone_since(state, feed) if state else ""
        rows.append(
            {
                "name": feed.name,
                "href": href(paths.HEALTH, paths.feed_doc(feed.name)),
                "count": counts[feed.name],
                "known": state is not None,
                "ok": state is not None and state.consecutive_failures == 0,
                "last_success": _stamp(kit, state.last_success) if state else "",
                "last_attempt": _stamp(kit, state.last_attempt) if state else "",
                "last_error": state.last_error if state else "",
                "failures": state.consecutive_failures if state else 0,
                "gone_since": _stamp(kit, gone) if gone else "",
            }
        )
    text = ENV.get_template("health.md.j2").render(
        front_matter=listing_meta("Feed health"), rows=rows, any_state=bool(states)
    )
    return {paths.HEALTH: text}
