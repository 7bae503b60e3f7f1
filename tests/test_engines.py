"""The site builds the same on MkDocs 1.6 and on ProperDocs, its maintained 1.x continuation.

Every build here is the real one (strict, Material, the briefing plugin) through the real CLI,
except where a test drives ``build_site`` itself to check that one process can use both.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from conftest import run, tree

from briefing.build.site import build_site
from briefing.config import load_site
from briefing.mkdocs_ext import engines

pytestmark = pytest.mark.slow

# The one thing the engines write differently: Material's generator stamp, from the engine's
# name and version ("mkdocs-1.6.1, mkdocs-material-…" / "mkdocs-ProperDocs 1.6.7, …").
STAMP = re.compile(rb'<meta name="generator" content="([^"]*)">')


def stamps(files: dict[str, bytes]) -> set[bytes]:
    return {m for data in files.values() for m in STAMP.findall(data)}


def without_stamp(name: str, data: bytes) -> bytes:
    """The file with its generator stamp blanked: one in each HTML page but articles and
    stories (which go without, see the theme's main.html), none elsewhere."""
    if not name.endswith(".html"):
        assert STAMP.search(data) is None, name
        return data
    blanked, found = STAMP.subn(b'<meta name="generator" content="">', data)
    assert found == (0 if name.startswith(("articles/", "stories/")) else 1), name
    return blanked


def assert_same_site(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert sorted(a) == sorted(b)
    different = [n for n in a if without_stamp(n, a[n]) != without_stamp(n, b[n])]
    assert different == []


@pytest.fixture
def root(built_demo: Path, tmp_path: Path) -> Path:
    """A copy of the built demo (ingested, analyzed, rendered) to build again."""
    copy = tmp_path / "demo"
    shutil.copytree(built_demo, copy)
    return copy


def test_mkdocs_and_properdocs_build_the_same_site(root: Path, tmp_path: Path) -> None:
    built = {}
    for engine in ("mkdocs", "properdocs"):
        site = tmp_path / engine
        result = run(root, "build", "--engine", engine, "--site-dir", str(site))
        assert result.code == 0, result.err
        assert "full" in result.out
        built[engine] = tree(site)
    assert ", properdocs:" in result.out  # the summary line names a non-default engine
    material = f"mkdocs-material-{version('mkdocs-material')}"
    mkdocs, properdocs = engines.ENGINES["mkdocs"].version, engines.ENGINES["properdocs"].version
    assert stamps(built["mkdocs"]) == {f"mkdocs-{mkdocs}, {material}".encode()}
    assert stamps(built["properdocs"]) == {f"mkdocs-ProperDocs {properdocs}, {material}".encode()}
    assert "search/briefing/meta.json" in built["properdocs"]  # the briefing plugin ran
    assert "assets/briefing/briefing.css" in built["properdocs"]  # with its theme overrides
    assert "search/search_index.json" in built["properdocs"]  # and Material's search
    assert_same_site(built["mkdocs"], built["properdocs"])


def test_properdocs_in_parallel_processes_builds_the_same_site(root: Path, tmp_path: Path) -> None:
    one = run(root, "build", "--site-dir", str(tmp_path / "one"))
    assert one.code == 0, one.err
    many = run(
        root, "build", "--engine", "properdocs", "--site-dir", str(tmp_path / "many"),
        env={"BRIEFING_JOBS": "2"},
    )  # fmt: skip
    assert many.code == 0, many.err
    assert "2 processes, properdocs" in many.out
    assert_same_site(tree(tmp_path / "one"), tree(tmp_path / "many"))


def test_switching_engines_rebuilds_every_page(root: Path) -> None:
    assert run(root, "build", "--engine", "mkdocs").code == 0
    switched = run(root, "build", "--engine", "properdocs")
    assert switched.code == 0, switched.err
    assert "(full, properdocs:" in switched.out
    assert all(b"ProperDocs" in s for s in stamps(tree(root / "site")))
    again = run(root, "build", "--engine", "properdocs")
    assert "(nothing changed, properdocs:" in again.out, again.out
    back = run(root, "build")
    assert "(full:" in back.out
    assert not any(b"ProperDocs" in s for s in stamps(tree(root / "site")))


def test_one_process_builds_with_both_engines(root: Path, tmp_path: Path) -> None:
    """MkDocs in this process, then ProperDocs, which cannot share it, in a new one."""
    config = load_site(root)
    first = build_site(config, tmp_path / "a", full=True)
    assert engines.loaded() == "mkdocs"
    second = build_site(dataclasses.replace(config, engine="properdocs"), tmp_path / "b")
    assert engines.loaded() == "mkdocs"  # this process was left as it was
    assert (first.engine, second.engine, first.pages) == ("mkdocs", "properdocs", second.pages)
    assert_same_site(tree(tmp_path / "a"), tree(tmp_path / "b"))


def set_engine(root: Path, engine: str) -> None:
    path = root / "mkdocs.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["extra"]["briefing"]["engine"] = engine
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def run_without(root: Path, module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a Python where ``module`` cannot be imported (``sys.modules[name] =
    None`` is Python's own way to make an import fail), as if it were not installed."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; from briefing.cli import main;"
        " sys.exit(main())"
    )
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=root, env=env | {"NO_MKDOCS_2_WARNING": "1"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_engine_setting_in_mkdocs_yml_and_the_flag_that_wins(root: Path) -> None:
    set_engine(root, "properdocs")
    result = run(root, "build")
    assert result.code == 0, result.err
    assert ", properdocs:" in result.out
    result = run(root, "build", "--engine", "mkdocs")
    assert result.code == 0, result.err
    assert "(full:" in result.out


def test_a_missing_engine_is_one_line_saying_what_to_install(root: Path) -> None:
    shutil.rmtree(root / "site")
    set_engine(root, "properdocs")
    missing = run_without(root, "properdocs", "build")
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert missing.stderr.splitlines() == [
        "briefing: the ProperDocs engine is not installed here:"
        " pip install 'properdocs>=1.6.5,<1.7' (or choose another with --engine)"
    ]
    assert not (root / "site").exists()  # nothing was built
    served = run_without(root, "properdocs", "serve")
    assert (served.returncode, len(served.stderr.splitlines())) == (2, 1)
    assert "pip install 'properdocs" in served.stderr
    # The flag wins over mkdocs.yml; and MkDocs missing is reported the same way.
    assert run_without(root, "properdocs", "build", "--engine", "mkdocs").returncode == 0
    no_mkdocs = run_without(root, "mkdocs", "build", "--engine", "mkdocs")
    assert no_mkdocs.returncode == 2
    assert no_mkdocs.stderr.splitlines() == [
        "briefing: the MkDocs engine is not installed here:"
        " pip install 'mkdocs>=1.6,<2' (or choose another with --engine)"
    ]


def test_an_unknown_engine_in_mkdocs_yml_names_the_file(root: Path) -> None:
    set_engine(root, "sphinx")
    result = run(root, "build")
    assert result.code == 1
    assert "mkdocs.yml:1: extra.briefing.engine: unknown engine 'sphinx'" in result.err
    assert "(known: mkdocs, properdocs)" in result.err


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_a_warning_fails_the_build_on_either_engine(root: Path, engine: str) -> None:
    with (root / "docs" / "about.md").open("a", encoding="utf-8") as handle:
        handle.write("\nSee [the missing page](missing.md).\n")
    result = run(root, "build", "--engine", engine)
    assert result.code == 1
    assert "'missing.md'" in result.err
    assert f"briefing: {engine} build failed: Aborted with 1 warnings in strict mode!" in result.err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_on_properdocs(root: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", "serve", "--engine", "properdocs",
         "-a", f"127.0.0.1:{port}"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        page = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/about/", timeout=5) as r:
                    page = r.read()
                break
            except OSError:
                time.sleep(0.3)
        assert proc.poll() is None, proc.communicate()[1]
        assert b"mkdocs-ProperDocs " in page
        assert b"assets/briefing/briefing.css" in page
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
