"""Analyze: give every article a story and a drafted analysis, never touching a person's text.

Whether a text may be replaced is its editorial record's to say (``editorial``): no command ever
rewrites or removes what a person wrote, edited or marked reviewed.
``--refresh`` redrafts only untouched machine drafts (for example when new coverage arrived).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ..errors import ContentError
from ..models import Article, SiteConfig
from ..store import memo
from ..store.content import ContentStore, site_lock
from ..store.files import Batch, atomic_write
from ..store.frontmatter import updated_text
from . import stories
from .draft import ENV, OFFLINE, Briefing, draft, prime_memo, texts_of
from .editorial import DRAFT, NONE, REVIEWED, editorial, is_offline, text_hash

log = logging.getLogger(__name__)

# A drafter returns (Markdown text, who drafted it).
Drafter = Callable[[Article, Briefing], tuple[str, str]]


def offline(article: Article, briefing: Briefing) -> tuple[str, str]:
    return draft(article, briefing), OFFLINE


class Model(Protocol):
    """A model analyzer (``llm.ModelDrafter``): drafts while its budgets allow."""

    notes: list[str]

    @property
    def name(self) -> str: ...

    def available(self) -> bool: ...

    def draft(self, article: Article, briefing: Briefing) -> str | None: ...


@dataclass(frozen=True)
class AnalyzeReport:
    articles: int
    stories: int  # articles given a story in this run
    drafted: int  # empty analyses drafted
    refreshed: int  # untouched drafts rewritten with new text
    reviewed: int  # analyses left alone because a person wrote, edited or reviewed them
    errors: tuple[ContentError, ...]
    notes: tuple[str, ...]  # analyzer problems (model failures, rejected answers)
    seconds: float
    by_model: int = 0  # drafts written by the model (new ones and upgraded offline drafts)
    backlog: int = 0  # offline drafts the model could still upgrade
    model: str = ""  # the model's id, when one was configured


def prepare() -> None:
    """Compile the offline drafts' template ahead of the first draft (``pipeline``)."""
    ENV.get_template("analysis.md.j2")


def read_since(article: Article) -> bool:
    """True when the article's page was read after its draft was written (the draft does not
    record the text it was drafted from)."""
    from ..ingest.read import record_of

    read_hash = record_of(article).get("hash")
    draft_record = article.extra.get("analysis")
    drafted_from = draft_record.get("read") if isinstance(draft_record, dict) else None
    return isinstance(read_hash, str) and read_hash != drafted_from


def model_order(articles: list[Article], briefing: Briefing) -> list[Article]:
    """Where a model's few calls matter most: the newest day first; on a day, every story's
    first article before any follower; then stories covered by more outlets first."""

    def key(article: Article) -> tuple[int, bool, int, float, float]:
        story = briefing.story_of[article.id]
        latest = story.articles[-1].published
        return (
            -latest.toordinal(),
            article.id != story.first.id,
            -len(story.publishers),
            -latest.timestamp(),
            article.published.timestamp(),
        )

    return sorted(articles, key=key)


def analyze(
    config: SiteConfig,
    refresh: bool = False,
    drafter: Drafter = offline,
    model: Model | None = None,
) -> AnalyzeReport:
    """Assign stories to articles without one, then draft every missing analysis: with the
    ``model`` as far as its budgets go (newest and widest-covered stories first, upgrading
    untouched offline drafts too), offline for the rest. With ``refresh``, untouched offline
    drafts whose text would change are redrafted. A person's text is never touched."""
    started = time.monotonic()
    store = ContentStore(config)
    with site_lock(config, wait=True), Batch() as batch:
        store.remove_stale_temp_files()  # of a run killed before its batch was committed
        memo.load(config.cache_dir)  # what the last runs made of the same headlines
        articles, errors = store.load_all()
        loaded = {a.id: a for a in articles}  # as read, to see whether a file changed since
        assigned = stories.assign(articles)
        updated = [
            replace(a, extra={**a.extra, "story": assigned[a.id]}) if a.id in assigned else a
            for a in articles
        ]
        states = {a.id: editorial(a) for a in updated}
        needed = model is not None or refresh or any(st.state == NONE for st in states.values())
        # Nothing to draft (a run that brought nothing new, offline): no need to know the
        # briefing as a whole.
        from ..ingest.read import PageCache, record_of

        pages = PageCache(config.cache_dir)

        def reading(article: Article) -> str:
            record = record_of(article)
            return pages.text(str(record["url"])) if record.get("status") == "ok" else ""

        # An untouched offline draft written before its article was read is drafted again.
        reread = {a.id for a in updated if is_offline(states[a.id]) and read_since(a)}
        needed = needed or bool(reread)
        briefing = Briefing.of(updated if needed else [], config.timezone, reading)
        counts: Counter[str] = Counter()
        written: set[str] = set()

        def write(
            article: Article, record: dict[str, Any], body: str | None, now: bool = False
        ) -> bool:
            """One write per file: its new story (if any) and its draft (if any) together;
            ``now`` for a model's draft (each cost a call), else in the run's batch."""
            story = {"story": assigned[article.id]} if article.id in assigned else {}
            path = config.root / article.path
            if article.id in written:
                return False
            text = updated_text(path, loaded[article.id], {**story, **record}, body)
            if text is None:
                return False
            if now:
                atomic_write(path, text)
            else:
                batch.write(path, text)
            written.add(article.id)
            return True

        def drafted(article: Article, text: str, by: str) -> dict[str, Any]:
            record = {"state": DRAFT, "by": by, "hash": text_hash(text)}
            read_hash = record_of(article).get("hash")
            if isinstance(read_hash, str):  # what it was drafted from (``read_since``)
                record["read"] = read_hash
            return {"analysis": record}

        open_ = [a for a in updated if states[a.id].state == NONE or is_offline(states[a.id])]
        if model is not None:
            for article in model_order(open_, briefing):
                if not model.available():
                    break
                text = model.draft(article, briefing)
                record = drafted(article, text or "", model.name)
                if text and write(article, record, f"\n{text}", now=True):
                    counts["model"] += 1
                    counts["drafted"] += states[article.id].state == NONE
        for article in stories.oldest_first(updated):
            state = states[article.id]
            if state.state == REVIEWED:
                counts["reviewed"] += 1
                continue
            redraft = is_offline(state) and (refresh or article.id in reread)
            if article.id in written or (state.state == DRAFT and not redraft):
                continue
            text, by = drafter(article, briefing)
            record = drafted(article, text, by)
            if state.state == DRAFT and text.strip() == article.analysis:
                if article.id in reread:  # the same text: record what it was drafted from
                    write(article, record, None)
                continue
            if write(article, record, f"\n{text}"):
                counts["refreshed" if state.state == DRAFT else "drafted"] += 1
        for article in updated:
            if article.id in assigned and article.id not in written:
                write(article, {}, None)  # a new story, the body kept byte for byte
        if not needed:  # so that the next run that drafts finds them ready
            prime_memo(updated)
        memo.save(config.cache_dir, {t for a in updated for t in texts_of(a)})
    notes = tuple(model.notes) if model is not None else ()
    return AnalyzeReport(
        len(articles), len(assigned), counts["drafted"], counts["refreshed"], counts["reviewed"],
        tuple(errors), notes, time.monotonic() - started, counts["model"],
        len(open_) - counts["model"] if model is not None else 0,
        model.name if model is not None else "",
    )  # fmt: skip
