"""An incremental build that does not walk the pages it does not write.

In ``briefing build`` after a scheduled run, a few dozen of tens of thousands of pages are
rebuilt (``build.site`` decides which; the plugin marks the rest unmodified). MkDocs still
makes a page object of every file (its canonical URL joined with ``urljoin``), and lists,
reads and builds them in half a dozen passes over all of them, each skipping the unmodified
ones: about a second at 10,000 articles, for nothing, since an unmodified page is neither read
nor written. ``HiddenFiles`` is the collection those passes see instead: the files this build
writes (and every static file), while a link from a page that is built still finds any file
(``get_file_from_path``). The one place where every page counts is the sitemap: its template
gets every page again, in MkDocs' order (``sitemap_pages``), each page this build does not
write with the URLs MkDocs would give it (``Listed``). So the files written are the same.

Only where nothing else could look at every page: MkDocs' plugins being Material's search
and briefing's own (``may_hide``); another plugin (a tags index, a feed) gets every page as
it did before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import urljoin, urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_build_date

# The plugins whose hooks are known not to look at every page.
KNOWN_PLUGINS = frozenset({"search", "material/search", "briefing"})

# A URL path segment that ``urljoin`` keeps as it is (no ".", "..", empty segment, query,
# fragment, parameters or scheme), and a site URL made of such segments.
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
_PLAIN_URL = re.compile(rf"(?:{_SEGMENT}/)*(?:{_SEGMENT})?")
_PLAIN_SITE = re.compile(rf"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(/(?:{_SEGMENT}/)*)")


def may_hide(config: MkDocsConfig) -> bool:
    """Whether the configured plugins are all known to need only the pages built."""
    return set(config.plugins) <= KNOWN_PLUGINS


class HiddenFiles(Files):
    """The files of a build, of which the pages in ``hidden`` (not written by this build) are
    left out of iteration, ``len`` and ``documentation_pages``, while ``get_file_from_path``,
    ``src_uris`` and ``in`` still find them."""

    def __init__(self, files: Files, hidden: Iterable[File]) -> None:
        left_out = {file.src_uri for file in hidden}
        super().__init__(file for file in files if file.src_uri not in left_out)
        self._every: dict[str, File] = dict(files.src_uris)  # in MkDocs' order

    @property
    def src_uris(self) -> Mapping[str, File]:
        return self._every

    def get_file_from_path(self, path: str) -> File | None:
        return self._every.get(PurePath(path).as_posix())

    def __contains__(self, path: str) -> bool:
        return PurePath(path).as_posix() in self._every

    def append(self, file: File) -> None:
        super().append(file)
        self._every[file.src_uri] = file

    def remove(self, file: File) -> None:
        super().remove(file)
        self._every.pop(file.src_uri, None)

    def sitemap_pages(self, config: MkDocsConfig) -> Sequence[File]:
        """What MkDocs' sitemap template lists: every included documentation page, in the
        order of a build that hides none, each with its page."""
        pages = [
            file
            for file in self._every.values()
            if file.is_documentation_page() and file.inclusion.is_included()  # type: ignore[no-untyped-call]
        ]
        urls = _Urls(config.site_url)
        date = get_build_date()
        for file in pages:
            if file.page is None:
                Listed(file, config, date, urls)
        return pages


class _Urls:
    """``Page._set_canonical_url``, by concatenation where ``urljoin`` would only append."""

    def __init__(self, site_url: str | None) -> None:
        self.base = site_url or ""
        if self.base and not self.base.endswith("/"):
            self.base += "/"
        plain = _PLAIN_SITE.fullmatch(self.base)
        self.path = plain.group(1) if plain else None

    def of(self, url: str) -> tuple[str | None, str | None]:
        """(canonical URL, absolute URL) of a page's ``url``, as MkDocs sets them."""
        if not self.base:
            return None, None
        if self.path is not None and _PLAIN_URL.fullmatch(url):
            return self.base + url, self.path + url
        canonical = urljoin(self.base, url)
        return canonical, urlsplit(canonical).path


class Listed(Page):
    """The page of a file this build does not write, as the sitemap reads it: its URLs and
    its date, as ``Page.__init__`` sets them. Anything else read of it is MkDocs' own: on
    first use, ``Page.__init__`` runs (its values are the same)."""

    def __init__(self, file: File, config: MkDocsConfig, date: str, urls: _Urls) -> None:
        self._config = config
        self.file = file
        file.page = self
        self.update_date = date
        self.canonical_url, self.abs_url = urls.of(self.url)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_config":
            raise AttributeError(name)
        Page.__init__(self, None, self.file, self._config)
        return object.__getattribute__(self, name)
