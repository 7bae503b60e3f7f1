"""Ids and dedupe keys: the same article under tracking noise is one article (properties)."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from briefing.store.identity import article_id, link_key, normalize_link, stable_guid, story_key

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
host = st.lists(segment, min_size=1, max_size=3).map(lambda p: ".".join(p) + ".example")
path = st.lists(segment, max_size=4).map(lambda p: "/" + "/".join(p))
params = st.lists(st.tuples(segment, segment), max_size=4, unique_by=lambda kv: kv[0]).map(
    lambda kv: [(k, v) for k, v in kv if not k.startswith("utm_") and k not in {"fbclid", "gclid"}]
)
tracking = st.lists(
    st.sampled_from(["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid"]),
    unique=True,
    max_size=3,
)


@given(host, path, params, tracking, st.booleans(), st.booleans(), st.text(max_size=8))
def test_tracking_noise_never_makes_a_new_article(
    h: str, p: str, q: list[tuple[str, str]], noise: list[str], upper: bool, slash: bool, frag: str
) -> None:
    clean = f"https://{h}{p}" + (f"?{urlencode(q)}" if q else "")
    noisy_query = urlencode([*reversed(q), *((k, "x") for k in noise)])
    noisy = f"https://{h.upper() if upper else h}{p}{'/' if slash else ''}"
    noisy += f"?{noisy_query}" if noisy_query else ""
    noisy += f"#{frag}" if frag else ""
    assert normalize_link(noisy) == normalize_link(clean)
    assert article_id("", noisy, "t", "p") == article_id("", clean, "t", "p")
    assert link_key(noisy.replace("https://", "http://www.", 1)) == link_key(clean)


@given(st.text(max_size=400), st.text(max_size=400), st.text(max_size=50), st.text(max_size=50))
def test_ids_are_one_line_bounded_and_deterministic(
    guid: str, link: str, title: str, publisher: str
) -> None:
    first = article_id(guid, link, title, publisher)
    assert first == article_id(guid, link, title, publisher)
    assert first and len(first) <= 300
    assert not any(c.isspace() for c in first)  # a ledger line: id<TAB>…
    assert "\t" not in story_key(title, publisher) and "\n" not in link_key(link)


def test_guid_rules() -> None:
    google = "CBMiXmh0dHBzOi8vd3d3LmNvYXN0bGluZS1jb3VyaWVy"
    assert article_id(google, "https://news.google.com/rss/articles/x?oc=5", "t", "p") == google
    assert article_id("https://A.example/x/?utm_source=y", "", "t", "p") == "https://a.example/x"
    assert article_id("tag:a.example,2026:7", "https://a.example/7", "t", "p") == (
        "tag:a.example,2026:7"
    )
    # "42" is only unique inside its feed: the link identifies the article instead.
    assert not stable_guid("42")
    assert article_id("42", "https://a.example/7?utm_medium=x", "t", "p") == "https://a.example/7"
    assert article_id("", "", "Headline", "Pub").startswith("sha256:")
    assert article_id("", "", "Headline!", "pub") == article_id("", "", "headline", "Pub")


def test_story_key_ignores_case_punctuation_and_spacing() -> None:
    assert story_key("Harbor  approves: turbines!", "Coastline Courier") == story_key(
        "harbor approves turbines", "coastline courier"
    )
    assert story_key("A", "B") != story_key("A", "C")
