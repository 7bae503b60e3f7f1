"""Link previews: Open Graph and Twitter card tags on article and story pages, from the
briefing's own data, never the headline twice, inert on a site built from hostile feeds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from briefing.models import Article, SiteConfig
from briefing.pages.pagetext import PageKit
from briefing.pages.previews import LIMIT, shorten
from briefing.pages.previews import description as described
from briefing.pages.render import plan_pages
from briefing.store.frontmatter import parse_article
from briefing.text import preview_sentences

T0 = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
CONFIG = SiteConfig(root=Path("/nonexistent"), site_name="Preview Briefing (fictional)", feeds=())
PREVIEW = {"og:type", "og:site_name", "og:title", "og:description", "og:url"}
PREVIEW |= {"article:published_time", "twitter:card"}


def description(a: Article) -> str:
    """The description of ``a``'s page, from its analysis' excerpt as render makes it."""
    return described(a, PageKit(CONFIG).excerpt_of(a))


def article(**changes: object) -> Article:
    values: dict[str, object] = {
        "id": "https://quay-desk.example/1",
        "title": "Harbor board approves tidal pilot",
        "publisher": "Quay Desk",
        "link": "https://quay-desk.example/1",
        "published": T0,
        "first_seen": T0,
        "feeds": ("Quay Desk",),
        "path": "content/articles/2026/11/pilot.md",
    }
    return Article(**(values | changes))  # type: ignore[arg-type]


QUOTING = (
    "On 3 November 2026, Quay Desk reported this under the headline"
    " “Harbor board approves tidal pilot”."
)


def test_the_snippet_is_the_description_when_it_says_more() -> None:
    a = article(snippet="The board voted 5–1 for six turbines.", body=f"{QUOTING}\n")
    assert description(a) == "The board voted 5–1 for six turbines."


def test_a_snippet_that_repeats_the_headline_gives_way_to_the_analysis() -> None:
    body = f"{QUOTING}\n\nThe vote was 5–1. *Six* turbines follow in spring.\n"
    a = article(snippet="Harbor board approves tidal pilot - Quay Desk", body=body)
    # The sentence that only quotes the headline is passed over; Markdown becomes text.
    assert description(a) == "The vote was 5–1. Six turbines follow in spring."


def test_with_nothing_beyond_the_headline_there_is_no_description() -> None:
    a = article(snippet="Harbor board approves tidal pilot", body=f"{QUOTING}\n")
    assert description(a) == ""
    _, meta = get_data(plan_pages(CONFIG, [a])["articles/2026/11/pilot.md"])
    assert "description" not in meta
    assert meta["briefing_published"] == "2026-11-03T14:05:00Z"


def test_long_text_is_cut_after_a_sentence_or_else_at_a_word() -> None:
    first = "Divers from the Estuary Research Station finished a kelp survey along the route."
    then = "Marine biologist Dr. Ana Reyes said the kelp beds were far healthier than expected."
    text = f"{first} {then}"
    assert shorten(text) == first
    assert preview_sentences("Dr. Reyes spoke. J. Quill agreed. Done.") == [
        "Dr. Reyes spoke.",
        "J. Quill agreed.",
        "Done.",
    ]
    words = shorten("word " * 60)
    assert len(words) <= LIMIT
    assert words.endswith("word…")


def test_article_and_story_pages_carry_the_preview_values() -> None:
    a = article(
        snippet='The board voted 5–1 & said "yes" <b>loudly</b>.', extra={"story": "s1-pilot"}
    )
    b = article(
        id="https://other.example/2",
        publisher="Other Desk",
        title="Tidal pilot wins harbor vote",
        published=T0.replace(hour=16),
        path="content/articles/2026/11/wins.md",
        extra={"story": "s1-pilot"},
    )
    pages = plan_pages(CONFIG, [a, b])
    _, meta = get_data(pages["articles/2026/11/pilot.md"])
    # Escaped for the theme, which prints front matter values as they are.
    assert (
        meta["description"]
        == "The board voted 5–1 &amp; said &quot;yes&quot; &lt;b&gt;loudly&lt;/b&gt;."
    )
    story = next(text for doc, text in pages.items() if doc.startswith("stories/"))
    _, story_meta = get_data(story)
    assert story_meta["description"] == meta["description"]
    assert story_meta["briefing_published"] == "2026-11-03T14:05:00Z"


@settings(max_examples=80, deadline=None)
@given(
    title=st.text(min_size=1, max_size=80),
    snippet=st.text(max_size=300),
    body=st.text(max_size=400),
)
def test_the_description_never_repeats_the_headline(title: str, snippet: str, body: str) -> None:
    a = article(title=title, snippet=snippet, body=body)
    text = description(a)
    assert len(text) <= LIMIT
    if text:
        assert " ".join(text.split()).casefold() != " ".join(title.split()).casefold()
        words = set(re.findall(r"\w+", text.casefold()))
        assert not words <= set(re.findall(r"\w+", f"{title} Quay Desk".casefold()))


# -- built sites ---------------------------------------------------------------------------


class Head(HTMLParser):
    """The elements of a page's <head> in order, with their attributes as parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._in_head = True
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_head = False
        if self._in_head and tag != "head" and tag != "html":
            self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_h1 = tag == "h1" and not self.h1

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    @property
    def preview(self) -> dict[str, str]:
        found = {}
        for tag, attrs in self.elements:
            key = attrs.get("property") or attrs.get("name") or ""
            if tag == "meta" and key in PREVIEW:
                assert key not in found, f"{key} twice"
                found[key] = attrs["content"]
        return found


