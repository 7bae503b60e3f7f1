"""The content store: article files under ``content/articles/`` and the ledger of ids.

Every write is atomic (temporary file, fsync, rename), so a run killed at any moment leaves
each file either as it was or complete. The ledger ``content/ledger.tsv`` is append-only and
committed: it remembers every id ever ingested, so an article an editor deleted never returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from hashlib import sha256
from pathlib import Path

from slugify import slugify

from .errors import ContentError, LockedError
from .files import atomic_write
from .frontmatter import dump_article, dump_meta, load_meta, parse_article, split
from .identity import story_key
from .models import Article, SiteConfig

log = logging.getLogger(__name__)

LEDGER = "ledger.tsv"
LEDGER_HEADER = (
    "# Every article id briefing has ever ingested: id<TAB>headline key<TAB>file.\n"
    "# Append-only. Deleting an article file keeps its line here, so it never comes back.\n"
)


@contextlib.contextmanager
def site_lock(config: SiteConfig, wait: bool = False) -> Iterator[None]:
    """Hold the site root's lock: one ingest at a time, a second stops with a clear message."""
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    lock_path = config.cache_dir / "ingest.lock"
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            msg = f"another briefing run is using {config.root} (lock {lock_path}); try again later"
            raise LockedError(msg) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Ledger:
    """In memory: what the ledger file says, plus repairs found by scanning the files."""

    ids: dict[str, str] = field(default_factory=dict)  # id -> file (relative to content/)
    keys: set[str] = field(default_factory=set)  # headline|publisher keys ever seen


class ContentStore:
    """Reads and writes ``content/``. Nothing here ever writes an article's body."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.content_dir = config.content_dir
        self.articles_dir = config.articles_dir
        self.ledger_path = config.content_dir / LEDGER

    # -- reading -------------------------------------------------------------------------

    def article_files(self) -> list[Path]:
        if not self.articles_dir.is_dir():
            return []
        return sorted(p for p in self.articles_dir.rglob("*.md") if not p.name.startswith("."))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.config.root).as_posix()

    def read(self, path: Path) -> Article:
        """One article, or ContentError naming the file and line."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(self.rel(path), 1, f"not UTF-8 text ({exc.reason})") from None
        return parse_article(text, self.rel(path), self.rel(path))

    def load_all(self) -> tuple[list[Article], list[ContentError]]:
        """Every readable article, and an error for each file that is not."""
        articles, errors = [], []
        for path in self.article_files():
            try:
                articles.append(self.read(path))
            except ContentError as exc:
                errors.append(exc)
        return articles, errors

    # -- the ledger ----------------------------------------------------------------------

    def load_ledger(self) -> Ledger:
        """The ledger, repaired: a torn last line is dropped, files it misses are added."""
        ledger = Ledger()
        text = ""
        if self.ledger_path.is_file():
            text = self.ledger_path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # a run was killed mid-append
                text = text[: text.rfind("\n") + 1]
                atomic_write(self.ledger_path, text)
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            ledger.ids[parts[0]] = parts[2]
            ledger.keys.add(parts[1])
        known_files = set(ledger.ids.values())
        missing = []
        for path in self.article_files():
            rel = path.relative_to(self.content_dir).as_posix()
            if rel in known_files:
                continue
            try:
                article = self.read(path)
            except ContentError as exc:
                log.warning("%s (left as it is)", exc)
                continue
            missing.append(article)
        if missing:
            self.append_ledger(missing, ledger)
        return ledger

    def append_ledger(self, articles: list[Article], ledger: Ledger) -> None:
        lines = []
        for article in articles:
            rel = Path(article.path).relative_to("content").as_posix()
            key = story_key(article.title, article.publisher)
            ledger.ids[article.id] = rel
            ledger.keys.add(key)
            lines.append(f"{article.id}\t{key}\t{rel}\n")
        new_file = not self.ledger_path.exists()
        self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
        with self.ledger_path.open("a", encoding="utf-8") as handle:
            if new_file:
                handle.write(LEDGER_HEADER)
            handle.write("".join(lines))
            handle.flush()
            os.fsync(handle.fileno())

    # -- writing -------------------------------------------------------------------------

    def path_for(self, article: Article) -> Path:
        """``content/articles/YYYY/MM/<slug>.md``, unique among existing files."""
        slug = slugify(article.title, max_length=80, word_boundary=True) or "article"
        folder = self.articles_dir / f"{article.published:%Y}" / f"{article.published:%m}"
        path = folder / f"{slug}.md"
        if path.exists():
            path = folder / f"{slug}-{sha256(article.id.encode()).hexdigest()[:6]}.md"
        return path

    def add(self, article: Article) -> Article:
        """Write a new article file atomically; returns the article with its path."""
        path = self.path_for(article)
        stored = replace(article, path=self.rel(path))
        atomic_write(path, dump_article(stored))
        return stored

    def add_feed(self, rel_path: str, feed: str) -> bool:
        """Record that an existing article also came from ``feed``. The body is kept byte for
        byte; only the front matter's ``feeds`` list grows. False if there was nothing to do."""
        path = self.config.root / rel_path
        try:
            text = path.read_text(encoding="utf-8")
            meta_text, body = split(text, rel_path)
            meta = load_meta(meta_text, rel_path)
        except (OSError, UnicodeDecodeError, ContentError):
            return False  # deleted, or broken by hand: `briefing check` reports it
        feeds = meta.get("feeds") or []
        if not isinstance(feeds, list) or feed in feeds:
            return False
        meta["feeds"] = [*feeds, feed]
        atomic_write(path, f"---\n{dump_meta(meta)}---\n{body}")
        return True
