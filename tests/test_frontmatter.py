"""The front-matter round trip: any title or snippet text written to an article file reads
back exactly, and never breaks out of the front matter (property-based)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import ContentError
from briefing.ingest.normalize import plain_text
from briefing.models import Article, SiteConfig
from briefing.store.content import ContentStore
from briefing.store.frontmatter import dump_article, parse_article

NOW = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
nasty = st.sampled_from(
    ["---", "---\n", "\n---\n", ": ", "&a", "*a", "!tag", "!!python/object:os.system", "{{ x }}",
     "{% y %}", "!!! note", "--8<--", "{: onclick=x}", "#", "'", '"', "|", ">", "- ", "\t",
     "\ufeff", "\u2028", "%YAML", "... ", "? ", "@", "`", "null", "yes", "1e3", "0x10", "~"]
)  # fmt: skip
text = st.lists(st.one_of(nasty, st.text(max_size=20)), max_size=8).map("".join)


def article(title: str, snippet: str, feed: str = "Feed") -> Article:
    return Article(
        id="https://a.example/1",
        title=title,
        publisher="Pub",
        link="https://a.example/1",
        published=NOW,
        first_seen=NOW,
        feeds=(feed,),
        snippet=snippet,
        tags=("t",),
    )


@given(text.filter(lambda t: t.strip() != ""), text)
def test_any_title_and_snippet_round_trip(title: str, snippet: str) -> None:
    original = article(title, snippet)
    file_text = dump_article(original)
    back = parse_article(file_text, "x.md")
    assert (back.title, back.snippet, back.feeds) == (title, snippet, ("Feed",))
    assert back.body.strip() == ""  # nothing leaked into the analysis


@given(text, text)
def test_feed_text_after_normalizing_round_trips(title: str, snippet: str) -> None:
    clean_title, clean_snippet = plain_text(title, 200) or "x", plain_text(snippet, 600)
    back = parse_article(dump_article(article(clean_title, clean_snippet)), "x.md")
    assert (back.title, back.snippet) == (clean_title, clean_snippet)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text.filter(lambda t: t.strip() != ""))
def test_adding_a_feed_keeps_the_body_and_comments(tmp_path_factory: object, feed: str) -> None:
    root = Path(tmp_path_factory.mktemp("fm"))  # type: ignore[attr-defined]
    (root / "content" / "articles").mkdir(parents=True)
    store = ContentStore(SiteConfig(root=root, site_name="x", feeds=()))
    path = root / "content" / "articles" / "a.md"
    written = dump_article(article("Title", "Snippet"))
    meta, _, _ = written.partition("\n---\n")
    body = "\nAn editor's analysis.\n\n---\n\nwith a rule: and *emphasis*\n"
    path.write_text(meta.replace("title:", "# editor's note\ntitle:") + "\n---\n" + body, "utf-8")
    assert store.add_feed("content/articles/a.md", feed) == (feed != "Feed")
    new = path.read_text(encoding="utf-8")
    assert new.endswith("\n---\n" + body)
    assert "# editor's note\n" in new
    back = parse_article(new, "a.md")
    assert back.feeds == (("Feed",) if feed == "Feed" else ("Feed", feed))
    assert yaml.safe_load(new.split("\n---\n")[0].removeprefix("---\n"))["title"] == "Title"


def test_title_derived_is_written_only_when_true_and_must_be_a_boolean() -> None:
    derived = replace(article("Tide times for today", ""), title_derived=True)
    text = dump_article(derived)
    assert "\ntitle: Tide times for today\ntitle_derived: true\npublisher: Pub\n" in text
    assert parse_article(text, "a.md") == replace(derived, body="\n")
    assert "title_derived" not in dump_article(article("Edited headline", ""))
    edited = text.replace("title_derived: true\n", "")  # an editor wrote the headline
    assert not parse_article(edited, "a.md").title_derived
    with pytest.raises(ContentError, match=r"a\.md:4: 'title_derived' must be true or false"):
        parse_article(text.replace("title_derived: true", "title_derived: maybe"), "a.md")
