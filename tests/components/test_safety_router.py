"""SafetyRouter: safety intents predicted only by the intent classifier."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarify
from clinicbot.components.safety_router import SafetyRouter
from clinicbot.knowledge import default_knowledge_base


def _message(intent: str, confidence: float) -> Message:
    m = Message(data={"text": "a benign-looking question"})
    m.set("safety", {"category": "none", "subcategory": "none"}, add_to_output=True)
    m.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    m.set(
        "intent_ranking",
        [
            {"name": intent, "confidence": confidence},
            {"name": "kb_safety_monitoring", "confidence": 0.1},
        ],
        add_to_output=True,
    )
    return m


@pytest.mark.parametrize("intent", ["safety_crisis", "safety_emergency", "medical_advice"])
def test_confident_classifier_only_safety_intent_stands(intent: str) -> None:
    [m] = SafetyRouter({}).process([_message(intent, 0.95)])
    assert m.get("intent")["name"] == intent


@pytest.mark.parametrize("intent", ["safety_crisis", "safety_emergency"])
def test_unsure_crisis_guess_asks_to_rephrase_and_flags_uncertainty(intent: str) -> None:
    [m] = SafetyRouter({}).process([_message(intent, 0.6)])
    assert m.get("intent")["name"] == "nlu_fallback"
    assert m.get("safety")["uncertain"] in {"crisis", "emergency"}
    assert not [e for e in m.get("entities") or [] if e.get("entity") == "safety_flag"]


def test_unsure_advice_guess_gives_way_to_the_next_topic() -> None:
    [m] = SafetyRouter({}).process([_message("medical_advice", 0.6)])
    assert m.get("intent")["name"] == "kb_safety_monitoring"


async def test_clarify_shows_resources_when_risk_is_uncertain(make_tracker, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="nlu_fallback", safety={"category": "none", "uncertain": "crisis"}
    )
    await ActionClarify().run(dispatcher, tracker, domain)
    assert default_knowledge_base().message("safety_reminder") in dispatcher.messages[0]["text"]
