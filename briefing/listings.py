"""The listing pages: home, archive by month, sources, publishers, tags and feed health.

Each function returns ``{docs path: text}`` and is pure. Every article appears on a bounded
number of listings (home, its month, its feed, its publisher, its tags), so the total output
stays linear in the number of articles; single listings are capped at ``LISTING_LIMIT`` and
point to the archive, where month pages hold everything.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from .models import Article, feed_slug
from .pagetext import ENV, PageKit, front_matter, href, listing_meta, slug
from .state import FeedState, gone_since

LISTING_LIMIT = 500


Pages = dict[str, str | None]  # None: unchanged since the last render (see pagekeys.py)


def home(kit: PageKit, ordered: list[Article]) -> Pages:
    latest = ordered[: kit.config.home_limit]

    def render() -> str:
        return ENV.get_template("home.md.j2").render(
            front_matter=front_matter(
                {"title": "Latest", "hide": ["navigation", "toc"], "search": {"exclude": True}}
            ),
            site_name=kit.config.site_name,
            groups=kit.listing("index.md", latest),
            total=len(ordered),
            shown=len(latest),
            archive_href=href("index.md", "archive/index.md"),
            feeds_href=href("index.md", "feeds/index.md"),
        )

    return {"index.md": kit.keyed("index.md", latest, render, f"{len(ordered)}")}


def _group_page(
    kit: PageKit,
    doc: str,
    title: str,
    lede: str,
    articles: list[Article],
    limit: int | None = LISTING_LIMIT,
) -> Pages:
    shown = articles[:limit]

    def render() -> str:
        return ENV.get_template("group.md.j2").render(
            front_matter=listing_meta(title),
            title=title,
            lede=lede,
            count=len(articles),
            shown=len(shown),
            groups=kit.listing(doc, shown),
            archive_href=href(doc, "archive/index.md"),
        )

    return {doc: kit.keyed(doc, shown, render, f"{title}\0{lede}\0{len(articles)}")}


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
        # Month pages are where everything can be found: never capped.
        pages |= _group_page(kit, doc, label, f"Articles published in {label}.", items, None)
        rows.append({"name": label, "href": href("archive/index.md", doc), "count": len(items)})
    lede = "Every article in the briefing, month by month, newest first."
    return pages | _index_page("archive/index.md", "Archive", lede, rows)


def feeds(kit: PageKit, ordered: list[Article]) -> Pages:
    """One page per feed (what an article's back link leads to) and the Sources index."""
    by_feed: dict[str, list[Article]] = {f.name: [] for f in kit.config.feeds}
    for article in ordered:
        by_feed.setdefault(kit.feed_of(article), []).append(article)
    configured = {f.name for f in kit.config.feeds}
    pages: Pages = {}
    rows = []
    for name, items in by_feed.items():
        doc = f"feeds/{feed_slug(name)}.md"
        lede = "From this feed, newest first."
        if name not in configured:
            lede += " This feed is no longer followed (not in content/feeds.yml)."
        pages |= _group_page(kit, doc, name, lede, items)
        note = "" if name in configured else "no longer followed"
        rows.append(
            {"name": name, "href": href("feeds/index.md", doc), "count": len(items), "note": note}
        )
    lede = "The feeds this briefing follows, and how many of its articles each brought."
    return pages | _index_page("feeds/index.md", "Sources", lede, rows)


def _by_name(kit: PageKit, folder: str, named: list[tuple[str, Article]]) -> dict[str, Any]:
    """Group (name, article) pairs by the slug of the name; the first name seen titles it."""
    groups: dict[str, tuple[str, list[Article]]] = {}
    for name, article in named:
        doc = f"{folder}/{slug(name)}.md"
        groups.setdefault(doc, (name, []))[1].append(article)
    return groups


def publishers(kit: PageKit, ordered: list[Article]) -> Pages:
    groups = _by_name(kit, "publishers", [(a.publisher, a) for a in ordered if a.publisher])
    pages: Pages = {}
    rows = []
    for doc, (name, items) in sorted(groups.items(), key=lambda g: g[1][0].casefold()):
        domain = items[0].domain
        lede = f"Articles reported by {name}" + (f" ({domain})." if domain else ".")
        pages |= _group_page(kit, doc, name, lede, items)
        rows.append({"name": name, "href": href("publishers/index.md", doc), "count": len(items)})
    lede = "Who reported the articles in this briefing."
    return pages | _index_page("publishers/index.md", "Publishers", lede, rows)


def tags(kit: PageKit, ordered: list[Article]) -> Pages:
    groups = _by_name(kit, "tags", [(t, a) for a in ordered for t in dict.fromkeys(a.tags)])
    pages: Pages = {}
    rows = []
    for doc, (name, items) in sorted(groups.items(), key=lambda g: g[1][0].casefold()):
        pages |= _group_page(kit, doc, f"#{name}", f"Articles tagged {name}.", items)
        rows.append({"name": name, "href": href("tags/index.md", doc), "count": len(items)})
    lede = "The subjects this briefing's articles are tagged with."
    return pages | _index_page("tags/index.md", "Tags", lede, rows)


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
                "href": href("health.md", f"feeds/{feed.slug}.md"),
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
    return {"health.md": text}
