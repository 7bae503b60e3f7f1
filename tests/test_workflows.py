"""The GitHub workflows, validated offline as far as can be done without GitHub.

Every workflow (this repository's, and those `briefing new` writes) must validate against
GitHub's workflow JSON schema (check-jsonschema's vendored copy) and pass zizmor's offline
audit with no finding above low; the house rules (least privilege, pinned actions, timeouts)
are checked on the parsed YAML. This repository's files must be exactly what the shared
templates make, so the scaffold and this repository never drift apart.

After an intended template change: BRIEFING_UPDATE_GOLDEN=1 pytest tests/test_workflows.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, run

from briefing.scaffold import REPOSITORY, plan_github, render_mkdocs

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+){0,2}$")
ABOVE_LOW = {"Medium", "High"}


def schema_errors(path: Path, schema: str = "vendor.github-workflows") -> str:
    """'' when ``path`` validates against the vendored schema, else check-jsonschema's report."""
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if proc.returncode == 0 else proc.stdout + proc.stderr


def zizmor_findings(*paths: Path) -> list[dict[str, Any]]:
    """Every finding of zizmor's strictest persona, offline (ignore comments honoured)."""
    proc = subprocess.run(
        [
            *(str(BIN / "zizmor"), "--offline", "--no-config", "--persona", "auditor"),
            *("--format", "json", *map(str, paths)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.strip().startswith("["), proc.stderr  # it ran and audited
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    return [f for f in findings if not f.get("ignored")]


def above_low(findings: list[dict[str, Any]]) -> list[str]:
    return [
        f"{f['ident']}: {f['desc']} ({f['locations'][0]['symbolic']['key']})"
        for f in findings
        if f["determinations"]["severity"] in ABOVE_LOW
    ]


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def validate_github_dir(github: Path, more: tuple[str, ...] = ()) -> None:
    """Schema + zizmor + house rules for every workflow under ``github`` (a .github folder):
    a briefing's two, and ``more`` (this repository's release)."""
    workflows = sorted((github / "workflows").glob("*.yml"))
    assert {p.name for p in workflows} == {"checks.yml", "publish.yml", *more}
    for path in workflows:
        assert schema_errors(path) == "", schema_errors(path)
        assert_house_rules(path)
    assert schema_errors(github / "dependabot.yml", "vendor.dependabot") == ""
    assert above_low(zizmor_findings(*workflows, github / "dependabot.yml")) == []


def assert_house_rules(path: Path) -> None:
    workflow = load(path)
    text = path.read_text(encoding="utf-8")
    assert "pull_request_target" not in text
    assert workflow["permissions"] == {}, "top-level permissions must be {}"
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: {name} has no timeout"
        assert "permissions" in job, f"{path.name}: {name} must grant its own permissions"
    for line in text.splitlines():
        if "uses:" in line:  # a full commit SHA, and the release in a comment
            assert PINNED.match(line.split("uses:", 1)[1].strip()), line
    grants = {name: job["permissions"] for name, job in workflow["jobs"].items()}
    for name, granted in grants.items():
        if granted.get("contents") == "write":
            assert (path.name, name) == ("publish.yml", "publish"), f"{name} may not push"
        if granted.get("pages") == "write" or "id-token" in granted:
            assert (path.name, name) in {("publish.yml", "deploy"), ("release.yml", "pypi")}
        if (path.name, name) == ("publish.yml", "deploy"):
            assert granted == {"pages": "write", "id-token": "write"}
        if (path.name, name) == ("release.yml", "pypi"):
            # Trusted publishing: a short-lived OIDC token, only here, behind an environment.
            assert granted == {"id-token": "write"}
            assert workflow["jobs"][name].get("environment")
        if granted.get("pages") == "read":
            assert (path.name, name) == ("publish.yml", "publish")  # configure-pages


def test_this_repositorys_workflows_are_valid() -> None:
    validate_github_dir(REPO / ".github", more=("release.yml",))


def test_this_repositorys_github_files_are_made_from_the_shared_templates() -> None:
    files = plan_github(REPOSITORY)
    if os.environ.get("BRIEFING_UPDATE_GOLDEN"):
        for rel, text in files.items():
            (REPO / rel).write_text(text, encoding="utf-8")
    for rel, text in files.items():
        assert (REPO / rel).read_text(encoding="utf-8") == text, (
            f"{rel} differs from briefing/scaffold/: change the template (or, after a Dependabot"
            " bump, ACTIONS in briefing/scaffold.py), then regenerate: "
            "BRIEFING_UPDATE_GOLDEN=1 pytest tests/test_workflows.py"
        )


@pytest.mark.parametrize("root", [REPO, REPO / "examples" / "demo"], ids=["repo", "demo"])
def test_mkdocs_yml_is_the_scaffold_template(root: Path) -> None:
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    # One template makes every briefing's mkdocs.yml: change briefing/scaffold/mkdocs.yml.j2
    # together with this repository's and the demo's (only the name and description differ,
    # and the demo reads its bundled pages instead of the web).
    if root.name == "demo":
        assert config["extra"]["briefing"]["read_from"] == "pages"
        own = r"\n    # The demo reads[^\n]*\n(?:    #[^\n]*\n)*    read_from: pages"
        text = re.sub(own, "", text)
    assert render_mkdocs(config["site_name"], config["site_description"]) == text


def test_publish_workflow_does_everything_in_one_run_without_racing() -> None:
    publish = load(REPO / ".github" / "workflows" / "publish.yml")
    assert set(publish["on"]) == {"schedule", "workflow_dispatch", "push"}
    assert publish["on"]["push"]["branches"] == ["main"]
    assert publish["concurrency"]["cancel-in-progress"] is False
    steps = publish["jobs"]["publish"]["steps"]
    runs = [s.get("run", s.get("uses", "")) for s in steps]
    # One command publishes and builds (the briefing is read once per run), with the site's
    # address from configure-pages, before the artifact is uploaded.
    [publishing] = [i for i, r in enumerate(runs) if r.startswith("briefing publish --push")]
    assert runs[publishing].endswith(" --build")
    assert "briefing build" not in runs
    pages = next(i for i, r in enumerate(runs) if r.startswith("actions/configure-pages@"))
    assert pages < publishing
    env = steps[publishing]["env"]
    assert env["BRIEFING_SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert runs[-1].startswith("actions/upload-pages-artifact@") and publishing == len(runs) - 2
    assert publish["jobs"]["deploy"]["needs"] == "publish"
    assert publish["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_only_the_analyzing_job_may_call_github_models_and_it_does_by_default() -> None:
    # The scaffold's publish.yml is the same template (the drift test above), so this holds
    # for every briefing `briefing new` makes too.
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] == {}
        for name, job in workflow["jobs"].items():
            runs = " ".join(s.get("run", "") for s in job.get("steps", []))
            analyzes = "briefing publish" in runs
            assert (job.get("permissions", {}).get("models") == "read") is analyzes, name
            if analyzes:
                step = next(s for s in job["steps"] if "briefing publish" in s.get("run", ""))
                env = step["env"]
                assert "'https://models.github.ai/inference'" in env["BRIEFING_LLM_BASE_URL"]
                assert env["BRIEFING_LLM_MODEL"] == "${{ vars.BRIEFING_LLM_MODEL }}"
                assert env["GITHUB_TOKEN"] == "${{ github.token }}"


def test_only_the_pushing_checkout_keeps_its_credentials() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    pushes = (path.name, name) == ("publish.yml", "publish")
                    assert step["with"]["persist-credentials"] is pushes, (path.name, name)


def test_checks_cache_dependencies_and_run_the_projects_own_commands() -> None:
    checks = load(REPO / ".github" / "workflows" / "checks.yml")
    assert set(checks["on"]) >= {"pull_request", "push"}
    runs = [s.get("run", "") for job in checks["jobs"].values() for s in job["steps"]]
    assert "briefing check --format github" in runs
    assert "briefing build" in runs
    assert "make test" in runs
    for job in checks["jobs"].values():
        setup = next(s for s in job["steps"] if "setup-python" in s.get("uses", ""))
        assert setup["with"]["cache"] == "pip"
        assert setup["with"]["cache-dependency-path"] == "pyproject.toml"


def test_the_validators_do_reject_a_bad_workflow(tmp_path: Path) -> None:
    # The checks above can fail: the same tools on a workflow with the usual mistakes.
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n"
        "  x:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    idents = {f.split(":")[0] for f in above_low(zizmor_findings(bad))}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses"} <= idents
    not_a_workflow = tmp_path / "typo.yml"
    not_a_workflow.write_text("on: push\njobs:\n  x:\n    runs_on: ubuntu-latest\n", "utf-8")
    assert schema_errors(not_a_workflow) != ""


@pytest.mark.slow
def test_broken_front_matter_fails_the_pull_request_check_with_an_annotation(
    demo_root: Path,
) -> None:
    assert run(demo_root, "ingest").code == 0
    path = sorted((demo_root / "content" / "articles").rglob("*.md"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("title: "))
    # An editor adds a colon to a headline without quoting it: no longer valid YAML.
    lines[number - 1] = lines[number - 1].rstrip("\n") + ": the vote\n"
    path.write_text("".join(lines), encoding="utf-8")

    result = run(demo_root, "check", env={"GITHUB_ACTIONS": "true"})

    rel = path.relative_to(demo_root).as_posix()
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"::error file={rel},line={number}::invalid YAML front matter:"
        " mapping values are not allowed in this context"
    )
