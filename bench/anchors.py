"""The anchors the scale benchmark compares a briefing build with, on the same articles.

(a) the Python-Markdown floor: the same Markdown converted by Python-Markdown alone, in-process,
    with the extensions MkDocs would load for the site's ``mkdocs.yml``;
(b) the usual MkDocs way: every article a Material blog-plugin post, built by ``mkdocs build``;
(c) plain MkDocs + Material with search and a small nav, without the briefing plugin;
(d) Hugo (Debian's ``hugo`` package, where installed): the same articles as a minimal Hugo
    site, layouts written here (no theme download), built with ``hugo --minify``.
The sites for (b), (c) and (d) are only written here; ``scale.py`` builds and measures them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .generate import Item

# MkDocs always loads these before the ones a site lists.
MKDOCS_DEFAULT_EXTENSIONS = ["toc", "tables", "fenced_code"]


@dataclass(frozen=True)
class Floor:
    docs_pages: int  # the generated article pages under docs/articles/
    docs_seconds: float
    bodies: int  # the analyses (article bodies) under content/articles/
    bodies_seconds: float
    docs_cpu_seconds: float = 0.0  # CPU time of the article pages' conversion

    def summary(self) -> str:
        return (
            f"Markdown floor: {self.docs_pages:,} article pages in {self.docs_seconds:.2f} s,"
            f" {self.bodies:,} analyses alone in {self.bodies_seconds:.2f} s"
        )


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml even when it uses ``!!python/name`` or ``!ENV`` tags (kept as None)."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def site_extensions(mkdocs_yml: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The Markdown extensions (names and configs) MkDocs uses for a site."""
    data = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    names = list(MKDOCS_DEFAULT_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    for entry in (data or {}).get("markdown_extensions") or []:
        name, config = (entry, None) if isinstance(entry, str) else next(iter(entry.items()))
        if name not in names:
            names.append(name)
        if config:
            configs[name] = dict(config)
    return names, configs


def _convert_all(texts: list[str], mkdocs_yml: Path) -> tuple[float, float]:
    """(wall, CPU) seconds to convert every text, one Markdown instance reset between texts."""
    import markdown

    names, configs = site_extensions(mkdocs_yml)
    md = markdown.Markdown(extensions=names, extension_configs=configs)
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        md.reset().convert(text)
    return time.perf_counter() - started, time.process_time() - cpu


def markdown_floor(root: Path) -> Floor:
    """Time Python-Markdown alone on the site's article pages and, separately, its analyses."""
    from mkdocs.utils.meta import get_data

    from briefing.store.frontmatter import split

    pages = [get_data(p.read_text(encoding="utf-8"))[0] for p in _md(root / "docs" / "articles")]
    bodies = [
        split(p.read_text(encoding="utf-8"), p)[1] for p in _md(root / "content" / "articles")
    ]
    config = root / "mkdocs.yml"
    (docs_wall, docs_cpu), (bodies_wall, _) = (
        _convert_all(pages, config),
        _convert_all(bodies, config),
    )
    return Floor(len(pages), docs_wall, len(bodies), bodies_wall, docs_cpu)


def _md(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.md")) if folder.is_dir() else []


# -- the MkDocs sites of the same articles ------------------------------------------------------


def article_markdown(item: Item, more: bool = False) -> str:
    """One article as a hand-made MkDocs page: headline, meta line, snippet, analysis, link."""
    separator = "\n<!-- more -->\n" if more else ""
    return (
        f"# {item.title}\n\n*{item.publisher} · {item.published[:10]}*\n\n> {item.snippet}\n"
        f"{separator}\n{item.analysis}\n[Read original article →]({item.link})\n"
    )


def _slug(item: Item, index: int) -> str:
    from slugify import slugify

    return f"{slugify(item.title, max_length=70, word_boundary=True)}-{index}"


def _mkdocs_yml(name: str, plugins: list[str], site_yml: Path, nav: bool) -> str:
    names, configs = site_extensions(site_yml)
    data: dict[str, Any] = {
        "site_name": f"{name} (fictional benchmark)",
        "theme": {"name": "material", "font": False},
        "plugins": plugins,
        "markdown_extensions": [
            {n: configs[n]} if n in configs else n
            for n in names
            if n not in MKDOCS_DEFAULT_EXTENSIONS or n in configs
        ],
    }
    if nav:  # a small, fixed nav: MkDocs' default nav would list every article on every page
        data["nav"] = [{"Home": "index.md"}]
    return yaml.safe_dump(data, sort_keys=False)


def write_plain_site(dest: Path, items: list[Item], site_yml: Path) -> Path:
    """(c) MkDocs + Material + search, one page per article, a small nav."""
    docs = _fresh(dest) / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Plain MkDocs anchor\n", encoding="utf-8")
    for index, item in enumerate(items):
        path = (
            docs
            / "articles"
            / item.published[:4]
            / item.published[5:7]
            / f"{_slug(item, index)}.md"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_markdown(item), encoding="utf-8")
    text = _mkdocs_yml("Plain MkDocs anchor", ["search"], site_yml, nav=True)
    (dest / "mkdocs.yml").write_text(text, encoding="utf-8")
    return dest


def write_blog_site(dest: Path, items: list[Item], site_yml: Path) -> Path:
    """(b) the usual MkDocs way: Material's blog plugin, one post per article, with search."""
    posts = _fresh(dest) / "docs" / "blog" / "posts"
    posts.mkdir(parents=True)
    (dest / "docs" / "index.md").write_text("# Blog plugin anchor\n", encoding="utf-8")
    (dest / "docs" / "blog" / "index.md").write_text("# Blog\n", encoding="utf-8")
    for index, item in enumerate(items):
        front = f"---\ndate: {item.published[:10]}\n---\n\n"
        text = front + article_markdown(item, more=True)
        (posts / f"{_slug(item, index)}.md").write_text(text, encoding="utf-8")
    text = _mkdocs_yml("Blog plugin anchor", ["search", "blog"], site_yml, nav=False)
    (dest / "mkdocs.yml").write_text(text, encoding="utf-8")
    return dest


# -- Hugo ---------------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "http://127.0.0.1/"
languageCode = "en"
title = "Hugo anchor (fictional benchmark)"
paginate = 50
disableKinds = ["taxonomy", "term"]
"""
# A page skeleton, an article page, a paginated list of articles (home and section): what a
# minimal news site needs, no theme.
HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!doctype html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{- .Date.Format "2 January 2006" }}</time></p>
{{ .Content }}
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pages := .Paginate (where site.RegularPages "Section" "articles") }}
<ul>
{{ range $pages.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
<nav>
{{ with $pages.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}
{{ with $pages.Next }}<a href="{{ .URL }}">Older</a>{{ end }}
</nav>
{{ end }}
""",
}


def hugo() -> str | None:
    """The ``hugo`` command, when installed."""
    return shutil.which("hugo")


def hugo_version() -> str:
    command = hugo()
    if command is None:
        return ""
    done = subprocess.run([command, "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().split(" BuildDate")[0]


def write_hugo_site(dest: Path, items: list[Item]) -> Path:
    """(d) The same articles as a Hugo site: ``content/articles/<slug>.md`` with title and date
    front matter, the meta line, snippet, analysis and link as the body; layouts from here."""
    root = _fresh(dest)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    (root / "content" / "_index.md").write_text("---\ntitle: Latest\n---\n", encoding="utf-8")
    (articles / "_index.md").write_text("---\ntitle: Articles\n---\n", encoding="utf-8")
    for index, item in enumerate(items):
        # JSON strings are YAML strings: any headline is safe in the front matter.
        front = f"---\ntitle: {json.dumps(item.title)}\ndate: {item.published}\n---\n\n"
        body = article_markdown(item).split("\n", 2)[2]  # the headline is the page title
        (articles / f"{_slug(item, index)}.md").write_text(front + body, encoding="utf-8")
    return root


def _fresh(dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    return dest
