"""The same content gives the same site, byte for byte: a change to how briefing is organised
(issue 21 moved every module) must not change one byte of what readers get.

Two sites are built from scratch with the real CLI, at a fixed time: the bundled demo (ingest,
read, analyze, build) and 1,000 generated articles with ~350-word analyses (the benchmark's
generator, ``site_url`` set). Every file of ``docs/`` and of ``site/`` is hashed;
``tests/golden/site-digests.json`` holds the digests. After an intended change to the output,
regenerate them with ``make golden`` (``BRIEFING_UPDATE_GOLDEN=1``) and say why in the commit.

The site also depends on the engine and the libraries that turn text into pages: the digests
record their versions, and where those differ (a new Material release), the site's digest is
not compared (the test says so) while ``docs/``, briefing's own output, still is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import DEMO, run

from bench import generate
from briefing.config import load_site
from briefing.pipeline import ingest_site, read_site

GOLDEN = Path(__file__).parent / "golden" / "site-digests.json"
UPDATE = os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the health page shows when feeds were read
ENGINE = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")
TEXT = ("feedparser", "nh3", "python-slugify", "pyyaml", "trafilatura")


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    return {name: version(name) for name in names}


def digest(folder: Path) -> dict[str, object]:
    """The number of files under ``folder`` and one hash of their paths and contents."""
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    text = "\n".join(lines) + "\n"
    return {"files": len(lines), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _ingest_and_read(root: Path) -> None:
    config = load_site(root)
    ingest_site(config, NOW)
    read_site(config, NOW)


def _demo(root: Path) -> Path:
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    _ingest_and_read(root)
    for command in (["analyze", "--analyzer", "offline"], ["build"]):
        result = run(root, *command)
        assert result.code == 0, result.err
    return root


def _generated(root: Path, n: int = 1000) -> Path:
    root.mkdir(parents=True)
    yml = (DEMO / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(f"site_url: https://newsroom.example/briefing/\n{yml}")
    shutil.copytree(DEMO / "docs", root / "docs")
    items = generate.generate(n, seed=8)
    generate.write_feeds(root, items)
    _ingest_and_read(root)
    generate.write_analyses(root, items)
    for command in (["analyze", "--analyzer", "offline", "-q"], ["build", "-q"]):
        result = run(root, *command)
        assert result.code == 0, result.err
    return root


@pytest.mark.slow
def test_the_same_content_gives_the_same_sites_byte_for_byte(tmp_path: Path) -> None:
    built = {"demo": _demo(tmp_path / "demo"), "generated-1000": _generated(tmp_path / "gen")}
    found: dict[str, object] = {
        "engine": _versions(ENGINE),
        "text": _versions(TEXT),
        **{
            name: {"docs": digest(root / "docs"), "site": digest(root / "site")}
            for name, root in built.items()
        },
    }
    if UPDATE:
        GOLDEN.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    held = json.loads(GOLDEN.read_text(encoding="utf-8"))
    same_text = held["text"] == found["text"]
    same_engine = same_text and held["engine"] == found["engine"]
    for name in built:
        if same_text:
            assert found[name]["docs"] == held[name]["docs"], (  # type: ignore[index]
                f"{name}: docs/ changed; if intended, run make golden and say why"
            )
        if same_engine:
            assert found[name]["site"] == held[name]["site"], (  # type: ignore[index]
                f"{name}: site/ changed; if intended, run make golden and say why"
            )
    if not same_engine:
        pytest.skip(
            "digests made with other library versions than these"
            f" ({held['engine'] | held['text']} held, {found['engine'] | found['text']} here):"  # type: ignore[operator]
            " docs compared only where the text libraries match; run make golden to refresh"
        )
