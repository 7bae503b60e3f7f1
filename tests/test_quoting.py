"""Quoting an article: sentences, its lead, its key sentences, and the 60-word rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import briefing.text
from briefing.ingest import quoting

TEXT = "\n".join(
    [
        "SALTMARSH, 23 Nov.",
        "The Saltmarsh harbour board voted 5-2 on Monday to lease the old ferry pier to Kittering"
        " Point Boatworks for 25 years. The vote ends a dispute that began in 2024.",
        "Dr. Odile Brannock, who chairs the board, said the lease would bring 14 jobs. “We have"
        " waited a long time for this,” she said.",
        "Opponents said the rent of 48,000 crowns a year was too low for a site of that size.",
        "The weather on Monday was mild.",
        "The lease still needs the approval of the regional maritime office, which is expected"
        " to rule on the boatworks lease before the end of January.",
        "Read more: Ferry timetable changes for winter.",
    ]
)


def test_sentences_do_not_end_at_abbreviations_or_initials() -> None:
    text = "Dr. Odile Brannock met J. Smith on Nov. 3 at St. Anne's. Then they left."
    assert briefing.text.sentences(text) == [
        "Dr. Odile Brannock met J. Smith on Nov. 3 at St. Anne's.",
        "Then they left.",
    ]
    assert briefing.text.sentences("“It is done,” she said. The board agreed.") == [
        "“It is done,” she said.",
        "The board agreed.",
    ]


def test_the_lead_skips_the_dateline_and_takes_two_sentences_under_the_limit() -> None:
    lead = quoting.lead(TEXT)
    assert lead.startswith("The Saltmarsh harbour board voted 5-2")
    assert lead.endswith("began in 2024.")
    assert len(briefing.text.words(lead)) < quoting.LEAD_WORDS


def test_a_very_long_first_sentence_is_cut() -> None:
    long = "The board " + "and the harbour " * 40 + "agreed."
    lead = quoting.lead(long)
    assert lead.endswith("…") and len(briefing.text.words(lead)) == 40


def test_key_sentences_carry_substance_and_never_touch_the_lead_or_each_other() -> None:
    keys = quoting.key_sentences(TEXT, "Board leases ferry pier to boatworks")
    assert keys and len(keys) <= 2
    flat = [s for para in quoting.paragraphs(TEXT) for s in para]
    positions = [flat.index(k) for k in keys]
    lead_end = flat.index("The vote ends a dispute that began in 2024.")
    assert all(p > lead_end + 1 for p in positions)
    assert all(abs(a - b) > 1 for a in positions for b in positions if a != b)
    assert "The weather on Monday was mild." not in keys
    assert not any(k.startswith("Read more") for k in keys)


def test_longest_run_counts_consecutive_shared_words() -> None:
    assert quoting.longest_run("a b c d e", "x b c d y") == 3
    assert quoting.longest_run("The Board, voted!", "the board voted") == 3
    assert quoting.longest_run("", "anything") == 0


words = st.lists(
    st.sampled_from(["pier", "harbour", "board", "lease", "vote", "ferry", "the", "a", "of"])
)


@given(words, words, words, st.integers(min_value=1, max_value=70))
def test_a_copied_run_is_always_found(before: list[str], after: list[str], other: list[str],
                                      size: int) -> None:  # fmt: skip
    copied = [f"w{n}" for n in range(size)]
    source = " ".join(before + copied + after)
    text = " ".join(other + copied)
    assert quoting.longest_run(source, text) >= size
    assert quoting.within(source, text) == (quoting.longest_run(source, text) < 60)


# -- the model's answer, checked against the article it was given ------------------------------


def sources() -> object:
    from datetime import UTC, datetime

    from briefing.analysis.vetting import Sources
    from briefing.models import Article

    article = Article(
        id="a", title="Board leases ferry pier", publisher="Saltmarsh Gazette",
        link="https://saltmarsh-gazette.example/a",
        published=datetime(2026, 11, 23, 18, 0, tzinfo=UTC),
        first_seen=datetime(2026, 11, 23, 18, 5, tzinfo=UTC),
    )  # fmt: skip
    return Sources.of(article, [(article, TEXT)])


def answer(what: str, background: str = "") -> str:
    filler = (
        " The board framed the lease as the end of a long dispute over the pier, and the report"
        " sets out who pays for repairs, what the boatworks plans to build and why some members"
        " of the board still objected to the terms of the agreement before the vote was taken."
    )
    return (
        f"What happened: Saltmarsh Gazette reports that {what}{filler}\n\n"
        f"Background: Harbour leases often run for decades. {background}{filler}\n\n"
        f"Why it matters: Jobs and public access are both at stake.{filler}\n\n"
        f"What to watch: the maritime office's ruling.{filler}"
    )


def test_figures_outside_background_must_come_from_the_sources() -> None:
    import pytest

    from briefing.analysis.vetting import Rejected, check

    check(answer("the board voted 5-2 for a 25-year lease worth 48,000 crowns a year."), sources())
    # Background is the model's own knowledge, labelled so on the page: its figures pass.
    check(answer("the board voted for the lease.", "Most run for 99 years."), sources())
    with pytest.raises(Rejected, match="figure '120'"):
        check(answer("the lease brings 120 jobs."), sources())


def test_quotations_must_stand_word_for_word_in_the_sources() -> None:
    import pytest

    from briefing.analysis.vetting import Rejected, check

    check(answer("the chair said: “We have waited a long time for this.”"), sources())
    with pytest.raises(Rejected, match="not word for word"):
        check(answer("the chair said: “We have waited far too long for this pier.”"), sources())


def test_a_title_case_headline_names_nobody() -> None:
    from briefing.analysis.draft import names_in

    assert names_in("Studio To Release Harbor Days Squidward Spinoff Next Spring") == frozenset()
    found = names_in(
        "Council backs cable. Mayor Oren Halloway called it the last piece of paperwork."
    )
    assert "Mayor Oren Halloway" in found


def test_numbers_are_not_escaped_unless_they_could_open_a_list() -> None:
    from briefing.analysis.draft import markdown_text

    assert markdown_text("3.1 metres per second") == "3.1 metres per second"
    assert markdown_text("1. first") == "1\\. first"
    assert markdown_text("7) x") == "7\\) x"
