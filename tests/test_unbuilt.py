"""An incremental build keeps the pages it does not write out of MkDocs' passes
(``mkdocs_ext/unbuilt.py``) and gives the site a full build gives, sitemap and links included."""

from __future__ import annotations

import gzip
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import run, tree
from hypothesis import given
from hypothesis import strategies as st

from briefing.mkdocs_ext import unbuilt

SITE_URL = "https://newsroom.example/briefing/"


@pytest.mark.slow
def test_an_incremental_build_of_few_pages_equals_a_full_build(
    built_demo: Path, tmp_path: Path
) -> None:
    """With ``site_url`` (every page in the sitemap, by its canonical URL) and an analysis
    that links to pages this build does not write: the same files, byte for byte."""
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8").replace(
        "  - Archive: archive/index.md\n", "  - archive/index.md\n"
    )
    assert "  - archive/index.md\n" in text  # a nav entry whose title is the page's own
    config.write_text(f"site_url: {SITE_URL}\n{text}", encoding="utf-8")
    assert run(root, "build").code == 0  # the first build with site_url: all pages
    articles = sorted((root / "content" / "articles").rglob("*.md"))
    linking, linked = articles[0], articles[1]
    assert linking.parent == linked.parent
    with linking.open("a", encoding="utf-8") as handle:  # an editor links two pages
        handle.write(
            f"\nCompare [the other report]({linked.name}) and"
            " [the archive](../../../archive/index.md).\n"
        )
    incremental = run(root, "build", "-v")
    assert incremental.code == 0, incremental.err
    assert "incremental" in incremental.out
    # MkDocs was handed files only for the pages this build writes (and the hand-written
    # ones): the changed article, its story, the listings that show it; not every page.
    made = re.search(r"docs files: (\d+), of which (\d+) made", incremental.err)
    assert made is not None, incremental.err
    assert 0 < int(made[2]) < int(made[1]) / 2
    full = run(root, "build", "--full", "--site-dir", str(tmp_path / "full"))
    assert full.code == 0, full.err

    built, expected = tree(root / "site"), tree(tmp_path / "full")
    assert sorted(built) == sorted(expected)
    assert [name for name in built if built[name] != expected[name]] == []
    sitemap = ET.fromstring(built["sitemap.xml"])
    locs = [e.text for e in sitemap.iter() if e.tag.endswith("loc")]
    pages = [name for name in built if name.endswith("index.html")]
    assert len(locs) == len(pages) > len(articles)
    assert gzip.decompress(built["sitemap.xml.gz"]) == built["sitemap.xml"]
    doc = linking.relative_to(root / "content").with_suffix("").as_posix()
    page = built[f"{doc}/index.html"].decode()
    assert f'href="../{linked.stem}/"' in page and 'href="../../../../archive/"' in page


def _mkdocs_urls(site_url: str | None, url: str) -> tuple[str | None, str | None]:
    """``Page._set_canonical_url`` of MkDocs 1.6, as it is written there."""
    if site_url:
        base = site_url if site_url.endswith("/") else site_url + "/"
        canonical = urljoin(base, url)
        return canonical, urlsplit(canonical).path
    return None, None


SEGMENTS = st.text(alphabet="abc-_.~09%:?#;/ ", min_size=0, max_size=8)


@given(
    site=st.sampled_from(
        [
            "",
            SITE_URL,
            "https://newsroom.example",
            "http://127.0.0.1:8000/",
            "https://owner.github.io/repo",
            "https://example.org/a/../b/",
            "https://example.org/a//b/",
            "https://example.org/x?y=1",
        ]
    ),
    parts=st.lists(SEGMENTS, max_size=4),
    directory=st.booleans(),
)
def test_page_urls_are_mkdocs_own(site: str, parts: list[str], directory: bool) -> None:
    url = "/".join(parts) + ("/" if directory and parts else "")
    assert unbuilt._Urls(site).of(url) == _mkdocs_urls(site, url)


NAMES = st.text(alphabet="abcXYZ-_.é %09", min_size=1, max_size=10)


@given(
    folders=st.lists(NAMES.filter(lambda n: n not in (".", "..")), max_size=3),
    stem=st.one_of(st.sampled_from(["index", "README", "readme", "Index"]), NAMES),
    directory_urls=st.booleans(),
)
def test_the_url_of_a_page_no_file_was_made_of_is_mkdocs_own(
    folders: list[str], stem: str, directory_urls: bool
) -> None:
    from mkdocs.structure.files import File

    src = "/".join([*folders, f"{stem}.md"])
    expected = File(src, "/docs", "/site", directory_urls).url
    assert unbuilt.page_url(src, directory_urls) == expected


def test_pages_are_left_out_only_when_every_plugin_is_known() -> None:
    class Config:
        def __init__(self, *plugins: str) -> None:
            self.plugins = dict.fromkeys(plugins)

    assert unbuilt.may_hide(cast(Any, Config("search", "briefing")))
    assert unbuilt.may_hide(cast(Any, Config("material/search", "briefing")))
    assert not unbuilt.may_hide(cast(Any, Config("search", "briefing", "tags")))


def test_the_theme_files_are_mkdocs_own_without_walking_the_dot_folders(tmp_path: Path) -> None:
    """``HiddenFiles.add_files_from_theme`` leaves the theme's dot-folders unwalked (Material's
    ``.icons``: thousands of files) and finds the files MkDocs' own finds, in its order."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    theme = tmp_path / "overrides"
    for name in [
        "main.html", "assets/extra.js", "assets/.hidden/x.js", ".icons/own/a.svg",
        "partials/.notes.css", "locales/fr.yml", "README.md", "css/readme.css",
        "img/logo.png", "deep/.dot/deeper/z.css", "deep/ok/y.css", "sitemap.xml",
    ]:  # fmt: skip
        (theme / name).parent.mkdir(parents=True, exist_ok=True)
        (theme / name).write_text("x", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(
        "site_name: T\ntheme:\n  name: material\n  custom_dir: overrides\n", "utf-8"
    )
    config = load_config(config_file=str(config_file))
    env = config.theme.get_env()
    theirs, ours = Files([]), unbuilt.HiddenFiles.hiding(Files([]), [])
    theirs.add_files_from_theme(env, config)
    ours.add_files_from_theme(env, config)
    found = [(f.src_uri, f.abs_src_path) for f in ours]
    assert found == [(f.src_uri, f.abs_src_path) for f in theirs]
    assert ("assets/extra.js", str(theme / "assets/extra.js")) in found
    assert ("deep/ok/y.css", str(theme / "deep/ok/y.css")) in found
    assert len(found) > 20  # Material's own assets too
