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

``files_for`` goes one step further and stands in for MkDocs' ``get_files`` in such a build:
it walks the docs folder as MkDocs does (the same order) but makes a ``File`` only of what the
build may write (every file outside render's generated trees, and the generated ones to
rebuild); any other is made when a page being built links to it (``_Every``), and the sitemap
lists it from its path alone (``_Unmade``, with the URL MkDocs would give it, ``page_url``).
At 10,000 articles that is 12,500 ``File`` objects, and their ``Page`` URLs, not made.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any, cast
from urllib.parse import quote, urljoin, urlsplit

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions
from mkdocs.structure.pages import Page
from mkdocs.utils import get_build_date, is_markdown_file

log = logging.getLogger(__name__)

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


class _Every(Mapping[str, File]):
    """Every file of a build by ``src_uri``, in MkDocs' order; a file listed by its path
    alone is made into a ``File`` (its inclusion set as MkDocs sets it) when first asked for."""

    def __init__(self, files: dict[str, File | None], make: Callable[[str], File]) -> None:
        self._files = files
        self._make = make

    def __getitem__(self, src_uri: str) -> File:
        file = self._files[src_uri]
        if file is None:
            file = self._files[src_uri] = self._make(src_uri)
        return file

    def __contains__(self, src_uri: object) -> bool:
        return src_uri in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def entries(self) -> Iterator[tuple[str, File | None]]:
        """(src_uri, its File or None when none was made), without making any."""
        return iter(self._files.items())

    def add(self, file: File) -> None:
        self._files[file.src_uri] = file

    def discard(self, src_uri: str) -> None:
        self._files.pop(src_uri, None)


class _Undotted:
    """A theme's Jinja environment as ``Files.add_files_from_theme`` asks it for its files,
    except that the folders whose names start with "." are not walked: MkDocs' filter drops
    every path with such a part anyway ("``.*``", "``*/.*``"), and Material keeps more than
    ten thousand icons in ``.icons`` (looking at each costs 50 ms a build). The names are
    made as Jinja's ``FileSystemLoader.list_templates`` makes them; another kind of loader is
    asked itself."""

    def __init__(self, env: Any) -> None:
        self.env = env

    def list_templates(self, filter_func: Callable[[str], bool]) -> list[str]:
        loader = self.env.loader
        if type(loader) is not jinja2.FileSystemLoader:
            return list(self.env.list_templates(filter_func=filter_func))
        found = set()
        for searchpath in loader.searchpath:
            for folder, folders, names in os.walk(searchpath, followlinks=loader.followlinks):
                folders[:] = [name for name in folders if not name.startswith(".")]
                for name in names:
                    path = os.path.join(folder, name)[len(searchpath) :]  # noqa: PTH118
                    template = path.strip(os.path.sep).replace(os.path.sep, "/")
                    found.add(template[2:] if template[:2] == "./" else template)
        return [name for name in sorted(found) if filter_func(name)]


class HiddenFiles(Files):
    """The files of a build, of which only ``visible`` are iterated, counted and listed in
    ``documentation_pages``, while ``get_file_from_path``, ``src_uris`` and ``in`` find any
    of ``every`` (the files of the whole docs folder)."""

    def __init__(self, visible: Iterable[File], every: _Every) -> None:
        super().__init__(visible)
        self._every = every

    @classmethod
    def hiding(cls, files: Files, hidden: Iterable[File]) -> HiddenFiles:
        """``files`` but for ``hidden`` (the pages this build does not write)."""
        left_out = {file.src_uri for file in hidden}
        if isinstance(files, HiddenFiles):
            every = files._every
        else:
            every = _Every(dict(files.src_uris), _unknown)  # in MkDocs' order
        return cls((file for file in files if file.src_uri not in left_out), every)

    @property
    def src_uris(self) -> Mapping[str, File]:
        return self._every

    def get_file_from_path(self, path: str) -> File | None:
        return self._every.get(PurePath(path).as_posix())

    def __contains__(self, path: str) -> bool:
        return PurePath(path).as_posix() in self._every

    def append(self, file: File) -> None:
        super().append(file)
        self._every.add(file)

    def remove(self, file: File) -> None:
        super().remove(file)
        self._every.discard(file.src_uri)

    def add_files_from_theme(self, env: Any, config: MkDocsConfig) -> None:
        """MkDocs' own, but the theme's dot-folders are not walked (``_Undotted``)."""
        super().add_files_from_theme(cast(Any, _Undotted(env)), config)

    def sitemap_pages(self, config: MkDocsConfig) -> Sequence[Any]:
        """What MkDocs' sitemap template lists: every included documentation page, in the
        order of a build that hides none, each with its page (or what the template reads of
        one: ``_Unmade``)."""
        pages: list[Any] = []
        unmade: list[_Unmade] = []
        for src_uri, file in self._every.entries():
            if file is not None:
                if file.is_documentation_page() and file.inclusion.is_included():  # type: ignore[no-untyped-call]
                    pages.append(file)
            elif is_markdown_file(src_uri):
                stand_in = _Unmade(src_uri)
                pages.append(stand_in)
                unmade.append(stand_in)
        set_exclusions(unmade, config)  # type: ignore[arg-type]  # reads src_uri, sets inclusion
        urls = _Urls(config.site_url)
        date = get_build_date()
        directory_urls = config.use_directory_urls
        for file in pages:
            if isinstance(file, _Unmade):
                file.page = _Entry(*urls.of(page_url(file.src_uri, directory_urls)), date)
            elif file.page is None:
                Listed(file, config, date, urls)
        return [p for p in pages if not isinstance(p, _Unmade) or p.inclusion.is_included()]  # type: ignore[no-untyped-call]


