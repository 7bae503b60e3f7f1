"""The content store: article files under ``content/articles/`` and the ledger of ids.

Every write is atomic (temporary file, fsync, rename), so a run killed at any moment leaves
each file either as it was or complete. The ledger ``content/ledger.tsv`` is append-only and
committed: it remembers every id ever ingested, so an article an editor deleted never returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from hashlib import sha256
from pathlib import Path

import yaml
from slugify import slugify

from ..errors import ContentError, LockedError
from ..models import Article, SiteConfig
from .cache import ArticleCache, Vouched, load_articles, preload_articles
from .files import atomic_write
from .frontmatter import dump_article, dump_meta, load_meta, parse_article, split
from .identity import link_key, story_key

log = logging.getLogger(__name__)

LEDGER = "ledger.tsv"
LEDGER_HEADER = (
    "# Every article briefing has ever ingested: id<TAB>headline key<TAB>file<TAB>link key.\n"
    "# Append-only. Deleting an article file keeps its line here, so it never comes back.\n"
)
TEMP_GLOB = ".*.tmp"  # atomic_write's temporary files, left behind only by a killed run
_IS_TEMP = re.compile(fnmatch.translate(TEMP_GLOB)).match


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
    keys: dict[str, str] = field(default_factory=dict)  # headline|publisher key -> file
    links: dict[str, str] = field(default_factory=dict)  # link key -> file

    def known(self, article: Article) -> str | None:
        """The file (relative to content/) of the article this one is, if it was ever seen:
        same id, same link (another guid, http/https, tracking), or same headline and
        publisher (Google News re-issues ids). The file may since have been deleted."""
        return (
            self.ids.get(article.id)
            or self.links.get(link_key(article.link))
            or self.keys.get(story_key(article.title, article.publisher))
        )

    def remember(self, article: Article) -> str:
        """Know a stored article from now on; returns its ledger line."""
        rel = Path(article.path).relative_to("content").as_posix()
        key = story_key(article.title, article.publisher)
        link = link_key(article.link)
        self.ids.setdefault(article.id, rel)
        self.keys.setdefault(key, rel)
        self.links.setdefault(link, rel)
        return f"{article.id}\t{key}\t{rel}\t{link}\n"


class ContentStore:
    """Reads and writes ``content/``. Nothing here ever writes an article's body."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.content_dir = config.content_dir
        self.articles_dir = config.articles_dir
        self.ledger_path = config.content_dir / LEDGER
        self._cache: ArticleCache | None = None

    # -- reading -------------------------------------------------------------------------

    def article_files(self) -> list[Path]:
        """Every article file, sorted."""
        return [Path(path) for path in self._article_paths()]

    def _article_paths(self) -> list[str]:
        """Every article file as a string, sorted (os.walk and strings: pathlib costs
        seconds at 50,000)."""
        return sorted(
            os.path.join(folder, name)  # noqa: PTH118 - strings are the point here
            for folder, _, names in os.walk(self.articles_dir)
            for name in names
            if name.endswith(".md") and not name.startswith(".")
        )

    def rel(self, path: Path) -> str:
        return path.relative_to(self.config.root).as_posix()

    def read(self, path: Path) -> Article:
        """One article, or ContentError naming the file and line."""
        return self.parse(path, path.read_bytes())

    def parse(self, path: Path, data: bytes) -> Article:
        """One article from its file's bytes, or ContentError naming the file and line."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(self.rel(path), 1, f"not UTF-8 text ({exc.reason})") from None
        return parse_article(text, self.rel(path), self.rel(path))

    def load_all(self) -> tuple[list[Article], list[ContentError]]:
        """Every readable article, and an error for each file that is not (unchanged files
        come from the cache in ``.cache/briefing/``)."""
        return load_articles(
            self.config.cache_dir, self.config.root, self._article_paths(), self.parse
        )

    def preload(self, vouched: Vouched | None = None) -> None:
        """Read ahead what ``load_all`` reads (``cache.preload_articles``)."""
        root, paths = self.config.root, self._article_paths()
        preload_articles(self.config.cache_dir, root, paths, self.parse, vouched)

    def cached(self, path: Path) -> Article | None:
        """One article file as the article cache knows it (checked against the file's bytes,
        so never stale), None when it is missing or unreadable. Ingest asks this about the
        known articles a feed repeats, instead of parsing each file's front matter."""
        if self._cache is None:
            self._cache = ArticleCache(self.config.cache_dir, self.config.root, self.parse)
        entry = self._cache.get(path)
        return entry[3] if entry is not None and isinstance(entry[3], Article) else None

    # -- the ledger ----------------------------------------------------------------------

    def load_ledger(self) -> Ledger:
        """The ledger, repaired: a torn last line is dropped, files it misses are added."""
        self.remove_stale_temp_files()
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
            if len(parts) not in (3, 4):
                continue
            ledger.ids.setdefault(parts[0], parts[2])
            ledger.keys.setdefault(parts[1], parts[2])
            if len(parts) == 4 and parts[3]:
                ledger.links.setdefault(parts[3], parts[2])
        known_files = set(ledger.ids.values())
        missing = []
        prefix = len(str(self.content_dir)) + 1
        for name in self._article_paths():  # strings: pathlib costs a tenth of a second here
            if name[prefix:].replace(os.sep, "/") in known_files:
                continue
            path = Path(name)
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
        """Record stored articles, in memory and durably (one append, one fsync)."""
        if not articles:
            return
        lines = [ledger.remember(article) for article in articles]
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
        known = self.cached(path)
        if known is not None and feed in known.feeds:
            return False  # the usual case: a feed repeating what it carried last time
        try:
            text = path.read_text(encoding="utf-8")
            meta_text, body = split(text, rel_path)
            meta = load_meta(meta_text, rel_path)
        except (OSError, UnicodeDecodeError, ContentError):
            return False  # deleted, or broken by hand: `briefing check` reports it
        feeds = meta.get("feeds") or []
        if not isinstance(feeds, list) or feed in feeds:
            return False
        wanted = {**meta, "feeds": [*feeds, feed]}
        new_meta = _append_feed_line(meta_text, feed, wanted) or dump_meta(wanted)
        atomic_write(path, f"---\n{new_meta}---\n{body}")
        return True

    def remove_stale_temp_files(self) -> int:
        """Delete temporary files a killed run left behind (call with the site lock held)."""
        removed = 0
        # os.walk and strings: Path.rglob costs a tenth of a second at 10,000 articles.
        for folder, _, names in os.walk(self.content_dir):
            for name in names:
                if _IS_TEMP(name):
                    tmp = Path(folder, name)
                    with contextlib.suppress(FileNotFoundError):
                        tmp.unlink()
                        removed += 1
                        log.info("removed %s, left by an interrupted run", self.rel(tmp))
        return removed


