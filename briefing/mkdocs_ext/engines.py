"""The engines that build a briefing's site: MkDocs 1.6, or ProperDocs, its 1.x continuation.

Both read ``mkdocs.yml`` and run the same Material theme and the same briefing plugin.
ProperDocs runs plugins and themes written for MkDocs by sending every ``mkdocs.*`` import to
its own ``properdocs.*`` modules once ``properdocs.replacement`` is imported. That is
process-wide and cannot be undone, so a process builds with one engine only: the first one it
imports. ``site.build_site`` builds in a fresh process when this one already holds the other.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from dataclasses import dataclass

from ..errors import UsageError


@dataclass(frozen=True)
class Engine:
    name: str  # in --engine and in mkdocs.yml's extra.briefing.engine; also its module's name
    title: str
    requirement: str  # what to install when it is missing

    @property
    def version(self) -> str:
        from importlib.metadata import version  # a tenth of a command's imports

        return version(self.name)


ENGINES = {
    "mkdocs": Engine("mkdocs", "MkDocs", "mkdocs>=1.6,<2"),
    "properdocs": Engine("properdocs", "ProperDocs", "properdocs>=1.6.5,<1.7"),
}
DEFAULT = "mkdocs"


def get(name: str) -> Engine:
    """The engine called ``name``, installed; else a one-line UsageError saying what to
    install (or which engines there are)."""
    engine = ENGINES.get(name)
    if engine is None:
        msg = f"unknown engine {name!r} (known: {', '.join(ENGINES)})"
        raise UsageError(msg)
    try:
        spec = importlib.util.find_spec(engine.name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        msg = (
            f"the {engine.title} engine is not installed here:"
            f" pip install '{engine.requirement}' (or choose another with --engine)"
        )
        raise UsageError(msg)
    return engine


def loaded() -> str | None:
    """Which engine this process has imported (``mkdocs.*`` is that engine's), if any."""
    module = sys.modules.get("mkdocs")
    if module is None:
        return None
    return "properdocs" if module.__name__ == "properdocs" else "mkdocs"


def usable_here(engine: Engine) -> bool:
    """Whether this process can build with ``engine`` (it holds no other engine)."""
    return loaded() in (None, engine.name)


def activate(engine: Engine) -> None:
    """Make ``mkdocs.*`` imports in this process mean ``engine`` (for MkDocs: nothing to do).
    Only when ``usable_here(engine)``."""
    if loaded() not in (None, engine.name):
        msg = f"this process has already loaded {loaded()}; {engine.title} needs a new one"
        raise RuntimeError(msg)
    if engine.name == "properdocs":
        import properdocs.replacement  # noqa: F401 - redirects mkdocs.* to properdocs.*

        # Material and the briefing plugin log to "mkdocs.*" loggers; ProperDocs counts
        # warnings for strict mode on its own "properdocs" logger (as its CLI does).
        logging.getLogger("mkdocs").parent = logging.getLogger("properdocs")
