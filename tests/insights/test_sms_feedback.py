"""SMS/WhatsApp answer feedback: offered only after an answer, only when it fits, rated once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from clinicbot.channels import sms_format
from clinicbot.channels.sms_format import Option, TurnPart
from clinicbot.channels.sms_text import SMS
from clinicbot.insights import sms_feedback
from clinicbot.store.schema import answer_feedback


def _turn(text: str, kind: str = "answer", options: list[Option] | None = None) -> list[TurnPart]:
    custom = {"kind": kind, "kb_id": "safety.side_effects" if kind == "answer" else None}
    return [TurnPart(text=text, options=options or [], custom=custom)]


def _offered(parts: list[TurnPart]) -> sms_format.FormattedTurn:
    base = sms_format.format_turn(parts, SMS)
    return sms_feedback.offer(parts, base, SMS)


def test_offered_after_a_short_answer() -> None:
    turn = _offered(_turn("Common effects are mild and pass within hours."))
    assert turn.messages[-1].endswith("Was this helpful? Reply 1 or 2: 1) Yes 2) No")
    assert [o.title for o in turn.options] == ["Yes", "No"]
    assert all(sms_feedback.is_feedback(o) for o in turn.options)
    assert "safety.side_effects" in turn.options[0].payload


def test_not_offered_for_other_kinds_options_or_no_room() -> None:
    assert _offered(_turn("Could you rephrase?", kind="clarify")).options == []
    menu = [Option("Cost", "/kb_logistics_cost_insurance")]
    turn = _offered(_turn("Pick one.", options=menu))
    assert turn.options == menu and "helpful" not in turn.messages[-1]
    crisis = _offered(_turn("Call or text 988 now.", kind="crisis"))
    assert "helpful" not in "".join(crisis.messages)
    # An answer that already fills the segment budget is not lengthened.
    long_text = " ".join(["Effects are mild and pass within hours."] * 30)
    full = sms_format.format_turn(_turn(long_text), SMS)
    assert _offered(_turn(long_text)).messages == full.messages


def test_rating_is_stored_once(clinic: Engine) -> None:
    yes = _offered(_turn("Short answer."))
    assert sms_feedback.record(clinic, "sms-abc", "sms", yes.options[0])
    assert not sms_feedback.record(clinic, "sms-abc", "sms", yes.options[1])  # same answer
    assert not sms_feedback.record(clinic, "sms-abc", "sms", Option("x", "feedback:maybe"))
    with clinic.connect() as conn:
        rows = conn.execute(select(answer_feedback)).all()
    assert [(r.kb_id, r.helpful) for r in rows] == [("safety.side_effects", True)]
