"""The chunked search index: what goes in, and what changes when an article arrives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.models import Article
from briefing.pages import search
from briefing.pages.search import (
    BUCKETS,
    DOCS_PER_CHUNK,
    INDEX_DIR,
    PREFIX,
    bucket,
    build_index,
    decode,
    encode,
    last_posting,
    words,
    write_index,
)

BASE = INDEX_DIR.as_posix()


def article(n: int, title: str, analysis: str = "", snippet: str = "") -> Article:
    when = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n)
    return Article(
        id=f"test:{n}",
        title=title,
        publisher="Quayside Gazette",
        link=f"https://quayside-gazette.example/{n}",
        published=when,
        first_seen=when,
        snippet=snippet,
        body=analysis,
        path=f"content/articles/2026/11/a-{n}.md",
    )


def postings(files: dict[str, str], word: str) -> list[int]:
    terms = json.loads(files.get(f"{BASE}/terms/{bucket(word)}.json", "{}"))
    return decode(terms.get(word, ""))


def test_headline_words_are_marked_and_stop_words_left_out() -> None:
    files = build_index(
        [article(0, "Silt survey of the harbour"), article(1, "Ferry news", "A silt report.")]
    )
    assert postings(files, "silt") == [0 * 2 + 1, 1 * 2]  # headline match is odd
    assert postings(files, "the") == []
    docs = json.loads(files[f"{BASE}/docs/0.json"])
    # The URL is the slug alone: the page is in the folder of the article's year and month.
    assert docs[0] == ["a-0", "Silt survey of the harbour", "Quayside Gazette", "2026-11-01", ""]


def test_a_page_outside_its_dates_folder_keeps_its_whole_url() -> None:
    moved = article(0, "Silt survey")
    moved = Article(**{**moved.__dict__, "path": "content/articles/2025/12/a-0.md"})
    row = json.loads(build_index([moved])[f"{BASE}/docs/0.json"])[0]
    assert row[0] == "articles/2025/12/a-0/"


def test_feed_text_is_stored_as_text_for_the_worker_to_escape() -> None:
    files = build_index([article(0, "<script>alert(1)</script> & {{ x }}")])
    row = json.loads(files[f"{BASE}/docs/0.json"])[0]
    assert row[1] == "<script>alert(1)</script> & {{ x }}"  # escaped by the worker, not here
    assert postings(files, "script") == [1]


def test_a_new_article_changes_only_its_words_and_the_last_chunk() -> None:
    old = [article(n, f"Story number {n} about tides") for n in range(450)]
    before = build_index(old)
    after = build_index([*old, article(450, "Kelpwatch divers report")])
    changed = {name for name in after if before.get(name) != after[name]}
    expected = {f"{BASE}/terms/{bucket(w)}.json" for w in ("kelpwatch", "divers", "report")}
    expected |= {
        f"{BASE}/terms/{bucket('quayside')}.json",
        f"{BASE}/terms/{bucket('gazette')}.json",
    }
    last = f"{BASE}/docs/{450 // DOCS_PER_CHUNK}.json"
    assert changed == expected | {last, f"{BASE}/meta.json"}


@given(st.text(min_size=1, max_size=30))
def test_every_word_has_one_bucket_shared_by_its_prefix(text: str) -> None:
    for word in words(text):
        assert 0 <= bucket(word) < BUCKETS
        head = word[:PREFIX]  # three UTF-16 units, the worker's prefix, when all are in the BMP
        if len(head) == PREFIX and all(ord(c) < 0x10000 for c in head):
            assert bucket(word) == bucket(head + "zz")


@given(st.lists(st.integers(min_value=0, max_value=2**40), unique=True))
def test_postings_come_back_as_they_went_in(numbers: list[int]) -> None:
    ordered = sorted(numbers)
    code = encode(ordered)
    assert decode(code) == ordered
    assert json.dumps(code) == f'"{code}"'  # nothing a JSON string must escape


@given(
    st.lists(st.integers(min_value=0, max_value=2**40), unique=True),
    st.lists(st.integers(min_value=1, max_value=2**20), unique=True),
)
def test_postings_appended_to_a_code_are_the_code_of_the_whole_list(
    first: list[int], more: list[int]
) -> None:
    head = sorted(first)
    tail = [(head[-1] if head else -1) + gap for gap in sorted(more)]
    code = encode(head)
    assert last_posting(code) == (head[-1] if head else -1)
    assert code + encode(tail, last_posting(code)) == encode(head + tail)
    with pytest.raises(ValueError):
        last_posting(code + "!")


def test_new_articles_are_appended_to_the_index_on_disk_as_a_full_build_writes_it(
    tmp_path: Path,
) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    old = [article(n, f"Tide table {n} for the quay", f"Quay works, tide {n}.") for n in range(300)]
    write_index(site, old, cache)
    grown = [
        *old,
        article(300, "Quay divers see the tide turn", "The quay and the tide, again."),
        article(301, "Kelpwatch divers report", "Divers of Kelpwatch report a quay tide."),
    ]
    report = write_index(site, grown, cache)
    assert 0 < report.files_written < len(build_index(grown))  # appended, not rebuilt
    assert on_disk(site) == build_index(grown)


def test_a_common_word_costs_about_one_character_a_posting() -> None:
    files = build_index([article(n, f"Tide table {n}") for n in range(2000)])
    terms = json.loads(files[f"{BASE}/terms/{bucket('tide')}.json"])
    assert decode(terms["tide"]) == [2 * n + 1 for n in range(2000)]
    assert len(terms["tide"]) == 2000


def on_disk(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text("utf-8")
        for p in (site / INDEX_DIR).rglob("*.json")
    }


def test_an_index_of_another_layout_is_rebuilt_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index written with other buckets or chunks (an older briefing) is neither kept as it
    is nor appended to, even when the cache knows what it was built from."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    cache.mkdir()
    old = [article(n, f"Story {n} about tides") for n in range(40)]
    monkeypatch.setattr(search, "DOCS_PER_CHUNK", 16)
    monkeypatch.setattr(search, "BUCKETS", 64)
    write_index(site, old, cache)
    monkeypatch.undo()
    write_index(site, old, cache)  # the same articles
    assert on_disk(site) == build_index(old)
    monkeypatch.setattr(search, "DOCS_PER_CHUNK", 16)
    monkeypatch.setattr(search, "BUCKETS", 64)
    write_index(site, old, cache)
    monkeypatch.undo()
    grown = [*old, article(40, "Kelpwatch divers report")]  # newer: would be appended
    write_index(site, grown, cache)
    assert on_disk(site) == build_index(grown)


def test_the_index_is_written_in_pieces_never_held_whole(tmp_path: Path) -> None:
    """Issue 20: at 100,000 articles the whole index held in memory at once (its files' text,
    every word's postings as Python ints, every article's words as sets of strings) was most
    of a build's memory. Written a file at a time from compact postings, with each article's
    words kept as one line, writing an index takes a few bytes a posting at its peak (a
    posting: an article having a word), words cache included; it took over a hundred."""
    import random
    import tracemalloc

    rng = random.Random(20)
    vocabulary = [f"w{n}x" for n in range(6000)]
    articles = [
        article(n, " ".join(rng.sample(vocabulary, 8)), " ".join(rng.choices(vocabulary, k=300)))
        for n in range(3000)
    ]
    postings = sum(len(title | body) for title, body in map(search.article_words, articles))
    tracemalloc.start()
    try:
        write_index(tmp_path / "site", articles, tmp_path / "cache")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25 * postings, f"{peak / postings:.0f} bytes a posting at the peak"
    assert on_disk(tmp_path / "site") == build_index(articles)
