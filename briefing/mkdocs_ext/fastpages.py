"""Fast paths for generated pages, used by the MkDocs plugin.

A briefing has thousands of generated pages, and a plain MkDocs build spends most of its time
on two things that are the same for all of them: Python-Markdown parsing the raw HTML that
render already wrote, and Material's templates rendering the same page chrome again. So:

1. **Markdown only where there is Markdown.** Generated pages are raw HTML blocks, except
   the analysis, which render wraps in ``<!-- briefing:markdown -->`` and
   ``<!-- /briefing:markdown -->``.
   The plugin gives Python-Markdown only that part and puts the HTML around it back as it
   was (raw HTML blocks pass through Python-Markdown unchanged anyway, at a high price).
2. **The page chrome once per shape.** Leaf pages (articles, stories) differ only in a few
   values: title, description, publication time (link previews), edit link, canonical URL
   and content. For each shape (depth in the site and which of those values exist)
   Material's ``main.html`` is rendered once with markers in place of the values; every
   other page of that shape is the shell with its values put in. The first page of each
   shape is also rendered the normal way and compared: if the two differ at all, that shape
   always takes the normal way.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..paths import LEAF_DIRS

log = logging.getLogger("mkdocs.plugins.briefing")

MD_START = "<!-- briefing:markdown -->"
MD_END = "<!-- /briefing:markdown -->"
LEAF_TEMPLATE = "briefing-leaf.html"


@dataclass(frozen=True)
class Split:
    """A generated page cut into the HTML before, the Markdown, and the HTML after."""

    before: str
    markdown: str
    after: str


def split_page(text: str) -> Split | None:
    """Cut a generated page at its Markdown region. A page without one is all HTML (every
    page template writes raw HTML blocks); with more than one, None: Markdown gets it all."""
    if MD_START not in text and MD_END not in text:
        return Split(text, "", "")
    if text.count(MD_START) != 1 or text.count(MD_END) != 1:
        return None
    before, _, rest = text.partition(MD_START)
    markdown, found, after = rest.partition(MD_END)
    return Split(before, markdown, after) if found else None


def assemble(split: Split, converted: str) -> str:
    """The page's HTML: the HTML parts as render wrote them, the converted Markdown between."""
    return f"{split.before.strip()}\n{converted}\n{split.after.strip()}\n"


# -- page shells ------------------------------------------------------------------------

_TITLE = "BRIEFINGSHELLTITLE"
_DESCRIPTION = "BRIEFINGSHELLDESCRIPTION"
_PUBLISHED = "BRIEFINGSHELLPUBLISHED"
_EDIT = "https://briefing.invalid/edit/BRIEFINGSHELLEDIT"
_CANONICAL = "https://briefing.invalid/BRIEFINGSHELLCANONICAL/"
_CONTENT = "<h1>BRIEFINGSHELLCONTENT</h1>"


def shard_of(src_uri: str, shards: int) -> int:
    """Which build process builds a page: leaf pages are spread, the rest are the first's."""
    if shards <= 1 or not is_leaf(src_uri):
        return 0
    return zlib.crc32(src_uri.encode()) % shards


def is_leaf(src_uri: str) -> bool:
    return src_uri.startswith(LEAF_DIRS)


@dataclass
class Shells:
    """Page chrome per shape, each verified once against Material's own rendering."""

    shells: dict[str, str | None] = field(default_factory=dict)
    hits: int = 0
    full: int = 0

    @staticmethod
    def shape(page: Any, base_url: str) -> str | None:
        """The key of a page's shape, or None when it must take the normal way."""
        if list(page.toc or []) or "<h1" not in (page.content or ""):
            return None
        if page.edit_url and "/blob/" in page.edit_url:
            return None
        meta = {k: v for k, v in page.meta.items() if k not in {"title", "description"}}
        return json.dumps(
            [
                base_url,
                "description" in page.meta,
                "briefing_published" in page.meta,
                bool(page.edit_url),
                bool(page.canonical_url),
                sorted((k, repr(v)) for k, v in meta.items() if not k.startswith("briefing_")),
            ]
        )

    @staticmethod
    def fill(shell: str, page: Any) -> str:
        values = (
            (_TITLE, str(page.meta.get("title", ""))),
            (_DESCRIPTION, str(page.meta.get("description", ""))),
            (_PUBLISHED, str(page.meta.get("briefing_published", ""))),
            (_EDIT, page.edit_url or ""),
            (_CANONICAL, page.canonical_url or ""),
        )
        for marker, value in values:
            shell = shell.replace(marker, value)
        return shell.replace(_CONTENT, page.content)

    def render(self, page: Any, base_url: str, full: Callable[[], str]) -> str:
        """The page's HTML: from its shape's shell, or the normal way (``full``)."""
        key = self.shape(page, base_url)
        if key is None:
            self.full += 1
            return full()
        if key not in self.shells:
            normal = full()
            shell = self._make_shell(page, full)
            self.shells[key] = shell if shell and self.fill(shell, page) == normal else None
            if self.shells[key] is None:
                log.debug("page shell for %s differs from Material's page; not used", key)
            self.full += 1
            return normal
        shell = self.shells[key]
        if shell is None:
            self.full += 1
            return full()
        self.hits += 1
        return self.fill(shell, page)

    @staticmethod
    def _make_shell(page: Any, full: Callable[[], str]) -> str | None:
        saved = (page.meta, page.content, page.edit_url, page.canonical_url)
        meta = dict(page.meta)
        meta["title"] = _TITLE
        if "description" in meta:
            meta["description"] = _DESCRIPTION
        if "briefing_published" in meta:
            meta["briefing_published"] = _PUBLISHED
        page.meta = meta
        page.content = _CONTENT
        page.edit_url = _EDIT if page.edit_url else page.edit_url
        page.canonical_url = _CANONICAL if page.canonical_url else page.canonical_url
        try:
            shell = full()
        finally:
            page.meta, page.content, page.edit_url, page.canonical_url = saved
        # Each value must appear only where the template printed it as it is.
        if shell.count(_CONTENT) != 1:
            return None
        return shell


# -- one Markdown instance ----------------------------------------------------------------


class SharedMarkdown:
    """Python-Markdown for generated pages: one instance reset between pages, where MkDocs
    builds a new one (extensions and all) for every page, which costs about as much as
    converting an analysis. Otherwise it does exactly what MkDocs' ``Page.render`` does,
    with MkDocs' own processors for links, anchors and the title."""

    def __init__(self, config: Any) -> None:
        import markdown

        self.md = markdown.Markdown(
            extensions=config["markdown_extensions"],
            extension_configs=config["mdx_configs"] or {},
        )
        self._empty: str | None = None  # an empty region's HTML (listings, story pages)

    def render(self, page: Any, config: Any, files: Any) -> None:
        from mkdocs.structure import pages
        from mkdocs.structure.toc import get_toc

        md = self.md.reset()
        raw_html = pages._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = pages._RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = pages._ExtractTitleTreeprocessor()
        title._register(md)
        text = page.markdown
        # Pages without Markdown (listings, story pages) all convert the same: once.
        converted = self._empty if not text else None
        if converted is None:
            converted = md.convert(text)
            if not text:
                self._empty = converted
        page.content = converted
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors
