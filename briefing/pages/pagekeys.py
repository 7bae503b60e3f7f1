"""Skip re-rendering pages whose inputs did not change since the last render.

An article page depends on its article, the other articles of its story and the site's
settings; a story page on its articles. Each such page's inputs are hashed into a key, kept
in ``.cache/briefing/render.json``; when the key and the page file are both still there the
page is not rendered again. Losing the file only costs one full render.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..models import Article, SiteConfig
from ..store.cache import code_digest, source_hash
from ..store.files import atomic_write


def site_key(config: SiteConfig) -> str:
    """Everything every page depends on: settings, briefing's version, code and templates."""
    # Not where the root is: a clone in another folder renders the same pages.
    settings = replace(config, root=Path())
    digest = hashlib.sha256(f"{__version__}\0{code_digest()}\0{settings!r}".encode())
    return digest.hexdigest()


def _file_key(path: str, source: str) -> str:
    """An article as read from its file: the file's path and git blob hash say it all."""
    return hashlib.sha1(f"file\0{path}\0{source}".encode(), usedforsecurity=False).hexdigest()


def excerpt_key(article: Article) -> str:
    """What a listing excerpt is cached by: the file the article was read from (its headline
    and analysis are the file's), else the headline and the analysis themselves. Hashing
    the file's path and hash, not the analysis: 30 ms a render at 10,000 articles."""
    source = source_hash(article)
    if source is not None:
        return _file_key(article.path, source)
    text = f"{article.title}\0{article.analysis}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class PageKeys:
    """The keys of the last render, and this render's."""

    def __init__(self, config: SiteConfig) -> None:
        self.path = config.cache_dir / "render.json"
        self.docs = str(config.docs_dir)  # strings: pathlib costs in a loop over every page
        self.site = site_key(config)
        self._site_digest = hashlib.sha1(f"{self.site}\0".encode(), usedforsecurity=False)
        self.new: dict[str, str] = {}
        self._stamps: dict[str, str] = {}
        self._groups: dict[str, str] = {}
        self._files: frozenset[str] | None = None
        self._live: set[str] = set()  # excerpt keys of the articles this render saw
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            saved = {}
        if not isinstance(saved, dict) or saved.get("site") != self.site:
            saved = {}
        self._saved = saved  # written again only when this render changes it
        self.old: dict[str, str] = saved.get("pages") or {}
        # Listing excerpts by analysis (Markdown rendered to text), reused between runs.
        self.excerpts: dict[str, str] = saved.get("excerpts") or {}
        self.used_excerpts: dict[str, str] = {}
        self.skipped = 0

    def _stamp(self, article: Article) -> str:
        stamp = self._stamps.get(article.id)
        if stamp is None:
            source = source_hash(article)
            if source is not None:  # as read from its file: the file's hash says it all
                stamp = _file_key(article.path, source)
                self._live.add(stamp)  # its excerpt_key
            else:
                text = repr((article, sorted(article.extra.items(), key=lambda kv: kv[0])))
                stamp = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
                self._live.add(excerpt_key(article))
            self._stamps[article.id] = stamp
        return stamp

    def group(self, name: str, articles: Iterable[Article]) -> str:
        """One stamp for a group of articles (a story), worked out once per render: each of
        a 60-article story's pages would otherwise hash all 60 stamps again."""
        stamp = self._groups.get(name)
        if stamp is None:
            digest = hashlib.sha1(name.encode(), usedforsecurity=False)
            for article in articles:
                digest.update(self._stamp(article).encode())
            stamp = self._groups[name] = digest.hexdigest()
        return stamp

    def changed(self, doc: str, inputs: Iterable[Article], extra: str = "") -> bool:
        """Records the page's key; True unless the page is unchanged since the last render
        (then its file is left as it is). ``extra``: anything else the page shows."""
        digest = self._site_digest.copy()  # sha1 of the site key, extra, then each stamp
        stamp = self._stamp
        digest.update(f"{extra}{''.join([stamp(article) for article in inputs])}".encode())
        key = digest.hexdigest()
        self.new[doc] = key
        if self.old.get(doc) == key and doc in self._present():
            self.skipped += 1
            return False
        return True

    def _present(self) -> frozenset[str]:
        """The files in docs/ before this render wrote any (relative, "/"-separated): one
        walk of a few dozen folders instead of a ``stat`` per page."""
        if self._files is None:
            root = len(self.docs) + 1
            self._files = frozenset(
                os.path.join(folder, name)[root:].replace(os.sep, "/")  # noqa: PTH118
                for folder, _, names in os.walk(self.docs)
                for name in names
            )
        return self._files

    def page(
        self, doc: str, inputs: Iterable[Article], render: Callable[[], str], extra: str = ""
    ) -> str | None:
        """The page's text, or None when it is unchanged (see ``changed``)."""
        return render() if self.changed(doc, inputs, extra) else None

    def save(self) -> None:
        # The excerpts of listings this render did not need (unchanged pages) are kept too,
        # as long as their article is still there: the next run may need them.
        kept = {**self.excerpts, **self.used_excerpts}
        excerpts = {key: text for key, text in kept.items() if key in self._live}
        data = {"site": self.site, "pages": self.new, "excerpts": excerpts}
        if data == self._saved:
            return  # nothing changed: at 100,000 articles, a second of JSON not written
        atomic_write(self.path, json.dumps(data, sort_keys=True), durable=False)
