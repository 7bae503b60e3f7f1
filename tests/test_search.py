"""The chunked search index: what goes in, and what changes when an article arrives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from briefing.models import Article
from briefing.search import BUCKETS, INDEX_DIR, bucket, build_index, words

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
    return json.loads(files.get(f"{BASE}/terms/{bucket(word)}.json", "{}")).get(word, [])


def test_headline_words_are_marked_and_stop_words_left_out() -> None:
    files = build_index(
        [article(0, "Silt survey of the harbour"), article(1, "Ferry news", "A silt report.")]
    )
    assert postings(files, "silt") == [0 * 2 + 1, 1 * 2]  # headline match is odd
    assert postings(files, "the") == []
    docs = json.loads(files[f"{BASE}/docs/0.json"])
    assert docs[0][:3] == [
        "articles/2026/11/a-0/",
        "Silt survey of the harbour",
        "Quayside Gazette",
    ]


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
    assert changed == expected | {f"{BASE}/docs/2.json", f"{BASE}/meta.json"}


@given(st.text(min_size=1, max_size=30))
def test_every_word_has_one_bucket_shared_by_its_prefix(text: str) -> None:
    for word in words(text):
        assert 0 <= bucket(word) < BUCKETS
        if len(word.encode("utf-16-le")) >= 4:  # two UTF-16 units: the worker's prefix
            assert bucket(word) == bucket(word[:2] + "zz")
