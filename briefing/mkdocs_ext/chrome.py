"""A lean page chrome: what Material repeats on every page, shipped once.

A briefing has tens of thousands of article pages, and each carried about 16 KB of Material's
chrome around 3-4 KB of its own text: GitHub Pages' 1 GB limit was reached at about 50,000
articles. What the chrome repeats is now shared, with nothing a reader sees lost:

- **Whitespace.** Material's templates indent every line; the chrome around a page's content
  is compacted (each run of blanks that holds a line break becomes one line break, which a
  browser renders the same). The page's own content is never touched.
- **JavaScript-only parts** (the palette toggle and its script, the search dialog, the
  back-to-top button, the drawer's navigation list and Material's configuration) come from
  one file, ``assets/briefing/chrome.js``, rendered once per build from Material's own
  partials. Each page keeps a one-line script where the part was; it puts the part back in
  place while the page is parsed, before anything is shown. Without JavaScript none of them
  worked anyway (the drawer did: readers without JavaScript get the tabs on narrow screens).
- **The header and footer of article and story pages** (``briefing_lean_header``), with the
  toggles and the dialog (``lift_toggles``): the same on each but for the page's title, which
  the script takes from the page's ``og:title``. Without JavaScript those pages show no header;
  each opens with a link back to its source's listing. The header's links are made absolute
  when it is put in: it stays while Material's instant navigation swaps pages, and the
  footer's script gives it the new page's title and logo link.
- **Icons** that stay in the page (logo, menu, search, edit) point into one sprite,
  ``assets/briefing/icons.svg``, made from Material's icon files.
- **Files nobody loads**: source maps, Material's lunr search worker and its language files
  (briefing's search has its own worker, ``search-worker.js``).

The plugin option ``lean_chrome: false`` builds the chrome as Material writes it (tests
compare the two).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

CHROME_JS = "assets/briefing/chrome.js"
ICONS_SVG = "assets/briefing/icons.svg"
SEARCH_WORKER = "assets/briefing/search-worker.js"
MATERIAL = "material-theme/"  # Material's own templates, under this prefix (ours shadow them)
BASE = "@@BRIEFINGBASE@@"  # the page's base URL in chrome.js, put in by the script

# Static files of Material that a briefing never loads.
_UNUSED = re.compile(r"(\.map$|^assets/javascripts/lunr/|^assets/javascripts/workers/search\.)")
_BREAKS = re.compile(r"[ \t]*\n[ \t\r\n]*")
_BETWEEN_TAGS = re.compile(r">\s+<")
_ARTICLE = '<article class="md-content__inner md-typeset">'
_CONFIG = re.compile(r'<script id="__config" type="application/json">(.*?)</script>', re.S)
_SVG = re.compile(r"<svg\b[^>]*?(?:\sviewBox=\"([^\"]*)\")?[^>]*>(.*)</svg>", re.S)


# What Material's base.html puts before the header of every page, and its dialog after the
# page, as they are after ``compact`` (with no announcement and no "skip" link, as on every
# article and story page). ``lift_toggles`` moves them into chrome.js with the header.
_TOGGLE = (
    '<input class="md-toggle" data-md-toggle="{0}" type="checkbox" id="__{0}" autocomplete="off">\n'
)
TOGGLES = (
    _TOGGLE.format("drawer")
    + _TOGGLE.format("search")
    + '<label class="md-overlay" for="__drawer"></label>\n'
    '<div data-md-component="skip">\n</div>\n'
    '<div data-md-component="announce">\n</div>\n'
)
DIALOG = (
    '<div class="md-dialog" data-md-component="dialog">\n'
    '<div class="md-dialog__inner md-typeset"></div>\n</div>\n'
)
_HEADER_SCRIPT = '<script>__md_chrome("header",'
_GENERATOR = re.compile(r'[ \t]*<meta name="generator" content="[^"]*">[ \t]*\n?')


def lift_toggles(html: str) -> str:
    """A page whose header comes from chrome.js (``__md_chrome("header", …)``) without the
    toggles before it and the dialog after it, which come from chrome.js with the header
    (``__md_chrome("toggles+header", …)``). Only when both are there exactly as Material
    writes them, once each: otherwise the page is returned as it is."""
    lead = TOGGLES + _HEADER_SCRIPT
    if html.count(lead) != 1 or html.count(DIALOG) != 1:
        return html
    html = html.replace(DIALOG, "")
    return html.replace(lead, '<script>__md_chrome("toggles+header",')


def unused_asset(src_uri: str) -> bool:
    """A theme file no page of a briefing loads."""
    return bool(_UNUSED.search(src_uri))


def _squeeze(text: str) -> str:
    return _BREAKS.sub("\n", text)


def compact(html: str, content: str | None = None) -> str:
    """``html`` with the whitespace of its chrome compacted; ``content`` (the page's own
    HTML, found in ``html``) or, without it, the inside of the page's ``<article>`` is kept
    exactly as it is. A page with neither is returned unchanged."""
    start = html.find(content) if content else -1
    if start >= 0 and content:
        end = start + len(content)
    else:
        start = html.find(_ARTICLE)
        end = html.rfind("</article>")
        if start < 0 or end < start:
            return html
        start += len(_ARTICLE)
    return _squeeze(html[:start]).lstrip() + html[start:end] + _squeeze(html[end:])


def compact_sitemap(xml: str) -> str:
    """MkDocs' sitemap without the indentation between its elements (a third of its bytes;
    with ``site_url`` it lists every page). Material's script reads it as XML: the same."""
    return _BETWEEN_TAGS.sub("><", xml).strip() + "\n"