def _unknown(src_uri: str) -> File:
    raise KeyError(src_uri)


class _Unmade:
    """A documentation page of the docs folder no ``File`` was made of, as the sitemap (and
    ``set_exclusions``) read it."""

    __slots__ = ("inclusion", "page", "src_uri")

    def __init__(self, src_uri: str) -> None:
        self.src_uri = src_uri
        self.inclusion = InclusionLevel.UNDEFINED
        self.page: _Entry | None = None


class _Entry:
    """What MkDocs' sitemap template reads of a page."""

    __slots__ = ("abs_url", "canonical_url", "is_link", "update_date")

    def __init__(self, canonical_url: str | None, abs_url: str | None, update_date: str) -> None:
        self.canonical_url = canonical_url
        self.abs_url = abs_url
        self.update_date = update_date
        self.is_link = False


def page_url(src_uri: str, use_directory_urls: bool) -> str:
    """The URL MkDocs gives the page of a Markdown file (``File.url``): ``a/b.md`` is
    ``a/b/`` (``a/b.html`` without directory URLs), ``a/index.md`` and ``a/README.md``
    are ``a/``. String operations, not ``posixpath.join``: the sitemap asks it of every
    page."""
    parent, _, filename = src_uri.rpartition("/")
    stem = posixpath.splitext(filename)[0]
    name = "index" if stem == "README" else stem
    folder = f"{parent}/" if parent else ""
    if not use_directory_urls:
        return quote(f"{folder}{name}.html")
    if name == "index":
        return quote(folder or "./")
    return quote(f"{folder}{name}/")


def _unmodified() -> bool:
    return False


def _file_sort_key(name: str) -> tuple[bool, str]:
    """MkDocs' order of the files of one folder: ``index`` and ``README`` first."""
    return (posixpath.splitext(name)[0] not in ("index", "README"), name)


def files_for(
    config: MkDocsConfig, build: Callable[[str], bool], generated: tuple[str, ...]
) -> HiddenFiles | None:
    """MkDocs' ``get_files`` for an incremental build, making a ``File`` only of the files
    outside the ``generated`` trees and those ``build`` says this build writes (the module's
    docstring). None when MkDocs must settle a folder itself: one with a README.md (which an
    index.md would hide)."""
    docs_dir = config.docs_dir
    order: list[str] = []
    for folder, folders, names in os.walk(docs_dir, followlinks=True):
        folders.sort()
        names.sort(key=_file_sort_key)
        rel = os.path.relpath(folder, docs_dir).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        order.extend(prefix + name for name in names)
    if any(posixpath.basename(src).startswith("README.") for src in order):
        return None
    use_directory_urls = config.use_directory_urls

    def make(src_uri: str) -> File:
        """A file this build does not write (a generated one not to rebuild), made when a
        page links to it or the nav names it: never modified, as ``on_files`` marks it."""
        file = File(src_uri, docs_dir, config.site_dir, use_directory_urls)
        file.is_modified = _unmodified  # type: ignore[method-assign]
        set_exclusions([file], config)
        return file

    made = [
        File(src, docs_dir, config.site_dir, use_directory_urls)
        for src in order
        if not src.startswith(generated) or build(src)
    ]
    set_exclusions(made, config)
    every: dict[str, File | None] = dict.fromkeys(order)
    every.update((file.src_uri, file) for file in made)
    log.debug("docs files: %d, of which %d made into files for this build", len(order), len(made))
    return HiddenFiles(made, _Every(every, make))


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
