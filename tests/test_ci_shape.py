"""Two scheduled publish runs as the workflow makes them: each in a fresh clone, the second
with the cache folders of the first restored (what ``actions/cache`` carries: see the
publish workflow). The second run must be incremental, and its site byte for byte the site a
full build of the same commit makes in a third fresh clone.

Everything is local: origin is a bare repository in a folder, the feed a file outside it
(a FICTIONAL publisher, as every name here), git and the briefing CLI are the real ones.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, run, tree

from briefing.paths import GENERATED

pytestmark = pytest.mark.slow

WHO = {
    "GIT_AUTHOR_NAME": "Ines Editor",
    "GIT_AUTHOR_EMAIL": "ines@newsroom.example",
    "GIT_COMMITTER_NAME": "Ines Editor",
    "GIT_COMMITTER_EMAIL": "ines@newsroom.example",
    "GIT_CONFIG_NOSYSTEM": "1",
}
# What the publish workflow's actions/cache step carries (kept equal to it by a test below).
CACHED = (".cache/briefing", "site", *(f"docs/{path}" for path in GENERATED))
PLACES = ("Quillmere", "Brackwater", "Tansey Reach", "Holloway Spit", "Corran Flats", "Elderpool")
THINGS = ("ferry slipway", "tide gauge", "seawall", "harbour crane", "pilot boat", "fish market")
START = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # after the demo's articles


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **WHO}, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def feed(count: int) -> str:
    """A FICTIONAL publisher's RSS feed with its ``count`` first items, newest first."""
    items = []
    for n in reversed(range(count)):
        place, thing = PLACES[n % len(PLACES)], THINGS[n * 5 % len(THINGS)]
        title = f"{place} council weighs {thing} plan, item {n}"
        link = f"https://saltmarsh-chronicle.example/2026/{n:03d}-{place.lower().replace(' ', '-')}"
        when = format_datetime(START + timedelta(hours=9 * n))
        items.append(
            f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{when}</pubDate><description>The {place} {thing} hearing, "
            f"part {n}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Saltmarsh Chronicle (fictional)</title>"
        "<link>https://saltmarsh-chronicle.example/</link>"
        "<description>A FICTIONAL test feed.</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def save_cache(clone: Path, cache: Path) -> None:
    """actions/cache's save: the cached paths, copied out of the run's checkout."""
    for rel in CACHED:
        source = clone / rel
        if source.is_dir():
            shutil.copytree(source, cache / rel)
        elif source.is_file():
            (cache / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, cache / rel)


def restore_cache(cache: Path, clone: Path) -> None:
    """actions/cache's restore, with times at their least helpful: every restored site/
    file older than every docs/ file, so MkDocs' own rule (rebuild a page whose Markdown is
    newer than its HTML) would rebuild the whole site and only hashes can tell what changed."""
    shutil.copytree(cache, clone, dirs_exist_ok=True)
    old = datetime(2001, 1, 1, tzinfo=UTC).timestamp()
    for path in (clone / "site").rglob("*"):
        os.utime(path, (old, old))


def publish_and_build(clone: Path, *build: str) -> tuple[str, str]:
    """The workflow's two briefing steps; returns the build's output and log."""
    env = {"BRIEFING_ANALYZER": "offline", "BRIEFING_LLM_BASE_URL": ""}
    published = run(clone, "publish", "--push", env=env)
    assert published.code == 0, published.err
    built = run(clone, "build", "-v", *build, env=env)
    assert built.code == 0, built.err
    return built.out, built.err


def parsed(log: str) -> list[int]:
    """How many article files each load in a build's log parsed (the rest came cached)."""
    return [int(n) for n in re.findall(r"articles: \d+ files, (\d+) parsed", log)]


def test_a_scheduled_run_with_the_cache_restored_is_incremental_and_exact(tmp_path: Path) -> None:
    feed_file = tmp_path / "saltmarsh-chronicle.rss"
    feed_file.write_text(feed(36), encoding="utf-8")
    seed = tmp_path / "seed"
    shutil.copytree(DEMO, seed, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    feeds = yaml.safe_load((seed / "content" / "feeds.yml").read_text(encoding="utf-8"))
    feeds["feeds"].append({"name": "Saltmarsh Chronicle", "url": str(feed_file)})
    (seed / "content" / "feeds.yml").write_text(yaml.safe_dump(feeds), encoding="utf-8")
    ignored = [f"/docs/{p}" for p in GENERATED]
    (seed / ".gitignore").write_text("\n".join(["/site/", "/.cache/", *ignored, ""]), "utf-8")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(seed))
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "A briefing")
    git(seed, "push", "--quiet", str(origin), "main")

    # Run 1: a fresh clone, no cache. Cold.
    first = tmp_path / "run-1"
    git(tmp_path, "clone", "--quiet", str(origin), str(first))
    out, _ = publish_and_build(first)
    assert "(full" in out
    articles = len(list((first / "content" / "articles").rglob("*.md")))
    assert articles > 50
    cache = tmp_path / "actions-cache"
    save_cache(first, cache)

    # Between runs the publisher posts four more items.
    feed_file.write_text(feed(40), encoding="utf-8")

    # Run 2: another fresh clone (another folder, new file times), the cache restored.
    second = tmp_path / "run-2"
    git(tmp_path, "clone", "--quiet", str(origin), str(second))
    restore_cache(cache, second)
    out, log = publish_and_build(second)
    assert len(list((second / "content" / "articles").rglob("*.md"))) == articles + 4
    found = re.search(r"\(incremental, (\d+) rebuilt: (\d+) pages", out)
    assert found, out
    rebuilt, pages = int(found[1]), int(found[2])
    # The four new articles, their listings (home, archive, feed, publisher, tags), the
    # hand-written pages (always rebuilt): a small part of the site, not all of it.
    assert 4 < rebuilt <= pages // 3, out
    # Only the files analyze drafted since its own load of content/ were parsed again.
    assert parsed(log) and max(parsed(log)) <= 4, log

    # Run 3: a full build of the same commit in a third fresh clone, no cache.
    third = tmp_path / "run-3"
    git(tmp_path, "clone", "--quiet", str(origin), str(third))
    assert git(third, "rev-parse", "HEAD") == git(second, "rev-parse", "HEAD")
    # The feed-health page shows the feeds' state, an input like content/: the same one.
    (third / ".cache" / "briefing").mkdir(parents=True)
    shutil.copy2(second / ".cache/briefing/feeds.json", third / ".cache/briefing/feeds.json")
    full = run(third, "build", "--full")
    assert full.code == 0, full.err

    incremental, expected = tree(second / "site"), tree(third / "site")
    assert sorted(incremental) == sorted(expected)
    assert [name for name in incremental if incremental[name] != expected[name]] == []


