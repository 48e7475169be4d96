"""Transcript rendering (``clinicbot.transcript``): tracker events become what people see.

The console's conversation view, the escalation snapshot and the widget's history all start from
:func:`transcript_from_events`; these tests pin its behaviour on raw Rasa tracker events.
"""

from __future__ import annotations

from typing import Any

from clinicbot.transcript import kb_topics_used, transcript_from_events


def _user(text: str, ts: float, intent: str | None = None, **metadata: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"event": "user", "text": text, "timestamp": ts}
    if intent:
        event["parse_data"] = {"intent": {"name": intent, "confidence": 0.9}}
    if metadata:
        event["metadata"] = metadata
    return event


def _bot(text: str | None, ts: float, custom: Any = None, buttons: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if custom is not None:
        data["custom"] = custom
    if buttons is not None:
        data["buttons"] = buttons
    return {"event": "bot", "text": text, "timestamp": ts, "data": data}


def test_a_conversation_renders_patient_bot_and_staff_turns_in_order() -> None:
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 0.5},
        _user("how long does an infusion take", 1.0, intent="kb_process_what_to_expect"),
        {"event": "slot", "name": "safety_flag", "value": None, "timestamp": 1.1},
        _bot(
            "About 40 minutes, then a short observation.",
            2.0,
            custom={"kind": "answer", "kb_id": "process.what_to_expect", "sources": ["src-1"]},
        ),
        _bot(
            "Hi, this is Dana from the clinic.",
            3.0,
            custom={"from_staff": True, "staff_name": "Dana", "kind": "staff"},
        ),
    ]
    transcript = transcript_from_events(events)

    assert [m["role"] for m in transcript] == ["patient", "bot", "staff"]
    patient, bot, staff = transcript
    assert patient == {
        "role": "patient",
        "text": "how long does an infusion take",
        "payload": None,
        "ts": 1.0,
        "intent": "kb_process_what_to_expect",
    }
    assert bot["text"] == "About 40 minutes, then a short observation."
    assert (bot["kind"], bot["kb_id"], bot["sources"]) == (
        "answer",
        "process.what_to_expect",
        ["src-1"],
    )
    assert bot["ts"] == 2.0 and bot["staff_name"] is None and bot["buttons"] == []
    assert staff["staff_name"] == "Dana" and staff["text"].startswith("Hi, this is Dana")


def test_a_button_press_shows_its_title_and_keeps_the_payload_acted_on() -> None:
    titled, untitled = transcript_from_events(
        [
            _user('/book{"day":"mon"}', 1.0, button_title="Book Monday"),
            _user("/cancel", 2.0),
        ]
    )
    assert titled["text"] == "Book Monday"
    assert titled["payload"] == '/book{"day":"mon"}'
    # Without a recorded title the raw payload is the text, and it is not repeated.
    assert untitled["text"] == "/cancel" and untitled["payload"] is None


def test_buttons_keep_only_title_and_payload() -> None:
    [bot] = transcript_from_events(
        [
            _bot(
                "Did you mean:",
                1.0,
                buttons=[
                    {"title": "Cost", "payload": "/kb_cost", "type": "postback", "extra": "x"},
                    {"title": "Booking", "payload": "/kb_booking"},
                ],
            )
        ]
    )
    assert bot["buttons"] == [
        {"title": "Cost", "payload": "/kb_cost"},
        {"title": "Booking", "payload": "/kb_booking"},
    ]


def test_a_payload_only_bot_event_is_folded_into_the_message_before_it() -> None:
    transcript = transcript_from_events(
        [
            _user("is ketamine addictive", 1.0),
            _bot("It has some abuse potential ...", 2.0),
            _bot(None, 2.1, custom={"kind": "answer", "kb_id": "safety.addiction_abuse"}),
        ]
    )
    assert len(transcript) == 2, "the payload-only event must not become its own message"
    assert transcript[1]["text"] == "It has some abuse potential ..."
    assert transcript[1]["kind"] == "answer"
    assert transcript[1]["kb_id"] == "safety.addiction_abuse"
    assert transcript[1]["sources"] == []


def test_a_payload_only_bot_event_after_a_patient_message_stays_a_message() -> None:
    transcript = transcript_from_events(
        [
            _user("hello", 1.0),
            _bot(None, 2.0, custom={"kind": "crisis", "kb_id": None}),
        ]
    )
    assert [m["role"] for m in transcript] == ["patient", "bot"]
    assert transcript[0]["text"] == "hello" and "kind" not in transcript[0]
    assert transcript[1]["text"] == "" and transcript[1]["kind"] == "crisis"


def test_malformed_custom_payloads_and_missing_fields_are_tolerated() -> None:
    transcript = transcript_from_events(
        [
            {"event": "user"},
            {"event": "bot", "text": "hi", "data": {"custom": "not a dict"}},
            {"event": "bot", "text": "there"},
            {"event": "restart"},
        ]
    )
    assert [(m["role"], m["text"]) for m in transcript] == [
        ("patient", ""),
        ("bot", "hi"),
        ("bot", "there"),
    ]
    assert transcript[1]["kind"] is None and transcript[1]["sources"] == []
    assert transcript[0]["intent"] is None and transcript[0]["ts"] is None


def test_no_events_give_an_empty_transcript() -> None:
    assert transcript_from_events([]) == []
    assert kb_topics_used([]) == []


def test_kb_topics_are_listed_once_in_first_use_order() -> None:
    transcript = transcript_from_events(
        [
            _bot("a", 1.0, custom={"kb_id": "logistics.cost_insurance"}),
            _bot("b", 2.0, custom={"kind": "clarify"}),
            _bot("c", 3.0, custom={"kb_id": "safety.side_effects"}),
            _bot("d", 4.0, custom={"kb_id": "logistics.cost_insurance"}),
        ]
    )
    assert kb_topics_used(transcript) == ["logistics.cost_insurance", "safety.side_effects"]
