"""Analysis: drafts from the briefing's own data, inert feed text, human text never touched."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import markdown
import pytest
from conftest import run, write_feeds

from briefing.analysis.draft import OFFLINE, Briefing, draft, markdown_text
from briefing.analysis.editorial import DRAFT, REVIEWED, editorial, text_hash
from briefing.ingest.read import PageCache
from briefing.models import Article
from briefing.store.frontmatter import parse_article

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/) and ![img](https://evil.example/x.png)",
    "{{ config.secret }} {% include 'x' %} {: onclick='alert(1)' }",
    "https://evil.example/bare <https://evil.example/auto>",
    "# heading\n\n- list\n1. item\n> quote\n!!! note\n    admonition",
    "*emph* **bold** `code` ~~strike~~ | a | b |\n|---|---|",
    "&lt;b&gt;entity&lt;/b&gt; &amp; &#60;i&#62;",
    ":smile: \\ backslash",
]


def hostile_articles() -> list[Article]:
    moment = datetime(2030, 3, 1, tzinfo=UTC)
    return [
        Article(
            id=f"h{i}",
            title=f"Quillfeather harbour bell recast {text}",
            publisher="- Example <b>Gazette</b>" if i % 2 else "Sample Post",
            link=f"https://x.example/{i}",
            published=moment + timedelta(hours=i),
            first_seen=moment,
            snippet=f"Quillfeather harbour bell recast. {text}",
            tags=("bells",),
        )
        for i, text in enumerate(HOSTILE)
    ]


def render_markdown(text: str) -> str:
    return markdown.markdown(text, extensions=["attr_list", "tables", "toc"])


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_feed_text_renders_as_the_same_plain_text(text: str) -> None:
    out = render_markdown(f"It said: “{markdown_text(text)}”.")
    assert re.findall(r"<(/?\w+)", out) == ["p", "/p"]
    assert html.unescape(re.sub(r"</?p>", "", out)) == f"It said: “{' '.join(text.split())}”."


def test_drafts_from_hostile_feeds_produce_no_markup() -> None:
    articles = hostile_articles()
    briefing = Briefing.of(articles)
    links = {a.original for a in articles}
    for article in articles:
        text = draft(article, briefing)
        out = render_markdown(text)
        assert set(re.findall(r"<(\w+)", out)) <= {"p", "a"}, out
        assert set(re.findall(r"<a ([^>]*)>", out)) <= {f'href="{link}"' for link in links}
        assert "{{" not in text and "{%" not in text


def test_editorial_state_follows_the_hash() -> None:
    base = hostile_articles()[1]
    machine = "On a day, Sample Post reported this.\n"
    record = {"state": DRAFT, "by": "briefing-offline/1", "hash": text_hash(machine)}

    def with_(body: str, analysis: object) -> Article:
        from dataclasses import replace

        extra = {} if analysis is None else {"analysis": analysis}
        return replace(base, body=body, extra=extra)

    assert editorial(with_("\n" + machine, record)).state == DRAFT
    assert editorial(with_("\n" + machine + "A person's line.\n", record)).state == REVIEWED
    assert editorial(with_("\nWritten by a person.\n", None)).state == REVIEWED
    assert editorial(with_("\n" + machine, {"state": REVIEWED})).state == REVIEWED
    assert editorial(with_("\n" + machine, "draft")).problem
    assert editorial(with_("\n" + machine, "draft")).state == REVIEWED  # unclear: hands off
    assert editorial(with_("", None)).state == "none"


def articles_of(root: Path) -> dict[str, tuple[Path, Article]]:
    found = {}
    for path in sorted((root / "content" / "articles").rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        article = parse_article(path.read_text(encoding="utf-8"), rel, rel)
        found[article.id] = (path, article)
    return found


def same_marks(text: str) -> str:
    return re.sub("[‘’“”\"']", "'", text)


def plain_text(analysis: str) -> str:
    """An analysis as a reader reads it: links reduced to their text, escapes undone."""
    text = re.sub(r"\]\(<[^>]*>\)", "]", analysis).replace("[“", "“").replace("”]", "”")
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


@pytest.mark.slow
def test_offline_drafts_can_be_traced_to_content(built_demo: Path) -> None:
    articles = [a for _, a in articles_of(built_demo).values()]
    pages = PageCache(built_demo / ".cache" / "briefing")
    texts = {a.title for a in articles} | {a.snippet for a in articles}
    texts |= {" ".join(pages.text(a.original).split()) for a in articles}
    texts |= {str(a.extra.get("read", {}).get("lead", "")) for a in articles}
    links = {a.original for a in articles}
    publishers = {a.publisher for a in articles}
    dates = {f"{a.published.day} {a.published:%B %Y}" for a in articles}
    for a in articles:
        assert a.analysis, a.path
        assert a.extra["analysis"]["state"] == DRAFT
        assert a.extra["analysis"]["by"] == OFFLINE
        plain = plain_text(a.analysis)
        for quote in re.findall(r"“([^”]+)”", plain):
            # Quotation marks inside a quotation are made single (‘…’): compare the words.
            assert any(same_marks(quote) in same_marks(t) for t in texts), (a.path, quote)
        for url in re.findall(r"\]\(<([^>]*)>\)", a.analysis):
            assert url in links, (a.path, url)
        for date in re.findall(r"\d{1,2} [A-Z][a-z]+ \d{4}", plain):
            assert date in dates, (a.path, date)
        # Each sentence about who reported names a publisher of the briefing.
        verbs = "had reported|reported|broke|came to|followed|is so far"
        pattern = rf"(?:^|[.;:] |, )([A-Z][\w. ]+?) (?:{verbs})"
        for who in re.findall(pattern, plain):
            who = who.split(", ")[-1].removesuffix(" had").removesuffix(" itself")
            assert who in publishers, (a.path, who)
        paragraphs = [p for p in a.analysis.split("\n\n") if p.strip()]
        assert 1 <= len(paragraphs) <= 5, a.path


@pytest.mark.slow
def test_demo_drafts_say_more_than_their_headlines(built_demo: Path) -> None:
    """The acceptance of the offline drafts on the demo: no analysis opens with its headline,
    each has 60 words or more, and no sentence repeats across analyses unless it quotes the
    briefing's own facts; the home page shows each headline once."""
    articles = [a for _, a in articles_of(built_demo).values()]
    sentences: dict[str, list[str]] = {}
    for a in articles:
        plain = plain_text(a.analysis)
        first = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
        assert a.title not in first, (a.path, first)
        head = set(re.findall(r"\w+", a.title.casefold()))
        opening = re.findall(r"\w+", first.casefold())
        assert sum(w in head for w in opening) * 2 < len(opening), (a.path, first)
        # A draft that quotes its article says much more than one that could not read it.
        least = 60 if a.extra["read"]["status"] == "ok" else 30
        assert len(re.findall(r"\w+", plain)) >= least, a.path
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(plain.split())):
            sentences.setdefault(sentence, []).append(a.path)
    repeated = {s: p for s, p in sentences.items() if len(p) > 1 and "“" not in s}
    assert not repeated
    home = (built_demo / "site" / "index.html").read_text(encoding="utf-8")
    main = html.unescape(re.sub(r"<[^>]+>", " ", home.split("<article", 1)[1]))
    main = " ".join(main.split())
    for a in articles:
        assert main.count(" ".join(a.title.split())) == 1, a.title


