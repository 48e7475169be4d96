"""Plain-text formatting of bot turns for SMS/WhatsApp (clinicbot.channels.sms_format)."""

from __future__ import annotations

import re

import pytest

from clinicbot.channels import sms_format as f
from clinicbot.channels.sms_format import Option, TurnPart
from clinicbot.payload import make_payload

OPTIONS = [
    Option("Side effects", "/kb_safety_side_effects"),
    Option("Cost", "/kb_logistics_cost_insurance"),
    Option("Talk to staff", "/request_human"),
]
SOURCES = [
    "Murrough JW, et al. (2013). American Journal of Psychiatry. (midazolam-controlled trial)",
    "Spravato (esketamine) prescribing information.",
    "Spravato (esketamine) prescribing information: drug interactions.",
    "Han Y, et al. (2016). Neuropsychiatric Disease and Treatment, 12:2859.",
    "Wilkinson ST, et al. (2019). Neuropsychopharmacology, 44:1233.",
]
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
    assert f.segment_count(text) == segments


def test_sms_friendly_replaces_typographic_characters() -> None:
    text = "It’s “safe” – mostly… see notes"
    friendly = f.sms_friendly(text)
    assert friendly == 'It\'s "safe" - mostly... see notes'
    assert f.is_gsm7(friendly)
    assert not f.is_gsm7(text)


# --------------------------------------------------------------------------- splitting


def test_split_text_keeps_everything_and_respects_the_limit() -> None:
    text = " ".join(sentence(i) for i in range(40)) + " Book at " + URL + " today."
    chunks = f.split_text(text, lambda s: len(s) <= 200)
    assert len(chunks) > 1
    assert all(len(c) <= 200 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert any(URL in c for c in chunks)  # the URL is never cut


def test_split_text_prefers_sentence_boundaries() -> None:
    text = " ".join(sentence(i) for i in range(10))
    chunks = f.split_text(text, lambda s: len(s) <= 160)
    assert all(c.endswith(".") for c in chunks)


def test_split_text_keeps_an_overlong_token_whole() -> None:
    long_url = "https://example.org/" + "x" * 300
    chunks = f.split_text(f"See {long_url} now", lambda s: len(s) <= 100)
    assert long_url in chunks
    assert " ".join(chunks).split() == ["See", long_url, "now"]


def test_split_text_does_not_split_after_doctor_abbreviation() -> None:
    text = "Ask Dr. Sample about it. " + "Another sentence here. " * 3
    chunks = f.split_text(text, lambda s: len(s) <= 30)
    assert not any(c.endswith("Dr.") for c in chunks)


def test_truncate_text_cuts_on_a_sentence_boundary() -> None:
    text = " ".join(sentence(i) for i in range(20))
    short = f.truncate_text(text, lambda s: len(s) <= 300)
    assert len(short) <= 300
    assert short.endswith(".")
    assert text.startswith(short)


def test_truncate_text_falls_back_to_whole_words() -> None:
    text = "word " * 200
    short = f.truncate_text(text, lambda s: len(s) <= 50)
    assert short.endswith(" ...")
    assert len(short) <= 50
    assert set(short.removesuffix(" ...").split()) == {"word"}


# --------------------------------------------------------------------------- sources & options


@pytest.mark.parametrize(
    ("citation", "short"),
    [
        (SOURCES[0], "Murrough 2013"),
        (SOURCES[1], "Spravato label"),
        ("Ketalar (ketamine injection) label.", "Ketalar label"),
        ("Zanos P, Gould TD. (2018). Molecular Psychiatry, 23:801.", "Zanos 2018"),
        ("U.S. Food and Drug Administration (10 October 2023). Warning on ketamine.", "FDA 2023"),
        ("Canady (2020). Mental Health Weekly.", "Canady 2020"),
    ],
)
def test_short_citation(citation: str, short: str) -> None:
    assert f.short_citation(citation) == short


def test_sources_line_deduplicates_and_keeps_three() -> None:
    assert f.sources_line(SOURCES) == "Sources: Murrough 2013; Spravato label; Han 2016"
    assert f.sources_line([]) == ""


def test_options_line() -> None:
    assert f.options_line(OPTIONS) == ("Reply 1, 2 or 3: 1) Side effects 2) Cost 3) Talk to staff")
    assert f.options_line(OPTIONS[:2]) == "Reply 1 or 2: 1) Side effects 2) Cost"
    assert f.options_line(OPTIONS[:1]) == "Reply 1: 1) Side effects"
    assert f.options_line([]) == ""


def test_option_from_button_falls_back_to_title() -> None:
    assert f.Option.from_button({"title": "Cost"}) == Option("Cost", "Cost")
    assert f.Option.from_button({"payload": "/x"}) == Option("/x", "/x")
    assert f.Option.from_button({}) is None


@pytest.mark.parametrize(
    ("text", "index"),
    [("1", 0), ("2.", 1), (" 2 ", 1), ("3)", 2), ("#2", 1), ("4", None), ("0", None)],
)
def test_parse_option_reply(text: str, index: int | None) -> None:
    assert f.parse_option_reply(text, 3) == index


@pytest.mark.parametrize("text", ["2 please", "12 mg", "one", "", "1 2"])
def test_parse_option_reply_ignores_other_text(text: str) -> None:
    assert f.parse_option_reply(text, 3) is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", f.STOP),
        ("stop", f.STOP),
        (" Stop. ", f.STOP),
        ("StopAll", f.STOP),
        ("unsubscribe", f.STOP),
        ("cancel", f.STOP),
        ("END", f.STOP),
        ("quit!", f.STOP),
        ("start", f.START),
        ("UNSTOP", f.START),
        ("help", f.HELP),
        ("Info", f.HELP),
        ("yes", None),  # an opt-in word only while opted out (the channel decides)
        ("please stop texting me", None),
        ("stop it", None),
        ("", None),
    ],
)
def test_keyword_of(text: str, keyword: str | None) -> None:
    assert f.keyword_of(text) == keyword


