"""The release as a newsroom meets it: the wheel alone, in a fresh virtualenv, starts a
briefing that pins this release and builds strictly (what .github/workflows/release.yml checks
before it publishes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from briefing import DISTRIBUTION, __version__

pytestmark = pytest.mark.slow


def sh(*args: str | Path, cwd: Path) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, (args, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.stdout + proc.stderr


def test_the_wheel_alone_installs_and_starts_a_briefing_pinned_to_it(tmp_path: Path) -> None:
    source = tmp_path / "source"  # what a clean clone holds: the files git tracks
    files = sh("git", "ls-files", "-z", cwd=REPO).split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path / "dist"
    log = sh(sys.executable, "-m", "build", "--outdir", dist, source, cwd=tmp_path)
    assert "SetuptoolsDeprecationWarning" not in log
    wheel = next(dist.glob("mkdocs_briefing-*.whl"))
    sdist = next(dist.glob("mkdocs_briefing-*.tar.gz"))
    assert wheel.name == f"mkdocs_briefing-{__version__}-py3-none-any.whl"
    sh(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist, cwd=tmp_path)
    with zipfile.ZipFile(wheel) as built:
        names = built.namelist()
        metadata = built.read(f"mkdocs_briefing-{__version__}.dist-info/METADATA").decode()
        entry_points = built.read(f"mkdocs_briefing-{__version__}.dist-info/entry_points.txt")
    assert f"Name: {DISTRIBUTION}" in metadata and "License-Expression: MIT" in metadata
    assert b"briefing = briefing.mkdocs_ext.plugin:BriefingPlugin" in entry_points
    for packaged in ("briefing/templates/article.md.j2", "briefing/mkdocs_ext/theme/main.html",
                     "briefing/scaffold/mkdocs.yml.j2", "briefing/py.typed"):  # fmt: skip
        assert packaged in names
    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames())

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    bin_ = venv / "bin"
    sh(bin_ / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel,
       cwd=tmp_path)  # fmt: skip
    assert f"briefing {__version__}" in sh(bin_ / "briefing", "--version", cwd=tmp_path)
    sh(bin_ / "briefing", "new", "site", "--title", "Release check", "--topic", "tidal energy",
       cwd=tmp_path)  # fmt: skip
    requirements = (tmp_path / "site" / "requirements.txt").read_text(encoding="utf-8")
    assert requirements.splitlines()[-1] == f"{DISTRIBUTION}=={__version__}"
    assert "built site/" in sh(bin_ / "briefing", "build", cwd=tmp_path / "site")
