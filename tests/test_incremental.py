"""An incremental build gives exactly the site a full build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, run, tree

pytestmark = pytest.mark.slow


def test_incremental_build_equals_full_build(built_demo: Path, tmp_path: Path) -> None:
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    articles = sorted((root / "content" / "articles").rglob("*.md"))
    # The first article alone has a tag: its tag page and topic feed go when it goes.
    text = articles[0].read_text(encoding="utf-8")
    articles[0].write_text(text.replace("tags:\n", "tags:\n- only-here\n", 1), encoding="utf-8")
    assert run(root, "build").code == 0  # a first build here, so the next can be incremental
    assert (root / "site" / "tags" / "only-here.xml").is_file()
    articles[0].unlink()  # an editor removes an article
    with articles[1].open("a", encoding="utf-8") as handle:  # and edits another's analysis
        handle.write("\nAn editor adds a sentence about the quayside survey.\n")
    feeds = yaml.safe_load((root / "content" / "feeds.yml").read_text())["feeds"]
    shutil.copy(FIXTURES / "feeds" / "extra.rss", root / "extra.rss")
    feeds.append({"name": "Extra", "url": "extra.rss"})
    (root / "content" / "feeds.yml").write_text(yaml.safe_dump({"feeds": feeds}))
    for command in (["ingest"], ["analyze"]):
        assert run(root, *command).code == 0

    incremental = run(root, "build")
    assert incremental.code == 0, incremental.err
    assert "incremental" in incremental.out
    full = run(root, "build", "--full", "--site-dir", str(tmp_path / "full"))
    assert full.code == 0, full.err
    assert "full" in full.out

    built, expected = tree(root / "site"), tree(tmp_path / "full")
    assert sorted(built) == sorted(expected)
    different = [name for name in built if built[name] != expected[name]]
    assert different == []
    removed = articles[0].relative_to(root / "content").with_suffix("").as_posix()
    assert f"{removed}/index.html" not in built
    # Topic feeds are compared too: the removed article's is gone, the new feed's is there.
    assert "tags/only-here.xml" not in built and "tags/only-here/index.html" not in built
    assert "feeds/extra.xml" in built
    assert sum(name.endswith(".xml") and "/" in name for name in built) > 10
    assert any(name.startswith("search/briefing/terms/") for name in built)


def test_rendering_only_what_changed_gives_the_same_pages(built_demo: Path, tmp_path: Path) -> None:
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    assert run(root, "render").code == 0
    story_article = next(
        p
        for p in sorted((root / "content" / "articles").rglob("*.md"))
        if "story:" in p.read_text()
    )
    text = story_article.read_text(encoding="utf-8")
    story_article.write_text(
        text.replace("publisher: ", "publisher: Renamed ", 1), encoding="utf-8"
    )
    again = run(root, "render")
    assert again.code == 0, again.err
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("site"))
    for cached in ("render.json", "articles.pickle"):  # no memory of the last render
        (fresh / ".cache" / "briefing" / cached).unlink()
    shutil.rmtree(fresh / "docs" / "articles")
    shutil.rmtree(fresh / "docs" / "stories")
    assert run(fresh, "render").code == 0
    assert tree(root / "docs") == tree(fresh / "docs")
    assert "Renamed" in (root / "docs" / story_article.relative_to(root / "content")).read_text()


def test_a_build_split_over_processes_equals_a_single_process_build(
    built_demo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root, ignore=shutil.ignore_patterns("site"))
    single = run(root, "build", "--full", env={"BRIEFING_JOBS": "1"})
    assert single.code == 0, single.err
    split = run(
        root, "build", "--full", "--site-dir", str(tmp_path / "split"), env={"BRIEFING_JOBS": "3"}
    )
    assert split.code == 0, split.err
    assert "3 processes" in split.out
    assert tree(root / "site") == tree(tmp_path / "split")
