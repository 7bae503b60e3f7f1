"""Feeds out: RSS 2.0 feeds of the latest articles and an OPML list of the briefing's feeds.

``feed.xml`` holds the whole briefing's latest articles; each tag, source and publisher page
has its own topic feed next to it (``tags/harbor.md`` → ``tags/harbor.xml``, see
``listings``). The OPML lists the feeds the briefing follows, then the briefing's own feeds.
All are written into ``docs/`` as static files (MkDocs copies them into the site) and linked
from the pages' heads by the theme's ``main.html``. XML is built with ElementTree, which
escapes feed text; characters XML cannot hold at all are dropped first.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import format_datetime

from ..models import Article, SiteConfig
from ..paths import OPML_FILE, RSS_FILE

RSS_LIMIT = 50

# Control characters (and lone surrogates) are not allowed anywhere in an XML 1.0 document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    child.text = _text(text)
    return child


def _serialize(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


@dataclass(frozen=True)
class Channel:
    """What a feed is about: the whole briefing, or one topic (a tag, source or publisher)."""

    title: str
    description: str
    page: str = ""  # the site URL of the page the feed belongs to ("" is the home page)
    feed: str = RSS_FILE  # where the feed is, in the site
    label: str = ""  # how a list of the briefing's feeds names it (default: ``title``)


def topic_feed(doc: str) -> str:
    """Where the topic feed of a listing page is: ``tags/harbor.md`` → ``tags/harbor.xml``."""
    return doc.removesuffix(".md") + ".xml"


# Material asks for ``sitemap.xml`` beside every ``<link rel="alternate">`` of a page (to map
# language versions); a topic feed's folder answers with an empty one instead of a 404.
EMPTY_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
)


def sitemaps_for(feeds: list[str]) -> dict[str, str]:
    """An empty ``sitemap.xml`` in each folder that holds a topic feed."""
    folders = {feed.rsplit("/", 1)[0] for feed in feeds if "/" in feed}
    return {f"{folder}/sitemap.xml": EMPTY_SITEMAP for folder in sorted(folders)}


def summary(article: Article, excerpt: str) -> str:
    """An item's description: the publisher and the start of the analysis."""
    return f"{article.publisher}: {excerpt}" if excerpt else article.publisher


def rss(
    config: SiteConfig,
    ordered: list[Article],
    page_url: Callable[[Article], str],
    describe: Callable[[Article], str],
    about: Channel | None = None,
) -> str:
    """The latest ``RSS_LIMIT`` articles (``ordered`` is newest first) as RSS 2.0; ``about``
    is the channel of a topic feed (default: the whole briefing's).

    Items link to their page on the site when ``site_url`` is known (readers need absolute
    links), else to the original article.
    """
    site = config.site_url.rstrip("/")
    about = about or Channel(
        config.site_name, f"The latest articles of {config.site_name}, with analysis."
    )
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _add(channel, "title", about.title)
    _add(channel, "link", _url(site, about.page, about.feed))
    _add(channel, "description", about.description)
    _add(channel, "generator", "briefing")
    latest = ordered[:RSS_LIMIT]
    if latest:
        _add(channel, "lastBuildDate", format_datetime(latest[0].published))
    for article in latest:
        item = ET.SubElement(channel, "item")
        _add(item, "title", article.title)
        _add(item, "link", f"{site}/{page_url(article)}" if site else article.original)
        _add(item, "guid", article.id, isPermaLink="false")
        _add(item, "pubDate", format_datetime(article.published))
        _add(item, "description", describe(article))
        for tag in article.tags:
            _add(item, "category", tag)
    return _serialize(root)


def _url(site: str, path: str, at: str) -> str:
    """A site URL: absolute with ``site_url``, else relative to the file at ``at``."""
    if site:
        return f"{site}/{path}"
    rel = posixpath.relpath(path or ".", posixpath.dirname(at) or ".")
    return "./" if rel == "." else rel + ("/" if path.endswith("/") else "")


def opml(config: SiteConfig, own: Sequence[Channel] = ()) -> str:
    """Every feed in ``content/feeds.yml`` as an OPML 2.0 subscription list, then, in one
    folder, the briefing's own feeds (``own``: the site's feed and its topic feeds). Without
    ``site_url`` their addresses are relative to the OPML, which is at the site's root."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    _add(head, "title", f"{config.site_name}: sources")
    body = ET.SubElement(root, "body")
    for feed in config.feeds:
        attrs = {"text": _text(feed.name), "title": _text(feed.name)}
        if feed.is_remote:
            attrs |= {"type": "rss", "xmlUrl": _text(feed.url)}
        else:  # a local file (offline demo): listed, but there is nothing to subscribe to
            attrs |= {"type": "link", "url": _text(feed.url)}
        ET.SubElement(body, "outline", attrs)
    if own:
        title = _text(f"{config.site_name}: the briefing's own feeds")
        folder = ET.SubElement(body, "outline", {"text": title, "title": title})
        site = config.site_url.rstrip("/")
        for channel in own:
            label = _text(channel.label or channel.title)
            attrs = {"text": label, "title": label, "type": "rss"}
            attrs |= {"xmlUrl": _url(site, channel.feed, OPML_FILE)}
            attrs |= {"htmlUrl": _url(site, channel.page, OPML_FILE)}
            ET.SubElement(folder, "outline", attrs)
    return _serialize(root)
