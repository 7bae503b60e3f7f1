"""Shared fixtures: temporary site roots and a way to run the real CLI on them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    """Run the real ``briefing`` command in ``root`` as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    full_env.update({"NO_MKDOCS_2_WARNING": "1", **(env or {})})
    proc = subprocess.run(
        [sys.executable, "-m", "briefing", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by relative path: two trees compare byte for byte."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def set_plugin_options(root: Path, **options: object) -> None:
    """Give the briefing plugin ``options`` in the site root's mkdocs.yml (``- briefing:``
    then the keys), as an editor would write them."""
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - briefing\n" in text, "the demo's mkdocs.yml lists the plugin as '  - briefing'"
    keys = "".join(f"\n      {key}: {json.dumps(value)}" for key, value in options.items())
    text = text.replace("\n  - briefing\n", f"\n  - briefing:{keys}\n")
    config.write_text(text, encoding="utf-8")


def write_feeds(root: Path, feeds: list[dict[str, object]]) -> None:
    import yaml

    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "feeds.yml").write_text(
        yaml.safe_dump({"feeds": feeds}, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    """A fresh copy of the bundled demo site root (feeds included, no articles yet)."""
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    return root


@pytest.fixture
def empty_root(tmp_path: Path) -> Path:
    """A site root with the demo's mkdocs.yml and no feeds."""
    root = tmp_path / "site-root"
    root.mkdir()
    shutil.copy(DEMO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(DEMO / "docs", root / "docs")
    return root


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, ingested and built once for the whole session (read-only for tests)."""
    root = tmp_path_factory.mktemp("built") / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    for command in (["ingest"], ["read"], ["analyze"], ["build"]):
        result = run(root, *command)
        assert result.code == 0, result.err
    return root


HOSTILE_TAGS = ["<i>x</i>", "{{ t }}", '"><script>alert(9)</script>']
HOSTILE_FEED = "Hostile <b>Gazette</b> {{ x }}"


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site with ``site_url`` built from the hostile feed (every text tries to escape into
    the page), hostile tags and feed name, one ordinary feed beside it and a hand-written
    article with raw markup in its front matter; analyzed."""
    root = tmp_path_factory.mktemp("hostile") / "site-root"
    root.mkdir()
    config = (DEMO / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(f"site_url: https://hostile.example/b/\n{config}")
    shutil.copytree(DEMO / "docs", root / "docs")
    write_feeds(
        root,
        [
            {
                "name": HOSTILE_FEED,
                "url": str(FIXTURES / "feeds" / "hostile.rss"),
                "tags": HOSTILE_TAGS,
            },
            {"name": "Ordinary", "url": str(FIXTURES / "feeds" / "good-rss.xml")},
        ],
    )
    assert run(root, "ingest").code == 0
    # Front matter is not cleaned like feed text: a hand-edited file can hold raw markup.
    raw = {
        "id": "hand-written-1",
        "title": '"><meta property="og:title" content="spoof"> <script>alert(1)</script>',
        "publisher": "Hand <i>Written</i> & Co",
        "link": "https://hand-written.example/1",
        "feeds": ["Ordinary"],
        "published": "2026-11-05T10:00:00Z",
        "snippet": 'It\'s <b>bold</b> & "quoted" </head><body onload=alert(2)>',
    }
    article = root / "content" / "articles" / "2026" / "11" / "hand-written.md"
    article.write_text(f"---\n{yaml.safe_dump(raw)}---\n\nAn analysis.\n", encoding="utf-8")
    for command in (["analyze"], ["build"]):
        result = run(root, *command)
        assert result.code == 0, result.err
    return root


# -- the browser tests' Chromium (Debian's package, driven by Playwright; never a download) ----

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("BRIEFING_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "Chromium not found: run `make browser-deps` (Debian's chromium package)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — browser tests must run in CI")
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        yield context
        context.close()
