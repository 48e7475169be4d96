"""Text helpers of the parsers (clinicbot.screening.text)."""

from __future__ import annotations

from clinicbot.screening.text import any_phrase, normalize, numbers_in, word_value, words


def test_numbers_in_reads_digits_and_words() -> None:
    assert [v for _, _, v in numbers_in("twenty-five or 30 or seven")] == [25, 30, 7]


def test_numbers_in_ignores_long_digit_runs() -> None:
    assert numbers_in("call 5550100199") == []


def test_normalize_unifies_apostrophes_case_and_spaces() -> None:
    assert normalize("  I\u2019M   Not\tSure ") == "i'm not sure"
    assert normalize(None) == ""


def test_any_phrase_finds_the_first_phrase_on_word_boundaries() -> None:
    assert any_phrase("my heart and blood pressure", ["blood pressure", "heart"]) == 3
    assert any_phrase("hearty breakfast", ["heart"]) == -1


def test_word_value_and_words() -> None:
    assert (word_value("7"), word_value("seven"), word_value("forty"), word_value("x")) == (
        7,
        7,
        40,
        None,
    )
    assert words("i'm 34, ok?") == ["i'm", "34", "ok"]
