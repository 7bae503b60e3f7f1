"""One function per command, calling the stages in the order of the data flow:

    feeds.yml ──► ingest.run ──► content/articles/ ◄──► store (files, front matter, caches)
                                      │
          the web ──► ingest.read (each page once: text cached, lead and quotes kept)
                                      │
                               analysis.run (stories; drafts where no person wrote)
                                      │
                                 content/ ──► pages.render ──► docs/
                                                                  │
                    build.site ──► mkdocs_ext (MkDocs or ProperDocs + the briefing plugin)
                                                                  │
                                            site/ (+ pages.search's index) ──► GitHub Pages

Each stage's package says what comes in and what goes out; ``cli`` parses the command line
and reports (``console``), ``publish`` runs ingest, read and analyze and commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError
from .models import SiteConfig

# Each stage is imported by the commands that run it: `build` never loads the HTTP client
# nor `publish` the page templates (a command's imports are a tenth of a scheduled run).
if TYPE_CHECKING:
    from .analysis.run import AnalyzeReport
    from .build.site import BuildReport
    from .ingest.fetch import Limits
    from .ingest.read import ReadReport
    from .ingest.run import IngestReport, OnFetched, OnResult
    from .pages.render import RenderResult


def ingest_site(
    config: SiteConfig,
    now: datetime,
    limits: Limits | None = None,
    on_fetched: OnFetched | None = None,
    on_result: OnResult | None = None,
) -> IngestReport:
    """Fetch the feeds and add new articles to ``content/``."""
    from .ingest.run import ingest

    return ingest(config, now, limits, on_fetched=on_fetched, on_result=on_result)


def read_site(config: SiteConfig, now: datetime, budget: int | None = None) -> ReadReport | None:
    """Read the original pages of articles never read, within the run's page budget (the
    site's ``read_budget`` unless ``budget`` is given); None when reading is switched off."""
    if not config.read or budget == 0:
        return None
    from .ingest.read import ReadSettings, read

    mirror = config.root / config.read_from if config.read_from else None
    settings = ReadSettings(
        budget=config.read_budget if budget is None else budget,
        mirror=mirror,
        gap=0.0 if mirror else ReadSettings.gap,  # a folder needs no politeness
    )
    return read(config, now, settings)


def render_site(config: SiteConfig) -> RenderResult:
    """Write ``docs/`` from ``content/``. Unreadable article files are skipped and reported."""
    from .pages.render import load_and_render

    return load_and_render(config)[0]


def build(
    config: SiteConfig, site_dir: Path | None = None, full: bool = False
) -> tuple[RenderResult, BuildReport]:
    """Render, then build the site with MkDocs in strict mode (incremental unless ``full``).
    The articles render loaded are handed over to the build (its search index needs them)."""
    from .build.site import Loaded, build_site
    from .pages.render import load_and_render

    rendered, articles = load_and_render(config)
    loaded = Loaded(articles)
    del articles  # the build may let go of them
    return rendered, build_site(config, site_dir, full=full, loaded=loaded)


def prepare_analyze() -> None:
    """Load ahead what ``analyze_site`` needs whatever the briefing holds: its modules and the
    offline drafts' template. ``publish`` calls it while its forked ingest runs, time this
    process would otherwise spend waiting."""
    from .analysis import llm, run  # noqa: F401 - imported for later

    run.prepare()


def prepare_build(config: SiteConfig) -> None:
    """Load ahead what ``build`` needs: the page templates, the engine, and the plugins and
    Markdown extensions mkdocs.yml names. ``publish --build`` calls it while its forked ingest
    runs. Nothing is built or written; a problem is left for the build to report."""
    from .build.site import prepare
    from .pages import render

    render.prepare()
    prepare(config)


def analyze_site(
    config: SiteConfig, refresh: bool, analyzer: str, env: Mapping[str, str]
) -> AnalyzeReport:
    """Give articles their stories and draft missing analyses. ``analyzer``: offline, llm, or
    auto (the model when an endpoint is configured: ``BRIEFING_LLM_BASE_URL`` or
    ``extra.briefing.model_url``; the publish workflow points it at GitHub Models)."""
    from .analysis.llm import LlmSettings, ModelDrafter
    from .analysis.run import analyze

    site = {
        "model": False if config.model == "off" else config.model,
        "model_url": config.model_url,
    }
    if analyzer not in ("auto", "offline", "llm"):
        msg = f"analyzer {analyzer!r} (from BRIEFING_ANALYZER?) must be auto, offline or llm"
        raise UsageError(msg)
    settings = LlmSettings.resolve(env, site) if analyzer != "offline" else None
    if analyzer == "llm" and settings is None:
        msg = (
            "--analyzer llm needs a model endpoint: set BRIEFING_LLM_BASE_URL"
            " (or extra.briefing.model_url in mkdocs.yml)"
        )
        raise UsageError(msg)
    if settings is None:
        return analyze(config, refresh)
    model = ModelDrafter(settings, config.cache_dir)
    try:
        return analyze(config, refresh, model=model)
    finally:
        model.close()
