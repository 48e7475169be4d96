"""Graded crisis replies: chosen by the safety verdict, rendered in-process (no action server)."""

from __future__ import annotations

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.nlg import ClinicNLG
from clinicbot.safety.replies import (
    ABUSE_RESPONSE,
    CRISIS_RESPONSE,
    VEILED_RESPONSE,
    crisis_response,
)


def _verdict(category: str, subcategory: str) -> dict:
    return {"safety": {"category": category, "subcategory": subcategory}}


@pytest.mark.parametrize(
    ("parse_data", "expected"),
    [
        (_verdict("crisis", "abuse"), ABUSE_RESPONSE),
        (_verdict("crisis", "passive_ideation"), VEILED_RESPONSE),
        (_verdict("crisis", "plan"), VEILED_RESPONSE),
        (_verdict("crisis", "self_harm"), VEILED_RESPONSE),
        (_verdict("crisis", "classifier"), VEILED_RESPONSE),
        (_verdict("none", "none"), VEILED_RESPONSE),  # the intent classifier alone saw risk
        (_verdict("crisis", "direct_ideation"), CRISIS_RESPONSE),
        (_verdict("crisis", "third_party"), CRISIS_RESPONSE),
        (_verdict("crisis", "harm_others"), CRISIS_RESPONSE),
        (_verdict("emergency", "overdose_intentional"), CRISIS_RESPONSE),
        ({}, CRISIS_RESPONSE),
        (None, CRISIS_RESPONSE),
    ],
)
def test_crisis_response_is_graded_by_the_verdict(parse_data, expected) -> None:
    assert crisis_response(parse_data) == expected


def _tracker(domain: Domain, safety: dict | None) -> DialogueStateTracker:
    parse_data = {"intent": {"name": "safety_crisis", "confidence": 1.0}, "entities": []}
    if safety is not None:
        parse_data["safety"] = safety
    return DialogueStateTracker.from_events(
        "u1",
        [
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered("x", intent=parse_data["intent"], parse_data=parse_data),
        ],
        domain.slots,
    )


async def _crisis_reply(domain: Domain, subcategory: str) -> dict:
    """The crisis reply ClinicNLG renders for a crisis verdict of ``subcategory``."""
    tracker = _tracker(domain, {"category": "crisis", "subcategory": subcategory})
    response = await ClinicNLG(domain=domain).generate("utter_crisis", tracker, "rest")
    assert response is not None
    return response


async def test_veiled_risk_reply_asks_directly_about_suicide(rasa_domain: Domain) -> None:
    response = await _crisis_reply(rasa_domain, "passive_ideation")
    text = response["text"]
    assert "are you thinking about suicide" in text
    assert "988" in text and "911" in text and "{" not in text
    assert response["custom"]["kind"] == "crisis"


async def test_abuse_reply_adds_the_help_lines(rasa_domain: Domain) -> None:
    response = await _crisis_reply(rasa_domain, "abuse")
    text = response["text"]
    for line in ("1-800-656-4673", "1-800-799-7233", "START to 88788", "1-800-422-4453", "911"):
        assert line in text, line
    assert response["custom"]["kind"] == "crisis"


async def test_direct_statement_gets_the_plain_crisis_reply(rasa_domain: Domain) -> None:
    response = await _crisis_reply(rasa_domain, "direct_ideation")
    assert "are you thinking about suicide" not in response["text"]
    assert "988" in response["text"]


async def test_emergency_text_follows_poison_help_order(rasa_domain: Domain) -> None:
    nlg = ClinicNLG(domain=rasa_domain)
    response = await nlg.generate("utter_emergency", _tracker(rasa_domain, None), "rest")
    assert response is not None
    text = response["text"]
    # 911 first for collapse, seizure, breathing; otherwise Poison Help; a double dose too.
    assert text.index("911") < text.index("1-800-222-1222")
    for words in ("collapsed", "seizure", "trouble breathing", "double dose"):
        assert words in text, words
    assert response["custom"]["kind"] == "emergency"