_LASTMOD = re.compile(r"\s*<lastmod>[^<]*</lastmod>")


def undated_sitemap(xml: str) -> str:
    """MkDocs' sitemap without its ``<lastmod>``s: each is the day of the build, on every page
    (not when the page changed, which is what it means to a search engine), and a sixth of
    the sitemap's bytes at tens of thousands of pages."""
    return _LASTMOD.sub("", xml)


SITEMAP_URLS = 50_000  # the sitemap protocol's limit of URLs in one file
_URL_ENTRY = re.compile(r"<url>.*?</url>", re.S)
SITEMAP_PART = "sitemap-{}.xml.gz"  # gzip, as the protocol allows: a tenth of the bytes
_SITEMAP_PARTS = re.compile(r"sitemap-\d+\.xml(?:\.gz)?")
_URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def split_sitemap(xml: str, site_url: str, limit: int = SITEMAP_URLS) -> tuple[str, dict[str, str]]:
    """MkDocs' sitemap as it may be published: itself when it lists at most ``limit`` URLs,
    else a sitemap index (what ``sitemap.xml`` becomes) and its parts, ``sitemap-1.xml.gz``,
    …, each with at most ``limit`` URLs, in the order MkDocs listed them (the parts' text;
    ``write_sitemap_parts`` compresses them)."""
    entries = _URL_ENTRY.findall(xml)
    if len(entries) <= limit or not site_url:
        return xml, {}
    base = site_url.rstrip("/") + "/"
    parts = {
        SITEMAP_PART.format(n + 1): _URLSET + "".join(entries[at : at + limit]) + "</urlset>\n"
        for n, at in enumerate(range(0, len(entries), limit))
    }
    index = "".join(f"<sitemap><loc>{base}{name}</loc></sitemap>" for name in parts)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    xmlns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    return f"{head}<sitemapindex {xmlns}>{index}</sitemapindex>\n", parts


def write_sitemap_parts(site_dir: Path, parts: dict[str, str]) -> None:
    """Write the parts of a split sitemap into the site, gzip-compressed (the same bytes
    from the same text: no time or name in the header), and remove parts a larger sitemap,
    or an older briefing's uncompressed ones, left there before."""
    site_dir.mkdir(parents=True, exist_ok=True)
    for old in site_dir.iterdir():
        if _SITEMAP_PARTS.fullmatch(old.name) and old.name not in parts:
            old.unlink()
    for name, text in parts.items():
        data = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
        (site_dir / name).write_bytes(data)


# -- icons ------------------------------------------------------------------------------------


def sprite_icons(config: Any) -> dict[str, str]:
    """``{icon name: symbol id}`` of the icons that stay in every page's HTML."""
    icon = dict(config.theme.get("icon") or {})
    names = [
        str(icon.get("menu") or "material/menu"),
        str(icon.get("search") or "material/magnify"),
        str(icon.get("edit") or "material/file-edit-outline"),
        str(icon.get("view") or "material/file-eye-outline"),
    ]
    if not config.theme.get("logo"):
        names.append(str(icon.get("logo") or "material/library"))
    return {name: "i-" + re.sub(r"[^a-z0-9]+", "-", name.lower()) for name in names}


