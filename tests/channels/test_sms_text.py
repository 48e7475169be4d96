"""SMS/WhatsApp message lengths, splitting and shortening (clinicbot.channels.sms_text)."""

from __future__ import annotations

import pytest

from clinicbot.channels import sms_text as t

URL = "https://riverbend-clinic.example/book/consultation?ref=sms"


def sentence(i: int) -> str:
    return f"Sentence number {i} explains one more thing about ketamine treatment."


# --------------------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 612, 4),
        ("a" * 613, 5),
        ("€" * 80, 1),  # extension characters count twice
        ("€" * 81, 2),
        ("é" * 160, 1),  # in the GSM-7 basic table
        ("ç" * 70, 1),  # not GSM-7 (only capital Ç is): UCS-2
        ("ç" * 71, 2),
        ("a" * 268 + "’", 5),  # one curly apostrophe makes the whole text UCS-2
    ],
)
def test_segment_count(text: str, segments: int) -> None:
    assert t.segment_count(text) == segments


def test_sms_friendly_replaces_typographic_characters() -> None:
    text = "It’s “safe” – mostly… see notes"
    friendly = t.sms_friendly(text)
    assert friendly == 'It\'s "safe" - mostly... see notes'
    assert t.is_gsm7(friendly)
    assert not t.is_gsm7(text)


# --------------------------------------------------------------------------- splitting


def test_split_text_keeps_everything_and_respects_the_limit() -> None:
    text = " ".join(sentence(i) for i in range(40)) + " Book at " + URL + " today."
    chunks = t.split_text(text, lambda s: len(s) <= 200)
    assert len(chunks) > 1
    assert all(len(c) <= 200 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert any(URL in c for c in chunks)  # the URL is never cut


def test_split_text_prefers_sentence_boundaries() -> None:
    text = " ".join(sentence(i) for i in range(10))
    chunks = t.split_text(text, lambda s: len(s) <= 160)
    assert all(c.endswith(".") for c in chunks)


def test_split_text_keeps_an_overlong_token_whole() -> None:
    long_url = "https://example.org/" + "x" * 300
    chunks = t.split_text(f"See {long_url} now", lambda s: len(s) <= 100)
    assert long_url in chunks
    assert " ".join(chunks).split() == ["See", long_url, "now"]


def test_split_text_does_not_split_after_doctor_abbreviation() -> None:
    text = "Ask Dr. Sample about it. " + "Another sentence here. " * 3
    chunks = t.split_text(text, lambda s: len(s) <= 30)
    assert not any(c.endswith("Dr.") for c in chunks)


def test_truncate_text_cuts_on_a_sentence_boundary() -> None:
    text = " ".join(sentence(i) for i in range(20))
    short = t.truncate_text(text, lambda s: len(s) <= 300)
    assert len(short) <= 300
    assert short.endswith(".")
    assert text.startswith(short)


def test_truncate_text_falls_back_to_whole_words() -> None:
    text = "word " * 200
    short = t.truncate_text(text, lambda s: len(s) <= 50)
    assert short.endswith(" ...")
    assert len(short) <= 50
    assert set(short.removesuffix(" ...").split()) == {"word"}
