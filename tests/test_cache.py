"""The article cache and the text memo keep their data in shards, and a run writes only the
shards whose entries changed: a fresh clone (every file's time is new) rewrites the small
index, never the parsed articles; one new article writes one shard. Whatever happens to the
files (torn, foreign, a run killed between two writes), what is read back is what a parse
of the article files gives."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.analysis.draft import names_in, prime_memo, stems, texts_of
from briefing.config import load_site
from briefing.models import Article
from briefing.publish import _index_blobs
from briefing.store import cache, memo, shards
from briefing.store.content import ContentStore


def stamps(folder: Path) -> dict[str, int]:
    """Each file of a folder by name, with its modification time."""
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.iterdir())}


def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name, time in after.items() if before.get(name) != time}


class Loader:
    """``ContentStore.load_all`` of one root, as a new process would run it (nothing left in
    memory from the last run), counting the files it parsed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = ContentStore(load_site(root))
        self.parsed = 0

    def __call__(self) -> dict[str, Article]:
        cache._MEMO.clear()
        self.parsed = 0

        def parse(path: Path, data: bytes) -> Article:
            self.parsed += 1
            return self.store.parse(path, data)

        site = self.store.config
        articles, errors = cache.load_articles(
            site.cache_dir, site.root, self.store._article_paths(), parse
        )
        assert errors == []
        return {a.path: a for a in articles}

    def truth(self) -> dict[str, Article]:
        """Every article parsed from its file, no cache involved."""
        return {a.path: a for a in (self.store.read(p) for p in self.store.article_files())}


@pytest.fixture
def root(built_demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "root"
    shutil.copytree(built_demo / "content", copy / "content")
    shutil.copy2(built_demo / "mkdocs.yml", copy / "mkdocs.yml")
    old = time.time_ns()
    for path in (copy / "content").rglob("*.md"):  # settled: not within git's racy window
        os.utime(path, ns=(old - 10**10, old - 10**10))
    return copy


def test_the_article_cache_writes_only_what_changed(root: Path, tmp_path: Path) -> None:
    load = Loader(root)
    folder = root / ".cache" / "briefing" / "articles"
    first = load()
    assert load.parsed == len(first) == len(load.truth()) > 20
    assert first == load.truth()
    written = stamps(folder)
    assert "index.pickle" in written and len(written) > 10  # the articles spread over shards

    assert load() == first and load.parsed == 0
    assert stamps(folder) == written  # nothing changed: nothing written

    # A fresh clone: the same files under new times. Not one article is parsed, and only
    # the index (times and sizes) is written again.
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, copy_function=shutil.copy)  # new modification times
    for path in (clone / "content").rglob("*.md"):
        os.utime(path, ns=(path.stat().st_mtime_ns - 10**10,) * 2)
    cloned = Loader(clone)
    clone_folder = clone / ".cache" / "briefing" / "articles"
    before = stamps(clone_folder)
    assert {a.id for a in cloned().values()} == {a.id for a in first.values()}
    assert cloned.parsed == 0
    assert rewritten(before, stamps(clone_folder)) == {"index.pickle"}

    # One article edited: it alone is parsed, and its shard and the index are written.
    edited = sorted((root / "content" / "articles").rglob("*.md"))[3]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAn editor's line.\n", "utf-8")
    before = stamps(folder)
    after_edit = load()
    assert load.parsed == 1
    assert after_edit == load.truth()
    rel = edited.relative_to(root).as_posix()
    shard = f"{shards.shard_of(rel):02x}.pickle"
    assert rewritten(before, stamps(folder)) == {"index.pickle", shard}

    # One article deleted: it is gone from the index and from its shard.
    gone = sorted((root / "content" / "articles").rglob("*.md"))[5]
    gone.unlink()
    gone_rel = gone.relative_to(root).as_posix()
    assert gone_rel not in load() and load.parsed == 0
    index = pickle.loads((folder / "index.pickle").read_bytes())[1]
    held = pickle.loads((folder / f"{shards.shard_of(gone_rel):02x}.pickle").read_bytes())[1]
    assert gone_rel not in index and gone_rel not in held