class IconLoader(jinja2.BaseLoader):
    """Material's ``.icons/<name>.svg`` includes for sprite icons become a ``<use>`` of the
    sprite; ``briefing-icon-source/<name>.svg`` is the icon file itself."""

    SOURCE = "briefing-icon-source/"

    def __init__(self, icons: dict[str, str], fallback: jinja2.BaseLoader) -> None:
        self.icons = icons
        self.fallback = fallback

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template.startswith(self.SOURCE):
            return self.fallback.get_source(environment, ".icons/" + template[len(self.SOURCE) :])
        name = template[len(".icons/") : -len(".svg")] if template.startswith(".icons/") else ""
        if not name or name not in self.icons:
            raise jinja2.TemplateNotFound(template)
        source, _, _ = self.fallback.get_source(environment, template)
        match = _SVG.search(source)
        box = match.group(1) if match and match.group(1) else "0 0 24 24"
        href = "{{ '" + ICONS_SVG + "' | url }}#" + self.icons[name]
        # xlink:href, not href: Material's instant navigation sets every [href] it finds,
        # and an SVG <use>'s href property cannot be set.
        return f'<svg viewBox="{box}"><use xlink:href="{href}"/></svg>', None, lambda: True


def sprite(env: jinja2.Environment, icons: dict[str, str]) -> str:
    """The sprite file: one ``<symbol>`` per icon, made from the icon's own SVG file."""
    symbols = []
    for name, ident in icons.items():
        try:
            source = env.get_template(IconLoader.SOURCE + name + ".svg").render()
        except jinja2.TemplateNotFound:
            continue
        match = _SVG.search(source)
        if match:
            box = match.group(1) or "0 0 24 24"
            symbols.append(
                f'<symbol id="{ident}" viewBox="{box}">{match.group(2).strip()}</symbol>'
            )
    return '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n"


# -- Material's configuration --------------------------------------------------------------------

# The same values as the config block of Material's base.html, but for the base URL.
_SHARED_CONFIG = """{%- import "partials/language.html" as lang with context -%}
{%- set _ = namespace() -%}
{%- set _.annotate = config.extra.annotate -%}
{%- set _.tags = config.extra.tags -%}
{%- if config.extra.version -%}
  {%- set mike = config.plugins.mike -%}
  {%- if not mike or mike.config.version_selector -%}
    {%- set _.version = config.extra.version -%}
  {%- endif -%}
{%- endif -%}
{{- {
  "features": config.theme.features or [],
  "translations": {
    "clipboard.copy": lang.t("clipboard.copy"),
    "clipboard.copied": lang.t("clipboard.copied"),
    "search.result.placeholder": lang.t("search.result.placeholder"),
    "search.result.none": lang.t("search.result.none"),
    "search.result.one": lang.t("search.result.one"),
    "search.result.other": lang.t("search.result.other"),
    "search.result.more.one": lang.t("search.result.more.one"),
    "search.result.more.other": lang.t("search.result.more.other"),
    "search.result.term.missing": lang.t("search.result.term.missing"),
    "select.version": lang.t("select.version")
  },
  "annotate": _.annotate or none,
  "tags": _.tags or none,
  "version": _.version or none
} | tojson -}}"""


class SharedConfig:
    """Material's ``__config`` without the page's base URL: the same on every page, so it
    is kept once, in chrome.js."""

    def __init__(self, env: jinja2.Environment, config: Any, lean: bool) -> None:
        text = env.from_string(_SHARED_CONFIG).render(config=config)
        self.values: dict[str, Any] = json.loads(text)
        self.lean = lean

    def page(self, material: str, base_url: str, search_url: str) -> str:
        """The config script of one page, from the block Material rendered (``material``):
        only the base URL when the rest is the shared config, else all of it."""
        match = _CONFIG.search(material)
        if match is None:
            return material
        values = json.loads(match.group(1))
        values["search"] = search_url
        rest = {k: v for k, v in values.items() if k not in ("base", "search")}
        if self.lean and rest == self.values:
            return f"<script>__md_config({_json(values.get('base', base_url))})</script>"
        return f'<script id="__config" type="application/json">{_json(values)}</script>'


