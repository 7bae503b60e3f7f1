"""Scaffold: the files of a new briefing repository (``briefing new``), and of this one.

One set of templates under ``briefing/scaffold/`` makes the site files and the GitHub
workflows of every briefing, this repository's own included (``tests/test_workflows.py``
holds this repository's ``mkdocs.yml`` and ``.github/`` to them), so no second copy drifts.

``plan_site`` and ``plan_github`` are pure (``{relative path: text}``); ``write_site`` is the
only part that touches the disk.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import jinja2
import yaml
from slugify import slugify

from . import DISTRIBUTION, __version__
from .errors import BriefingError
from .paths import GENERATED
from .store.files import atomic_write

log = logging.getLogger(__name__)

# Third-party actions, pinned to full commit SHAs (a tag can be moved; a commit cannot), with
# the release in a comment. Dependabot bumps this repository's workflows; when it does, copy
# its new pins here (tests/test_workflows.py fails until the two agree).
ACTIONS = {
    "checkout": "1af3b93b6815bc44a9784bd300feb67ff0d1eeb3 # v6.0.0",
    "setup_python": "83679a892e2d95755f2dac6acb0bfd1e9ac5d548 # v6.1.0",
    "upload_artifact": "330a01c490aca151604b8cf639adc76d48f6c5d4 # v5.0.0",
    "upload_pages_artifact": "7b1f4a764d45c48632c6b24a0339c27f5614fb0b # v4.0.0",
    "deploy_pages": "d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5",
    "cache": "0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0",
    "configure_pages": "983d7736d9b0ae728b81ab479565c72886d7745b # v5.0.0",
}
PYTHON = "3.11"
# What the publish workflow carries between runs with actions/cache, so that a scheduled run
# builds only what arrived: briefing's caches, the pages render wrote, the built site.
CACHED = (".cache/briefing", "site", *(f"docs/{path}" for path in GENERATED))


class ScaffoldError(BriefingError):
    """The new site cannot be written (for example, its folder is not empty)."""


@dataclass(frozen=True)
class WorkflowSettings:
    install: str  # the shell command that installs briefing
    dependency_file: str  # what setup-python's pip cache is keyed on
    developer_tests: bool = False  # add a `make test` job (this repository only)


# This repository: briefing from its own source, plus its test suite.
REPOSITORY = WorkflowSettings(
    install="python -m pip install -e .", dependency_file="pyproject.toml", developer_tests=True
)
# A site made by `briefing new`: briefing as pinned in its requirements.txt.
SCAFFOLD = WorkflowSettings(
    install="python -m pip install -r requirements.txt", dependency_file="requirements.txt"
)


@dataclass(frozen=True)
class NewSite:
    title: str
    topic: str
    package_spec: str  # the pip requirement the workflows install


def _yaml(value: Any) -> str:
    """``value`` as one line of YAML (quoted only when it must be)."""
    text: str = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=1_000_000, sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _environment() -> jinja2.Environment:
    # Square-bracket delimiters: the workflows are full of GitHub's own ${{ … }} expressions.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing", "scaffold"),
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
        autoescape=False,  # noqa: S701 - YAML and Markdown, not HTML; values pass through |yaml
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["yaml"] = _yaml
    return env


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def google_news_url(topic: str) -> str:
    """A Google News search feed for ``topic`` (US English edition)."""
    return f"https://news.google.com/rss/search?q={quote_plus(topic)}&hl=en-US&gl=US&ceid=US:en"


def render_mkdocs(site_name: str, site_description: str) -> str:
    return _render("mkdocs.yml.j2", site_name=site_name, site_description=site_description)


def plan_github(settings: WorkflowSettings) -> dict[str, str]:
    """The ``.github/`` files: workflows, Dependabot, the pull-request template."""
    context = {
        "actions": ACTIONS,
        "python": PYTHON,
        "install": settings.install,
        "dependency_file": settings.dependency_file,
        "developer_tests": settings.developer_tests,
        "cached": CACHED,
    }
    return {
        ".github/workflows/checks.yml": _render("workflows/checks.yml.j2", **context),
        ".github/workflows/publish.yml": _render("workflows/publish.yml.j2", **context),
        ".github/dependabot.yml": _render("dependabot.yml"),
        ".github/pull_request_template.md": _render("pull_request_template.md"),
    }


def plan_site(site: NewSite) -> dict[str, str]:
    """Every file of a new briefing repository, by path relative to its root."""
    topic = site.topic.strip()
    context = {"site_name": site.title, "topic": topic}
    feeds = _render(
        "feeds.yml.j2",
        feed_name=f"{topic} (Google News)",
        feed_url=google_news_url(topic),
        tag=slugify(topic, max_length=40) or "news",
    )
    files = {
        "mkdocs.yml": render_mkdocs(site.title, f"Following {topic} through the news."),
        "content/feeds.yml": feeds,
        "content/articles/.gitkeep": "",
        "docs/about.md": _render("about.md.j2", **context),
        "README.md": _render("README.md.j2", **context),
        "requirements.txt": _render("requirements.txt.j2", package_spec=site.package_spec),
        ".gitignore": _render("gitignore.j2", generated=[_folder(p) for p in GENERATED]),
    }
    files.update(plan_github(SCAFFOLD))
    return files


def _folder(name: str) -> str:
    return name if Path(name).suffix else f"{name}/"  # files have a suffix, folders do not


def default_package_spec(environ: Mapping[str, str] | None = None) -> str:
    """The pip requirement for briefing that a new site's workflows install.

    In order: the git URL (and commit) this briefing was installed from; this repository's
    when run in its GitHub Actions (``GITHUB_REPOSITORY``); else the release it is
    (``mkdocs-briefing==X.Y.Z``), which Dependabot then keeps current. Never plain
    ``briefing``: that name on PyPI is an unrelated project.
    """
    environ = os.environ if environ is None else environ
    url = _installed_from_vcs()
    if url:
        return f"{DISTRIBUTION} @ {url}"
    repository = environ.get("GITHUB_REPOSITORY", "")
    if repository:
        return f"{DISTRIBUTION} @ git+https://github.com/{repository}"
    return f"{DISTRIBUTION}=={__version__}"


def _installed_from_vcs() -> str:
    """``git+URL@commit`` when briefing was installed from a git URL (PEP 610), else ''."""
    try:
        raw = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return ""
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return ""
    vcs = data.get("vcs_info") if isinstance(data, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not data.get("url"):
        return ""
    commit = vcs.get("commit_id", "")
    return f"git+{data['url']}" + (f"@{commit}" if commit else "")


def write_site(directory: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` into ``directory``, which must be missing or empty: never overwrite."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        msg = f"{directory}: already exists and is not empty; choose a new folder"
        raise ScaffoldError(msg)
    for relative, text in files.items():
        atomic_write(directory / relative, text)
    log.info("wrote %d files into %s", len(files), directory)
