"""The read step against a loopback web: robots.txt, faults, budgets, the cache, extraction, and
the rule that content/ quotes an article and never copies it.

Every page here is fictional (Saltmarsh, Kittering Point, *.example publishers)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, run, write_feeds
from faultserver import FaultServer

from briefing.config import load_site
from briefing.ingest import quoting
from briefing.ingest.extract import extract
from briefing.ingest.read import PAGE_LIMITS, PageCache, ReadSettings, read, record_of
from briefing.store.content import ContentStore
from briefing.text import words

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"

BODY = [
    "The Saltmarsh harbour board voted 5-2 on Monday night to lease the old ferry pier to"
    " Kittering Point Boatworks for 25 years, ending a dispute that has run since 2024.",
    "“We have waited a long time for somebody to bring this pier back to life,” said board"
    " chair Odile Brannock, who cast the deciding vote after a three-hour meeting.",
    "Under the lease the boatworks will pay 48,000 crowns a year and spend at least"
    " 1.2 million crowns repairing the pier's timber deck before it opens to the public.",
    "Two board members voted against, saying the rent was too low for a site of that size and"
    " that the public had not been consulted on the boatworks' plans for the shoreline.",
    "The boatworks, which employs 14 people, says it will build and repair small fishing"
    " boats on the pier and open a ferry café on its landward end by next summer.",
    "Residents who spoke at the meeting were divided. Several welcomed the jobs; others"
    " worried about noise from the yard and the loss of the pier as a fishing spot.",
    "The lease still needs the approval of the regional maritime office, which is expected"
    " to rule on it before the end of January, the board's secretary said.",
]


def page(title: str, paragraphs: list[str], extra_head: str = "") -> bytes:
    """A news page as publishers serve it: nav, cookie banner, article, captions, related
    stories, newsletter box, comments, footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Saltmarsh Gazette</title>{extra_head}</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a>