def _json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` (as Jinja's ``tojson``), without spaces."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def material_dir(dirs: list[str]) -> str | None:
    """Material's template folder among the theme's folders."""
    for folder in dirs:
        if (Path(folder) / "partials" / "search.html").is_file() and (
            Path(folder) / "base.html"
        ).is_file():
            return folder
    return None


def install(env: jinja2.Environment, config: Any, theme_dir: str, lean: bool) -> None:
    """Set up ``env`` for the theme's templates: Material's under ``material-theme/``, and
    the globals the theme's templates call; with the lean chrome (``lean``), sprite icons."""
    if getattr(env, "briefing_chrome", False):
        return
    env.briefing_chrome = True  # type: ignore[attr-defined]
    dirs = [d for d in config.theme.dirs if d != theme_dir]
    material = material_dir(dirs)
    original = env.loader
    assert original is not None
    loaders: list[jinja2.BaseLoader] = []
    icons = sprite_icons(config) if lean else {}
    if icons:
        loaders.append(IconLoader(icons, original))
    loaders.append(original)
    if material:
        loaders.append(
            jinja2.PrefixLoader({MATERIAL.rstrip("/"): jinja2.FileSystemLoader(material)})
        )
    env.loader = jinja2.ChoiceLoader(loaders)
    shared = SharedConfig(env, config, lean)

    @jinja2.pass_context
    def briefing_config(context: jinja2.runtime.Context, material_block: str) -> str:
        search = _relative(SEARCH_WORKER, str(context.get("base_url", ".")))
        return shared.page(str(material_block), str(context.get("base_url", ".")), search)

    @jinja2.pass_context
    def briefing_block(
        context: jinja2.runtime.Context, name: str, block: str, **values: Any
    ) -> str:
        """One block of a template, rendered with this context and ``values``."""
        template = context.environment.get_template(name)
        return "".join(
            template.blocks[block](template.new_context({**context.get_all(), **values}))
        )

    @jinja2.pass_context
    def briefing_bare_sidebars(context: jinja2.runtime.Context, page: Any) -> bool:
        """Whether ``page``'s sidebars are those of every generated page: both hidden, no
        table of contents, the page not in the navigation. Then they come from chrome.js."""
        nav = context.get("nav")
        if not lean or page is None or not nav or not getattr(page, "meta", None):
            return False
        hide = page.meta.get("hide") or []
        features = config.theme.get("features") or []
        return (
            "navigation" in hide
            and "toc" in hide
            and not list(page.toc or [])
            and "toc.integrate" not in features
            and page not in nav.pages
        )

    @jinja2.pass_context
    def briefing_lean_header(context: jinja2.runtime.Context, page: Any) -> bool:
        """Whether ``page``'s header and footer come from chrome.js: a page with bare
        sidebars and a link preview (articles and stories, the pages a briefing has by the
        ten thousand). Their header differs from page to page only by the page's title,
        which chrome.js takes from the page's ``og:title``."""
        return bool(briefing_bare_sidebars(context, page) and page.meta.get("briefing_published"))

    env.globals["briefing_config"] = briefing_config
    env.globals["briefing_lean_header"] = briefing_lean_header
    env.globals["briefing_block"] = briefing_block
    env.globals["briefing_bare_sidebars"] = briefing_bare_sidebars
    env.globals["briefing_bare_page"] = BarePage()
    env.globals["briefing_lean"] = lean
    env.globals["briefing_shared_config"] = lambda: _json({**shared.values, "search": ""})
    env.globals["briefing_sprite"] = lambda: sprite(env, icons)
    env.globals["briefing_base"] = BASE
    env.globals["briefing_toggles"] = TOGGLES + DIALOG
    env.filters["briefing_compact"] = lambda text: _squeeze(str(text)).strip()
    env.filters["briefing_unstamped"] = lambda text: _GENERATOR.sub("", str(text))
    env.filters["briefing_js"] = _json


class BarePage:
    """What Material's sidebars read of a generated page: both hidden, no table of contents."""

    meta: dict[str, Any] = {"hide": ["navigation", "toc"]}  # noqa: RUF012
    toc: list[Any] = []  # noqa: RUF012
    title = ""


def _relative(path: str, base_url: str) -> str:
    return path if base_url in ("", ".") else f"{base_url.rstrip('/')}/{path}"
