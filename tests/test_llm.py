"""The model analyzer against a fake OpenAI-compatible service on 127.0.0.1.

The fake plays GitHub Models' part: it answers ``POST /chat/completions`` from a script of
responses (a 429 with retry-after, good answers, bad ones), records every request, and writes
its good answers from the prompt it was sent, as a model would.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from briefing.analysis.draft import OFFLINE
from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow

MODEL = "fictional-lab/model-1"


def good_answer(prompt: str, labelled: bool = True) -> str:
    """A plausible analysis of the article in ``prompt``: 250 words or so, attributed to the
    outlet that the prompt names first, with a background paragraph."""
    publisher = re.search(r"publisher: (.+)", prompt).group(1)  # type: ignore[union-attr]
    what = (
        f"According to {publisher}, the decision moves the fictional tidal project into a new"
        " phase, and the outlet frames it as the outcome of months of consultation between the"
        " cooperative, the harbor board and residents who live along the channel. The report"
        " stresses conditions, timelines and who carries the cost if the schedule slips."
    )
    background = (
        "Small tidal projects usually move through the same sequence of approvals: a seabed"
        " lease, an environmental review, a grid connection study and a cable route. Each step"
        " tends to add conditions rather than remove them, which is why early pilots are often"
        " smaller than first announced and take longer to deliver power."
    )
    matters = (
        "For local readers the practical questions are about money and access: whether the"
        " fishing grounds stay open, who pays for monitoring, and whether community investors"
        " see returns. For the wider region it is a test of whether a cooperative model can"
        " carry marine energy through permitting without a large utility behind it."
    )
    watch = (
        "The next milestones are the remaining turbine deliveries, the first seasonal limits in"
        " spring, and the upgrade that would lift the export cap. Each will show whether the"
        " promises made at the hearings hold once the machines are in the water."
    )
    if not labelled:
        return "\n\n".join([what, background, matters, watch])
    return (
        f"What happened: {what}\nBackground: {background}\n\n"
        f"**Why it matters:** {matters}\n\nWhat to watch - {watch}"
    )


def invented_figure(prompt: str) -> str:
    return good_answer(prompt).replace("the decision moves", "the 9,317-tonne decision moves", 1)


def bad_outlet(prompt: str) -> str:
    return good_answer(prompt).replace("the decision moves", "Reuters reported that it moves", 1)


def too_short(prompt: str) -> str:
    return "The pilot was approved. Observers expect more news soon."


def with_script(prompt: str) -> str:
    return good_answer(prompt) + (
        '\n\n<script>alert(1)</script> Read <a href="javascript:alert(2)">more</a>'
        " [here](javascript:alert(3))"
    )


@dataclass
class Service:
    """What the fake answers, in order, and what it was asked."""

    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


SERVICE = Service()


class FakeModels(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        user = request["messages"][-1]["content"]
        SERVICE.requests.append(
            {
                "path": self.path,
                "model": request["model"],
                "auth": self.headers.get("Authorization", ""),
                "headline": re.search(r"headline: (.+)", user).group(1),  # type: ignore[union-attr]
                "at": time.monotonic(),
                "user": user,
            }
        )
        step = SERVICE.script.pop(0) if SERVICE.script else good_answer
        if isinstance(step, int):
            self.send_response(step)
            if step == 429:
                self.send_header("retry-after", "1" if len(SERVICE.requests) < 3 else "86400")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if step == "hang":
            SERVICE.release.wait(20)
            return
        body = json.dumps({"choices": [{"message": {"content": step(user)}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fake_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModels)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/inference"
    SERVICE.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def service(fake_service: str) -> Iterator[Service]:
    SERVICE.script.clear()
    SERVICE.requests.clear()
    yield SERVICE


def env_for(base: str, **extra: str) -> dict[str, str]:
    return {
        "BRIEFING_LLM_BASE_URL": base,
        "BRIEFING_LLM_MODEL": MODEL,
        "BRIEFING_LLM_API_KEY": "test-key",
        "BRIEFING_LLM_TIMEOUT": "2",
        **extra,
    }


def article_of(path: str) -> Any:
    return parse_article(Path(path).read_text(encoding="utf-8"), path)


def drafts(root: Path) -> dict[str, tuple[str, str, str]]:
    """``{path: (drafted by, analysis, file text)}`` for every article."""
    found = {}
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        article = parse_article(text, path)
        record = article.extra.get("analysis") or {}
        found[str(path)] = (record.get("by", ""), article.analysis, text)
    return found


def test_analyze_spends_its_budget_on_the_backlog_uses_good_answers_and_rejects_bad_ones(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "analyze", env={"BRIEFING_ANALYZER": "offline"}).code == 0
    before = drafts(demo_root)
    assert {by for by, _, _ in before.values()} == {OFFLINE}
    # An editor rewrites the newest article's analysis: the first the model would take.
    newest = max(before, key=lambda p: parse_article(before[p][2], p).published)
    edited = before[newest][2].replace(before[newest][1], "An editor wrote this by hand.")
    Path(newest).write_text(edited, encoding="utf-8")

    service.script[:] = [429, good_answer, bad_outlet, good_answer, too_short]
    service.script += [lambda p: good_answer(p, labelled=False), with_script]
    started = time.monotonic()
    result = run(demo_root, "analyze", env=env_for(fake_service, BRIEFING_LLM_MAX_CALLS="6"))
    assert result.code == 0, result.err
    assert time.monotonic() - started < 60

    # Six calls plus the one retry after the 429, which waited out its retry-after.
    assert len(service.requests) == 7
    assert service.requests[1]["at"] - service.requests[0]["at"] >= 0.9
    assert service.requests[0]["headline"] == service.requests[1]["headline"]
    assert all(r["model"] == MODEL and r["auth"] == "Bearer test-key" for r in service.requests)
    assert all(r["path"] == "/inference/chat/completions" for r in service.requests)
    asked = [r["headline"] for r in service.requests[1:]]
    assert len(set(asked)) == 6
    assert parse_article(edited, newest).title not in asked

    after = drafts(demo_root)
    by_model = {p: text for p, (by, text, _) in after.items() if by == MODEL}
    assert len(by_model) == 3  # every good answer, and nothing else
    labelled = [t for t in by_model.values() if t.startswith("**What happened.**")]
    assert len(labelled) == 2
    for text in labelled:
        assert "**Background — from the model’s general knowledge, not from the sources.**" in text
    assert any(not t.startswith("**") for t in by_model.values())  # plain prose kept as prose
    assert Path(newest).read_text(encoding="utf-8") == edited  # byte for byte
    assert "'Reuters'" in result.err
    assert "too short" in result.err
    assert "markup, a link or code" in result.err
    assert "0 analyzer problems" not in result.out
    assert f"3 by {MODEL}, " in result.out
    state = json.loads((demo_root / ".cache" / "briefing" / "model.json").read_text())
    assert state["calls"] == 7

    # The next run continues the backlog: new articles for the model, none asked twice
    # that it already drafted.
    service.requests.clear()
    result = run(demo_root, "analyze", env=env_for(fake_service, BRIEFING_LLM_MAX_CALLS="4"))
    assert result.code == 0, result.err
    assert len(service.requests) == 4
    second = drafts(demo_root)
    assert len([p for p, (by, _, _) in second.items() if by == MODEL]) == 7
    for path, text in by_model.items():
        assert second[path][1] == text
    assert Path(newest).read_text(encoding="utf-8") == edited

    # The built pages name the model and carry nothing executable.
    assert run(demo_root, "build").code == 0, "build failed"
    pages = [
        (demo_root / "site" / Path(p).relative_to(demo_root / "content")).with_suffix("")
        / "index.html"
        for p in by_model
    ]
    for page in pages:
        html_text = page.read_text(encoding="utf-8")
        assert f"Draft by {MODEL} — not yet reviewed" in html_text
        analysis = html_text.split('id="analysis"', 1)[1].split('class="briefing-original"')[0]
        assert "<script" not in analysis and "javascript:" not in analysis
        assert "<a " not in analysis
    offline_page = next(
        (demo_root / "site" / Path(p).relative_to(demo_root / "content")).with_suffix("")
        / "index.html"
        for p, (by, _, _) in second.items()
        if by == OFFLINE
    )
    assert f"Draft by {OFFLINE} — not yet reviewed" in offline_page.read_text()


def test_a_long_rate_limit_stops_the_model_until_then(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    assert run(demo_root, "ingest").code == 0
    service.script[:] = [good_answer, good_answer, 429]  # the third: retry-after one day
    result = run(demo_root, "analyze", env=env_for(fake_service))
    assert result.code == 0, result.err
    assert len(service.requests) == 3
    assert result.err.count("not called again in this run") == 1
    assert "rate limited (HTTP 429), retry after 86400 s" in result.err
    # The next run does not call the service at all: it asked for a day.
    service.requests.clear()
    result = run(demo_root, "analyze", env=env_for(fake_service))
    assert result.code == 0 and service.requests == []
    assert "asked not to be called before" in result.err


def test_the_day_budget_holds_across_runs(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    assert run(demo_root, "ingest").code == 0
    budget = env_for(fake_service, BRIEFING_LLM_MAX_CALLS="3", BRIEFING_LLM_MAX_CALLS_PER_DAY="5")
    assert run(demo_root, "analyze", env=budget).code == 0
    result = run(demo_root, "analyze", env=budget)
    assert result.code == 0
    assert len(service.requests) == 5
    assert "the day's budget of 5 calls is spent" in result.err


def test_calls_are_paced_under_the_services_rate(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    assert run(demo_root, "ingest").code == 0
    paced = env_for(fake_service, BRIEFING_LLM_MAX_CALLS="3", BRIEFING_LLM_INTERVAL="0.5")
    assert run(demo_root, "analyze", env=paced).code == 0
    starts = [r["at"] for r in service.requests]
    assert len(starts) == 3
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(starts))


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ([401], "HTTP 401, not allowed (on GitHub, the job needs `permissions: models: read`)"),
        ([403], "HTTP 403, not allowed"),
        ([404], "HTTP 404, no such model"),
        ([500, 502], "2 failures"),
        (["hang", "hang"], "2 failures"),
    ],
)
def test_an_unavailable_model_is_reported_once_and_the_run_goes_on_offline(
    demo_root: Path, fake_service: str, service: Service, script: list[Any], reason: str
) -> None:
    assert run(demo_root, "ingest").code == 0
    service.script[:] = script
    started = time.monotonic()
    result = run(demo_root, "analyze", env=env_for(fake_service))
    assert result.code == 0, result.err
    assert time.monotonic() - started < 30
    assert len(service.requests) == len(script)
    assert result.err.count("not called again in this run") == 1
    assert reason in result.err
    found = drafts(demo_root)
    assert all(by == OFFLINE and text for by, text, _ in found.values())


def test_on_github_model_problems_reach_the_runs_summary(
    demo_root: Path, fake_service: str, service: Service, tmp_path: Path
) -> None:
    assert run(demo_root, "ingest").code == 0
    service.script[:] = [403]
    summary = tmp_path / "summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run(demo_root, "analyze", env={**env_for(fake_service), **github})
    assert result.code == 0, result.err
    assert result.err.count("::warning title=analysis::") == 1
    assert "permissions: models: read" in result.err
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### Analysis\n\nanalyzed 25 articles")
    assert "- model fictional-lab/model-1 not called again in this run: HTTP 403" in text


def test_the_site_can_switch_the_model_off(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    mkdocs = demo_root / "mkdocs.yml"
    mkdocs.write_text(
        mkdocs.read_text(encoding="utf-8").replace(
            "    timezone: UTC", "    timezone: UTC\n    model: false"
        ),
        encoding="utf-8",
    )
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "analyze", env=env_for(fake_service)).code == 0
    assert service.requests == []


def test_the_workflow_token_goes_to_github_models_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.analysis.llm import GITHUB_MODELS, LlmSettings

    env = {"GITHUB_TOKEN": "ghs_secret"}
    github = LlmSettings.resolve({**env, "BRIEFING_LLM_BASE_URL": GITHUB_MODELS}, {})
    other = LlmSettings.resolve({**env, "BRIEFING_LLM_BASE_URL": "https://llm.example/v1"}, {})
    assert github is not None and github.api_key == "ghs_secret"
    assert github.interval == 4  # under the free tier's requests a minute
    assert other is not None and other.interval == 0
    assert github.model == "openai/gpt-4.1-mini"
    assert other is not None and other.api_key == ""
    from_site = LlmSettings.resolve({}, {"model": "x/y", "model_url": GITHUB_MODELS})
    assert from_site is not None and from_site.model == "x/y"
    assert LlmSettings.resolve({}, {}) is None
    assert LlmSettings.resolve({"BRIEFING_LLM_BASE_URL": GITHUB_MODELS}, {"model": False}) is None


def test_prompts_carry_the_article_text_and_invented_figures_are_rejected(
    demo_root: Path, fake_service: str, service: Service
) -> None:
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "read").code == 0
    service.script[:] = [invented_figure]
    result = run(demo_root, "analyze", env=env_for(fake_service, BRIEFING_LLM_MAX_CALLS="12"))
    assert result.code == 0, result.err
    assert "figure '9317'" in result.err  # rejected, the offline draft kept
    prompts = [r["user"] for r in service.requests]
    assert len(prompts) == 12
    read_ones = [p for p in prompts if "ARTICLE TEXT" in p]
    assert len(read_ones) >= 0.6 * len(prompts)
    # Each carries the article's whole main text (the demo's pages are short; a long one is
    # cut at 1,500 words: tests/test_quoting.py).
    words = {a.title: a.extra["read"].get("words", 0) for a in map(article_of, drafts(demo_root))}
    for request in service.requests:
        if "ARTICLE TEXT" not in request["user"]:
            continue
        carried = request["user"].split("ARTICLE TEXT", 1)[1].split("OTHER COVERAGE", 1)[0]
        assert len(carried.split()) >= 0.8 * min(words[request["headline"]], 1500)
    # The whole request stays within GitHub Models' low-tier 8,000-token input.
    assert all(len(p) / 3.5 < 7000 for p in prompts)


def test_a_long_article_is_cut_at_1500_words_within_the_token_budget() -> None:
    from datetime import UTC, datetime

    from briefing.analysis.draft import Briefing
    from briefing.analysis.llm import CHARS_PER_TOKEN, PROMPT_TOKENS, prompt
    from briefing.models import Article

    when = datetime(2026, 11, 3, 12, tzinfo=UTC)
    article = Article(
        id="a", title="Harbor board approves the pilot", publisher="Coastline Courier",
        link="https://coastline-courier.example/a", published=when, first_seen=when,
    )  # fmt: skip
    paragraph = " ".join(f"word{n}" for n in range(100))
    text = "\n".join([paragraph] * 30)  # 3,000 words
    briefing = Briefing.of([article], reading=lambda a: text)
    user, sources = prompt(article, briefing)
    carried = user.split("verbatim):\n", 1)[1].split("\n\nOTHER COVERAGE", 1)[0]
    assert len(carried.split()) == 1500 and carried.endswith("word99")
    assert len(user) / CHARS_PER_TOKEN < PROMPT_TOKENS
    assert "word99" in sources.text and "word99 word0" in " ".join(sources.words)
