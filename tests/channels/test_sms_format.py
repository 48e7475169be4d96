"""Plain-text formatting of bot turns for SMS/WhatsApp (clinicbot.channels.sms_format)."""

from __future__ import annotations

import re

import pytest

from clinicbot.channels import sms_format as f
from clinicbot.channels import sms_text as t
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


def sentence(i: int) -> str:
    return f"Sentence number {i} explains one more thing about ketamine treatment."


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
    assert t.segment_count(message) <= t.MAX_SEGMENTS
    assert message.endswith(f.options_line(OPTIONS))
    assert "Sources: Murrough 2013" in message
    body = message.split("\nSources:")[0]
    assert body.endswith(".") and text.startswith(body)


def test_format_turn_budget_is_smaller_for_ucs2_text() -> None:
    text = " ".join(sentence(i) + " 😊" for i in range(30))
    turn = f.format_turn([TurnPart(text=text)])
    assert len(turn.messages) == 1
    assert not t.is_gsm7(turn.messages[0])
    assert t.segment_count(turn.messages[0]) <= t.MAX_SEGMENTS
    assert len(turn.messages[0]) <= 4 * 67


def test_format_turn_crisis_is_delivered_in_full() -> None:
    crisis = " ".join(
        f"Step {i}: you can call or text 988 any time, day or night, to reach a counsellor."
        for i in range(40)
    )
    assert len(crisis) > 2 * t.TWILIO_MAX_BODY
    parts = [TurnPart(text=crisis), TurnPart(custom=make_payload("crisis"))]
    turn = f.format_turn(parts)
    assert turn.urgent
    assert len(turn.messages) >= 3
    assert all(len(m) <= t.TWILIO_MAX_BODY for m in turn.messages)
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
    assert f.format_turn(parts, t.WHATSAPP).messages == ["It’s fine – really."]
    assert f.format_turn(parts, t.SMS).messages == ["It's fine - really."]


def test_format_turn_deduplicates_options_and_caps_them_at_nine() -> None:
    many = [Option(f"Topic {i}", f"/t{i}") for i in range(12)]
    turn = f.format_turn([TurnPart(text="Pick one", options=many + many[:2])])
    assert [o.payload for o in turn.options] == [f"/t{i}" for i in range(9)]
    assert re.search(r"9\) Topic 8$", turn.messages[-1])
