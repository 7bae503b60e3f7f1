"""The read step: fetch each article's original page once, politely, and keep what it says.

content/articles ─► Google News link resolved ─► robots.txt ─► GET ─► extract ─► .cache/
                                                                             └─► ``read:`` record

- **Politely.** robots.txt is honoured for briefing's User-Agent (Protego; fetched once per host
  per run; a robots.txt that cannot be fetched for a server error or timeout means "not now",
  a 4xx means "no rules", as RFC 9309 says). One request at a time, at least ``gap`` seconds
  apart on one host (longer if its robots.txt asks with ``Crawl-delay``); hosts take turns, so
  the gap rarely costs a wait. A host that could not be reached is not tried again in the run.
- **Within bounds.** At most ``budget`` pages a run, newest articles first, then the backlog;
  every fetch has the project's deadline (name lookup included), 5 redirects, a byte cap, and
  only HTML or XHTML is read (a PDF or an image is remembered as such, never parsed).
- **Once, ever.** What a page gave is kept in ``.cache/briefing/pages/`` keyed by URL (the cache
  CI carries between runs): the text, or why there is none. 403, 404, 410, paywalls and
  non-HTML are final; server errors and timeouts are tried again in later runs, after
  1, 4, 16 hours, and given up after ``MAX_ATTEMPTS``.
- **Quoted, never copied.** The full text stays in the cache. The article's file records only
  ``read: {url, status, words, hash, lead, at}``: the publisher's URL (resolved from Google
  News, without tracking parameters), what happened, the size and hash of the text, and its lead
  (two sentences at most, under 60 words: ``quoting.lead``). Only that key is written; the
  analysis and every other byte of the file stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import httpx

from ..models import Article, SiteConfig, utc_iso
from ..store.files import Batch, atomic_write
from ..text import words
from ..urls import strip_tracking
from . import quoting
from .extract import Extracted, extract
from .fetch import Fetched, FetchError, Limits, fetch_url, make_client
from .gnews import LIMITS as GNEWS_LIMITS
from .gnews import Resolver, is_google_news

log = logging.getLogger(__name__)

AGENT = "briefing"  # the product token robots.txt rules name
PAGE_LIMITS = Limits(connect_timeout=10.0, read_timeout=15.0, deadline=20.0, max_bytes=4 << 20)
MAX_ATTEMPTS = 4
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
OK = "ok"
FINAL = frozenset(
    {OK, "disallowed", "paywalled", "not-html", "too-large", "gone", "forbidden", "empty"}
)
MAX_CRAWL_DELAY = 30.0


@dataclass(frozen=True)
class ReadSettings:
    budget: int = 150  # pages fetched per run
    gap: float = 2.0  # seconds between two requests to one host
    resolve_budget: int = 40  # Google News links resolved over the network per run
    limits: Limits = PAGE_LIMITS
    mirror: Path | None = None  # a folder that stands in for the web (the offline demo)


class Web(Protocol):
    """Where pages come from: the internet (``HttpWeb``) or a folder (``MirrorWeb``)."""

    def get(self, url: str, html: bool) -> Fetched: ...

    def close(self) -> None: ...


def _only_html(response: httpx.Response) -> None:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in HTML_TYPES:
        raise FetchError(f"not an HTML page ({kind})", status="not-html")


@dataclass
class HttpWeb:
    """Pages over HTTP with the project's hardened client (``fetch.py``)."""

    limits: Limits = PAGE_LIMITS
    client: httpx.Client = field(default_factory=lambda: make_client(PAGE_LIMITS))

    def get(self, url: str, html: bool) -> Fetched:
        headers = {"Accept": PAGE_ACCEPT} if html else {"Accept": "text/plain, */*;q=0.5"}
        check = _only_html if html else None
        return fetch_url(url, self.client, self.limits, headers, accept=check)

    def close(self) -> None:
        self.client.close()


