"""Acceptance (issue 13): posts without a title. A Mastodon-shaped feed (five items, no
``<title>``) gives five articles whose headlines are made from their text and marked
``title_derived``; ids and files are stable across runs; hostile text stays inert text; an
editor's headline replaces the derived one for good; an item with no text is skipped and counted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run, write_feeds

from briefing.models import Article
from briefing.store.frontmatter import parse_article

pytestmark = pytest.mark.slow

MEDIA_ONLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Photo desk (fictional)</title>
<link>https://social.example/@photodesk</link>
<item><guid>https://social.example/@photodesk/1</guid>
<link>https://social.example/@photodesk/1</link>
<enclosure url="https://social.example/media/1.jpg" type="image/jpeg" length="1000"/></item>
<item><guid>https://social.example/@photodesk/2</guid>
<link>https://social.example/@photodesk/2</link>
<description>&lt;p&gt;A caption at last.&lt;/p&gt;</description></item>
</channel></rss>
"""

HEADLINES = {
    "113400000000000001": "The harbour board meets tonight at seven in the old customs house",
    "113400000000000002": "Quick thread from the meeting where the board spent two hours on the"
    " turbine pilot and the cooperative…",
    "113400000000000003": "Pier vote {{ config.site_name }} moved to Friday!",
    "113400000000000004": "Tide times for Marrow Bay today",
    "113400000000000005": "Tide times for Marrow Bay today",
}


def setup(root: Path) -> None:
    (root / "feeds").mkdir()
    shutil.copy(FIXTURES / "feeds" / "mastodon.rss", root / "feeds" / "mastodon.rss")
    (root / "feeds" / "media-only.rss").write_bytes(MEDIA_ONLY)
    write_feeds(
        root,
        [
            {"name": "Harbour Watch", "url": "feeds/mastodon.rss"},
            {"name": "Photo desk", "url": "feeds/media-only.rss"},
        ],
    )


def ingest(root: Path, report: str) -> dict[str, dict[str, object]]:
    result = run(root, "ingest", "--report", report)
    assert result.code == 0, result.err
    return {f["feed"]: f for f in json.loads((root / report).read_text())["feeds"]}


def stored(root: Path) -> dict[str, tuple[Article, Path]]:
    found = {}
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        article = parse_article(path.read_text(encoding="utf-8"), path)
        found[article.id.rsplit("/", 1)[-1]] = (article, path)
    return found


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted((root / "content").rglob("*")) if p.is_file()}


def test_a_mastodon_feed_gives_five_articles_with_derived_headlines(empty_root: Path) -> None:
    root = empty_root
    setup(root)
    feeds = ingest(root, "report1.json")
    assert feeds["Harbour Watch"]["new"] == 5
    assert feeds["Harbour Watch"]["skipped_entries"] == 0
    # The image-only post has neither title nor text: skipped and counted; its caption is not.
    assert feeds["Photo desk"]["new"] == 1
    assert feeds["Photo desk"]["skipped_entries"] == 1

    articles = stored(root)
    mastodon = {k: v for k, v in articles.items() if k.startswith("1134")}
    assert {k: a.title for k, (a, _) in mastodon.items()} == HEADLINES
    for article, path in mastodon.values():
        assert article.title_derived and article.publisher == "Marrow Bay Harbour Watch (fictional)"
        assert "\ntitle_derived: true\n" in path.read_text(encoding="utf-8")
        assert len(article.title) <= 110
    assert mastodon["113400000000000001"][0].snippet == (
        "Bring your questions about the turbines. Agenda: tidal pilot, ferry timetable, #MarrowBay"
    )
    assert mastodon["113400000000000002"][0].snippet.startswith("…answered every question")
    hostile = mastodon["113400000000000003"][0]
    assert hostile.snippet == '!!! note "Injected admonition" --8<-- "/etc/passwd" details'
    assert articles["2"][0].title == "A caption at last"
    # Two posts opening with the same sentence are two articles (identity is the post's URL).
    tides = [mastodon[k][1] for k in ("113400000000000004", "113400000000000005")]
    assert tides[0] != tides[1]
    check = run(root, "check")
    assert check.code == 0, check.out

    # Second run, the feeds read again (no memory of the bodies stored last time): the same
    # ids, nothing new, not a byte changed.
    before = snapshot(root)
    (root / ".cache" / "briefing" / "feeds.json").unlink()
    feeds = ingest(root, "report2.json")
    assert feeds["Harbour Watch"]["new"] == 0 and feeds["Photo desk"]["skipped_entries"] == 1
    assert snapshot(root) == before
    assert stored(root).keys() == articles.keys()

    # The built site: the hostile post is text on its page, never script or a directive.
    build = run(root, "build")
    assert build.code == 0, build.err
    pages = [p.read_text(encoding="utf-8") for p in (root / "site").rglob("*.html")]
    assert not any("alert(" in t or "onerror" in t or "javascript:" in t for t in pages)
    pier = [t for t in pages if "moved to Friday!" in t and 'class="briefing-headline"' in t]
    assert pier and "{{ config.site_name }}" in pier[0]
    assert 'class="admonition' not in pier[0]


def test_an_editors_headline_replaces_the_derived_one_for_good(empty_root: Path) -> None:
    root = empty_root
    setup(root)
    ingest(root, "report1.json")
    _, path = stored(root)["113400000000000002"]
    text = path.read_text(encoding="utf-8")
    derived = HEADLINES["113400000000000002"]
    text = text.replace(
        f"title: {derived}\ntitle_derived: true\n", "title: Board hears the cooperative\n"
    )
    assert "title_derived" not in text
    path.write_text(text + "\nThe vote is what matters.\n", encoding="utf-8")
    edited = path.read_bytes()

    # The same posts arrive again through a second feed (a boost): the article gains the feed
    # name, and nothing else in it changes; analyze leaves a written analysis alone.
    shutil.copy(root / "feeds" / "mastodon.rss", root / "feeds" / "boosts.rss")
    write_feeds(
        root,
        [
            {"name": "Harbour Watch", "url": "feeds/mastodon.rss"},
            {"name": "Harbour Watch boosts", "url": "feeds/boosts.rss"},
        ],
    )
    feeds = ingest(root, "report2.json")
    assert feeds["Harbour Watch boosts"]["new"] == 0
    assert feeds["Harbour Watch boosts"]["updated"] == 5
    grown = path.read_text(encoding="utf-8")
    assert grown.replace("- Harbour Watch boosts\n", "", 1) == edited.decode()
    assert run(root, "analyze").code == 0
    after = path.read_text(encoding="utf-8")
    article = parse_article(after, path)
    assert article.title == "Board hears the cooperative" and not article.title_derived
    assert article.feeds == ("Harbour Watch", "Harbour Watch boosts")
    assert article.analysis == "The vote is what matters."
    assert "title_derived" not in after and derived not in after

    # `briefing check` accepts true/false and names the line of anything else.
    path.write_text(after.replace("title: Board", "title_derived: maybe\ntitle: Board"), "utf-8")
    check = run(root, "check")
    assert check.code == 1
    rel = path.relative_to(root).as_posix()
    assert f"{rel}:3: 'title_derived' must be true or false, got 'maybe'" in check.out