<a href="/weather">Weather</a></nav></header>
<div class="cookie-banner">We use cookies to give you the best experience. Accept all cookies
or manage your preferences in the settings.</div>
<main><article><h1>{title}</h1><p class="byline">By Wren Halloway, 23 November 2026</p>
{body}
<figure><img src="/pier.jpg" alt=""><figcaption>The old ferry pier at low tide, photographed
from the harbour wall last spring.</figcaption></figure>
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Harbour dredging to resume in spring after long delay</a></li>
<li><a href="/b">Ferry timetable changes announced for the winter months</a></li></ul></aside>
<div class="newsletter">Sign up for our morning newsletter and never miss a story.</div>
<section id="comments"><h2>Comments</h2><div class="comment"><p>About time somebody did
something with that pier, it has been an eyesore for years.</p></div></section></main>
<footer><p>© 2026 Saltmarsh Gazette (fictional). All rights reserved.</p></footer>
</body></html>""".encode()


def rss(items: list[tuple[str, str]]) -> str:
    entries = []
    for number, (title, link) in enumerate(items):
        when = NOW - timedelta(hours=number + 1)
        entries.append(
            f"<item><title>{title}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
            f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Saltmarsh Gazette'
        " (fictional)</title><link>https://saltmarsh-gazette.example/</link>"
        + "".join(entries)
        + "</channel></rss>"
    )


def site_with(root: Path, items: list[tuple[str, str]]) -> Path:
    """A site root whose one feed lists ``items`` (headline, link); ingested."""
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: Read test (fictional)\n", encoding="utf-8")
    (root / "gazette.rss").write_text(rss(items), encoding="utf-8")
    write_feeds(root, [{"name": "Saltmarsh Gazette", "url": "gazette.rss"}])
    assert run(root, "ingest").code == 0
    return root


def records(root: Path) -> dict[str, dict[str, object]]:
    """{article link: its read record}."""
    articles, errors = ContentStore(load_site(root)).load_all()
    assert not errors
    return {a.link: record_of(a) for a in articles}


FAST = ReadSettings(
    gap=0.0, limits=replace(PAGE_LIMITS, connect_timeout=2, read_timeout=2, deadline=2)
)


def test_robots_faults_cache_and_a_second_run_that_asks_nothing(tmp_path: Path) -> None:
    with FaultServer(max_stall=5) as web, FaultServer(max_stall=5) as dead:
        web.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
        good = web.add("/news/pier-lease", page("Board leases ferry pier", BODY), Content_Type=HTML)
        moved = web.add("/old/pier", b"", status=301, Location=good, Content_Type=HTML)
        secret = web.add("/private/memo", page("Private memo", BODY), Content_Type=HTML)
        pdf = web.add("/report.pdf", b"%PDF-1.7 not a page", Content_Type="application/pdf")
        forbidden = web.add("/forbidden", b"no", status=403, Content_Type=HTML)
        gone = web.add("/gone", b"gone", status=410, Content_Type=HTML)
        busy = web.add("/busy", b"busy", status=503, Content_Type=HTML)
        marked = '{"@type": "NewsArticle", "isAccessibleForFree": false}'
        teaser = page(
            "Subscribers only", BODY[:1], f'<script type="application/ld+json">{marked}</script>'
        )
        paywall = web.add("/paywalled", teaser, Content_Type=HTML)
        huge = web.add("/huge", b"<html><body><p>" + b"tide " * 1_000_000, Content_Type=HTML)
        hang = dead.url("/hang")
        links = [moved, secret, pdf, forbidden, gone, busy, paywall, huge, hang, dead.url("/never")]
        root = site_with(tmp_path / "site", [(f"Headline {i}", u) for i, u in enumerate(links)])
        config = load_site(root)

        report = read(config, NOW, FAST)
        found = records(root)
        assert found[moved]["status"] == "ok"
        assert found[moved]["url"] == good  # where the page was, after the redirect
        assert found[secret]["status"] == "disallowed"
        assert web.seen("/private/memo") == []  # never requested
        assert found[pdf]["status"] == "not-html"
        assert found[forbidden]["status"] == "forbidden"
        assert found[gone]["status"] == "gone"
        assert found[paywall]["status"] == "paywalled"
        assert found[huge]["status"] == "too-large"  # 5 MB: over the 4 MB cap, not read on
        # Transient failures are not recorded in content/: later runs try again.
        assert found[busy] == {} and found[hang] == {}
        # The dead host cost one deadline: its second page was not asked for.
        assert dead.seen("/never") == []
        assert len(web.seen("/robots.txt")) == 1
        assert report.counts["read"] == 1 and report.counts["disallowed"] == 1
        assert report.counts["failed"] == 2, report.reasons
        assert "read 1 page" in report.line()

        lead = str(found[moved]["lead"])
        assert lead.startswith("The Saltmarsh harbour board voted 5-2")
        assert len(words(lead)) < quoting.LEAD_WORDS
        assert int(str(found[moved]["words"])) > 150
        assert PageCache(config.cache_dir).text(good).startswith("The Saltmarsh harbour board")

        # A second run the same day: every page is final or waits for its retry; no request.
        asked, tried = len(web.requests), len(dead.requests)
        again = read(config, NOW + timedelta(minutes=10), FAST)
        assert [r.path for r in web.requests[asked:]] == []
        # The dead host is tried again in a new run, once: its robots.txt, the other page.
        assert [r.path for r in dead.requests[tried:]] == ["/robots.txt", "/never"]
        assert again.counts["read"] == 0 and again.left == 2, again

        # Hours later the retries are due: the busy page is asked again, once.
        read(config, NOW + timedelta(hours=2), FAST)
        assert len(web.seen("/busy")) == 2


def test_budget_newest_first_and_hosts_take_turns(tmp_path: Path) -> None:
    with FaultServer() as one, FaultServer() as two:
        links = []
        for n in range(3):
            links.append(one.add(f"/a{n}", page(f"Pier story {n}", BODY), Content_Type=HTML))
            links.append(two.add(f"/b{n}", page(f"Ferry story {n}", BODY), Content_Type=HTML))
        root = site_with(tmp_path / "site", [(f"Story {i}", u) for i, u in enumerate(links)])
        waits: list[float] = []
        settings = ReadSettings(budget=4, gap=1.0, limits=FAST.limits)
        report = read(load_site(root), NOW, settings, sleep=waits.append)
        found = records(root)
        # The four newest (first in the feed) were read; two are left for the next run.
        assert [found[u].get("status") for u in links] == ["ok"] * 4 + [None, None]
        assert report.left == 2
        # Two hosts take turns: a gap is waited only when one host has nothing to alternate with.
        assert len(waits) <= 2 and all(0 < w <= 1.0 for w in waits)


def test_switched_off_reads_nothing(tmp_path: Path) -> None:
    with FaultServer() as web:
        link = web.add("/a", page("Pier", BODY), Content_Type=HTML)
        root = site_with(tmp_path / "site", [("Pier", link)])
        mkdocs = root / "mkdocs.yml"
        mkdocs.write_text(
            mkdocs.read_text() + "extra:\n  briefing:\n    read: false\n", encoding="utf-8"
        )
        result = run(root, "read")
        assert result.code == 0 and "switched off" in result.out
        assert web.requests == []


def test_the_cli_reads_and_says_what_it_did(tmp_path: Path) -> None:
    with FaultServer() as web:
        plain = web.add("/a", page("Pier", BODY), Content_Type=HTML)
        link = f"{plain}?utm_source=rss&id=7&utm_medium=feed"
        root = site_with(tmp_path / "site", [("Board leases the ferry pier", link)])
        result = run(root, "read")
        assert result.code == 0, result.err
        assert result.out.startswith("read 1 page (0 from the cache"), result.out
        articles, _ = ContentStore(load_site(root)).load_all()
        assert articles[0].link == link  # as the feed gave it: provenance
        assert articles[0].original == f"{plain}?id=7"  # as readers follow it
        assert web.requests[-1].path == "/a"
        # Only the read record was added: the rest of the file is as ingest wrote it.
        text = (root / articles[0].path).read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---\n")[1])
        assert set(meta["read"]) == {"url", "status", "words", "hash", "lead", "author", "at"}
        assert meta["read"]["author"] == "Wren Halloway"


# -- extraction quality on real-shaped pages ------------------------------------------------

PAGES = sorted((FIXTURES / "pages").glob("*.expected.json"))


@pytest.mark.parametrize("expected_file", PAGES, ids=[p.name.split(".")[0] for p in PAGES])
def test_extraction_keeps_the_article_and_drops_the_page(expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    html_file = next(expected_file.parent.glob(expected_file.name.split(".")[0] + ".htm*"))
    found = extract(html_file.read_bytes(), expected["url"])
    assert found.status == "ok", found.reason
    text = " ".join(found.text.split())
    for sentence in expected["must_include"]:
        assert " ".join(sentence.split()) in text
    for boilerplate in expected["must_exclude"]:
        assert boilerplate not in text
    assert found.title == expected["title"]
    if expected.get("author"):
        assert expected["author"] in found.author
    lead = quoting.lead(found.text)
    assert lead and len(words(lead)) < quoting.LEAD_WORDS
    # What a draft quotes comes from the article, never from the page around it.
    quoted = [lead, *quoting.key_sentences(found.text, found.title)]
    assert not any(b in q for b in expected["must_exclude"] for q in quoted)
    assert quoted[0].startswith(expected["must_include"][0][:40])


def test_there_are_fixture_pages() -> None:
    assert len(PAGES) >= 5


def test_a_charset_named_by_the_server_wins() -> None:
    text = "Le conseil a approuvé le bail du quai à l’unanimité. " * 20
    data = page("Quai", [text]).replace(b'<meta charset="utf-8">', b"")
    latin = data.decode().encode("cp1252")
    found = extract(latin, "https://x.example/a", "text/html; charset=windows-1252")
    assert "approuvé le bail du quai à l’unanimité" in found.text


# -- the demo: read from its bundled pages, drafted from them, published within the rule ----


@pytest.mark.slow
def test_the_demo_reads_its_pages_and_quotes_them_within_the_rule(built_demo: Path) -> None:
    config = load_site(built_demo)
    articles, errors = ContentStore(config).load_all()
    assert not errors
    pages = PageCache(config.cache_dir)
    status = [record_of(a).get("status") for a in articles]
    assert status.count("ok") >= 0.75 * len(articles)
    assert {"disallowed", "paywalled", "gone"} <= set(status)
    quoting_drafts = 0
    site = built_demo / "site"
    for article in articles:
        text = pages.text(article.original)
        record = record_of(article)
        if record.get("status") != "ok":
            assert not text and "lead" not in record
            continue
        assert text, article.path
        source = words(text)
        file_text = (built_demo / article.path).read_text(encoding="utf-8")
        assert quoting.longest_run(source, file_text) < quoting.MAX_RUN, article.path
        page_file = site / Path(article.path).relative_to("content").with_suffix("") / "index.html"
        page_html = page_file.read_text(encoding="utf-8")
        assert quoting.longest_run(source, page_html) < quoting.MAX_RUN, article.path
        opening = article.analysis.split("\n\n")[0]
        if opening.startswith(
            (f"{article.publisher} reports: “", f"Writing in {article.publisher}")
        ):
            quoting_drafts += 1
        # Shown links are the publisher's, without tracking parameters.
        assert "utm_" not in article.original and "news.google.com" not in article.original
        assert f'href="{article.original}"' in page_html
    readable = status.count("ok")
    assert quoting_drafts >= 0.8 * readable, (quoting_drafts, readable)


HOSTILE = [
    "The harbour board met on Monday &lt;img src=x onerror=alert(1)&gt; and voted to lease the"
    " old ferry pier to the boatworks for 25 years, ending a long dispute over its future.",
    "Readers were told to [click here](javascript:alert(2)) for the minutes, which run to"
    " {{ 7*7 }} pages and {% include 'x' %} several appendices about the pier's timber deck.",
    "&lt;script&gt;alert(3)&lt;/script&gt; The chair said the lease would bring 14 jobs to the"
    " harbour and that repairs would start before the end of the winter season this year.",
    *BODY[3:],
]


@pytest.mark.slow
def test_hostile_page_text_stays_inert_text_on_the_site(tmp_path: Path) -> None:
    with FaultServer() as web:
        link = web.add("/hostile", page("Board leases pier", HOSTILE), Content_Type=HTML)
        root = site_with(tmp_path / "site", [("Board leases the ferry pier", link)])
        shutil.copytree(FIXTURES.parent.parent / "examples" / "demo" / "docs", root / "docs",
                        dirs_exist_ok=True)  # fmt: skip
        for command in (["read"], ["analyze"], ["build"]):
            result = run(root, *command)
            assert result.code == 0, (command, result.err)
    articles, _ = ContentStore(load_site(root)).load_all()
    assert record_of(articles[0])["status"] == "ok"
    assert articles[0].analysis.startswith(
        "Writing in Saltmarsh Gazette (fictional), Wren Halloway"
    )
    rel = Path(articles[0].path).relative_to("content").with_suffix("")
    for html_file in [root / "site" / rel / "index.html", root / "site" / "index.html"]:
        text = html_file.read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<script>alert" not in text
        assert "javascript:" not in text
        assert "49 pages" not in text  # never run as a template
        assert "&lt;img src" in text  # shown, as text: the reader sees what the page said