def test_a_preload_reads_ahead_all_but_files_changed_within_the_racy_window(
    root: Path, tmp_path: Path
) -> None:
    """What publish reads while ingest runs (``preload_articles``): the next load in the
    same process finds it in memory; a file changed seconds ago is left to that load (read
    now, it would have to be read again then), and the load gives every file's article."""
    load = Loader(root)
    load()  # the cache of a first run
    clone = tmp_path / "clone"  # a fresh clone: the same files under new times
    shutil.copytree(root, clone, copy_function=shutil.copy)
    paths = sorted((clone / "content" / "articles").rglob("*.md"))
    for path in paths:
        os.utime(path, ns=(path.stat().st_mtime_ns - 10**10,) * 2)
    edited = paths[2]  # changed just now: within the racy window
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA late line.\n", "utf-8")
    store = ContentStore(load_site(clone))
    site = store.config
    cache._MEMO.clear()
    seen: list[str] = []

    def parse(path: Path, data: bytes) -> Article:
        seen.append(path.name)
        return store.parse(path, data)

    cache.preload_articles(site.cache_dir, site.root, store._article_paths(), parse)
    assert seen == []  # the settled files are the cache's; the edited one is not read yet
    index = pickle.loads((site.cache_dir / "articles" / "index.pickle").read_bytes())[1]
    assert len(index) == len(paths)  # nothing dropped
    edited_key = edited.relative_to(clone).as_posix()
    assert index[edited_key][0] != edited.stat().st_mtime_ns  # its old entry, not checked
    settled = paths[0].relative_to(clone).as_posix()
    assert index[settled][0] == paths[0].stat().st_mtime_ns  # checked: known by its time

    articles, errors = cache.load_articles(site.cache_dir, site.root, store._article_paths(), parse)
    assert errors == [] and seen == [edited.name]
    truth = {a.path: a for a in (store.read(p) for p in store.article_files())}
    assert {a.path: a for a in articles} == truth
    assert "A late line." in truth[edited_key].body


