"""The fast paths for generated pages give the same site as MkDocs' own way."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import run, set_plugin_options

from briefing.mkdocs_ext.fastpages import MD_END, MD_START, Split, assemble, split_page


def test_a_page_without_markers_is_all_html() -> None:
    assert split_page("<div>a</div>\n") == Split("<div>a</div>\n", "", "")


def test_the_markdown_region_is_cut_out_exactly() -> None:
    text = f"<h1>t</h1>\n{MD_START}\nSome *analysis*.\n{MD_END}\n<p>after</p>\n"
    split = split_page(text)
    assert split == Split("<h1>t</h1>\n", "\nSome *analysis*.\n", "\n<p>after</p>\n")
    assert assemble(split, "<p>Some <em>analysis</em>.</p>") == (
        "<h1>t</h1>\n<p>Some <em>analysis</em>.</p>\n<p>after</p>\n"
    )


@pytest.mark.parametrize(
    "text",
    [f"{MD_START} a {MD_START} b {MD_END}", f"{MD_START} no end", f"x {MD_END}"],
)
def test_unbalanced_markers_leave_the_page_to_markdown(text: str) -> None:
    assert split_page(text) is None


def _normalized(html: str) -> str:
    html = html.replace(f"{MD_START}", "").replace(f"{MD_END}", "")
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@pytest.mark.slow
def test_fast_and_plain_builds_give_the_same_pages(built_demo: Path, tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(built_demo, root, ignore=shutil.ignore_patterns("site"))
    set_plugin_options(root, fast_pages=False)
    result = run(root, "build")
    assert result.code == 0, result.err
    fast_pages = sorted((built_demo / "site").rglob("*.html"))
    assert len(fast_pages) > 40
    for fast in fast_pages:
        rel = fast.relative_to(built_demo / "site")
        plain = (root / "site" / rel).read_text(encoding="utf-8")
        assert _normalized(fast.read_text(encoding="utf-8")) == _normalized(plain), rel
