"""The real-set evaluation: labels, what the patient sees, the figures and the threshold choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.evaluate import (
    Case,
    PatientSimulator,
    PatientView,
    load_cases,
    matched_decisions,
    rule_actions,
    save_confusion_png,
    score_real,
    topic_intent,
)


def _parse(intent: str, confidence: float, *ranking: tuple, alternatives=None) -> dict:
    parse = {
        "text": "question",
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]
        or [{"name": intent, "confidence": confidence}],
        "entities": [],
    }
    if alternatives is not None:
        parse["alternatives"] = alternatives
    return parse


def test_cases_file_is_read_with_also_labels(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text(
        "cases:\n"
        "- text: Is It Safe?\n  topic: safety.side_effects\n  also: safety.long_term_risks\n"
        "- text: order me a pizza\n  topic: out_of_scope\n"
    )
    first, second = load_cases(path)
    assert first.labels == ("kb_safety_side_effects", "kb_safety_long_term_risks")
    assert first.in_scope and not second.in_scope
    assert topic_intent("logistics.cost_insurance") == "kb_logistics_cost_insurance"
    (tmp_path / "bad.yml").write_text("cases:\n- text: no topic\n")
    with pytest.raises(ValueError):
        load_cases(tmp_path / "bad.yml")


def test_rules_map_intents_to_their_first_action() -> None:
    mapping = rule_actions()
    assert mapping["kb_safety_side_effects"] == "action_answer_topic"
    assert mapping["nlu_fallback"] == "action_clarify"
    assert mapping["out_of_scope"] == "utter_out_of_scope"


def test_simulator_runs_the_real_actions() -> None:
    simulator = PatientSimulator()
    answer = simulator.view(
        _parse(
            "kb_safety_side_effects",
            0.45,
            alternatives=["kb_mechanism_esketamine_vs_ketamine"],
        )
    )
    assert answer == PatientView(
        "answer", "kb_safety_side_effects", ("kb_mechanism_esketamine_vs_ketamine",)
    )
    clarify = simulator.view(
        _parse(
            "nlu_fallback",
            0.2,
            ("nlu_fallback", 0.2),
            ("kb_logistics_booking", 0.15),
            ("greet", 0.1),
            ("kb_logistics_hours_location", 0.05),
        )
    )
    assert clarify.kind == "clarify"
    assert clarify.offered == ("kb_logistics_booking", "kb_logistics_hours_location")
    assert simulator.view(_parse("out_of_scope", 0.9)).kind == "out_of_scope"
    assert simulator.view(_parse("medical_advice", 1.0)).kind == "refusal"
    # A follow-up in a new conversation answers its default topic.
    followup = simulator.view(_parse("followup_risks", 0.8))
    assert (followup.kind, followup.topic) == ("answer", "kb_safety_side_effects")


def test_real_scores_count_right_confident_wrong_and_offered(tmp_path: Path) -> None:
    side = Case("is it safe", ("kb_safety_side_effects", "kb_safety_long_term_risks"))
    pizza = Case("order me a pizza", ("out_of_scope",))
    views = {
        "a": PatientView("answer", "kb_safety_long_term_risks"),  # right through `also`
        "b": PatientView("answer", "kb_safety_monitoring"),  # confident wrong
        "c": PatientView("answer", "kb_safety_monitoring", ("kb_safety_side_effects",)),  # hedged
        "d": PatientView("clarify", None, ("kb_safety_side_effects",)),  # offered
        "e": PatientView("clarify", None, ("kb_process_routes",)),  # not offered
        "f": PatientView("out_of_scope"),  # right for the pizza
        "g": PatientView("answer", "kb_logistics_cost_insurance"),  # confident wrong
    }
    texts = {"a": side, "b": side, "c": side, "d": side, "e": side, "f": pizza, "g": pizza}
    cases = [Case(key, texts[key].labels) for key in views]
    scores = score_real(cases, lambda text: {"key": text}, simulator=_FakeSimulator(views))
    assert (scores.right, scores.wrong_answers, scores.confident_wrong) == (2, 3, 2)
    assert (scores.clarified, scores.offered_right, scores.clarified_in_scope) == (2, 1, 2)
    assert scores.accuracy == pytest.approx(2 / 7)
    assert scores.per_topic()["out_of_scope"] == (1, 2)
    png = save_confusion_png(scores, tmp_path / "confusion.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class _FakeSimulator(PatientSimulator):
    def __init__(self, views: dict) -> None:
        self.views = views

    def view(self, parse: dict) -> PatientView:
        return self.views[parse["key"]]


def test_matched_decisions_use_the_same_clarify_rate() -> None:
    cases = [Case(str(i), ("kb_a",)) for i in range(4)]
    rankings = [
        [("kb_a", 0.9)],
        [("kb_b", 0.8), ("kb_a", 0.15)],
        [("kb_a", 0.3)],
        [("kb_b", 0.2), ("kb_a", 0.1)],
    ]
    result = matched_decisions(cases, rankings, clarify_rate=0.25, alt_min=0.1)
    assert result["clarify"] == pytest.approx(0.25)
    assert result["right"] == pytest.approx(0.5)
    assert result["confident_wrong"] == pytest.approx(0.0)  # the wrong answer offers kb_a
    assert result["offered"] == pytest.approx(1.0)


def test_fast_decision_follows_the_pipeline_rules() -> None:
    from clinicbot.evaluation.fast import decide

    calibration = {"alternative_min_confidence": 0.1, "max_alternatives": 2, "clarify_topics": 3}
    ranking = [("kb_a", 0.5), ("kb_b", 0.3), ("greet", 0.1), ("kb_c", 0.05), ("kb_d", 0.05)]
    assert decide(ranking, 0.4, calibration) == PatientView("answer", "kb_a", ("kb_b",))
    assert decide(ranking, 0.6, calibration) == PatientView(
        "clarify", None, ("kb_a", "kb_b", "kb_c")
    )
    # Mostly unknown words: the vocabulary gate asks instead of answering.
    assert decide(ranking, 0.4, calibration, known_ratio=0.2).kind == "clarify"
    # The middle band answers and offers as many topics as a clarification.
    banded = decide(ranking, 0.4, {**calibration, "hedge_below": 0.55})
    assert banded == PatientView("answer", "kb_a", ("kb_b", "kb_c", "kb_d"))
    assert decide([("out_of_scope", 0.9)], 0.4, calibration).kind == "out_of_scope"
    assert decide([("followup_risks", 0.9)], 0.4, calibration).topic == "kb_safety_side_effects"
    assert decide([("greet", 0.9)], 0.4, calibration).kind == "other"


def test_matched_decisions_match_the_middle_band_rate() -> None:
    cases = [Case(str(i), ("kb_a",)) for i in range(4)]
    rankings = [
        [("kb_a", 0.9)],
        [("kb_b", 0.5), ("kb_c", 0.01), ("kb_a", 0.005)],
        [("kb_a", 0.3)],
        [("kb_b", 0.2), ("kb_a", 0.1)],
    ]
    plain = matched_decisions(cases, rankings, clarify_rate=0.25, alt_min=0.1)
    assert plain["confident_wrong"] == pytest.approx(0.25)  # kb_a is not offered next to kb_b
    banded = matched_decisions(cases, rankings, 0.25, 0.1, hedge_rate=0.75)
    assert banded["confident_wrong"] == pytest.approx(0.0)  # the band offers three topics
    assert banded["right"] == plain["right"] == pytest.approx(0.5)
