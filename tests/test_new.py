"""`briefing new`: a new briefing repository that ingests, builds strictly and validates."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import DEMO, run
from hypothesis import given
from hypothesis import strategies as st
from test_workflows import validate_github_dir

from briefing import __version__
from briefing.scaffold import default_package_spec, google_news_url, render_mkdocs

SPEC = "mkdocs-briefing @ git+https://github.com/briefing-developers/briefing@0123abc"


def new(tmp_path: Path, *extra: str, name: str = "harbor") -> tuple[Path, str, str]:
    result = run(
        tmp_path,
        *("new", name, "--title", "Harbor Watch: Marrow Bay"),
        *("--topic", '"Marrow Bay" tidal & turbines', *extra),
    )
    return tmp_path / name, result.out, result.err


def test_new_writes_a_complete_repository(tmp_path: Path) -> None:
    root, out, _ = new(tmp_path, "--package-spec", SPEC)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        ".github/dependabot.yml",
        ".github/pull_request_template.md",
        ".github/workflows/checks.yml",
        ".github/workflows/publish.yml",
        ".gitignore",
        "README.md",
        "content/articles/.gitkeep",
        "content/feeds.yml",
        "docs/about.md",
        "mkdocs.yml",
        "requirements.txt",
    ]
    assert out.startswith(f"created 11 files in harbor/ (installs {SPEC!r})")
    mkdocs = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    assert mkdocs["site_name"] == "Harbor Watch: Marrow Bay"
    assert mkdocs["plugins"] == yaml.safe_load((DEMO / "mkdocs.yml").read_text())["plugins"]
    feeds = yaml.safe_load((root / "content" / "feeds.yml").read_text(encoding="utf-8"))
    assert feeds["feeds"][0]["url"] == (
        "https://news.google.com/rss/search?q=%22Marrow+Bay%22+tidal+%26+turbines"
        "&hl=en-US&gl=US&ceid=US:en"
    )
    assert (root / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == SPEC
    readme = (root / "README.md").read_text(encoding="utf-8")
    for step in ("git push -u origin main", "GitHub Actions", "Run workflow", "60 days"):
        assert step in readme
    assert "/site/" in (root / ".gitignore").read_text(encoding="utf-8")


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "harbor").mkdir()
    (tmp_path / "harbor" / "notes.md").write_text("mine\n", encoding="utf-8")
    result = run(tmp_path, "new", "harbor", "--title", "T", "--topic", "tides")
    assert result.code == 1
    assert (
        result.err.strip()
        == "briefing: harbor: already exists and is not empty; choose a new folder"
    )
    assert [p.name for p in (tmp_path / "harbor").iterdir()] == ["notes.md"]
    assert (tmp_path / "harbor" / "notes.md").read_text(encoding="utf-8") == "mine\n"


def test_new_without_a_package_spec_pins_this_release(tmp_path: Path) -> None:
    root, out, _ = new(tmp_path)
    spec = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1]
    # An editable install (this test run) has no git URL of its own: the release it is.
    assert spec == f"mkdocs-briefing=={__version__}"
    assert f"(installs {spec!r})" in out


def test_default_package_spec_follows_github_repository() -> None:
    spec = default_package_spec({"GITHUB_REPOSITORY": "someone/briefing"})
    assert spec == "mkdocs-briefing @ git+https://github.com/someone/briefing"
    # Never plain "briefing": that name on PyPI is an unrelated project.
    assert default_package_spec({}) == f"mkdocs-briefing=={__version__}"


@given(st.text(min_size=1, max_size=80).filter(lambda s: s.strip() == s and s.isprintable()))
def test_any_title_survives_into_mkdocs_yml(title: str) -> None:
    config = yaml.safe_load(render_mkdocs(title, f"About {title}"))
    assert config["site_name"] == title
    assert config["site_description"] == f"About {title}"


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60))
def test_google_news_query_round_trips(topic: str) -> None:
    url = google_news_url(topic)
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert query["q"] == [topic]
    assert query["hl"] == ["en-US"] and query["ceid"] == ["US:en"]
    assert " " not in url and "#" not in url.split("?", 1)[1]


@pytest.mark.slow
def test_new_site_ingests_builds_strictly_and_its_workflows_validate(tmp_path: Path) -> None:
    root, _, _ = new(tmp_path, "--package-spec", SPEC)
    validate_github_dir(root / ".github")
    # Point the feed at a local copy of a fictional demo feed (no network in tests).
    shutil.copy(DEMO / "feeds" / "google-news-marrow-bay.rss", root / "content" / "local.rss")
    feeds_yml = root / "content" / "feeds.yml"
    feeds = yaml.safe_load(feeds_yml.read_text(encoding="utf-8"))
    feeds["feeds"][0]["url"] = "content/local.rss"
    feeds_yml.write_text(yaml.safe_dump(feeds, sort_keys=False), encoding="utf-8")

    ingested = run(root, "ingest")
    assert ingested.code == 0, ingested.err
    assert list((root / "content" / "articles").rglob("*.md"))
    built = run(root, "build")
    assert built.code == 0, built.err + built.out
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "Harbor Watch: Marrow Bay" in home
    assert (root / "site" / "about" / "index.html").is_file()
    assert run(root, "check").code == 0