def test_the_workflow_caches_what_the_incremental_build_needs() -> None:
    from briefing.scaffold import REPOSITORY, plan_github

    workflow = yaml.safe_load(plan_github(REPOSITORY)[".github/workflows/publish.yml"])
    steps = workflow["jobs"]["publish"]["steps"]
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    assert cache["with"]["path"].split() == list(CACHED)


def test_a_search_index_grown_by_new_articles_equals_one_built_whole(tmp_path: Path) -> None:
    from briefing.models import Article
    from briefing.pages.search import INDEX_DIR, build_index, write_index

    def article(n: int) -> Article:
        when = START + timedelta(hours=5 * n)
        place, thing = PLACES[n % len(PLACES)], THINGS[n * 5 % len(THINGS)]
        return Article(
            id=f"test:{n}",
            title=f"{place} weighs {thing} plan, item {n}",
            publisher="Saltmarsh Chronicle",
            link=f"https://saltmarsh-chronicle.example/{n}",
            published=when,
            first_seen=when,
            snippet=f"The {thing} hearing in {place}, part {n}.",
            body=f"Item {n} adds word{n} and the {thing} of {place}.",
            path=f"content/articles/2026/10/item-{n}.md",
        )

    site, cache = tmp_path / "site", tmp_path / "cache"
    cache.mkdir()
    everything = [article(n) for n in range(430)]
    write_index(site, everything[:400], cache)
    grown = write_index(site, everything, cache)  # 30 newer articles: appended
    assert 0 < grown.files_written < 100  # their words' terms files, two chunks, the meta
    files = {
        p.relative_to(site).as_posix(): p.read_text("utf-8")
        for p in (site / INDEX_DIR).rglob("*.json")
    }
    assert files == build_index(everything)
    # An article older than the index's newest changes earlier docs: rebuilt whole, the same.
    older = [*everything, article(-1)]
    write_index(site, older, cache)
    files = {
        p.relative_to(site).as_posix(): p.read_text("utf-8")
        for p in (site / INDEX_DIR).rglob("*.json")
    }
    assert files == build_index(older)
