"""What briefing asks of one build, handed to the briefing plugin as a typed object.

Its own module because ``build.site`` needs it before any engine is imported: importing
MkDocs first would rule out ProperDocs in that process (``engines``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuildRequest:
    """What ``briefing build`` asks of one build process (``build.site`` through
    ``builds.build``): its share of the leaf pages, and in an incremental build the docs
    files to rebuild (None: the pages MkDocs finds modified, all of them in a clean build).
    Under ``mkdocs build`` or ``serve`` there is none."""

    shard: int = 0
    shards: int = 1
    changed: frozenset[str] | None = None