@pytest.mark.slow
def test_demo_pages_show_related_coverage_badges_and_story_pages(built_demo: Path) -> None:
    site = built_demo / "site"
    articles = [a for _, a in articles_of(built_demo).values()]
    multi = {}
    for a in articles:
        multi.setdefault(a.extra["story"], []).append(a)
    multi = {k: v for k, v in multi.items() if len(v) > 1}
    assert len(multi) == 8
    for story_id, members in multi.items():
        page = (site / "stories" / story_id / "index.html").read_text(encoding="utf-8")
        times = re.findall(r'<li class="briefing-item"><time datetime="([^"]+)"', page)
        assert len(times) == len(members) and times == sorted(times)
        for a in members:
            rel = Path(a.path).relative_to("content").with_suffix("")
            own = (site / rel / "index.html").read_text(encoding="utf-8")
            assert f"Draft by {OFFLINE} — not yet reviewed" in own
            related = own.split('aria-label="Related coverage"', 1)[1].split("</section>")[0]
            for other in members:
                if other.publisher != a.publisher:
                    assert html.escape(other.title, quote=False) in related
                    assert Path(other.path).stem in related


def without_read(path: Path) -> str:
    """A file's text without the ``read:`` record in its front matter."""
    return re.sub(r"^read:\n(?:  .*\n)+", "", path.read_text(encoding="utf-8"), flags=re.M)


