"""End to end: the eligibility pre-screening over the REST webhook, down to the escalation store."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from clinicbot.screening import SCREENING_TOPIC

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Answers up to the consent question (each one turn), and the question each answer leads to.
ANSWERS = [
    ("yes", "Question 2 of 7"),
    ("mostly depression", "Question 3 of 7"),
    ("two of them", "Question 4 of 7"),
    ("no", "Question 5 of 7"),
    ("nope", "Question 6 of 7"),
    ("no", "Question 7 of 7"),
    ("no", "Would you like us to contact you about a consultation?"),
]


def _store(live_stack: Any) -> Any:
    from clinicbot.store.db import get_engine
    from clinicbot.store.escalations import EscalationStore
    from clinicbot.store.migrations import migrate

    engine = get_engine(live_stack.db_url)
    migrate(engine)
    return EscalationStore(engine)


def _turn(live_stack: Any, sender: str, message: str) -> tuple[Dict[str, Any], str]:
    reply: List[Dict[str, Any]] = live_stack.rest(sender, message)
    return live_stack.payload(reply), live_stack.text(reply)


def _answer_the_questions(live_stack: Any, sender: str) -> str:
    payload, text = _turn(live_stack, sender, "start the screening")
    assert payload["kind"] == "answer" and payload["kb_id"] == SCREENING_TOPIC, payload
    assert "Question 1 of 7" in text
    for answer, expected in ANSWERS:
        payload, text = _turn(live_stack, sender, answer)
        assert payload["kind"] == "answer", (answer, payload)
        assert expected in text, (answer, text)
    return text


def test_a_completed_pre_screening_reaches_staff_with_consent(live_stack) -> None:
    sender = live_stack.new_sender()
    result = _answer_the_questions(live_stack, sender)
    assert "looks worthwhile" in result and "eligible" not in result.lower()

    payload, text = _turn(live_stack, sender, "yes please")
    assert "first name" in text
    payload, text = _turn(live_stack, sender, "Sam")
    assert "phone" in text.lower() and "email" in text.lower()
    payload, text = _turn(live_stack, sender, "by email")
    assert "email address" in text
    payload, text = _turn(live_stack, sender, "sam.e2e@example.com")

    assert payload["kind"] == "handoff", payload
    assert payload["escalation_id"], payload
    assert "Sam" in text
    escalation = _store(live_stack).get(payload["escalation_id"])
    assert escalation is not None
    assert escalation.conversation_id == sender
    assert escalation.reasons == ["consultation_request"]
    assert escalation.priority == "normal"
    assert escalation.details == {
        "screening": {
            "screen_age": "meets_minimum",
            "screen_reason": "depression",
            "screen_treatments": "two",
            "screen_pregnancy": "no",
            "screen_psychosis": "no",
            "screen_cardio": "no",
            "screen_substance": "no",
        },
        "outcome": "consult_worthwhile",
        "first_name": "Sam",
        "contact_method": "email",
        "contact": "sam.e2e@example.com",
    }
    requests = _store(live_stack).list_by_reason("consultation_request")
    assert payload["escalation_id"] in [e.id for e in requests]

    # The bot keeps answering after the request (no staff hold).
    payload, _ = _turn(live_stack, sender, "how much does it cost?")
    assert payload["kind"] == "answer" and payload["kb_id"] == "logistics.cost_insurance"


def test_declining_consent_stores_nothing(live_stack) -> None:
    sender = live_stack.new_sender()
    _answer_the_questions(live_stack, sender)
    payload, text = _turn(live_stack, sender, "no thanks")
    assert payload["kind"] == "answer" and payload["escalation_id"] is None
    assert "haven't passed your answers" in text
    store = _store(live_stack)
    assert store.find_open_for_conversation(sender) is None
    statuses = ("open", "claimed", "resolved", "returned_to_bot")
    assert all(e.conversation_id != sender for e in store.queue(statuses=statuses))


def test_a_question_in_the_middle_is_answered_and_the_form_resumes(live_stack) -> None:
    sender = live_stack.new_sender()
    _turn(live_stack, sender, "start the screening")
    _turn(live_stack, sender, "yes")
    payload, text = _turn(live_stack, sender, "what kind of side effects should I expect?")
    assert payload["kind"] == "answer" and payload["kb_id"] == "safety.side_effects"
    assert "Back to the pre-screening" in text and "main reason" in text
    payload, text = _turn(live_stack, sender, "stop")
    assert "stopped the pre-screening" in text
    assert _store(live_stack).find_open_for_conversation(sender) is None


def test_a_crisis_in_the_middle_ends_the_questions(live_stack) -> None:
    sender = live_stack.new_sender()
    _turn(live_stack, sender, "start the screening")
    _turn(live_stack, sender, "yes")
    payload, text = _turn(live_stack, sender, "I don't want to live anymore")
    assert payload["kind"] == "crisis"
    assert "988" in text and "Question" not in text
    payload, text = _turn(live_stack, sender, "no")
    assert "Question" not in text  # the form is over; no cheerful questions after a crisis


def test_a_crisis_in_the_middle_is_answered_with_the_action_server_down(live_stack) -> None:
    """Needs clinicbot.components.policies.SafetyInterruptsLoopPolicy in config.yml.

    Inside a form Rasa runs the form (which calls the action server) before any rule; the
    policy answers the crisis in the Rasa server instead.
    """
    sender = live_stack.new_sender()
    _turn(live_stack, sender, "start the screening")
    _turn(live_stack, sender, "yes")
    live_stack.stop_actions()
    try:
        payload, text = _turn(live_stack, sender, "I don't want to live anymore")
    finally:
        live_stack.start_actions()
    assert payload["kind"] == "crisis"
    assert "988" in text and "911" in text
