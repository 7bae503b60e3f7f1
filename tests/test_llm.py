"""The optional LLM analyzer against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import markdown
import pytest
from conftest import run

from briefing.frontmatter import parse_article
from briefing.llm import sanitize

pytestmark = pytest.mark.slow

GOOD = (
    "According to Gridline Weekly, the fictional pilot moved ahead.\n\n"
    "Marrow Bay Ledger reported the same event a few hours earlier."
)
HOSTILE = (
    "<script>alert(1)</script><p>Read <a href='https://evil.example/'>this</a> "
    "[x](https://evil.example/) {{ secret }} <img src=x onerror=alert(1)></p>\n\n- a list\n"
)


RELEASE = threading.Event()  # set at teardown: hanging handlers end, their sockets close


class FakeModel(BaseHTTPRequestHandler):
    calls: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        FakeModel.calls.append(mode)
        assert request["messages"][0]["role"] == "system"
        if mode == "hang":
            RELEASE.wait(20)
            return
        if mode == "fail":
            self.send_response(500)
            self.end_headers()
            return
        content = GOOD if mode == "ok" else HOSTILE if mode == "hostile" else None
        body = json.dumps({"choices": [{"message": {"content": content}}]}).encode()
        if mode == "garbage":
            body = b"not json at all"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fake_model() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    RELEASE.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def analyze_with(root: Path, base: str, mode: str) -> tuple[float, str, list[tuple]]:
    assert run(root, "ingest").code == 0
    env = {
        "BRIEFING_LLM_BASE_URL": f"{base}/{mode}/v1",
        "BRIEFING_LLM_MODEL": "fake-model",
        "BRIEFING_LLM_TIMEOUT": "1",
        "BRIEFING_LLM_MAX_CALLS": "10",
    }
    started = time.monotonic()
    result = run(root, "analyze", env=env, timeout=120)
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    found = []
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        found.append((article.extra["analysis"]["by"], article.analysis))
    return elapsed, result.err, found


def test_drafts_come_from_the_model_up_to_the_call_limit(demo_root: Path, fake_model: str):
    _, _, found = analyze_with(demo_root, fake_model, "ok")
    by_model = [text for by, text in found if by == "llm:fake-model"]
    assert len(by_model) == 10  # BRIEFING_LLM_MAX_CALLS
    assert all(text.startswith("According to Gridline Weekly") for text in by_model)
    assert all(by == "briefing-offline/1" for by, _ in found if by != "llm:fake-model")


@pytest.mark.parametrize("mode", ["fail", "hang", "garbage"])
def test_failures_fall_back_to_offline_drafts_in_bounded_time(
    demo_root: Path, fake_model: str, mode: str
):
    elapsed, err, found = analyze_with(demo_root, fake_model, mode)
    assert elapsed < 30
    assert all(by == "briefing-offline/1" and text for by, text in found)
    assert "offline draft used" in err and "not calling it again" in err


def test_hostile_model_output_is_inert(demo_root: Path, fake_model: str) -> None:
    _, _, found = analyze_with(demo_root, fake_model, "hostile")
    for by, text in found:
        out = markdown.markdown(text, extensions=["attr_list", "tables"])
        assert set(re.findall(r"<(\w+)", out)) <= {"p"}, out
        assert "{{" not in text and "alert(1)</script>" not in text
        if by.startswith("llm:"):
            assert "this" in text


def test_sanitize_keeps_plain_paragraphs_within_the_limit() -> None:
    text = sanitize("<b>One</b> paragraph.\n\n1. Two\n\n" + "word " * 2000, 200)
    assert text.startswith("One paragraph.\n\n1\\. Two")
    assert len(text) <= 200
