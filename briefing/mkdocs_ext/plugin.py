"""The ``briefing`` MkDocs plugin: the theme's look, edit links to ``content/``, live reload,
no third-party links in the theme, instant navigation only when ``site_url`` is set.

Listed in ``mkdocs.yml`` under ``plugins:``. It keeps site roots small: the stylesheet and
template overrides ship with the package instead of being copied into every briefing.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from ..config import briefing_options, edit_branch, github_repo_url, pages_site_url
from ..models import CACHE_DIR
from ..paths import GENERATED, edit_path, edit_url
from . import chrome, fastpages, unbuilt
from .request import BuildRequest

log = logging.getLogger("mkdocs.plugins.briefing")

# Added in front of Material's templates; MkDocs copies its static files (our CSS) too.
THEME_DIR = Path(__file__).parent / "theme"
CSS = "assets/briefing/briefing.css"


class BriefingConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options in ``mkdocs.yml`` (``- briefing:`` then these keys)."""

    # The sitemap protocol's limit of URLs in one file; past it, sitemap.xml is an index.
    sitemap_urls = c.Type(int, default=chrome.SITEMAP_URLS)
    # Both on in every briefing. Off, generated pages are built as MkDocs builds any page
    # (fastpages.py) and every page carries Material's whole chrome (chrome.py): the tests
    # build both ways and compare.
    fast_pages = c.Type(bool, default=True)
    lean_chrome = c.Type(bool, default=True)


