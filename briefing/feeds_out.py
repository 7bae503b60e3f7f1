"""Feeds out: an RSS 2.0 feed of the latest articles and an OPML list of the briefing's sources.

Both are written into ``docs/`` as static files (MkDocs copies them into the site) and linked
from every page's head by the theme's ``main.html``. XML is built with ElementTree, which
escapes feed text; characters XML cannot hold at all are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.utils import format_datetime

from .models import Article, SiteConfig

RSS_FILE = "feed.xml"
OPML_FILE = "feeds.opml"
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


def rss(
    config: SiteConfig,
    ordered: list[Article],
    page_url: Callable[[Article], str],
    describe: Callable[[Article], str],
) -> str:
    """The latest ``RSS_LIMIT`` articles (``ordered`` is newest first) as RSS 2.0.

    Items link to their page on the site when ``site_url`` is known (readers need absolute
    links), else to the original article.
    """
    site = config.site_url.rstrip("/")
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _add(channel, "title", config.site_name)
    _add(channel, "link", site + "/" if site else "./")
    _add(channel, "description", f"The latest articles of {config.site_name}, with analysis.")
    _add(channel, "generator", "briefing")
    latest = ordered[:RSS_LIMIT]
    if latest:
        _add(channel, "lastBuildDate", format_datetime(latest[0].published))
    for article in latest:
        item = ET.SubElement(channel, "item")
        _add(item, "title", article.title)
        _add(item, "link", f"{site}/{page_url(article)}" if site else article.link)
        _add(item, "guid", article.id, isPermaLink="false")
        _add(item, "pubDate", format_datetime(article.published))
        _add(item, "description", describe(article))
        for tag in article.tags:
            _add(item, "category", tag)
    return _serialize(root)


def opml(config: SiteConfig) -> str:
    """Every feed in ``content/feeds.yml`` as an OPML 2.0 subscription list."""
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
    return _serialize(root)
