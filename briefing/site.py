"""Build and serve the site with MkDocs (strict: any warning fails the build)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError
from .models import SiteConfig

log = logging.getLogger(__name__)

# Material prints a banner about MkDocs 2 on every build; it is noise in a briefing's log.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@dataclass(frozen=True)
class BuildReport:
    site_dir: Path
    pages: int
    seconds: float


@contextlib.contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def build_site(
    config: SiteConfig, site_dir: Path | None = None, strict: bool = True
) -> BuildReport:
    """Run ``mkdocs build`` (strict) for the site root; raise BuildError with MkDocs' reason."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    started = time.monotonic()
    target = site_dir or config.root / "site"
    with _in_dir(config.root):
        try:
            mk = load_config(
                config_file=str(config.root / "mkdocs.yml"), strict=strict, site_dir=str(target)
            )
            build(mk)
        except exceptions.Abort as exc:
            raise BuildError(f"mkdocs build failed: {exc}") from None
        except exceptions.ConfigurationError as exc:
            raise BuildError(f"mkdocs.yml: {exc}") from None
    pages = sum(1 for _ in target.rglob("*.html"))
    return BuildReport(target, pages, time.monotonic() - started)


def serve_site(config: SiteConfig, dev_addr: str | None = None) -> None:
    """Preview with live reload; the briefing plugin re-renders when ``content/`` changes."""
    from mkdocs.commands.serve import serve

    os.environ["BRIEFING_RENDER_ON_BUILD"] = "1"
    with _in_dir(config.root):
        kwargs: dict[str, Any] = {"dev_addr": dev_addr} if dev_addr else {}
        serve(
            config_file=str(config.root / "mkdocs.yml"),
            livereload=True,
            watch=[str(config.content_dir)],
            **kwargs,
        )
