"""Golden pages: a small fixed briefing rendered and compared byte for byte with tests/golden/.

After an intended change to page output, regenerate them with ``make golden``
(``BRIEFING_UPDATE_GOLDEN=1``) and review the diff in the pull request.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.models import Article, Feed, SiteConfig
from briefing.pages.render import plan_pages
from briefing.store.state import FeedState

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1"

CONFIG = SiteConfig(
    root=Path("/golden"),
    site_name="Golden Briefing (fictional)",
    feeds=(
        Feed("Quayside Post", "https://quayside-post.example/rss", ("harbor",)),
        Feed("Ferry News (Google News)", "https://news.google.com/rss/search?q=ferry"),
    ),
    timezone="America/St_Johns",
    repo_url="https://github.com/example-org/golden-briefing",
    site_url="https://golden.example/",
)


def _article(slug: str, when: datetime, **values: object) -> Article:
    return Article(
        **{  # type: ignore[arg-type]
            "id": f"https://quayside-post.example/{slug}",
            "publisher": "Quayside Post",
            "link": f"https://quayside-post.example/{slug}",
            "published": when,
            "first_seen": when,
            "feeds": ("Quayside Post",),
            "publisher_url": "https://quayside-post.example",
            "path": f"content/articles/{when:%Y/%m}/{slug}.md",
            **values,
        }
    )


ARTICLES = [
    _article(
        "ferry-timetable",
        datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        title="Ferry timetable <changes> for winter",
        snippet="The winter timetable cuts two evening crossings & adds one at dawn.",
        tags=("harbor", "transport"),
        body="Fewer evening crossings hit commuters first.\n\nThe **dawn** crossing is new.\n",
    ),
    _article(
        "quay-repairs",
        datetime(2026, 10, 31, 23, 45, tzinfo=UTC),
        title="Quay repairs finish early",
        snippet="Quay repairs finish early",
        tags=("harbor",),
    ),
    _article(
        "ferry-strike",
        datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        id="ferry-strike-gn",
        title="Ferry crews vote on strike",
        publisher="Estuary Ledger",
        publisher_url="https://estuary-ledger.example",
        feeds=("Ferry News (Google News)",),
        link="https://news.google.com/rss/articles/golden-1?oc=5",
        path="content/articles/2026/11/ferry-strike.md",
    ),
]
STATES = {
    "Quayside Post": FeedState(last_success="2026-11-02T10:00:00Z"),
    "Ferry News (Google News)": FeedState(
        last_success="2026-10-30T08:00:00Z", last_error="HTTP 503", consecutive_failures=2
    ),
}
PAGES = [
    "articles/2026/11/ferry-timetable.md",
    "articles/2026/10/quay-repairs.md",
    "index.md",
    "archive/2026/11.md",
    "health.md",
    "feed.xml",
    "feeds.opml",
    "tags/harbor.md",
    "tags/harbor.xml",
]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return plan_pages(CONFIG, ARTICLES, STATES)


@pytest.mark.parametrize("name", PAGES)
def test_page_matches_its_golden_file(pages: dict[str, str], name: str) -> None:
    golden = GOLDEN / name.replace("/", "__")
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(pages[name].encode("utf-8"))
    assert golden.is_file(), f"{golden} is missing: run `make golden`"
    assert pages[name].encode("utf-8") == golden.read_bytes(), "run `make golden` if intended"