@dataclass
class MirrorWeb:
    """A folder standing in for the web: ``https://host/a/b`` is ``FOLDER/host/a/b.html`` and
    ``https://host/a/`` is ``FOLDER/host/a/index.html``; robots.txt is ``FOLDER/host/robots.txt``.
    A missing file is a 404. For offline demos and trials; never reaches the network."""

    folder: Path

    def get(self, url: str, html: bool) -> Fetched:
        parts = urlsplit(url)
        path = unquote(parts.path) or "/"
        if path.endswith("/"):
            path += "index.html"
        elif not path.endswith((".txt", ".html", ".htm")):
            path += ".html"
        base = (self.folder / (parts.hostname or "")).resolve()
        file = (base / path.lstrip("/")).resolve()
        if not file.is_relative_to(base) or not file.is_file():
            raise FetchError("HTTP 404 Not Found", code=404)
        kind = "text/plain" if file.suffix == ".txt" else "text/html"
        return Fetched(file.read_bytes(), url, {"content-type": kind})

    def close(self) -> None:
        return None


class PageCache:
    """``.cache/briefing/pages/<2 hex>/<sha256 of the URL>.json``: one record per URL asked."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "pages"

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("key") == key else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"key": key, **record}, ensure_ascii=False), durable=False)

    def text(self, url: str) -> str:
        """The main text read from ``url``, or "" when it was not read (or the cache is gone)."""
        record = self.get(url)
        return str(record.get("text", "")) if record and record.get("status") == OK else ""


def record_of(article: Article) -> dict[str, Any]:
    """The article's ``read`` record from its front matter ({} when it was never read)."""
    record = article.extra.get("read")
    return record if isinstance(record, dict) else {}


@dataclass
class ReadReport:
    counts: Counter[str] = field(default_factory=Counter)  # read, cached, disallowed, failed, …
    reasons: Counter[str] = field(default_factory=Counter)  # why pages failed
    left: int = 0  # articles still to read (budget spent, waiting for a retry, host down)
    resolved: int = 0  # Google News links resolved (offline or over the network)
    unresolved: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        c = self.counts
        why = ", ".join(f"{n} {r}" for r, n in self.reasons.most_common(3))
        unavailable = sum(c[s] for s in ("gone", "forbidden", "not-html", "too-large", "empty"))
        return (
            f"read {c['read']} page{'s' if c['read'] != 1 else ''} ({c['cached']} from the cache,"
            f" {c['disallowed']} disallowed by robots.txt, {c['paywalled']} paywalled,"
            f" {unavailable} gone, forbidden or not an article,"
            f" {c['failed']} failed{': ' + why if why else ''}), {self.left} left for later runs;"
            f" {self.resolved} Google News links resolved, {self.unresolved} not"
            f" in {self.seconds:.1f} s"
        )


@dataclass
class _Host:
    robots: Any = None  # Protego, or None when there are no rules
    ready: bool = True  # False: robots.txt unavailable or the host unreachable in this run
    delay: float = 0.0
    next_at: float = 0.0