def head_of(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def built_articles(root: Path) -> list[tuple[Article, Path]]:
    found = []
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        a = parse_article(path.read_text(encoding="utf-8"), path, rel)
        page = root / "site" / path.relative_to(root / "content").with_suffix("") / "index.html"
        found.append((a, page))
    return found


@pytest.mark.slow
def test_every_article_page_of_the_demo_has_a_preview(built_demo: Path) -> None:
    pages = built_articles(built_demo)
    assert len(pages) >= 20
    for a, page in pages:
        head = head_of(page)
        preview = head.preview
        assert preview["og:title"] == a.title == head.h1, page
        assert preview["og:description"], page
        assert preview["og:description"] != a.title, page
        assert preview["article:published_time"] == a.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert preview["og:type"] == "article"
        assert preview["og:site_name"] == "Marrow Bay Tidal Briefing (fictional demo)"
        assert preview["twitter:card"] == "summary"
        assert "og:url" not in preview  # no site_url: no canonical URL to give
        assert not any(tag == "link" and a.get("rel") == "canonical" for tag, a in head.elements)
    stories = sorted((built_demo / "site" / "stories").rglob("index.html"))
    assert stories
    for page in stories:
        assert {"og:title", "og:description", "article:published_time"} <= set(
            head_of(page).preview
        )
    home = head_of(built_demo / "site" / "index.html").preview
    assert home == {}  # listings are not articles


def _shape(head: Head) -> list[tuple[str, list[str]]]:
    """A head's elements and their attribute names (values left out), og:description aside:
    a page has it or not."""
    return [
        (tag, sorted(attrs))
        for tag, attrs in head.elements
        if attrs.get("property") != "og:description"
    ]


@pytest.mark.slow
def test_previews_of_hostile_articles_are_inert_text(hostile_site: Path) -> None:
    pages = built_articles(hostile_site)
    ordinary = [(a, p) for a, p in pages if a.link.startswith("https://ledger.marrow-bay")]
    hostile = [(a, p) for a, p in pages if (a, p) not in ordinary]
    # The hostile feed's items (the one whose link is javascript: is skipped) and the
    # hand-written article with raw markup in its front matter.
    assert len(hostile) >= 5 and ordinary
    assert any("<script>" in a.title for a, _ in hostile)
    reference = head_of(ordinary[0][1])
    assert "og:description" in reference.preview
    for a, page in hostile:
        head = head_of(page)
        preview = head.preview
        # The values are the article's own text, exactly, once parsed: nothing was cut
        # short by a quote, nothing was unescaped into markup.
        assert preview["og:title"] == " ".join(a.title.split()), page
        expected = " ".join(description(a).split())
        assert preview.get("og:description", "") == expected, page
        url = (
            "https://hostile.example/b/"
            + page.parent.relative_to(hostile_site / "site").as_posix()
            + "/"
        )
        assert preview["og:url"] == url
        # The same elements and attributes as an ordinary article's head: no extra tag,
        # no extra attribute.
        assert _shape(head) == _shape(reference), page
        text = page.read_text(encoding="utf-8").split("</head>")[0]
        assert "<script>alert" not in text and "onerror=" not in text.replace("onerror=&", "")
