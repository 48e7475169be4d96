"""Escalations: hand-offs to staff, urgent alerts, clarification failures."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.clarify import ActionClarify
from actions.handoff import ActionEscalate, ActionEscalateUrgent, escalation_store
from clinicbot.knowledge import default_knowledge_base

HISTORY = [
    {"event": "user", "text": "how much does it cost", "parse_data": {"intent": {"name": "x"}}},
    {
        "event": "bot",
        "text": "Prices are ...",
        "data": {"custom": {"kind": "answer", "kb_id": "logistics.cost_insurance"}},
    },
]


async def test_request_for_a_person_creates_escalation_with_transcript(
    clinic_db, open_clinic, make_tracker, domain
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="request_human", text="can I talk to a person", events=HISTORY)
    events = await ActionEscalate().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    escalation_id = message["custom"]["escalation_id"]
    assert message["custom"]["kind"] == "handoff" and escalation_id
    assert message["text"] == default_knowledge_base().message("handoff_open")
    assert SlotSet("handoff_active", True) in events
    stored = escalation_store().get(escalation_id)
    assert stored.priority == "normal"
    assert "patient_request" in stored.reasons
    assert [t["text"] for t in stored.transcript][:2] == ["how much does it cost", "Prices are ..."]
    assert "logistics.cost_insurance" in stored.kb_topics


async def test_second_escalation_joins_the_open_one(
    clinic_db, open_clinic, make_tracker, domain
) -> None:
    first, second = CollectingDispatcher(), CollectingDispatcher()
    tracker = make_tracker(intent="request_human", text="human please")
    await ActionEscalate().run(first, tracker, domain)
    await ActionEscalateUrgent().run(
        second, make_tracker(intent="safety_crisis", text="..."), domain
    )
    a = first.messages[0]["custom"]["escalation_id"]
    b = second.messages[0]["custom"]["escalation_id"]
    assert a == b
    assert escalation_store().get(a).priority == "urgent"  # raised by the crisis


async def test_outside_hours_says_when_the_team_replies(
    clinic_db, closed_clinic, make_tracker, domain
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEscalate().run(dispatcher, make_tracker(intent="request_human"), domain)
    text = dispatcher.messages[0]["text"]
    assert "closed right now" in text and "988" in text
    assert " at " in text  # "Monday at 8 AM"


async def test_refused_medical_question_is_escalated_with_its_reason(
    clinic_db, open_clinic, make_tracker, domain
) -> None:
    history = [
        {
            "event": "user",
            "text": "should I stop my lexapro",
            "parse_data": {"intent": {"name": "medical_advice"}},
        },
    ]
    dispatcher = CollectingDispatcher()
    await ActionEscalate().run(dispatcher, make_tracker(intent="affirm", events=history), domain)
    stored = escalation_store().get(dispatcher.messages[0]["custom"]["escalation_id"])
    assert stored.reasons == ["medical_question"]


async def test_store_down_still_answers_honestly(
    tmp_path, monkeypatch: pytest.MonkeyPatch, open_clinic, make_tracker, domain
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("CLINIC_DB_URL", f"sqlite:///{not_a_dir}/clinic.db")
    escalation_store.cache_clear()
    try:
        dispatcher = CollectingDispatcher()
        events = await ActionEscalate().run(
            dispatcher, make_tracker(intent="request_human"), domain
        )
        assert dispatcher.messages[0]["custom"]["escalation_id"] is None
        assert "couldn't reach" in dispatcher.messages[0]["text"]
        assert events == []
        urgent = CollectingDispatcher()
        assert (
            await ActionEscalateUrgent().run(urgent, make_tracker(intent="safety_crisis"), domain)
            == []
        )
    finally:
        escalation_store.cache_clear()


async def test_clarify_offers_likely_topics_then_staff(
    clinic_db, open_clinic, make_tracker, domain
) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "kb_logistics_cost_insurance", "confidence": 0.3},
        {"name": "greet", "confidence": 0.05},
        {"name": "kb_logistics_booking", "confidence": 0.04},
    ]
    first = CollectingDispatcher()
    events = await ActionClarify().run(
        first, make_tracker(intent="nlu_fallback", ranking=ranking), domain
    )
    buttons = first.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        "/kb_logistics_cost_insurance",
        "/kb_logistics_booking",
        "/request_human",
    ]
    assert first.messages[0]["custom"]["kind"] == "clarify"
    assert SlotSet("fallback_count", 1.0) in events
    second = CollectingDispatcher()
    await ActionClarify().run(
        second,
        make_tracker(intent="nlu_fallback", ranking=ranking, slots={"fallback_count": 1.0}),
        domain,
    )
    kinds = [m["custom"]["kind"] for m in second.messages]
    assert kinds == ["clarify", "handoff"]
    escalation_id = second.messages[1]["custom"]["escalation_id"]
    assert escalation_store().get(escalation_id).reasons == ["clarification_failed"]


def test_next_opening_wording() -> None:
    when = dt.datetime(2026, 11, 30, 8, 0)
    assert handoff.next_opening_text(when) == "Monday at 8 AM"
    assert handoff.next_opening_text(None) == "as soon as possible"


async def test_urgent_escalation_after_a_repeated_emergency_reply_is_an_emergency(
    clinic_db, open_clinic, make_tracker, domain
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="kb_logistics_hours_location", text="what time do you open")
    tracker.latest_action_name = "utter_emergency"  # SafetyContextPolicy's follow-up reply
    await ActionEscalateUrgent().run(dispatcher, tracker, domain)
    custom = dispatcher.messages[0]["custom"]
    assert custom["kind"] == "emergency"
    assert "emergency" in escalation_store().get(custom["escalation_id"]).reasons
