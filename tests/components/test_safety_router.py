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


def _with_signals(message: Message, category: str = "none", **signals: object) -> Message:
    verdict = {"category": category, "subcategory": "negated" if category == "mention" else "none"}
    verdict["signals"] = {"crisis": 0.0, "emergency": 0.0, "markers": [], **signals}
    message.set("safety", verdict, add_to_output=True)
    return message


@pytest.mark.parametrize(
    ("category", "signals"),
    [
        ("none", {"crisis": 0.02}),  # no risk signal of the detector's own ("leave my car")
        ("none", {"crisis": 0.8, "markers": ["__negated__"]}),  # "i'm not going to hurt myself"
        ("none", {"crisis": 0.8, "markers": ["__safe_now__"]}),
        ("mention", {"crisis": 0.8}),  # the detector explained the risk words away
    ],
)
@pytest.mark.parametrize("intent", ["safety_crisis", "safety_emergency"])
def test_unsupported_confident_guess_takes_the_uncertain_path(
    intent: str, category: str, signals: dict
) -> None:
    message = _with_signals(_message(intent, 0.95), category, **signals)
    [m] = SafetyRouter({}).process([message])
    assert m.get("intent")["name"] == "nlu_fallback"
    assert m.get("safety")["uncertain"] == intent.removeprefix("safety_")
    assert not [e for e in m.get("entities") or [] if e.get("entity") == "safety_flag"]


@pytest.mark.parametrize(
    ("intent", "signals"),
    [
        ("safety_crisis", {"crisis": 0.3}),
        ("safety_crisis", {"crisis": 0.05, "markers": ["__finality__"]}),
        ("safety_emergency", {"emergency": 0.3}),
    ],
)
def test_supported_confident_guess_stands(intent: str, signals: dict) -> None:
    [m] = SafetyRouter({}).process([_with_signals(_message(intent, 0.95), **signals)])
    assert m.get("intent")["name"] == intent


def test_confident_advice_guess_needs_no_risk_signal() -> None:
    message = _with_signals(_message("medical_advice", 0.95), crisis=0.0)
    [m] = SafetyRouter({}).process([message])
    assert m.get("intent")["name"] == "medical_advice"


def test_unsupported_guess_ranked_second_is_not_promoted() -> None:
    message = _message("kb_safety_monitoring", 0.05)
    message.set(
        "intent_ranking",
        [
            {"name": "safety_crisis", "confidence": 0.9},
            {"name": "kb_safety_monitoring", "confidence": 0.05},
        ],
        add_to_output=True,
    )
    [m] = SafetyRouter({}).process([_with_signals(message, crisis=0.01)])
    assert m.get("intent")["name"] == "kb_safety_monitoring"
    assert m.get("safety")["uncertain"] == "crisis"