def _append_feed_line(meta_text: str, feed: str, wanted: dict[str, object]) -> str | None:
    """The front matter with one more item at the end of its block list ``feeds:``, every
    other byte (an editor's comments, quoting, order) untouched; None when the list is not a
    block list or the edit would not read back as ``wanted``."""
    try:
        root = yaml.compose(meta_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    items = next((v for k, v in root.value if k.value == "feeds"), None)
    if not isinstance(items, yaml.SequenceNode) or items.flow_style or not items.value:
        return None
    item = yaml.safe_dump([feed], allow_unicode=True, width=1_000_000)
    if len(item.splitlines()) != 1:  # a name with line breaks: one double-quoted line instead
        item = yaml.safe_dump([feed], default_style='"', width=1_000_000)
    if len(item.splitlines()) != 1:
        return None
    lines = meta_text.splitlines(keepends=True)
    first = items.value[0].start_mark
    dash = lines[first.line].rfind("-", 0, first.column)
    last = items.value[-1].end_mark
    after = last.line if last.column == 0 else last.line + 1  # the line after the last item
    if dash < 0 or after > len(lines) or (lines and not lines[after - 1].endswith("\n")):
        return None
    lines.insert(after, " " * dash + item)
    text = "".join(lines)
    try:
        return text if yaml.safe_load(text) == wanted else None
    except yaml.YAMLError:
        return None
