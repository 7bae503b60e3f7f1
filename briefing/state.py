"""Per-feed state that is not editorial: HTTP validators and the feed's health.

Kept in ``.cache/briefing/feeds.json`` (never in ``content/``): losing it costs only
bandwidth and history, never an article.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from .files import atomic_write
from .models import FeedResult, utc_iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedState:
    etag: str = ""
    last_modified: str = ""
    last_success: str = ""
    last_attempt: str = ""
    last_error: str = ""
    consecutive_failures: int = 0


def load_states(path: Path) -> dict[str, FeedState]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable feed state (%s); starting afresh", path, exc)
        return {}
    states = {}
    fields = set(FeedState.__dataclass_fields__)
    for name, values in raw.get("feeds", {}).items() if isinstance(raw, dict) else []:
        if isinstance(values, dict):
            states[name] = FeedState(**{k: v for k, v in values.items() if k in fields})
    return states


def save_states(path: Path, states: dict[str, FeedState]) -> None:
    data = {"feeds": {name: asdict(state) for name, state in sorted(states.items())}}
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def updated_state(
    state: FeedState, result: FeedResult, now: datetime, validators: dict[str, str]
) -> FeedState:
    """The feed's state after one run's result."""
    stamp = utc_iso(now)
    if result.failed or result.status == "skipped":
        return replace(
            state,
            last_attempt=stamp,
            last_error=result.error,
            consecutive_failures=state.consecutive_failures + 1,
        )
    return replace(
        state,
        etag=validators.get("etag", state.etag),
        last_modified=validators.get("last_modified", state.last_modified),
        last_success=stamp,
        last_attempt=stamp,
        last_error="",
        consecutive_failures=0,
    )
