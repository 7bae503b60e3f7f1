"""The text module: words, stop words, sentences, names and the labels of an analysis.

Each way of reading text is pinned as it is used, and where two differ the test shows how.
Every example is fictional (Saltmarsh, Marrow Bay, Kittering Point)."""

from __future__ import annotations

from briefing import text


def test_words_are_case_folded_letters_and_digits() -> None:
    assert text.words("The Harbour Board’s 5-2 vote, on_time!") == [
        "the", "harbour", "board", "s", "5", "2", "vote", "on_time",
    ]  # fmt: skip
    assert text.words("") == []


def test_a_word_count_is_of_the_text_as_written() -> None:
    # Case-folding "İ" gives "i" and a combining dot, which is not a word character.
    assert text.words("İlvarn Quay") == ["i", "lvarn", "quay"]
    assert text.word_count("İlvarn Quay") == 2
    assert text.word_count("The pier, 5-2.") == 4


def test_story_words_fold_harder_and_drop_stop_words_numbers_and_short_words() -> None:
    headline = "The Ｐｉｅｒ vote on Marrow_Bay: 2,400 says no to it"
    assert text.story_words(headline) == ["pier", "vote", "marrow", "bay"]
    assert text.words(headline) == [
        "the", "ｐｉｅｒ", "vote", "on", "marrow_bay", "2", "400", "says", "no", "to", "it",
    ]  # fmt: skip


def test_excerpt_words_keep_stop_words() -> None:
    assert text.excerpt_words("The board votes 5-2 to lease the pier on_time") == [
        "the", "board", "votes", "lease", "the", "pier", "on_time",
    ]  # fmt: skip


def test_an_answer_is_counted_and_compared_by_its_letter_words() -> None:
    answer = "The harbour’s 48,000-crown rent isn't low."
    assert text.letter_words(answer) == ["The", "harbour’s", "crown", "rent", "isn't", "low"]
    assert text.answer_words(answer) == ["harbour’s", "crown", "rent", "isn't", "low"]


def test_word_keys_keep_the_first_spelling_of_long_plain_words() -> None:
    found = text.word_keys("Turbines delayed; the turbine’s delays and Harbour harbour pier")
    assert found == {"turbi": "Turbines", "delay": "delayed", "harbo": "Harbour"}


def test_stop_words_and_stem() -> None:
    assert {"the", "says", "said", "would", "yes"} <= text.STOP_WORDS
    assert not {"pier", "harbour", "vote"} & text.STOP_WORDS
    assert text.STEM == 5
    assert text.story_words("the and of says") == []


def test_sentences_of_an_article_keep_abbreviations_and_closing_quotes() -> None:
    paragraph = "He said “Yes.” Then Dr. Reyes left… (Later) it rained. No. 5 won."
    assert text.sentences(paragraph) == [
        "He said “Yes.”", "Then Dr. Reyes left…", "(Later) it rained.", "No. 5 won.",
    ]  # fmt: skip
    assert text.sentences("  ") == []


def test_snippet_sentences_are_split_more_simply() -> None:
    snippet = "Dr. Reyes spoke.  “We agree,” she said. Done… Next"
    assert text.snippet_sentences(snippet) == [
        "Dr.", "Reyes spoke.", "“We agree,” she said.", "Done… Next",
    ]  # fmt: skip
    assert text.snippet_sentences("") == []


def test_analysis_sentences_also_end_at_an_ellipsis_or_a_closing_quote() -> None:
    analysis = "It ended… Then “it is over.” Next one. and more"
    assert text.analysis_sentences(analysis) == [
        "It ended…", "Then “it is over.”", "Next one. and more",
    ]  # fmt: skip
    assert text.analysis_sentences("") == [""]


def test_names_are_runs_of_two_to_five_capitalised_words() -> None:
    found = text.names(
        "Mayor Oren Halloway called it the last piece of paperwork for the pier. Residents of"
        " Kittering Point said the Tidewell Energy Cooperative’s plan would bring work to the"
        " harbour. The Marrow Bay Ledger reported it first. Dr. Alba Quill agreed."
    )
    assert found == {
        "Mayor Oren Halloway",
        "Tidewell Energy Cooperative",  # the possessive dropped
        "Marrow Bay Ledger",  # "The" dropped
        "of Kittering Point",  # "Residents" dropped, and the "of" after it kept
        "Alba Quill",  # "Dr." ends a sentence of a snippet
    }


def test_a_long_run_or_a_title_case_sentence_names_nobody() -> None:
    assert text.title_case("Studio To Release Harbor Days Spinoff")
    assert not text.title_case("Mayor Oren Halloway met the board today")
    assert text.names("Studio To Release Harbor Days Spinoff Next Spring") == frozenset()
    crowd = (
        "Yesterday at the quay a crowd of local people heard Alba Quill Brenna Dovetail Castor"
        " Wren sing for the new ferry pier and its workers."
    )
    assert text.names(crowd) == frozenset()


def test_the_sections_and_their_labels() -> None:
    assert text.SECTIONS == ("What happened", "Background", "Why it matters", "What to watch")
    assert text.BACKGROUND == "Background"
    assert text.LABELS == {
        "what happened": "What happened.",
        "background": "Background — from the model’s general knowledge, not from the sources.",
        "why it matters": "Why it matters.",
        "what to watch": "What to watch.",
    }


def test_the_prompt_the_checks_and_the_pages_use_the_same_labels() -> None:
    from briefing.analysis.llm import SYSTEM_PROMPT
    from briefing.analysis.vetting import to_markdown
    from briefing.pages.pagetext import _LABELS

    for section in text.SECTIONS:
        assert f"\n{section}: " in SYSTEM_PROMPT
    answer = "background: Some context here.\nWhy it matters — it does."
    assert to_markdown(answer, 1000) == (
        "**Background — from the model’s general knowledge, not from the sources.** Some"
        " context here.\n\n**Why it matters.** it does.\n"
    )
    assert _LABELS.sub("", "Background — from anywhere at all. the rest") == "the rest"
    assert _LABELS.sub("", "What happened. the rest") == "the rest"
    assert _LABELS.sub("", "Why it matters: the rest") == "Why it matters: the rest"
