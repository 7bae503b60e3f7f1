"""Ingest: fetch every feed, parse, normalize, recognise known articles, store new ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from .fetch import Fetched, FetchError, Limits, fetch_http, fetch_local, make_client
from .identity import story_key
from .models import Feed, FeedResult, SiteConfig
from .normalize import FeedContext, normalize_entry
from .parse import NotAFeedError, parse_feed
from .state import FeedState, load_states, save_states, updated_state
from .store import ContentStore, Ledger, site_lock

log = logging.getLogger(__name__)

MAX_WORKERS = 8


@dataclass(frozen=True)
class IngestReport:
    results: tuple[FeedResult, ...]
    seconds: float
    new_paths: tuple[str, ...] = field(default=())

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def failed(self) -> tuple[FeedResult, ...]:
        return tuple(r for r in self.results if r.failed)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


Outcome = Fetched | FetchError


def fetch_all(
    config: SiteConfig,
    limits: Limits,
    states: dict[str, FeedState],
    client: httpx.Client | None = None,
    on_done: Callable[[Feed, Outcome, float], None] | None = None,
) -> dict[str, tuple[Outcome, float]]:
    """Fetch every feed concurrently (bounded pool); a failure is a value, never raised."""
    own_client = client is None and any(f.is_remote for f in config.feeds)
    http = make_client(limits) if own_client else client

    def one(feed: Feed) -> tuple[Outcome, float]:
        started = time.monotonic()
        try:
            if feed.is_remote:
                assert http is not None
                state = states.get(feed.name, FeedState())
                validators = {"etag": state.etag, "last_modified": state.last_modified}
                outcome: Outcome = fetch_http(feed, http, limits, validators)
            else:
                outcome = fetch_local(feed, config.root, limits)
        except FetchError as exc:
            outcome = exc
        elapsed = time.monotonic() - started
        if on_done:
            on_done(feed, outcome, elapsed)
        return outcome, elapsed

    try:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="fetch") as pool:
            outcomes = list(pool.map(one, config.feeds))
    finally:
        if own_client and http is not None:
            http.close()
    return {feed.name: outcome for feed, outcome in zip(config.feeds, outcomes, strict=True)}


def store_feed(
    feed: Feed,
    fetched: Fetched,
    store: ContentStore,
    ledger: Ledger,
    now: datetime,
    new_paths: list[str],
) -> FeedResult:
    """Parse one feed's bytes and store its new articles; known ones only gain the feed."""
    if fetched.not_modified:
        return FeedResult(feed.name, "not-modified")
    try:
        parsed = parse_feed(fetched.data, fetched.headers)
    except NotAFeedError as exc:
        return FeedResult(feed.name, "failed", error=str(exc))
    ctx = FeedContext(
        feed=feed,
        base_url=parsed.link if fetched.url.startswith("file:") else fetched.url,
        channel_title=parsed.title,
        channel_link=parsed.link,
    )
    new, updated, skipped = [], 0, 0
    for entry in parsed.entries:
        article = normalize_entry(entry, ctx, now)
        if article is None:
            skipped += 1
            continue
        if article.id in ledger.ids:
            # Known (or deleted by an editor): at most record that this feed carries it too.
            if store.add_feed(f"content/{ledger.ids[article.id]}", feed.name):
                updated += 1
            continue
        key = story_key(article.title, article.publisher)
        if key in ledger.keys:
            continue  # same headline from the same publisher under a new id (Google re-ranks)
        stored = store.add(article)
        new.append(stored)
        new_paths.append(stored.path)
        store.append_ledger([stored], ledger)
    return FeedResult(
        feed.name,
        "ok",
        new=len(new),
        updated=updated,
        entries=len(parsed.entries),
        skipped_entries=skipped,
        malformed=parsed.malformed,
    )


def ingest(
    config: SiteConfig,
    now: datetime,
    limits: Limits | None = None,
    client: httpx.Client | None = None,
    on_done: Callable[[Feed, Outcome, float], None] | None = None,
) -> IngestReport:
    """Fetch all feeds and store what is new. Per-feed failures are in the report."""
    started = time.monotonic()
    limits = limits or Limits()
    store = ContentStore(config)
    state_path = config.cache_dir / "feeds.json"
    with site_lock(config):
        ledger = store.load_ledger()
        states = load_states(state_path)
        outcomes = fetch_all(config, limits, states, client, on_done)
        results: list[FeedResult] = []
        new_paths: list[str] = []
        for feed in config.feeds:
            outcome, elapsed = outcomes[feed.name]
            if isinstance(outcome, FetchError):
                result = FeedResult(feed.name, outcome.status, error=str(outcome), seconds=elapsed)
                validators: dict[str, str] = {}
            else:
                result = store_feed(feed, outcome, store, ledger, now, new_paths)
                result = FeedResult(**{**result.__dict__, "seconds": elapsed})
                validators = {
                    "etag": outcome.headers.get("etag", ""),
                    "last_modified": outcome.headers.get("last-modified", ""),
                }
            if result.failed:
                log.warning("feed %r failed: %s", feed.name, result.error)
            elif result.malformed:
                log.warning(
                    "feed %r is malformed (%s); kept what it had", feed.name, result.malformed
                )
            state = states.get(feed.name, FeedState())
            states[feed.name] = updated_state(state, result, now, validators)
            results.append(result)
        save_states(state_path, states)
    return IngestReport(tuple(results), time.monotonic() - started, tuple(new_paths))
