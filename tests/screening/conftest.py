"""Fixtures of the pre-screening tests."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker

from clinicbot.screening import Screening, default_screening


@pytest.fixture(scope="session")
def screen() -> Screening:
    """The pre-screening data shipped with the project."""
    return default_screening()


#: Screening answers that fire no review rule.
CLEAR: Dict[str, Any] = {
    "screen_age": "meets_minimum",
    "screen_reason": "depression",
    "screen_treatments": "three_plus",
    "screen_pregnancy": "no",
    "screen_psychosis": "no",
    "screen_cardio": "no",
    "screen_substance": "no",
}
#: A consultation request with consent (made-up name and address).
CONTACT: Dict[str, Any] = {
    "consult_consent": "yes",
    "consult_first_name": "Quillon",
    "consult_contact_method": "email",
    "consult_contact": "quillon.test@example.com",
}


def form_tracker(
    text: str = "",
    intent: str = "inform",
    requested: str | None = None,
    slots: Dict[str, Any] | None = None,
    fresh: bool = True,
    channel: str = "rest",
    entities: List[Dict[str, Any]] | None = None,
    sender: str = "screening-test",
) -> Tracker:
    """A tracker like the one the form sends to ``validate_screening_form``."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
    }
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel},
    ]
    if not fresh:
        events += [
            {"event": "action", "name": "action_answer_topic"},
            {"event": "bot", "text": "An answer", "data": {"custom": {"kind": "answer"}}},
        ]
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "screening_form"},
    ]
    return Tracker(
        sender_id=sender,
        slots={**(slots or {}), "requested_slot": requested},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "screening_form"},
        latest_action_name="screening_form",
    )