def test_a_preload_takes_the_blob_hashes_git_vouches_for_instead_of_reading_the_files(
    root: Path, tmp_path: Path
) -> None:
    """A fresh clone gives every file a new time; publish takes each file's blob hash from
    git's index (``git ls-files``, right after ``git status`` found content/ clean) instead of
    reading and hashing the file. Only files last changed before that status are taken on
    git's word, and only where the cache holds exactly that blob: the rest are read."""
    Loader(root)()  # the cache of a first run
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, copy_function=shutil.copy)
    paths = sorted((clone / "content" / "articles").rglob("*.md"))
    edited_early, edited_late = paths[1], paths[4]
    for path in (edited_early, edited_late):
        path.write_text(path.read_text(encoding="utf-8") + "\nAn edit.\n", "utf-8")
    for path in paths:  # checked out a while ago, as on a runner
        if path != edited_late:
            os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "--quiet"], ["add", "content"]):
        subprocess.run(["git", *args], cwd=clone, env=env, check=True, capture_output=True)
    listed = subprocess.run(
        ["git", "ls-files", "--stage", "-v", "-z", "--full-name", "--", "content"],
        cwd=clone, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    blobs = _index_blobs(0, listed.stdout, ".")
    assert len([k for k in blobs if k.startswith("content/articles/")]) == len(paths) > 20
    # edited_late changed after git looked (its time is after ``before_ns``).
    vouched = cache.Vouched(blobs, time.time_ns() - 5 * 10**9)
    store = ContentStore(load_site(clone))
    site = store.config
    cache._MEMO.clear()
    opened: list[str] = []
    articles_dir = str(clone / "content" / "articles")
    watching = True  # an audit hook stays for the life of the process: it stops looking

    def audit(event: str, args: tuple[object, ...]) -> None:
        if watching and event == "open" and str(args[0]).startswith(articles_dir):
            opened.append(Path(str(args[0])).name)

    sys.addaudithook(audit)
    try:
        cache.preload_articles(
            site.cache_dir, site.root, store._article_paths(), store.parse, vouched
        )
        # Not read: every file git vouched for, but the one whose blob the cache lacks (an
        # edit git saw) and the one changed since (it is left to the load, like any file
        # changed within the racy window).
        assert opened == [edited_early.name]
        articles, errors = cache.load_articles(
            site.cache_dir, site.root, store._article_paths(), store.parse
        )
        assert opened == [edited_early.name, edited_late.name]
    finally:
        watching = False
    assert errors == []
    truth = {a.path: a for a in (store.read(p) for p in store.article_files())}
    assert {a.path: a for a in articles} == truth
    assert all("An edit." in truth[p.relative_to(clone).as_posix()].body
               for p in (edited_early, edited_late))  # fmt: skip


def test_torn_foreign_or_half_written_caches_give_the_files_articles(root: Path) -> None:
    load = Loader(root)
    folder = root / ".cache" / "briefing" / "articles"
    first = load()

    # A torn shard and a shard of another format: their articles are parsed again.
    torn, foreign = sorted(p for p in folder.iterdir() if p.name != "index.pickle")[:2]
    in_torn = len(pickle.loads(torn.read_bytes())[1])
    in_foreign = len(pickle.loads(foreign.read_bytes())[1])
    torn.write_bytes(torn.read_bytes()[:40])
    foreign.write_bytes(pickle.dumps(((0, "another briefing"), {"x": 1})))
    assert load() == first == load.truth()
    assert load.parsed == in_torn + in_foreign

    # A run killed after writing the edited article's shard, before the index: the index
    # names the old bytes; the file is read, its hash found in the shard: no parse, and the
    # new text, not the old one.
    edited = sorted((root / "content" / "articles").rglob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nLater text.\n", "utf-8")
    cache._MEMO.clear()
    site = load.store.config
    half = cache.ArticleCache(site.cache_dir, site.root, load.store.parse)
    assert half.get(edited) is not None
    half.values.save()  # ... and killed here
    after = load()
    assert load.parsed == 0
    assert after == load.truth()
    assert "Later text." in after[edited.relative_to(root).as_posix()].body

    # A torn index: every file is read and hashed again, none parsed.
    (folder / "index.pickle").write_bytes(b"\x80\x05 torn")
    assert load() == load.truth() and load.parsed == 0


def test_the_text_memo_writes_the_shards_of_new_texts(root: Path) -> None:
    articles = sorted(Loader(root)().values(), key=lambda a: a.id)
    cache_dir = root / ".cache" / "briefing"
    folder = cache_dir / memo.FOLDER
    old, new = articles[:-1], articles[-1]

    def fresh_process() -> None:  # the memo as a new process has it: nothing in memory
        for table in memo._TABLES.values():
            table.results.clear()
            table.fresh.clear()
        memo._STORES.clear()

    fresh_process()
    memo.load(cache_dir)
    prime_memo(old)
    memo.save(cache_dir, {t for a in old for t in texts_of(a)})
    written = stamps(folder)
    assert len(written) > 10

    fresh_process()
    memo.load(cache_dir)
    assert stems(old[0].title) == stems.__wrapped__(old[0].title)  # type: ignore[attr-defined]
    assert names_in(texts_of(old[1])[2]) == names_in.__wrapped__(texts_of(old[1])[2])  # type: ignore[attr-defined]
    assert not any(t.fresh for t in memo._TABLES.values())  # found, not worked out again
    prime_memo(articles)
    memo.save(cache_dir, {t for a in articles for t in texts_of(a)})
    changed = rewritten(written, stamps(folder))
    known = {t for a in old for t in texts_of(a)}
    expected = {f"{shards.shard_of(t):02x}.pickle" for t in texts_of(new) if t not in known}
    assert expected and changed == expected  # the new article's texts, nothing else

    # An article gone: its texts leave the memo (and their shards are written).
    fresh_process()
    memo.load(cache_dir)
    memo.save(cache_dir, {t for a in old for t in texts_of(a)})
    fresh_process()
    memo.load(cache_dir)
    assert all(new.title not in t.results for t in memo._TABLES.values())
    assert stems(old[2].snippet) == stems.__wrapped__(old[2].snippet)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "changed",
    [
        "templates/article.md.j2",  # a page template
        "pages/render.py",  # a renderer
        "pages/listings.py",
        "mkdocs_ext/theme/main.html",  # the theme
        "mkdocs_ext/chrome.py",  # the page chrome
        "analysis/draft.py",  # what writes the offline drafts
        "text.py",  # words and sentences, which excerpts and drafts are made of
        "paths.py",  # where pages live
    ],
)
def test_every_cache_misses_when_code_that_shapes_the_output_changes(
    changed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cache key holds ``code_digest``: it must cover the whole package, every stage's
    subpackage, the templates and the theme, not only the folder its own module is in."""
    import briefing

    assert Path(briefing.__file__).parent == cache.PACKAGE
    copy = tmp_path / "briefing"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", copy)
    cache.code_digest.cache_clear()
    try:
        before = cache.code_digest()
        target = copy / changed
        assert target.is_file(), f"{changed} moved: name the file that now does its job"
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        cache.code_digest.cache_clear()
        assert cache.code_digest() != before
    finally:
        cache.code_digest.cache_clear()