@pytest.mark.slow
def test_human_text_survives_every_command_and_untouched_drafts_refresh(demo_root: Path):
    assert run(demo_root, "ingest").code == 0
    assert run(demo_root, "analyze").code == 0
    found = articles_of(demo_root)
    ledger = next(p for p, a in found.values() if a.title.startswith("City council approves"))
    estuary = next(p for p, a in found.values() if a.title.startswith("Council backs tidal"))
    edited = ledger.read_text(encoding="utf-8") + "\nAn editor added this line by hand.\n"
    ledger.write_text(edited, encoding="utf-8")
    reviewed_path = next(p for p, a in found.values() if a.title.startswith("Divers finish"))
    reviewed = reviewed_path.read_text(encoding="utf-8").replace("state: draft", "state: reviewed")
    reviewed_path.write_text(reviewed, encoding="utf-8")
    before_estuary = estuary.read_text(encoding="utf-8")
    # One more outlet reports the council story: a new feed with a single item.
    feed = demo_root / "feeds" / "harbour-wire.rss"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Wire (fictional)</title>
<link>https://harbour-wire.example/</link><description>fictional</description>
<item><title>Council grants tidal array cable easement at Gull Point</title>
<link>https://harbour-wire.example/easement</link><guid>hw-easement</guid>
<pubDate>Thu, 19 Nov 2026 12:00:00 GMT</pubDate>
<description>The council approved the cable easement for the tidal array.</description></item>
</channel></rss>""",
        encoding="utf-8",
    )
    import yaml

    feeds = yaml.safe_load((demo_root / "content" / "feeds.yml").read_text())["feeds"]
    feeds.append({"name": "Harbour Wire", "url": "feeds/harbour-wire.rss",
                  "publisher": "Harbour Wire"})  # fmt: skip
    write_feeds(demo_root, feeds)
    for command in (["ingest"], ["read"], ["analyze"], ["analyze", "--refresh"], ["build"]):
        result = run(demo_root, *command)
        assert result.code == 0, (command, result.err)
        # Byte for byte, but for the one fact the read step adds: what it found at the link.
        assert without_read(ledger) == edited, command
        assert without_read(reviewed_path) == reviewed, command
    after = articles_of(demo_root)
    newcomer = next(a for _, a in after.values() if a.publisher == "Harbour Wire")
    refreshed = parse_article(estuary.read_text(encoding="utf-8"), estuary)
    assert newcomer.extra["story"] == refreshed.extra["story"]
    assert estuary.read_text(encoding="utf-8") != before_estuary
    assert "of three outlets" in refreshed.analysis  # was "of two"
    assert editorial(refreshed).state == DRAFT
    page = demo_root / "site" / Path(ledger.relative_to(demo_root / "content")).with_suffix("")
    html_text = (page / "index.html").read_text(encoding="utf-8")
    assert "An editor added this line by hand." in html_text and ">Reviewed<" in html_text


def test_check_reports_editorial_problems(demo_root: Path) -> None:
    assert run(demo_root, "ingest").code == 0
    files = sorted((demo_root / "content" / "articles").rglob("*.md"))
    bad = {
        files[0]: "analysis:\n  state: reviewed\n",
        files[1]: "analysis: maybe\n",
        files[2]: "story: No Such Story!\n",
        files[3]: "story: no-such-story-123456\n",
    }
    for path, line in bad.items():
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\ntags:", f"\n{line}tags:", 1), encoding="utf-8")
    result = run(demo_root, "check")
    assert result.code == 1
    for path, message in zip(bad, ["reviewed", "'analysis' must be", "'story' must be",
                                   "names no other article"], strict=True):  # fmt: skip
        rel = path.relative_to(demo_root).as_posix()
        assert re.search(rf"{re.escape(rel)}:\d+: .*{re.escape(message)}", result.out), result.out


def test_a_batch_of_writes_lands_whole_or_not_at_all(tmp_path: Path) -> None:
    from briefing.store.files import Batch

    files = [tmp_path / f"a{i}.md" for i in range(5)]
    for path in files:
        path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), Batch(limit=100) as batch:
        for path in files:
            batch.write(path, "new\n")
        raise RuntimeError("interrupted")
    assert [p.read_text() for p in files] == ["old\n"] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)
    with Batch(limit=2) as batch:  # commits every two files, then the rest at the end
        for path in files:
            batch.write(path, "new\n")
    assert [p.read_text() for p in files] == ["new\n"] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_the_model_is_spent_where_it_matters_most() -> None:
    """Newest day first; on a day, every story's first report before any follower; stories
    covered by more outlets first."""
    from briefing.analysis.run import model_order

    day = datetime(2030, 5, 1, 8, tzinfo=UTC)

    def item(aid: str, story: str, publisher: str, hours: float) -> Article:
        return Article(
            id=aid, title=f"Quillfeather report {aid}", publisher=publisher,
            link=f"https://x.example/{aid}", published=day + timedelta(hours=hours),
            first_seen=day, extra={"story": story},
        )  # fmt: skip

    articles = [
        item("old", "old-story", "Sample Post", -48),
        item("wide-1", "wide", "Sample Post", 1),
        item("wide-2", "wide", "Example Gazette", 2),
        item("wide-3", "wide", "Harbour Wire", 3),
        item("lone", "lone", "Sample Post", 5),
        item("pair-1", "pair", "Sample Post", 0),
        item("pair-2", "pair", "Example Gazette", 4),
    ]
    order = [a.id for a in model_order(articles, Briefing.of(articles))]
    assert order == ["wide-1", "pair-1", "lone", "wide-2", "wide-3", "pair-2", "old"]


def test_a_killed_analyze_leaves_nothing_behind_for_the_next_run(demo_root: Path) -> None:
    """Files staged by an analyze killed before its batch was committed are temporary files
    beside the articles: git ignores them and the next run removes them."""
    import subprocess

    assert run(demo_root, "ingest").code == 0
    article = next((demo_root / "content" / "articles").rglob("*.md"))
    stale = article.parent / f".{article.name}.k1ll3d.tmp"
    stale.write_text("half", encoding="utf-8")
    scaffold = demo_root.parent / "new-site"
    assert run(demo_root.parent, "new", str(scaffold), "--title", "T", "--topic", "t").code == 0
    subprocess.run(["git", "init", "-q", str(scaffold)], check=True)
    twin = scaffold / "content" / "articles" / "2026" / "11" / stale.name
    twin.parent.mkdir(parents=True, exist_ok=True)
    twin.write_text("half", encoding="utf-8")
    ignored = subprocess.run(
        ["git", "-C", str(scaffold), "check-ignore", "-q", str(twin)], check=False
    )
    assert ignored.returncode == 0  # a new briefing's .gitignore keeps it out of commits
    assert run(demo_root, "analyze").code == 0
    assert not stale.exists()


def test_a_drafts_standing_in_a_big_story_counts_outlets_once() -> None:
    """Where a report stands is counted in outlets (an outlet's second report adds none), and
    a name is new only in the story's first report that has it, however big the story."""
    start = datetime(2031, 5, 1, tzinfo=UTC)
    outlets = ["Quayside Wire", "Estuary Gazette", "Quayside Wire", "Harbour Post"]
    titles = [
        "Brannock Mill closes",
        "Brannock Mill closes as Orla Venn resigns",
        "Brannock Mill closes after Orla Venn resigns",
        "Brannock Mill shut",
    ]
    story = [
        Article(
            id=f"mill-{n}", title=titles[n], publisher=outlet, link=f"https://mill.example/{n}",
            published=start + timedelta(hours=n), first_seen=start + timedelta(hours=n),
            extra={"story": "brannock-mill"},
        )
        for n, outlet in enumerate(outlets)
    ]  # fmt: skip
    briefing = Briefing.of(story)
    last = draft(story[3], briefing)
    assert "the third of three outlets" in last
    assert "the second of three outlets" in draft(story[2], briefing)
    assert "first report in the briefing to name Orla Venn" in draft(story[1], briefing)
    assert "Orla Venn" not in briefing.first_mentions(briefing.story_of["mill-2"], story[2])
