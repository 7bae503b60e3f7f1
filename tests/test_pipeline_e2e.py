"""End to end: the real CLI on temporary site roots, the real MkDocs build, the built HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import run, write_feeds

from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow


def articles_in(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        found[article.id] = path
    return found


def snapshot(root: Path, folder: str = "content") -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_demo_builds_one_page_per_article_with_every_element(built_demo: Path) -> None:
    site = built_demo / "site"
    ids = articles_in(built_demo)
    assert len(ids) >= 20
    for path in ids.values():
        article = parse_article(path.read_text(encoding="utf-8"), path)
        rel = path.relative_to(built_demo / "content").with_suffix("")
        page = (site / rel / "index.html").read_text(encoding="utf-8")
        text = text_of(page)
        assert article.title in text
        assert article.publisher in text
        assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00">', page)
        if article.snippet:
            assert article.snippet[:60] in text
        assert 'id="analysis"' in page
        assert "Read original article →" in page
        link = article.original.replace("&", "&amp;")
        assert f'href="{link}" rel="noopener nofollow"' in page
        assert article.domain in text


def test_home_lists_articles_newest_first(built_demo: Path) -> None:
    home = (built_demo / "site" / "index.html").read_text(encoding="utf-8")
    times = re.findall(r'<li class="briefing-item">.*?<time datetime="([^"]+)"', home, re.S)
    assert len(times) >= 20
    assert times == sorted(times, reverse=True)


def test_second_ingest_adds_nothing_and_rewrites_nothing(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    before = snapshot(demo_root)
    second = run(demo_root, "ingest")
    assert second.code == 0
    assert "ingested 0 new articles" in second.out
    assert snapshot(demo_root) == before


def test_an_edited_analysis_survives_ingest_and_build_byte_for_byte(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    path = next(iter(articles_in(demo_root).values()))
    edited = path.read_text(encoding="utf-8") + "An editor's *analysis*,\nwith  odd   spacing.\n\n"
    path.write_bytes(edited.encode("utf-8"))
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "build").code == 0
    assert path.read_bytes() == edited.encode("utf-8")
    rel = path.relative_to(demo_root / "content").with_suffix("")
    page = (demo_root / "site" / rel / "index.html").read_text(encoding="utf-8")
    assert "An editor's <em>analysis</em>" in page


def test_check_reports_broken_front_matter_with_path_and_line(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "check").code == 0
    path = sorted((demo_root / "content" / "articles").rglob("*.md"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = 'title: "unclosed\n'
    path.write_text("".join(lines), encoding="utf-8")
    result = run(demo_root, "check")
    rel = path.relative_to(demo_root).as_posix()
    assert result.code == 1
    assert re.search(rf"^{re.escape(rel)}:\d+: invalid YAML front matter", result.out, re.M)


def test_check_reports_a_missing_required_key(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    path = sorted((demo_root / "content" / "articles").rglob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^publisher: .*\n", "", text, count=1, flags=re.M), encoding="utf-8")
    result = run(demo_root, "check")
    rel = path.relative_to(demo_root).as_posix()
    assert result.code == 1
    assert f"{rel}:1: missing required key 'publisher'" in result.out


def test_a_dead_feed_is_reported_by_name_and_skipped(demo_root: Path) -> None:
    feeds = yaml.safe_load((demo_root / "content" / "feeds.yml").read_text())["feeds"]
    (demo_root / "not-a-feed.txt").write_text("hello, this is not XML at all")
    feeds += [
        {"name": "Missing file", "url": "feeds/does-not-exist.xml"},
        {"name": "Plain text", "url": "not-a-feed.txt"},
        {"name": "Closed port", "url": "http://127.0.0.1:9/feed.xml"},
    ]
    write_feeds(demo_root, feeds)
    result = run(demo_root, "ingest")
    assert result.code == 0, result.err
    assert "feed 'Missing file' failed: feeds/does-not-exist.xml: no such file" in result.err
    assert "feed 'Plain text' failed: not an RSS or Atom feed" in result.err
    assert "feed 'Closed port' failed: " in result.err
    assert "3 failed" in result.out
    assert len(articles_in(demo_root)) >= 20  # the good feeds were ingested
    assert run(demo_root, "ingest", "--strict").code == 1


def test_ingest_exits_1_only_when_every_feed_failed(empty_root: Path) -> None:
    write_feeds(empty_root, [{"name": "Gone", "url": "nowhere.xml"}])
    result = run(empty_root, "ingest")
    assert result.code == 1
    assert "feed 'Gone' failed" in result.err


def test_an_empty_briefing_builds_a_site_that_says_so(empty_root: Path) -> None:
    result = run(empty_root, "build")
    assert result.code == 0, result.err
    home = (empty_root / "site" / "index.html").read_text(encoding="utf-8")
    assert "No articles yet" in home


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run(tmp_path, "build").code == 2  # not a site root
    assert "no mkdocs.yml" in run(tmp_path, "build").err
    assert run(tmp_path, "frobnicate").code == 2
    for command in ("ingest", "render", "build", "serve", "check"):
        result = run(tmp_path, command, "--help")
        assert result.code == 0
        assert command in result.out


def test_bad_feeds_yml_is_reported_with_its_lines(empty_root: Path) -> None:
    (empty_root / "content").mkdir()
    (empty_root / "content" / "feeds.yml").write_text(
        "feeds:\n  - name: A\n    url: a.xml\n  - url: b.xml\n  - name: A\n    url: c.xml\n"
        "  - name: D\n    url: ftp://x/y\n    colour: red\n"
    )
    result = run(empty_root, "ingest")
    assert result.code == 1
    assert "content/feeds.yml:4: feed is missing 'name'" in result.err
    assert "content/feeds.yml:5: feed 'A' repeats the feed on line 2" in result.err
    assert "content/feeds.yml:7: unknown key(s) 'colour'" in result.err


def _tree(root: Path, folder: str) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in (root / folder).rglob("*") if p.is_file()
    }


def test_rendering_is_deterministic_and_skips_unchanged_files(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    first = run(demo_root, "render")
    assert first.code == 0
    before = snapshot(demo_root, "docs")
    again = run(demo_root, "render")
    assert "(0 written, 0 removed" in again.out
    assert snapshot(demo_root, "docs") == before


def test_a_removed_article_disappears_from_the_site(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    path = sorted((demo_root / "content" / "articles").rglob("*.md"))[0]
    rel = path.relative_to(demo_root / "content")
    assert run(demo_root, "render").code == 0
    assert (demo_root / "docs" / rel).exists()
    path.unlink()
    result = run(demo_root, "render")
    assert "1 removed" in result.out
    assert not (demo_root / "docs" / rel).exists()
    assert run(demo_root, "ingest").code == 0
    assert not path.exists(), "a deleted article came back"
