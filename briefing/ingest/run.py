"""Ingest: fetch every feed, parse, normalize, recognise known articles, store new ones.

Feeds are fetched concurrently (a bounded pool, each fetch under its own deadline) and stored
one by one in the order of ``feeds.yml`` as soon as each is fetched: the files written do not
depend on which server answered first, and a run killed half-way keeps the feeds it stored.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx

from ..models import Article, Feed, FeedResult, SiteConfig, utc_iso
from ..store.cache import code_digest
from ..store.content import ContentStore, Ledger, site_lock
from ..store.identity import link_key
from ..store.state import (
    FeedState,
    delivered_key,
    entry_key,
    gone_since,
    load_states,
    retry_time,
    save_states,
    updated_state,
    waiting_until,
)
from .fetch import Fetched, FetchError, Limits, fetch_http, fetch_local, make_client
from .normalize import FeedContext, normalize_entry
from .parse import NotAFeedError, parse_feed

log = logging.getLogger(__name__)

MAX_WORKERS = 8

Outcome = Fetched | FetchError
OnFetched = Callable[[Feed, Outcome, float], None]  # called from the fetching threads
# Called in feeds.yml order from the calling thread, with the feed's consecutive failures.
OnResult = Callable[[FeedResult, int], None]


@dataclass(frozen=True)
class IngestReport:
    results: tuple[FeedResult, ...]
    seconds: float
    new_paths: tuple[str, ...] = field(default=())
    failures: dict[str, int] = field(default_factory=dict)  # feed -> consecutive failures
    retry_after: dict[str, str] = field(default_factory=dict)  # feed -> not before (UTC)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def failed(self) -> tuple[FeedResult, ...]:
        return tuple(r for r in self.results if r.failed)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def fetch_one(
    feed: Feed, config: SiteConfig, limits: Limits, state: FeedState, http: httpx.Client | None
) -> tuple[Outcome, float]:
    """Fetch one feed; a failure is returned as a value, never raised."""
    started = time.monotonic()
    try:
        if feed.is_remote:
            assert http is not None
            validators = {"etag": state.etag, "last_modified": state.last_modified}
            outcome: Outcome = fetch_http(feed, http, limits, validators)
        else:
            outcome = fetch_local(feed, config.root, limits)
    except FetchError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def store_feed(
    feed: Feed,
    fetched: Fetched,
    store: ContentStore,
    ledger: Ledger,
    now: datetime,
    delivered: frozenset[str] = frozenset(),
) -> tuple[FeedResult, list[Article], tuple[str, ...] | None]:
    """Parse one feed's bytes and store its new articles; known ones only gain the feed.
    ``delivered`` (``FeedState.delivered``): the entries this feed's last body held, each
    stored or given the feed then, so skipped now (a feed repeats most of its items run
    after run; looking each one's article up costs reading the article cache). Returns the
    entries of this body too (None when it had none to read)."""
    if fetched.not_modified:
        return FeedResult(feed.name, "not-modified"), [], None
    try:
        parsed = parse_feed(fetched.data, fetched.headers)
    except NotAFeedError as exc:
        return FeedResult(feed.name, "failed", error=str(exc)), [], None
    ctx = FeedContext(
        feed=feed,
        base_url=parsed.link if fetched.url.startswith("file:") else fetched.url,
        channel_title=parsed.title,
        channel_link=parsed.link,
    )
    new: list[Article] = []
    updated = skipped = 0
    entries: list[str] = []
    try:
        for entry in parsed.entries:
            article = normalize_entry(entry, ctx, now)
            if article is None:
                skipped += 1
                continue
            key = delivered_key(article.id)
            entries.append(key)
            if key in delivered:
                continue  # stored, or given this feed, when the last body delivered it
            known = _known(ledger, article)
            if known is not None:
                # Seen before (perhaps deleted by an editor): at most record this feed too.
                updated += store.add_feed(f"content/{known}", feed.name)
                continue
            stored = store.add(article)
            ledger.remember(stored)
            new.append(stored)
    finally:
        # One durable append per feed; a run killed before it is repaired on the next load.
        store.append_ledger(new, ledger)
    result = FeedResult(
        feed.name,
        "ok",
        new=len(new),
        updated=updated,
        entries=len(parsed.entries),
        skipped_entries=skipped,
        malformed=parsed.malformed,
    )
    return result, new, tuple(dict.fromkeys(entries))


def _known(ledger: Ledger, article: Article) -> str | None:
    """``ledger.known``, except that a headline made from a post's text identifies nothing:
    an account's daily "Tide times for today." posts all share it."""
    if article.title_derived:
        return ledger.ids.get(article.id) or ledger.links.get(link_key(article.link))
    return ledger.known(article)


def body_key(feed: Feed, fetched: Fetched) -> str:
    """A fingerprint of all that storing a fetched body depends on: the bytes, where they
    came from, the header that may name their encoding, the feed's entry in feeds.yml and
    briefing's code. When a feed serves the bytes it served last time (many servers send no
    ETag or Last-Modified, or ignore them), storing them again can add nothing: every item
    in them is known, and the ledger remembers the ones editors deleted. "" for a 304."""
    if fetched.not_modified:
        return ""
    digest = hashlib.sha256()
    for part in (
        code_digest(),
        entry_key(feed),
        fetched.url,
        fetched.headers.get("content-type", ""),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(fetched.data)
    return digest.hexdigest()


def _validators(outcome: Fetched, state: FeedState) -> dict[str, str]:
    etag = outcome.headers.get("etag", "")
    modified = outcome.headers.get("last-modified", "")
    if outcome.not_modified:  # a 304 need not repeat the validators: keep the ones we sent
        return {"etag": etag or state.etag, "last_modified": modified or state.last_modified}
    return {"etag": etag, "last_modified": modified}


def ingest(
    config: SiteConfig,
    now: datetime,
    limits: Limits | None = None,
    client: httpx.Client | None = None,
    on_fetched: OnFetched | None = None,
    on_result: OnResult | None = None,
) -> IngestReport:
    """Fetch all feeds and store what is new. Per-feed failures are in the report."""
    started = time.monotonic()
    limits = limits or Limits()
    store = ContentStore(config)
    state_path = config.cache_dir / "feeds.json"
    with site_lock(config):
        ledger = store.load_ledger()
        states = load_states(state_path)
        waiting = {
            feed.name: moment
            for feed in config.feeds
            if (moment := waiting_until(states.get(feed.name, FeedState()), now))
        }
        gone = {
            feed.name: since
            for feed in config.feeds
            if (since := gone_since(states.get(feed.name, FeedState()), feed))
        }
        own_client = client is None and any(f.is_remote for f in config.feeds)
        http = make_client(limits) if own_client else client

        def one(feed: Feed) -> tuple[Outcome, float]:
            state = states.get(feed.name, FeedState())
            outcome, elapsed = fetch_one(feed, config, limits, state, http)
            if on_fetched:
                on_fetched(feed, outcome, elapsed)
            return outcome, elapsed

        results: list[FeedResult] = []
        new_paths: list[str] = []
        pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="fetch")
        try:
            futures: dict[str, Future[tuple[Outcome, float]]] = {
                f.name: pool.submit(one, f)
                for f in config.feeds
                if f.name not in waiting and f.name not in gone
            }
            for feed in config.feeds:
                state = states.get(feed.name, FeedState())
                if feed.name in gone:
                    msg = (
                        f"not fetched: it answered 410 Gone on {gone[feed.name]}; edit or remove"
                        f" its entry in content/feeds.yml (line {feed.line}) to try it again"
                    )
                    result = FeedResult(feed.name, "gone", error=msg)
                elif feed.name in waiting:
                    until = utc_iso(waiting[feed.name])
                    msg = f"not fetched: the server asked to wait until {until} (Retry-After)"
                    result = FeedResult(feed.name, "skipped", error=msg)
                else:
                    outcome, elapsed = futures[feed.name].result()
                    retry_at = None
                    delivered: tuple[str, ...] | None = None  # kept unless a body is read
                    if isinstance(outcome, FetchError):
                        result = FeedResult(feed.name, outcome.status, error=str(outcome))
                        retry_at = retry_time(outcome.retry_after, now)
                        validators: dict[str, str] = {}
                        body = ""
                    else:
                        body = body_key(feed, outcome)
                        if body and body == state.body:  # the same bytes as last time
                            result = FeedResult(feed.name, "not-modified")
                        else:
                            last = frozenset(state.delivered)
                            result, stored, delivered = store_feed(
                                feed, outcome, store, ledger, now, last
                            )
                            new_paths.extend(a.path for a in stored)
                        validators = _validators(outcome, state)
                    result = replace(result, seconds=elapsed)
                    states[feed.name] = updated_state(
                        state, result, now, validators, retry_at, entry_key(feed), body,
                        delivered,
                    )  # fmt: skip
                _log_result(result)
                results.append(result)
                if on_result:
                    on_result(result, states.get(feed.name, state).consecutive_failures)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if own_client and http is not None:
                http.close()
        save_states(state_path, states)
    return IngestReport(
        tuple(results),
        time.monotonic() - started,
        tuple(new_paths),
        failures={r.feed: states.get(r.feed, FeedState()).consecutive_failures for r in results},
        retry_after={n: s.retry_after for n, s in states.items() if s.retry_after},
    )


def _log_result(result: FeedResult) -> None:
    # INFO: the CLI shows every outcome to the user itself (progress.py); -v shows these too.
    if result.error:
        log.info("feed %r %s: %s", result.feed, result.status, result.error)
    elif result.malformed:
        log.info("feed %r is malformed (%s); kept what it had", result.feed, result.malformed)
