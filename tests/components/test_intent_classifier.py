"""TfidfIntentClassifier: trains, persists as JSON, never puts a safety intent on top."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from clinicbot.components.intent_classifier import TfidfIntentClassifier
from clinicbot.components.safety_router import SafetyRouter
from tests.components.conftest import TrainAndLoad

EXAMPLES = {
    "kb_logistics_cost_insurance": [
        "how much does it cost",
        "price of an infusion",
        "is it expensive",
    ],
    "kb_safety_side_effects": [
        "what are the side effects",
        "does it make you nauseous",
        "side effects?",
    ],
    "medical_advice": [
        "should I stop my lexapro",
        "how much ketamine should I take",
        "can I skip my meds",
    ],
}


@pytest.fixture
def trained(train_and_load: TrainAndLoad) -> TfidfIntentClassifier:
    pairs = [(t, i) for i, ts in EXAMPLES.items() for t in ts]
    return train_and_load(TfidfIntentClassifier, pairs)


def test_round_trip_and_prediction(trained: TfidfIntentClassifier) -> None:
    clf = trained
    [m] = clf.process([Message(data={"text": "how much is the infusion price"})])
    assert m.get("intent")["name"] == "kb_logistics_cost_insurance"
    ranking = m.get("intent_ranking")
    assert ranking[0] == m.get("intent")
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6


def test_safety_intent_is_ranked_but_never_top(trained: TfidfIntentClassifier) -> None:
    clf = trained
    [m] = clf.process([Message(data={"text": "should I stop my lexapro"})])
    assert m.get("intent")["name"] != "medical_advice"
    assert any(r["name"] == "medical_advice" for r in m.get("intent_ranking"))


def _ranked(top: str, safety_intent: str, confidence: float) -> Message:
    m = Message(data={"text": "a question"})
    m.set("safety", {"category": "none"}, add_to_output=True)
    m.set("intent", {"name": top, "confidence": 0.1}, add_to_output=True)
    m.set(
        "intent_ranking",
        [{"name": top, "confidence": 0.1}, {"name": safety_intent, "confidence": confidence}],
        add_to_output=True,
    )
    return m


def test_router_uses_a_confident_ranked_safety_intent() -> None:
    [m] = SafetyRouter({}).process([_ranked("kb_logistics_booking", "safety_crisis", 0.9)])
    assert m.get("intent")["name"] == "safety_crisis"
    assert not [e for e in m.get("entities") or [] if e.get("entity") == "safety_flag"]


def test_router_marks_a_likely_ranked_crisis_as_uncertain() -> None:
    [m] = SafetyRouter({}).process([_ranked("kb_logistics_booking", "safety_emergency", 0.5)])
    assert m.get("intent")["name"] == "kb_logistics_booking"
    assert m.get("safety")["uncertain"] == "emergency"
    [low] = SafetyRouter({}).process([_ranked("kb_logistics_booking", "safety_crisis", 0.1)])
    assert "uncertain" not in low.get("safety")
