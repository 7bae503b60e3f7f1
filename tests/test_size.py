"""The built site fits GitHub Pages: bytes per article within the budget, and a warning near
the limit.

GitHub Pages publishes at most 1 GB. The budget leaves room for about 80,000 articles:
600 MB at 50,000 articles, so 12,000 bytes per article all in (the site's bytes divided by its
articles: pages, listings, search index, feeds and theme files). 2,000 fictional articles
(bench/generate.py) are built as a scheduled run builds them; listings, which are capped per
page, weigh more per article here than at 50,000, so the budget is met with room at scale.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import DEMO, run

from bench import generate
from briefing.build import sitesize

pytestmark = pytest.mark.slow

ARTICLES = 2_000
BUDGET = 600_000_000 // 50_000  # bytes per article all in: 600 MB at 50,000 articles


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A site root with 2,000 generated articles (~350-word analyses), built once."""
    root = tmp_path_factory.mktemp("size") / "root"
    root.mkdir()
    shutil.copy(DEMO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(DEMO / "docs", root / "docs")
    items = generate.generate(ARTICLES, seed=8)
    generate.write_feeds(root, items)
    result = run(root, "ingest", "-q")
    assert result.code == 0, result.err
    assert generate.write_analyses(root, items) == ARTICLES
    result = run(root, "build", timeout=600)
    assert result.code == 0, result.err
    return root, result.out


def site_bytes(site: Path) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def test_bytes_per_article_fit_the_pages_budget(big: tuple[Path, str]) -> None:
    root, _ = big
    site = root / "site"
    pages = list((site / "articles").glob("*/*/*/index.html"))
    assert len(pages) == ARTICLES
    per_article = site_bytes(site) / ARTICLES
    page = sum(p.stat().st_size for p in pages) / ARTICLES
    assert per_article <= BUDGET, (
        f"{per_article:,.0f} bytes per article all in (article page {page:,.0f}), budget"
        f" {BUDGET:,}: 50,000 articles would take {per_article * 50_000 / 1e6:,.0f} MB"
    )


def test_build_reports_the_sites_size(big: tuple[Path, str]) -> None:
    root, out = big
    size = sitesize.measure(root / "site")
    assert f"; {sitesize.megabytes(size.bytes)}, " in out
    assert "of GitHub Pages' 1 GB limit" in out


def test_build_warns_near_the_pages_limit(big: tuple[Path, str]) -> None:
    """Past 80% of the limit the build warns, naming GitHub Pages' limit; the limit is set
    low for the test with BRIEFING_PAGES_LIMIT, as a briefing on another host would."""
    root, _ = big
    size = site_bytes(root / "site")
    env = {sitesize.LIMIT_ENV: str(int(size / 0.85))}  # the site is 85% of this limit
    result = run(root, "build", env=env)
    assert result.code == 0, result.err
    assert "warning: the built site is" in result.err
    assert "GitHub Pages' 1 GB" in result.err and "BRIEFING_PAGES_LIMIT" in result.err
    assert "deployments to GitHub Pages fail" in result.err
    # In GitHub Actions it is an annotation on the run.
    result = run(root, "build", env={**env, "GITHUB_ACTIONS": "true"})
    assert "::warning::the built site is" in result.err
    # Under 80%: no warning.
    result = run(root, "build", env={sitesize.LIMIT_ENV: str(int(size / 0.75))})
    assert result.code == 0 and "warning" not in result.err


def test_a_wrong_limit_is_an_error_before_the_build(tmp_path: Path) -> None:
    result = run(tmp_path, "build", env={sitesize.LIMIT_ENV: "a lot"})
    assert result.code == 2
    assert "BRIEFING_PAGES_LIMIT='a lot'" in result.err
    assert os.listdir(tmp_path) == []


def test_limit_units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sitesize.LIMIT_ENV, raising=False)
    assert sitesize.limit() == sitesize.PAGES_LIMIT == 1_000_000_000
    for text, expected in (("500MB", 500_000_000), ("1GB", 10**9), ("2.5 kb", 2500), ("7", 7)):
        monkeypatch.setenv(sitesize.LIMIT_ENV, text)
        assert sitesize.limit() == expected
