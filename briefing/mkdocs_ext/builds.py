"""Build and serve with the engine: the calls into MkDocs (or ProperDocs) that the rest of
briefing makes, and what it asks of the briefing plugin, as one typed object.

``build.site`` decides what to build and in how many processes; this module runs one build
(``build``) or the preview server (``serve``). A build started here hands the plugin a
``BuildRequest`` (its share of the pages, the docs files to rebuild); ``mkdocs build`` and
``mkdocs serve`` run by hand give it none, and the plugin builds everything, as MkDocs would.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import BuildError
from . import engines
from .request import BuildRequest

__all__ = ["BuildRequest", "build", "serve"]

# Material prints a banner about MkDocs 2 on every build; it is noise in a briefing's log.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


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


def build(
    engine: engines.Engine, root: Path, target: Path, strict: bool, request: BuildRequest
) -> None:
    """One build (dirty: only the pages the plugin marks modified) of the request's share of
    the pages, into ``target``. Engine and configuration errors become a BuildError."""
    engines.activate(engine)  # from here on, mkdocs.* is the engine's (ProperDocs' or MkDocs')
    from mkdocs import exceptions
    from mkdocs.commands import build as engine_build
    from mkdocs.config import load_config

    from .plugin import BriefingPlugin

    quiet = _DropDirtyWarning()
    build_log = logging.getLogger(f"{engine.name}.commands.build")
    build_log.addFilter(quiet)
    engine_module: Any = engine_build  # its get_files is swapped for the build (below)
    own_get_files = engine_module.get_files
    try:
        with _in_dir(root):
            config = load_config(
                config_file=str(root / "mkdocs.yml"), strict=strict, site_dir=str(target)
            )
            briefing = None
            for plugin in config.plugins.values():
                if isinstance(plugin, BriefingPlugin):
                    plugin.request = request
                    briefing = plugin

            def get_files(config: Any) -> Any:
                # The plugin's own list of the docs files where it knows what is written
                # (``unbuilt.files_for``), MkDocs' walk otherwise.
                found = briefing.files_for(config) if briefing is not None else None
                return found if found is not None else own_get_files(config)

            engine_module.get_files = get_files
            engine_module.build(config, dirty=True)
    except exceptions.Abort as exc:
        raise BuildError(f"{engine.name} build failed: {exc}") from None
    except exceptions.ConfigurationError as exc:
        raise BuildError(f"mkdocs.yml: {exc}") from None
    finally:
        engine_module.get_files = own_get_files
        build_log.removeFilter(quiet)


def prepare(engine: engines.Engine, root: Path) -> None:
    """Import what a build of the site at ``root`` imports: the engine, the briefing plugin,
    and the plugins, Markdown extensions and theme its mkdocs.yml names (by loading the
    configuration once, silently, and dropping it). Nothing is built; any problem is left
    for the build to report."""
    if not engines.usable_here(engine):
        return  # the build runs in a process of its own (``build.site``)
    engines.activate(engine)
    from mkdocs.commands import build as engine_build  # noqa: F401 - imported for later
    from mkdocs.config import load_config

    from . import plugin  # noqa: F401 - imported for later

    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # the build says what is wrong with mkdocs.yml, once
    try:
        with _in_dir(root), contextlib.suppress(Exception):
            load_config(config_file=str(root / "mkdocs.yml"))
    finally:
        logging.disable(before)


def serve(engine: engines.Engine, root: Path, dev_addr: str | None = None) -> None:
    """Preview the site with live reload: the plugin watches ``content/`` and renders the
    pages again before each rebuild while it serves."""
    if not engines.usable_here(engine):
        msg = f"this process has already loaded {engines.loaded()}: serve from a new one"
        raise BuildError(msg)
    engines.activate(engine)
    from mkdocs.commands.serve import serve as engine_serve

    with _in_dir(root):
        kwargs: dict[str, Any] = {"dev_addr": dev_addr} if dev_addr else {}
        engine_serve(config_file=str(root / "mkdocs.yml"), livereload=True, **kwargs)