class BriefingPlugin(BasePlugin[BriefingConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        super().__init__()
        self.request: BuildRequest | None = None  # set by builds.build before the build
        self._serving = False
        self._branch = "main"  # edit links open files on it (extra.briefing.branch)
        self._splits: dict[str, fastpages.Split] = {}
        self._shells = fastpages.Shells()
        self._markdown: fastpages.SharedMarkdown | None = None
        self._deferred: list[File] = []  # leaf pages read and written one at a time (on_env)
        self._nav: Any = None
        self._hidden: unbuilt.HiddenFiles | None = None  # an incremental build's (unbuilt.py)

    @property
    def _shard(self) -> tuple[int, int]:
        """(this build process, how many)."""
        request = self.request
        return (request.shard, request.shards) if request else (0, 1)

    @property
    def _fast(self) -> bool:
        return bool(self.config.fast_pages)

    @property
    def _lean(self) -> bool:
        return bool(self.config.lean_chrome)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Serving, the pages are rendered from content/ before each rebuild (on_pre_build).
        # (Defining this hook also keeps the plugin across rebuilds: MkDocs' own rule.)
        self._serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self._shard[0]:
            # A helper build process writes only its share of article and story pages: the
            # 404 page, the sitemap and the search indexes are the first process's job.
            config.theme.static_templates.clear()
            search = [p for n, p in config.plugins.items() if n.endswith("search")]
            handlers = config.plugins.events["post_build"]
            handlers[:] = [h for h in handlers if getattr(h, "__self__", None) not in search]
        if str(THEME_DIR) not in config.theme.dirs:
            config.theme.dirs.insert(0, str(THEME_DIR))
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        if self._lean and not self._shard[0]:
            # Rendered once per build: what every page's chrome shares (chrome.py).
            config.theme.static_templates.update((chrome.CHROME_JS, chrome.ICONS_SVG))
        # "Made with Material for MkDocs" links to another site; a briefing links out only to
        # its sources and to its own repository's edit pages.
        config.extra.setdefault("generator", False)
        if not config.site_url and pages_site_url():
            config.site_url = pages_site_url()  # GitHub Pages' address, from the workflow
        if not config.site_url and "navigation.instant" in config.theme.get("features", []):
            # Material's instant navigation needs site_url: it maps the site's pages from the
            # sitemap, whose <loc>s are absolute only then. Without it pages load normally.
            # (MkDocs writes sitemap.xml either way, and Material's script reads it on every
            # page, so it is kept; it is only useful to search engines with site_url.)
            config.theme["features"] = [
                f for f in config.theme["features"] if not f.startswith("navigation.instant")
            ]
        self._branch = edit_branch(briefing_options(config.extra))
        if not config.repo_url and github_repo_url():
            config.repo_url = github_repo_url()
        if config.repo_url and not config.edit_uri:
            config.edit_uri = edit_path(self._branch, "docs/")
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self._splits.clear()
        self._shells = fastpages.Shells()
        self._markdown = None
        if not self._serving:
            return
        from ..config import load_site
        from ..pages.render import load_and_render

        root = Path(config.config_file_path).parent
        try:
            load_and_render(load_site(root))
        except Exception as exc:  # keep `serve` alive; the error is shown in its log
            log.error("briefing render failed: %s", exc)

    def on_page_markdown(
        self, markdown: str, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        # Articles are edited in content/, never in the generated docs/ page; other generated
        # pages (listings) have nothing to edit.
        source = page.meta.get("briefing_source")
        if isinstance(source, str) and config.repo_url:
            page.edit_url = edit_url(config.repo_url, self._branch, source)
        elif "briefing_generated" in page.meta:
            page.edit_url = None
        if "briefing_generated" in page.meta:
            # Generated pages are searched through briefing's chunked index (search.py);
            # Material's own index, downloaded whole, keeps only the hand-written pages.
            page.meta["search"] = {"exclude": True}
            if not self._fast:
                return markdown
            if fastpages.is_leaf(page.file.src_uri):
                page.meta["template"] = fastpages.LEAF_TEMPLATE
            split = fastpages.split_page(markdown)
            if split is not None:
                self._splits[page.file.src_uri] = split
                return split.markdown
        return markdown

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        if self._fast and page.file.src_uri.startswith(GENERATED):
            if self._markdown is None:
                self._markdown = fastpages.SharedMarkdown(config)
            page.render = functools.partial(self._markdown.render, page)  # type: ignore[method-assign]
        return page

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        if self._lean:
            output = chrome.lift_toggles(chrome.compact(output, page.content))
        if self._fast and fastpages.is_leaf(page.file.src_uri):
            # Written next: MkDocs would keep every page's Markdown and HTML until the build
            # ends, which at tens of thousands of articles is most of the build's memory.
            page.content = None
            page.markdown = ""
        return output

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        split = self._splits.pop(page.file.src_uri, None)
        return fastpages.assemble(split, html) if split else html

    @event_priority(-100)  # last: the leaf pages are built with the environment as it ends up
    def on_env(
        self, env: jinja2.Environment, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        shells = self._shells

        @jinja2.pass_context
        def briefing_leaf(context: jinja2.runtime.Context) -> str:
            def full() -> str:
                return str(context.environment.get_template("main.html").render(context.get_all()))

            return shells.render(context["page"], str(context["base_url"]), full)

        env.globals["briefing_leaf"] = briefing_leaf
        lean = self._lean
        chrome.install(env, config, str(THEME_DIR), lean)
        for file in list(files):  # files no page of a briefing loads (chrome.py)
            if not file.is_documentation_page() and (
                chrome.unused_asset(file.src_uri)
                or (not lean and file.src_uri in (chrome.CHROME_JS, chrome.ICONS_SVG))
            ):
                files.remove(file)
        # Material's templates are compiled on every build; keep the compiled code.
        cache = Path(config.config_file_path).parent / CACHE_DIR / "jinja"
        cache.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache))
        self._build_deferred(env, config, files)
        return env

    def _build_deferred(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> None:
        """Read, convert and write each deferred leaf page in turn, as MkDocs would (its own
        steps, every plugin event included), and let it go before the next. MkDocs reads and
        converts every page first and writes them all afterwards, so a build holds the Markdown
        and HTML of all its pages at once: most of its memory at tens of thousands."""
        from mkdocs.commands import build as engine_build
        from mkdocs.structure.files import InclusionLevel

        deferred, self._deferred = self._deferred, []
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        for file in deferred:
            page = file.page
            if page is None:  # MkDocs made a page of every included file before on_env
                continue
            engine_build._populate_page(page, config, files)
            engine_build._build_page(page, config, doc_files, self._nav, env)

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        shard, shards = self._shard
        changed = self.request.changed if self.request else None
        # In briefing's own builds (always "dirty": MkDocs reads and writes only modified
        # pages), the leaf pages to build are taken out of MkDocs' two passes and built one
        # at a time in on_env (``_build_deferred``).
        defer = self._fast and self.request is not None
        self._deferred = []
        for file in files:
            generated = file.src_uri.startswith(GENERATED)
            if not file.is_documentation_page():
                if shard:  # theme and static files are the first build process's job
                    file.is_modified = _never  # type: ignore[method-assign]
                elif generated and changed is not None:  # the RSS feeds render writes
                    file.is_modified = _always if file.src_uri in changed else _never  # type: ignore[method-assign]
            elif fastpages.shard_of(file.src_uri, shards) != shard:
                file.is_modified = _never  # type: ignore[method-assign]  # another's page
            elif not generated:
                # Hand-written pages are few and are all Material's own search index holds:
                # an incremental (dirty) build must always rebuild them, or it loses them.
                file.is_modified = _always  # type: ignore[method-assign]
            elif changed is not None and file.src_uri not in changed:
                # In briefing's incremental build, a generated page is built when its text
                # changed since its HTML was (site.py compares hashes), not when its file is
                # newer: a fresh checkout with docs/ and site/ restored has new times.
                file.is_modified = _never  # type: ignore[method-assign]
            elif defer and fastpages.is_leaf(file.src_uri) and _included(file):
                self._deferred.append(file)
                file.is_modified = _never  # type: ignore[method-assign]  # built in on_env
            elif changed is not None:
                file.is_modified = _always  # type: ignore[method-assign]
        self._hidden = None
        if changed is not None and unbuilt.may_hide(config):
            # The pages this incremental build does not write, out of MkDocs' passes.
            deferred = set(self._deferred)  # written, in on_env
            unwritten = [
                f
                for f in files
                if f.is_documentation_page() and f.is_modified is _never and f not in deferred
            ]
            files = self._hidden = unbuilt.HiddenFiles.hiding(files, unwritten)
        return files

    def files_for(self, config: MkDocsConfig) -> Files | None:
        """What MkDocs' ``get_files`` would find, for an incremental build in which the
        unwritten pages are hidden anyway (``on_files``): only the files it may write are
        made (``unbuilt.files_for``). None: MkDocs' own ``get_files``."""
        changed = self.request.changed if self.request else None
        if changed is None or not unbuilt.may_hide(config):
            return None
        return unbuilt.files_for(config, changed.__contains__, GENERATED)

    def on_template_context(
        self, context: TemplateContext, /, *, template_name: str, config: MkDocsConfig
    ) -> TemplateContext:
        if template_name == "sitemap.xml" and self._hidden is not None:
            context["pages"] = self._hidden.sitemap_pages(config)  # every page, as MkDocs lists
        return context

    def on_nav(self, nav: Any, config: MkDocsConfig, files: Files) -> Any:
        self._nav = nav
        # A page this build does not rebuild is never read, so a nav entry without a title
        # in mkdocs.yml would have none: read those few pages' source for their titles.
        for page in nav.pages:
            if page.markdown is None and not page.file.is_modified():
                page.read_source(config)
        return nav

    def on_post_template(
        self, output_content: str, template_name: str, config: MkDocsConfig
    ) -> str:
        if self._lean and template_name.endswith(".html"):
            return chrome.compact(output_content)  # the 404 page
        if template_name == "sitemap.xml":
            output_content = chrome.undated_sitemap(output_content)
            if self._lean:
                output_content = chrome.compact_sitemap(output_content)
            index, parts = chrome.split_sitemap(
                output_content, config.site_url or "", self.config.sitemap_urls
            )
            chrome.write_sitemap_parts(Path(config.site_dir), parts)
            return index
        return output_content

    def on_post_build(self, config: MkDocsConfig) -> None:
        log.debug(
            "page shells: %d pages filled in, %d rendered in full",
            self._shells.hits,
            self._shells.full,
        )
        if self.request is not None:
            return  # briefing build writes the search index once the build is done (build.site)
        from ..config import load_site
        from ..pages.search import write_index
        from ..store.content import ContentStore

        site = load_site(Path(config.config_file_path).parent)
        articles, _ = ContentStore(site).load_all()  # unreadable files: reported by render
        report = write_index(Path(config.site_dir), articles, site.cache_dir)
        log.debug("search index: %d articles, %d files written", report.docs, report.files_written)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        content = Path(config.config_file_path).parent / "content"
        if content.is_dir():
            server.watch(str(content))
        return server


def _included(file: File) -> bool:
    """Whether MkDocs builds this file (not a draft, not excluded by ``exclude_docs``)."""
    return bool(file.inclusion.is_included())  # type: ignore[no-untyped-call]


def _always() -> bool:
    return True


def _never() -> bool:
    return False
