"""Build and serve the site with MkDocs (strict: any warning fails the build)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError
from .files import atomic_write
from .models import SiteConfig

log = logging.getLogger(__name__)

# Material prints a banner about MkDocs 2 on every build; it is noise in a briefing's log.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@dataclass(frozen=True)
class BuildReport:
    site_dir: Path
    pages: int
    seconds: float
    incremental: bool = False


@contextlib.contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns on every dirty build (strict mode would fail); ours are safe by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def fingerprint(config: SiteConfig) -> str:
    """What every page depends on besides its own docs file: when it changes, the whole site
    is rebuilt; otherwise only pages whose docs file is newer than their HTML are."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update((config.root / "mkdocs.yml").read_bytes())
    for package in ("briefing", "mkdocs", "mkdocs-material", "markdown"):
        digest.update(f"{package}={version(package)}".encode())
    for name in ("GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "BRIEFING_FASTPAGES"):
        digest.update(f"{name}={os.environ.get(name, '')}".encode())
    theme = Path(__file__).parent / "theme"
    for path in sorted(theme.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(theme).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _page_outputs(docs_dir: Path) -> set[str]:
    """The HTML file each Markdown page in docs/ becomes (directory URLs, as MkDocs does)."""
    outputs = set()
    for path in docs_dir.rglob("*.md"):
        stem = path.relative_to(docs_dir).with_suffix("").as_posix()
        if stem == "index" or stem.endswith("/index"):
            outputs.add(stem.removesuffix("index") + "index.html")
        else:
            outputs.add(f"{stem}/index.html")
    return outputs


def build_site(
    config: SiteConfig, site_dir: Path | None = None, strict: bool = True, full: bool = False
) -> BuildReport:
    """Run ``mkdocs build`` (strict) for the site root; raise BuildError with MkDocs' reason.

    Incremental unless ``full``: when nothing the whole site depends on changed since the last
    build into the same folder (``fingerprint``), MkDocs' dirty mode rebuilds only the pages
    whose docs file changed, and the pages whose docs file is gone are removed.
    """
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    started = time.monotonic()
    target = (site_dir or config.root / "site").resolve()
    state_path = config.cache_dir / "build.json"
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        state = {}
    stamp = fingerprint(config)
    dirty = (
        not full
        and target.is_dir()
        and state.get("fingerprint") == stamp
        and state.get("site_dir") == str(target)
    )
    state_path.unlink(missing_ok=True)  # a build that fails half-way leaves no promise
    quiet = _DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        with _in_dir(config.root):
            mk = load_config(
                config_file=str(config.root / "mkdocs.yml"), strict=strict, site_dir=str(target)
            )
            build(mk, dirty=dirty)
    except exceptions.Abort as exc:
        raise BuildError(f"mkdocs build failed: {exc}") from None
    except exceptions.ConfigurationError as exc:
        raise BuildError(f"mkdocs.yml: {exc}") from None
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
    outputs = _page_outputs(config.docs_dir)
    for stale in set(state.get("pages", [])) - outputs if dirty else ():
        page = target / stale
        page.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the page's folder, when nothing else is in it
            page.parent.rmdir()
    atomic_write(
        state_path,
        json.dumps({"fingerprint": stamp, "site_dir": str(target), "pages": sorted(outputs)}),
        durable=False,
    )
    pages = len(outputs)
    return BuildReport(target, pages, time.monotonic() - started, incremental=dirty)


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
