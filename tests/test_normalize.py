"""Normalizing feed entries: plain text, safe links, UTC dates, Google News (pure functions)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from briefing.ingest.normalize import (
    MAX_DERIVED_TITLE,
    FeedContext,
    absolute_link,
    derived_headline,
    entry_time,
    normalize_entry,
    plain_text,
    split_publisher,
    useful_snippet,
)
from briefing.models import Feed

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
CTX = FeedContext(Feed("Feed", "https://f.example/rss"), "https://f.example/rss")


@given(st.text(max_size=300))
def test_plain_text_never_keeps_a_tag(value: str) -> None:
    text = plain_text(value, 200)
    assert len(text) <= 200
    assert text == text.strip() and "  " not in text and "\n" not in text
    lowered = text.lower()
    for tag in ("<script", "<img", "<a ", "<iframe", "<style", "<form"):
        assert tag not in lowered
    assert plain_text(text, 200) == text  # idempotent: nothing left to decode or strip


def test_plain_text_examples() -> None:
    assert plain_text("<b>Bold</b> &amp; <i>it</i>", 100) == "Bold & it"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Safe", 100) == "Safe"
    assert plain_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;Safe", 100) == "Safe"
    assert plain_text("Profits &lt; forecasts", 100) == "Profits < forecasts"
    assert plain_text("{{ x }} {% y %} !!! note --8<--", 100) == "{{ x }} {% y %} !!! note --8<--"
    assert plain_text("word " * 100, 30) == ("word " * 6).strip() + "…"


def test_links_are_absolute_http_only() -> None:
    assert absolute_link("/a/b", "https://f.example/rss") == "https://f.example/a/b"
    for bad in ("javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:x", "ftp://f.example/x", ""):
        assert absolute_link(bad, "https://f.example/") == ""
    assert absolute_link("java\tscript:alert(1)", "https://f.example/") == ""


def test_dates_honour_time_zones_and_clamp_the_future() -> None:
    def entry(text: str) -> dict[str, object]:
        return {"published_parsed": time.strptime(text, "%Y-%m-%dT%H:%M:%S")}

    assert entry_time(entry("2026-11-03T13:05:00"), NOW) == datetime(2026, 11, 3, 13, 5, tzinfo=UTC)
    assert entry_time(entry("2031-01-01T00:00:00"), NOW) == NOW  # far future: first seen
    assert entry_time({}, NOW) == NOW
    assert entry_time({"published_parsed": None}, NOW) == NOW
    near = NOW + timedelta(hours=3)
    assert entry_time(entry(near.strftime("%Y-%m-%dT%H:%M:%S")), NOW) == near  # clock skew


def test_google_news_title_snippet_and_source() -> None:
    assert split_publisher("Harbor votes - Coastline Courier", "Coastline Courier") == (
        "Harbor votes",
        "Coastline Courier",
    )
    assert split_publisher("A - B - Courier", "") == ("A - B", "Courier")
    google_html = (
        '<a href="https://news.google.com/x">Harbor votes</a>&nbsp;'
        '<font color="#6f6f6f">Coastline Courier</font>'
    )
    assert useful_snippet(google_html, "Harbor votes", "Coastline Courier", True) == ""
    assert useful_snippet("<ol><li>x</li></ol>", "Harbor votes", "Courier", True) == ""
    assert useful_snippet("Harbor votes", "Harbor votes", "Courier", False) == ""
    entry = {
        "title": "Harbor votes - Coastline Courier",
        "link": "https://news.google.com/rss/articles/CBMiAbc?oc=5",
        "id": "CBMiAbcdefghijklmnopqrstuvwxyz",
        "source": {"title": "Coastline Courier", "href": "https://coastline-courier.example"},
        "summary": google_html,
    }
    article = normalize_entry(entry, CTX, NOW)
    assert article is not None
    assert (article.title, article.publisher, article.snippet) == (
        "Harbor votes",
        "Coastline Courier",
        "",
    )
    assert article.link == entry["link"]
    assert article.publisher_url == "https://coastline-courier.example"
    assert article.id == "CBMiAbcdefghijklmnopqrstuvwxyz"


def test_an_entry_without_a_usable_link_or_title_is_skipped() -> None:
    assert normalize_entry({"title": "x", "link": "javascript:alert(1)"}, CTX, NOW) is None
    assert normalize_entry({"title": "<b></b>", "link": "https://f.example/1"}, CTX, NOW) is None


def test_a_title_less_post_gets_its_first_sentence_as_headline() -> None:
    entry = {
        "link": "https://social.example/@a/1",
        "id": "https://social.example/@a/1",
        "summary": "<p>The board meets tonight at seven. Bring questions.</p><p>#MarrowBay</p>",
    }
    article = normalize_entry(entry, CTX, NOW)
    assert article is not None and article.title_derived
    assert article.title == "The board meets tonight at seven"
    assert article.snippet == "Bring questions. #MarrowBay"
    titled = normalize_entry({**entry, "title": "Board meets"}, CTX, NOW)
    assert titled is not None and not titled.title_derived and titled.title == "Board meets"


def test_derived_headlines_are_cut_at_a_word_boundary() -> None:
    long = "word " * 40 + "end. Next sentence."
    headline, snippet = derived_headline(f"<p>{long}</p>")
    assert len(headline) <= MAX_DERIVED_TITLE and headline.endswith("word…")
    assert snippet.startswith("…word") and snippet.endswith("end. Next sentence.")
    assert f"{headline[:-1]} {snippet[1:]}".split() == long.split()  # nothing lost or doubled
    # Lines (<br>) and paragraphs end a headline; a too-short "sentence" runs on.
    assert derived_headline("Low tide 14:32<br>High tide 20:51") == (
        "Low tide 14:32",
        "High tide 20:51",
    )
    assert derived_headline("<p>Hi. The ferry is late again today. Sorry.</p>") == (
        "Hi. The ferry is late again today",
        "Sorry.",
    )
    assert derived_headline("<p>Is the ferry late again today? Yes.</p>")[0] == (
        "Is the ferry late again today?"
    )


@given(st.text(max_size=400))
def test_derived_headlines_are_plain_short_text(value: str) -> None:
    headline, snippet = derived_headline(value)
    assert len(headline) <= MAX_DERIVED_TITLE
    assert bool(headline) or not snippet
    for text in (headline, snippet):
        assert text == text.strip() and "\n" not in text
        assert plain_text(text, 10_000) == text or "&" in text  # already plain


def test_hostile_text_in_a_title_less_post_is_inert() -> None:
    entry = {
        "link": "https://social.example/@a/2",
        "summary": '&lt;script&gt;alert(1)&lt;/script&gt;Pier vote <img src=x onerror="alert(2)">'
        " moved! <p>--8&lt;-- <a href='javascript:alert(3)'>x</a></p>",
    }
    article = normalize_entry(entry, CTX, NOW)
    assert article is not None
    assert (article.title, article.snippet) == ("Pier vote moved!", "--8<-- x")


def test_an_entry_with_neither_title_nor_text_is_skipped() -> None:
    for text in ("", "<img src='https://social.example/a.png'>", "<p> </p>", "<script>x</script>"):
        assert normalize_entry({"link": "https://f.example/1", "summary": text}, CTX, NOW) is None
    content = {"link": "https://f.example/2", "content": [{"value": "<p>Only in content.</p>"}]}
    article = normalize_entry(content, CTX, NOW)
    assert article is not None and article.title == "Only in content"
