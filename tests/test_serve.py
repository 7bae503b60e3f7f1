"""``briefing serve``: the preview renders ``content/`` again when an editor changes it.

The plugin knows it is serving from MkDocs itself (``on_startup``), not from an environment
variable: an analysis edited while the server runs shows on its page after the rebuild.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return None


def _wait_for(url: str, text: str, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _get(url)
        if page is not None and text in page:
            return page
        time.sleep(0.5)
    return None


@pytest.mark.slow
def test_an_analysis_edited_while_serving_shows_after_the_rebuild(
    built_demo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "served"
    shutil.copytree(built_demo, root, ignore=shutil.ignore_patterns("site"))
    source = sorted((root / "content" / "articles").rglob("*.md"))[0]
    relative = source.relative_to(root / "content").with_suffix("")
    url_path = f"/{relative.as_posix()}/"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "briefing", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=root,
            env={**env, "PYTHONPATH": str(REPO)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        came_up = _wait_for(base + url_path, "<h1", 120)
        assert came_up, f"the served page never came up:\n{log.read_text(encoding='utf-8')}"
        marker = "An editor added this sentence while the preview ran (fictional)."
        assert marker not in came_up
        text = source.read_text(encoding="utf-8")
        source.write_text(text.rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
        shown = _wait_for(base + url_path, marker, 120)
        assert shown, f"the edit never reached the page:\n{log.read_text(encoding='utf-8')}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
