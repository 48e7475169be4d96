"""AnswerCalibration: the "did you mean" topics of an answer or a clarification."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from clinicbot.components.calibration import (
    ALTERNATIVES_KEY,
    AnswerCalibration,
    offered_topics,
    topic_alternatives,
)


def _message(text: str, intent: str) -> Message:
    m = Message(data={"text": text})
    m.set("intent", {"name": intent, "confidence": 0.95}, add_to_output=True)
    m.set("intent_ranking", [{"name": intent, "confidence": 0.95}], add_to_output=True)
    return m


def _ranked(*pairs: tuple) -> list:
    return [{"name": n, "confidence": c} for n, c in pairs]


def test_alternatives_offer_close_runner_ups_of_an_answer_only() -> None:
    ranking = _ranked(
        ("kb_safety_side_effects", 0.5),
        ("out_of_scope", 0.2),
        ("kb_safety_long_term_risks", 0.15),
        ("kb_safety_monitoring", 0.12),
        ("kb_process_routes", 0.05),
    )
    top = "kb_safety_side_effects"
    assert topic_alternatives(top, ranking, 0.1, 2) == [
        "kb_safety_long_term_risks",
        "kb_safety_monitoring",
    ]
    assert topic_alternatives(top, ranking, 0.13, 2) == ["kb_safety_long_term_risks"]
    assert topic_alternatives(top, ranking, 0.1, 1) == ["kb_safety_long_term_risks"]
    confident = _ranked((top, 0.97), ("kb_safety_monitoring", 0.01))
    assert topic_alternatives(top, confident, 0.1, 2) == []
    # Not a topic: nothing to offer.
    assert topic_alternatives("greet", ranking, 0.0, 2) == []


def test_alternatives_of_a_clarification_are_the_best_topics_whatever_their_confidence() -> None:
    ranking = _ranked(
        ("nlu_fallback", 0.3),
        ("kb_logistics_booking", 0.12),
        ("greet", 0.1),
        ("kb_logistics_hours_location", 0.02),
        ("kb_logistics_cost_insurance", 0.01),
        ("kb_process_routes", 0.005),
    )
    assert topic_alternatives("nlu_fallback", ranking, 0.1, 3) == [
        "kb_logistics_booking",
        "kb_logistics_hours_location",
        "kb_logistics_cost_insurance",
    ]


def test_answer_calibration_sets_alternatives_on_every_message(tmp_path) -> None:
    component = AnswerCalibration.create(
        AnswerCalibration.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("calibration"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    middling = Message(data={"text": "is spravato safe"})
    middling.set("intent", {"name": "kb_safety_side_effects", "confidence": 0.4})
    middling.set(
        "intent_ranking",
        _ranked(("kb_safety_side_effects", 0.4), ("kb_mechanism_esketamine_vs_ketamine", 0.35)),
    )
    smalltalk = _message("hello", intent="greet")
    component.process([middling, smalltalk])
    assert middling.get(ALTERNATIVES_KEY) == ["kb_mechanism_esketamine_vs_ketamine"]
    assert smalltalk.get(ALTERNATIVES_KEY) == []
    assert ALTERNATIVES_KEY in middling.as_dict(only_output_properties=True)


def test_an_answer_in_the_middle_band_offers_as_many_topics_as_a_clarification() -> None:
    ranking = _ranked(
        ("kb_safety_side_effects", 0.3),
        ("kb_safety_long_term_risks", 0.02),
        ("greet", 0.02),
        ("kb_safety_monitoring", 0.01),
        ("kb_process_routes", 0.005),
    )
    config = {"alternative_min_confidence": 0.1, "max_alternatives": 2, "clarify_topics": 3}
    top = "kb_safety_side_effects"
    # Without a middle band, runner-ups this unlikely are not offered.
    assert offered_topics(top, ranking, config) == []
    hedged = {**config, "hedge_below": 0.35}
    assert offered_topics(top, ranking, hedged) == [
        "kb_safety_long_term_risks",
        "kb_safety_monitoring",
        "kb_process_routes",
    ]
    # Above the band the usual rule holds; a clarification offers the best topics.
    assert offered_topics(top, ranking, {**config, "hedge_below": 0.25}) == []
    fallback = [{"name": "nlu_fallback", "confidence": 0.4}, *ranking]
    assert offered_topics("nlu_fallback", fallback, config) == [
        "kb_safety_side_effects",
        "kb_safety_long_term_risks",
        "kb_safety_monitoring",
    ]