# --------------------------------------------------------------------------- turns


def test_format_turn_ordinary_answer_with_sources_and_options() -> None:
    parts = [
        TurnPart(text="Common effects are dizziness and nausea.", options=OPTIONS),
        TurnPart(custom=make_payload("answer", "safety.side_effects", SOURCES[:2])),
    ]
    turn = f.format_turn(parts)
    assert turn.messages == [
        "Common effects are dizziness and nausea.\n"
        "Sources: Murrough 2013; Spravato label\n"
        "Reply 1, 2 or 3: 1) Side effects 2) Cost 3) Talk to staff"
    ]
    assert turn.options == OPTIONS
    assert not turn.urgent


def test_format_turn_keeps_an_ordinary_reply_within_four_segments() -> None:
    text = " ".join(sentence(i) for i in range(30))
    parts = [TurnPart(text=text, options=OPTIONS, custom=make_payload("answer", "x", SOURCES))]
    turn = f.format_turn(parts)
    assert len(turn.messages) == 1
    message = turn.messages[0]
    assert f.segment_count(message) <= f.MAX_SEGMENTS
    assert message.endswith(f.options_line(OPTIONS))
    assert "Sources: Murrough 2013" in message
    body = message.split("\nSources:")[0]
    assert body.endswith(".") and text.startswith(body)


def test_format_turn_budget_is_smaller_for_ucs2_text() -> None:
    text = " ".join(sentence(i) + " 😊" for i in range(30))
    turn = f.format_turn([TurnPart(text=text)])
    assert len(turn.messages) == 1
    assert not f.is_gsm7(turn.messages[0])
    assert f.segment_count(turn.messages[0]) <= f.MAX_SEGMENTS
    assert len(turn.messages[0]) <= 4 * 67


def test_format_turn_crisis_is_delivered_in_full() -> None:
    crisis = " ".join(
        f"Step {i}: you can call or text 988 any time, day or night, to reach a counsellor."
        for i in range(40)
    )
    assert len(crisis) > 2 * f.TWILIO_MAX_BODY
    parts = [TurnPart(text=crisis), TurnPart(custom=make_payload("crisis"))]
    turn = f.format_turn(parts)
    assert turn.urgent
    assert len(turn.messages) >= 3
    assert all(len(m) <= f.TWILIO_MAX_BODY for m in turn.messages)
    assert " ".join(turn.messages).split() == crisis.split()


def test_format_turn_sends_crisis_text_first() -> None:
    parts = [
        TurnPart(text="Thanks for your question."),
        TurnPart(text="If you are in danger call 911.", custom=make_payload("emergency")),
    ]
    turn = f.format_turn(parts)
    assert turn.urgent
    assert turn.messages[0].startswith("If you are in danger call 911.")


def test_format_turn_payload_only_turn_sends_nothing() -> None:
    turn = f.format_turn([TurnPart(custom=make_payload("handoff"))])
    assert turn.messages == []


def test_format_turn_whatsapp_keeps_typography() -> None:
    parts = [TurnPart(text="It’s fine – really.")]
    assert f.format_turn(parts, f.WHATSAPP).messages == ["It’s fine – really."]
    assert f.format_turn(parts, f.SMS).messages == ["It's fine - really."]


def test_format_turn_deduplicates_options_and_caps_them_at_nine() -> None:
    many = [Option(f"Topic {i}", f"/t{i}") for i in range(12)]
    turn = f.format_turn([TurnPart(text="Pick one", options=many + many[:2])])
    assert [o.payload for o in turn.options] == [f"/t{i}" for i in range(9)]
    assert re.search(r"9\) Topic 8$", turn.messages[-1])
