"""Per-feed state that is not editorial: HTTP validators and the feed's health.

Kept in ``.cache/briefing/feeds.json`` (never in ``content/``): losing it costs only
bandwidth and history, never an article.

A feed that answered 410 Gone is remembered with a fingerprint of its entry in ``feeds.yml``
and not fetched again until that entry changes (or the cache is lost): the publisher said, in
the one status that means it, that the feed will not come back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..models import Feed, FeedResult, utc_iso
from .files import atomic_write

log = logging.getLogger(__name__)

# A server's Retry-After is honoured up to this long; a bogus far-future value must not
# silence a feed for good.
MAX_RETRY_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class FeedState:
    etag: str = ""
    last_modified: str = ""
    last_success: str = ""
    last_attempt: str = ""
    last_error: str = ""
    consecutive_failures: int = 0
    retry_after: str = ""  # UTC time before which the server asked not to be asked again
    gone_since: str = ""  # UTC time the feed answered 410 Gone ...
    gone_entry: str = ""  # ... with its feeds.yml entry as this fingerprint (entry_key)
    body: str = ""  # fingerprint of the last body stored in full (ingest.body_key)
    # The entries of that body (``delivered_key`` of each article id): each was stored then,
    # or its article was known and given this feed. The next body's repeats need no look.
    delivered: tuple[str, ...] = ()


def entry_key(feed: Feed) -> str:
    """A fingerprint of a feed's entry in ``feeds.yml`` (url, tags, publisher; the name is
    the state's own key): editing the entry in any way clears a "gone" record."""
    entry = json.dumps([feed.url, list(feed.tags), feed.publisher], ensure_ascii=False)
    return hashlib.sha256(entry.encode()).hexdigest()[:16]


def delivered_key(article_id: str) -> str:
    """How ``FeedState.delivered`` names an entry: a short hash of its article id (ids may
    be long URLs; a feed repeats a hundred of them)."""
    return hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def gone_since(state: FeedState, feed: Feed) -> str:
    """When the feed, with its entry as it reads now, answered 410 Gone; "" if it has not."""
    return state.gone_since if state.gone_since and state.gone_entry == entry_key(feed) else ""


def retry_time(header: str, now: datetime) -> datetime | None:
    """The time a Retry-After header (seconds or an HTTP date) points to, capped; None if
    the header is absent or unreadable."""
    header = header.strip()
    if not header:
        return None
    if header.isdigit():
        moment = now + timedelta(seconds=int(header[:9]))
    else:
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return min(moment, now + MAX_RETRY_AFTER) if moment > now else None


def waiting_until(state: FeedState, now: datetime) -> datetime | None:
    """When the feed asked us (Retry-After) not to fetch it before a time still to come."""
    if not state.retry_after:
        return None
    try:
        moment = datetime.fromisoformat(state.retry_after)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment if moment > now else None


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
            known = {k: v for k, v in values.items() if k in fields}
            delivered = known.get("delivered", [])
            known["delivered"] = tuple(
                v for v in (delivered if isinstance(delivered, list) else []) if isinstance(v, str)
            )
            states[name] = FeedState(**known)
    return states


def save_states(path: Path, states: dict[str, FeedState]) -> None:
    data = {"feeds": {name: asdict(state) for name, state in sorted(states.items())}}
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def updated_state(
    state: FeedState,
    result: FeedResult,
    now: datetime,
    validators: dict[str, str],
    retry_at: datetime | None = None,
    entry: str = "",
    body: str = "",
    delivered: tuple[str, ...] | None = None,
) -> FeedState:
    """The feed's state after one run's result (a 429/503 counts as a failure). A 410 Gone
    is recorded with ``entry``, the fingerprint of the feed's entry that was fetched; a
    success with ``body``, the fingerprint of what was stored (kept when ""), and the
    entries it ``delivered`` (kept when None: a 304, or the same bytes again)."""
    stamp = utc_iso(now)
    if result.failed or result.status == "skipped":
        gone = result.status == "gone"
        return replace(
            state,
            last_attempt=stamp,
            last_error=result.error,
            consecutive_failures=state.consecutive_failures + 1,
            retry_after=utc_iso(retry_at) if retry_at else "",
            gone_since=stamp if gone else "",
            gone_entry=entry if gone else "",
        )
    return replace(
        state,
        etag=validators.get("etag", state.etag),
        last_modified=validators.get("last_modified", state.last_modified),
        body=body or state.body,
        delivered=state.delivered if delivered is None else delivered,
        last_success=stamp,
        last_attempt=stamp,
        last_error="",
        consecutive_failures=0,
        retry_after="",
        gone_since="",
        gone_entry="",
    )
