"""An incremental build gives exactly the site a full build gives."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, run, tree

from briefing.build import sitesize

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
    # The size it reports, counted from the last build's and the pages it wrote or removed
    # (no folder of the article pages read), is the size of the site as it is.
    size = sitesize.measure(root / "site")
    recorded = json.loads((root / ".cache" / "briefing" / "build.json").read_text("utf-8"))
    assert recorded["size"] == [size.files, size.bytes]
    assert f"; {sitesize.megabytes(size.bytes)}, " in incremental.out
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
    (fresh / ".cache" / "briefing" / "render.json").unlink()  # no memory of the last render
    shutil.rmtree(fresh / ".cache" / "briefing" / "articles")
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


def test_an_unchanged_docs_file_is_known_by_its_time_and_size_a_changed_one_by_its_hash(
    built_demo: Path, tmp_path: Path
) -> None:
    """Like git's index: a generated docs file whose modification time and size are those the
    last build recorded is not read again; any other is hashed, and rebuilt when its text
    changed (a same-size edit with a new time is seen; one given back the recorded time is
    not, which only a restored cache does, with the matching site/)."""
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    settled = (1_700_000_000_000_000_000,) * 2  # long ago: not within the "racy" seconds
    doc = sorted((root / "docs" / "articles").rglob("*.md"))[0]
    page = root / "site" / doc.relative_to(root / "docs").with_suffix("") / "index.html"
    os.utime(doc, ns=settled)
    assert run(root, "build").code == 0
    assert run(root, "build").code == 0  # the doc's time and size recorded, as built
    text = doc.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    swapped = head + "\n---\n" + body.replace(" the ", " THE ", 1)
    assert swapped != text and len(swapped) == len(text)

    doc.write_text(swapped, encoding="utf-8")  # the same size, a new time
    edited = run(root, "build")
    assert edited.code == 0, edited.err
    assert "incremental, 1 rebuilt" in edited.out
    assert " THE " in page.read_text(encoding="utf-8")

    os.utime(doc, ns=settled)
    assert run(root, "build").code == 0  # settled again: recorded by time and size
    doc.write_text(text, encoding="utf-8")  # changed, then given the recorded time back
    os.utime(doc, ns=settled)
    kept = run(root, "build")
    assert "nothing changed" in kept.out  # time and size were trusted
    assert " THE " in page.read_text(encoding="utf-8")


def test_page_keys_know_a_loaded_article_by_its_files_hash_and_a_changed_copy_by_its_fields(
    built_demo: Path, tmp_path: Path
) -> None:
    from dataclasses import replace

    from briefing.config import load_site
    from briefing.pages.pagekeys import PageKeys
    from briefing.store.cache import blob_hash, source_hash
    from briefing.store.content import ContentStore

    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    config = load_site(root)
    articles, _ = ContentStore(config).load_all()
    first = articles[0]
    assert source_hash(first) == blob_hash((root / first.path).read_bytes())
    copy = replace(first, title=first.title + " (corrected)")
    assert source_hash(copy) is None
    keys, other = PageKeys(config), PageKeys(config)
    assert keys.changed("a.md", [first]) and other.changed("a.md", [copy])
    assert keys.new["a.md"] != other.new["a.md"]
    again = PageKeys(config)  # the same file read again: the same key
    assert again.changed("a.md", ContentStore(config).load_all()[0][:1])
    assert again.new["a.md"] == keys.new["a.md"]


def test_a_build_with_nothing_to_do_skips_the_engine_unless_the_site_lost_something(
    built_demo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root)
    assert run(root, "build").code == 0
    before = tree(root / "site")
    records = [root / ".cache" / "briefing" / name for name in ("build.json", "render.json")]
    stamps = [(p.stat().st_mtime_ns, p.read_bytes()) for p in records]
    idle = run(root, "build")
    assert idle.code == 0, idle.err
    assert "nothing changed" in idle.out
    assert tree(root / "site") == before
    # Nothing changed, nothing rewritten: the records (a second of JSON each at 100,000
    # articles) are left as they were.
    assert [(p.stat().st_mtime_ns, p.read_bytes()) for p in records] == stamps

    asset = next(p for p in sorted((root / "site" / "assets").rglob("*")) if p.is_file())
    asset.unlink()  # the site lost a file: the engine runs and puts it back
    repaired = run(root, "build")
    assert repaired.code == 0, repaired.err
    assert "nothing changed" not in repaired.out and "incremental, 0 rebuilt" in repaired.out
    assert tree(root / "site") == before


def test_a_generated_page_that_went_missing_is_rendered_again(
    built_demo: Path, tmp_path: Path
) -> None:
    """Render skips a page whose inputs did not change only while its file is still in docs/."""
    root = tmp_path / "site-root"
    shutil.copytree(built_demo, root, ignore=shutil.ignore_patterns("site"))
    docs = root / "docs"
    before = tree(docs)
    lost = [
        sorted((docs / "articles").rglob("*.md"))[2],
        sorted((docs / "stories").rglob("*.md"))[0],
        docs / "archive" / "index.md",
    ]
    for page in lost:
        page.unlink()
    again = run(root, "render")
    assert again.code == 0, again.err
    assert f"({len(lost)} written, 0 removed" in again.out
    assert tree(docs) == before