class Reader:
    """One run of the read step over a site's articles (see the module's docstring)."""

    def __init__(
        self,
        config: SiteConfig,
        now: datetime,
        settings: ReadSettings,
        web: Web | None = None,
        resolver: Resolver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.now = now
        self.settings = settings
        self.cache = PageCache(config.cache_dir)
        mirror = settings.mirror
        self.web: Web = web or (MirrorWeb(mirror) if mirror else HttpWeb(settings.limits))
        self.resolver = resolver
        self.sleep = sleep
        self.clock = clock
        self.hosts: dict[str, _Host] = {}
        self.report = ReadReport()
        self.fetched = 0

    # -- Google News --------------------------------------------------------------------------

    def target(self, article: Article) -> str | None:
        """The URL to read for an article: Google News links resolved (cached forever)."""
        if not is_google_news(article.link):
            return strip_tracking(article.link)
        key = f"gnews:{article.link}"
        known = self.cache.get(key)
        if known and isinstance(known.get("url"), str):
            self.report.resolved += 1
            return str(known["url"])
        if self.resolver is None:
            # A mirror stands in for the whole web: Google is not asked either.
            budget = 0 if self.settings.mirror else self.settings.resolve_budget
            self.resolver = Resolver(make_client(GNEWS_LIMITS), budget=budget)
        url = self.resolver.resolve(article.link)
        if url is None:
            self.report.unresolved += 1
            return None
        self.report.resolved += 1
        self.cache.put(key, {"url": url})
        return url

    # -- robots.txt and politeness ------------------------------------------------------------

    def host(self, url: str) -> _Host:
        parts = urlsplit(url)
        name = f"{parts.scheme}://{parts.netloc}".lower()
        if name in self.hosts:
            return self.hosts[name]
        host = self.hosts[name] = _Host(delay=self.settings.gap)
        try:
            fetched = self.web.get(f"{name}/robots.txt", html=False)
        except FetchError as exc:
            if exc.network or exc.code in (0, 429) or exc.code >= 500:
                host.ready = False  # RFC 9309: unreachable robots.txt means "not now"
                self.report.notes.append(f"{name}: robots.txt unavailable ({exc}); not read")
            return host  # 4xx: no rules
        from protego import Protego

        host.robots = Protego.parse(fetched.data.decode("utf-8", errors="replace"))
        delay = host.robots.crawl_delay(AGENT)
        if delay:
            host.delay = min(max(float(delay), host.delay), MAX_CRAWL_DELAY)
        host.next_at = self.clock() + self.settings.gap  # robots.txt was one request
        return host

    def wait_for(self, host: _Host) -> None:
        pause = host.next_at - self.clock()
        if pause > 0:
            self.sleep(pause)
        host.next_at = self.clock() + host.delay

    # -- one page -----------------------------------------------------------------------------

    def fetch(self, url: str, host: _Host) -> dict[str, Any]:
        """A cache record for ``url`` after one GET (final or to be retried)."""
        self.wait_for(host)
        self.fetched += 1
        started = time.monotonic()
        try:
            page = self.web.get(url, html=True)
        except FetchError as exc:
            status = "failed"
            if exc.status == "not-html":
                status = "not-html"
            elif exc.oversize:
                status = "too-large"
            elif exc.code in (404, 410):
                status = "gone"
            elif exc.code in (401, 403, 451):
                status = "forbidden"
            elif exc.code == 402:
                status = "paywalled"
            if exc.network or exc.code == 429:
                host.ready = False  # one dead or unwilling host costs one deadline a run
            return {"status": status, "reason": str(exc)}
        found: Extracted = extract(page.data, page.url, page.headers.get("content-type", ""))
        record: dict[str, Any] = {
            "status": found.status,
            "url": strip_tracking(page.url),
            "seconds": round(time.monotonic() - started, 3),
            "bytes": len(page.data),
        }
        if found.status == OK:
            record.update(
                text=found.text, title=found.title, author=found.author, date=found.date,
                language=found.language,
            )  # fmt: skip
        else:
            record["reason"] = found.reason
        return record

    def outcome(self, url: str, host: _Host, known: dict[str, Any] | None) -> dict[str, Any] | None:
        """What reading ``url`` gives now (``known``: its cache record of an earlier failure);
        None to try again in a later run."""
        attempts = int(known.get("attempts", 0)) if known else 0
        if host.robots is not None and not host.robots.can_fetch(url, AGENT):
            self.report.counts["disallowed"] += 1
            return {"status": "disallowed", "url": url, "reason": "robots.txt disallows it"}
        record = self.fetch(url, host)
        status = record["status"]
        if status == "failed":
            attempts += 1
            self.report.counts["failed"] += 1
            self.report.reasons[_reason(record["reason"])] += 1
            if attempts < MAX_ATTEMPTS:
                retry = self.now + timedelta(hours=4 ** (attempts - 1))
                self.cache.put(url, {**record, "attempts": attempts, "retry_at": utc_iso(retry)})
                return None
        elif status == OK:
            self.report.counts["read"] += 1
        else:
            self.report.counts[status] += 1
        record["at"] = utc_iso(self.now)
        self.cache.put(url, record)
        final = str(record.get("url") or url)
        if final != url:  # found under the address the article's record names, too
            self.cache.put(final, record)
        return record

    def run(self, articles: Iterable[Article]) -> dict[str, dict[str, Any]]:
        """``{article id: its new read record}`` for the articles read in this run."""
        queue = sorted(
            (a for a in articles if not record_of(a)),
            key=lambda a: (a.published, a.id),
            reverse=True,
        )
        by_host: dict[str, deque[tuple[Article, str]]] = {}
        records: dict[str, dict[str, Any]] = {}
        planned = 0
        for article in queue:
            if planned >= self.settings.budget:
                self.report.left += 1
                continue
            url = self.target(article)
            if url is None:
                self.report.left += 1
                continue
            by_host.setdefault(urlsplit(url).netloc.lower(), deque()).append((article, url))
            planned += 1
        # Hosts take turns, so one host's gap is spent reading the others.
        turns = deque(by_host.values())
        while turns:
            items = turns.popleft()
            article, url = items.popleft()
            if items:
                turns.append(items)
            known = self.cache.get(url)
            if known and known.get("status") in FINAL:  # read before, for another article
                self.report.counts["cached"] += 1
                records[article.id] = front_matter_record(known, url, self.now)
                continue
            if known and str(known.get("retry_at", "")) > utc_iso(self.now):
                self.report.left += 1  # failed lately: its retry is not due yet
                continue
            host = self.host(url)
            if not host.ready or self.fetched >= self.settings.budget:
                self.report.left += 1
                continue
            outcome = self.outcome(url, host, known)
            if outcome is None:
                self.report.left += 1
            else:
                records[article.id] = front_matter_record(outcome, url, self.now)
        return records

    def close(self) -> None:
        self.web.close()
        if self.resolver is not None:
            self.resolver.client.close()


def _reason(message: str) -> str:
    """A failure's kind for the summary line: "HTTP 503", "timed out", ..."""
    if message.startswith("HTTP "):
        return " ".join(message.split()[:2])
    if "deadline" in message or "timed out" in message:
        return "timed out"
    return message.split(":")[0][:40]


def front_matter_record(outcome: dict[str, Any], asked: str, now: datetime) -> dict[str, Any]:
    """What ``content/`` keeps of a page: never its text, at most a two-sentence lead."""
    record: dict[str, Any] = {"url": str(outcome.get("url") or asked), "status": outcome["status"]}
    text = str(outcome.get("text", ""))
    if outcome["status"] == OK and text:
        record["words"] = len(words(text))
        record["hash"] = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        lead = quoting.lead(text)
        if lead:
            record["lead"] = lead
        if outcome.get("author"):
            record["author"] = str(outcome["author"])[:120]
    record["at"] = str(outcome.get("at") or utc_iso(now))
    return record


def read(
    config: SiteConfig,
    now: datetime,
    settings: ReadSettings,
    web: Web | None = None,
    resolver: Resolver | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ReadReport:
    """Read the articles of a site root that were never read (see the module's docstring)."""
    from ..store.content import ContentStore, site_lock
    from ..store.frontmatter import updated_text

    started = time.monotonic()
    store = ContentStore(config)
    with site_lock(config, wait=True):
        articles, _errors = store.load_all()
        reader = Reader(config, now, settings, web, resolver, sleep)
        try:
            records = reader.run(articles)
        finally:
            reader.close()
        by_id = {a.id: a for a in articles}
        with Batch() as batch:
            for article_id, record in records.items():
                article = by_id[article_id]
                text = updated_text(config.root / article.path, article, {"read": record}, None)
                if text is not None:  # else the file changed since: the next run reads it
                    batch.write(config.root / article.path, text)
    reader.report.seconds = time.monotonic() - started
    return reader.report
