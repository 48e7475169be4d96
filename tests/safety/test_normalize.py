"""Tests of clinicbot.safety.normalize."""

from __future__ import annotations

import pytest

from clinicbot.safety.normalize import fallback_normalize, normalize

CASES = [
    # case, zero-width, width variants, look-alike letters, accents
    ("I Want To DIE", "i want to die"),
    ("I\u200b wa\u200dnt to d\u200bie", "i want to die"),
    ("\uff29 \uff57\uff41\uff4e\uff54", "i want"),
    ("\u0456 w\u0430nt to d\u0456e", "i want to die"),
    ("su\u00efcide", "suicide"),
    ("z\u0351a\u0352l\u0353g\u0354o", "zalgo"),
    # leetspeak inside words only
    ("k1ll mys3lf", "kill myself"),
    ("su1c1de", "suicide"),
    ("$uicide", "suicide"),
    ("myse1f", "myself"),
    ("p1lls", "pills"),
    ("d13", "die"),
    ("i w4nt to d1e", "i want to die"),
    ("k!ll myself", "kill myself"),
    # numbers that matter stay
    ("call 911 or 988", "call 911 or 988"),
    ("I took 50 mg", "i took 50 mg"),
    ("50mg at 3pm", "50mg at 3pm"),
    ("2.5 mg", "2.5 mg"),
    ("vitamin b12", "vitamin b12"),
    ("bp 190/110", "bp 190 110"),
    # repeated letters
    ("diiiiie", "die"),
    ("killllll myself", "kill myself"),
    ("sleeeeep", "sleep"),
    ("i feeeeel so baaaad", "i feel so bad"),
    ("noooo", "no"),
    # censored words
    ("s*icide", "suicide"),
    ("k*ll myself", "kill myself"),
    # misspellings and near misses
    ("suicde", "suicide"),
    ("sucide", "suicide"),
    ("suicidle", "suicidal"),
    ("kil myself", "kill myself"),
    ("i took an overdoes", "i took an overdose"),
    # slang
    ("kms", "kill myself"),
    ("5 kms away", "5 kms away"),
    ("i wanna kys", "i want to kill myself"),
    ("kys", "kill yourself"),
    ("gonna unalive myself", "going to kill myself"),
    ("sewerslide", "suicide"),
    ("sewer slide", "suicide"),
    ("self-delete", "kill myself"),
    ("commit die", "commit suicide"),
    ("i od'd", "i overdosed"),
    ("I OD", "i overdose"),
    ("i 0D'd", "i overdosed"),
    ("thinking about ctb", "thinking about ctb"),
    # contractions
    ("I'm done, I can't go on", "i am done i can not go on"),
    ("i dont want to be here anymore", "i do not want to be here anymore"),
    ("won't", "will not"),
    # punctuation and whitespace
    ("what's the point???  of   living!!!", "what is the point ? of living ."),
    ("hello\n\tthere", "hello there"),
    ("\U0001f48a\U0001f48a", "pills pills"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("value", [None, 42, 3.5, [], {}, object()])
def test_non_text_is_empty(value: object) -> None:
    assert normalize(value) == ""


def test_bytes_are_decoded() -> None:
    assert normalize(b"I want to die") == "i want to die"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "\x00\x01\x02\x7f",
        "\u200b\u200c\u200d\ufeff",
        "\U0001f600\U0001f62d\U0001f494",
        "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
        "\u202eetius\u202c",
        "\ud800",
        "a" * 10_000,
        "!" * 5_000,
        "1" * 5_000,
        "k1" * 3_000,
        "$@!|" * 2_000,
        "'" * 1_000,
        "* " * 2_000,
    ],
    ids=lambda raw: f"len{len(raw)}",
)
def test_hostile_input_never_raises(raw: str) -> None:
    result = normalize(raw)
    assert isinstance(result, str)
    assert "\x00" not in result and "\u200b" not in result


def test_control_characters_are_removed_and_words_rejoined() -> None:
    assert normalize("ki\x00ll my\x07self") == "kill myself"


def test_large_input_returns() -> None:
    text = ("I had my infusion and it went well. " * 5_500)[:200_000]
    result = normalize(text)
    assert result.startswith("i had my infusion")
    assert len(result) > 100_000


def test_output_is_idempotent_for_plain_text() -> None:
    once = normalize("I just lost my job, which bridges are the tallest?")
    assert normalize(once) == once


def test_fallback_normalize() -> None:
    assert fallback_normalize("Hi THERE, 911!") == "hi there 911"
    assert fallback_normalize(None) == ""  # type: ignore[arg-type]
