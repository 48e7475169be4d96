"""safety_context: per-message signals, the two-message rule and the router's guess check."""

from __future__ import annotations

import time
from typing import Any

import pytest

from clinicbot.components.safety_context import (
    CONTEXT_MIN_SCORE,
    GUESS_MIN_SCORE,
    contextual_risk,
    message_signals,
    shows_distress,
    supports_classifier_guess,
)
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.frames import CRISIS_MARKERS


def _verdict(
    category: str = "none",
    crisis: float = 0.0,
    emergency: float = 0.0,
    markers: tuple[str, ...] = (),
    subcategory: str = "none",
    **flags: bool,
) -> dict[str, Any]:
    signals = {"crisis": crisis, "emergency": emergency, "markers": list(markers)}
    signals.update({"distress": False, "follow_up": False, "continuing": False, **flags})
    return {"category": category, "subcategory": subcategory, "signals": signals}


DISTRESS = _verdict(distress=True)


@pytest.fixture(scope="module")
def patterns_only() -> SafetyDetector:
    return SafetyDetector()


def test_signals_of_a_distress_message(patterns_only: SafetyDetector) -> None:
    signals = message_signals(patterns_only, "I lost my job and honestly I feel hopeless")
    assert signals["distress"] is True
    assert "__hopeless__" in signals["markers"]
    assert signals["crisis"] == 0.0  # patterns only: no classifier probability


@pytest.mark.parametrize(
    "text",
    [
        "how deep is the river by the old mill",
        "is the roof level of that garage open at night",
        "where is the nearest gun shop",
        "can someone find a good home for my dog",
        "who do i see about leaving my savings to my niece",
    ],
)
def test_signals_of_a_veiled_follow_up(patterns_only: SafetyDetector, text: str) -> None:
    assert message_signals(patterns_only, text)["follow_up"] is True


@pytest.mark.parametrize(
    "text", ["what time do you open on friday", "how far is the clinic from the bus stop"]
)
def test_ordinary_questions_are_not_follow_ups(patterns_only: SafetyDetector, text: str) -> None:
    signals = message_signals(patterns_only, text)
    assert signals["follow_up"] is False and signals["distress"] is False


@pytest.mark.parametrize("text", [None, "", 42, ["a list"], "   "])
def test_signals_of_bad_input_are_empty(patterns_only: SafetyDetector, text: Any) -> None:
    signals = message_signals(patterns_only, text)
    assert signals["markers"] == [] and signals["crisis"] == 0.0
    assert not signals["distress"] and not signals["follow_up"]


def test_signals_of_a_huge_message_are_bounded(patterns_only: SafetyDetector) -> None:
    text = "i lost my job. " + "how deep is it " * 40_000
    start = time.perf_counter()
    signals = message_signals(patterns_only, text)
    assert time.perf_counter() - start < 5.0
    assert signals["distress"] is True


@pytest.mark.parametrize(
    "current",
    [
        _verdict(crisis=CONTEXT_MIN_SCORE),  # the follow-up sounds risky on its own
        _verdict(follow_up=True),  # a lethal place, object or affairs put in order
        _verdict(crisis=0.2, markers=("__finality__",)),  # a farewell with some risk
        _verdict("advice", crisis=0.5, subcategory="dosing"),  # "how many would be too much"
        _verdict("mention", crisis=0.6, subcategory="suicide_info"),
    ],
)
def test_veiled_follow_up_after_distress_is_a_crisis(current: dict[str, Any]) -> None:
    assert contextual_risk(DISTRESS, current) == "crisis"


@pytest.mark.parametrize(
    "previous",
    [
        _verdict(),  # an ordinary first message
        None,  # no previous message
        {"category": "none"},  # an older verdict without signals
        _verdict(distress=True, markers=("__safe_now__",)),  # "it was hard but i'm safe now"
    ],
)
def test_no_context_without_distress_before(previous: Any) -> None:
    assert contextual_risk(previous, _verdict(crisis=0.9, follow_up=True)) is None


@pytest.mark.parametrize(
    "previous",
    [
        _verdict("crisis"),
        _verdict(markers=("__hopeless__",)),
        _verdict(crisis=0.6),
    ],
)
def test_distress_is_read_from_verdict_markers_and_score(previous: dict[str, Any]) -> None:
    assert shows_distress(previous)
    assert contextual_risk(previous, _verdict(follow_up=True)) == "crisis"


@pytest.mark.parametrize(
    "current",
    [
        _verdict(crisis=CONTEXT_MIN_SCORE - 0.01),  # an ordinary question after a sad message
        _verdict(crisis=0.01, markers=("__finality__",)),  # "thanks, goodbye for now"
        _verdict(crisis=0.9, markers=("__negated__",)),  # "not that i'd do anything"
        _verdict(crisis=0.9, markers=("__safe_now__",)),
        _verdict(crisis=0.9, markers=("__fp_absence__", "__benign_reason__")),  # travelling
        _verdict(crisis=0.5, markers=("__treatment__",)),  # a question about their treatment
        _verdict(crisis=0.5, continuing=True),  # "can i move my appointment"
        _verdict("mention", crisis=0.9, subcategory="negated"),
        _verdict("crisis", crisis=0.9),  # already urgent: the rules answer it
        _verdict("emergency", emergency=0.9),
        {"category": "none"},  # no signals
        "not a verdict",
        None,
    ],
)
def test_no_context_alarm_for_what_explains_it_away(current: Any) -> None:
    assert contextual_risk(DISTRESS, current) is None


def test_a_veiled_follow_up_about_treatment_still_counts() -> None:
    # "cancel my infusion on friday, i won't be around by then"
    current = _verdict(crisis=0.9, markers=("__treatment__", "__fp_absence__"))
    assert contextual_risk(DISTRESS, current) == "crisis"


@pytest.mark.parametrize(
    ("verdict", "category", "expected"),
    [
        (_verdict(crisis=GUESS_MIN_SCORE), "crisis", True),
        (_verdict(markers=("__fp_absence__",)), "crisis", True),
        (_verdict(emergency=0.5), "emergency", True),
        (_verdict(crisis=0.01), "crisis", False),  # an ordinary logistics question
        (_verdict(crisis=0.9), "emergency", False),  # the score of the other label
        (_verdict(crisis=0.9, markers=("__negated__",)), "crisis", False),
        (_verdict(crisis=0.9, markers=("__safe_now__",)), "crisis", False),
        (_verdict("mention", crisis=0.9, subcategory="negated"), "crisis", False),
        ({"category": "none"}, "crisis", True),  # no signals (older model): recall first
        (None, "crisis", True),
    ],
)
def test_supports_classifier_guess(verdict: Any, category: str, expected: bool) -> None:
    assert supports_classifier_guess(verdict, category) is expected


def test_a_reviewed_benign_pattern_explains_a_follow_up_away() -> None:
    # "so i'm going to sort out the bills this weekend and feel better"
    current = {**_verdict(crisis=0.5, markers=("__fp_future__",)), "reasons": ["benign.progress"]}
    assert contextual_risk(DISTRESS, current) is None
    current["signals"]["follow_up"] = True  # a lethal place or object still counts
    assert contextual_risk(DISTRESS, current) == "crisis"


@pytest.mark.parametrize("marker", sorted(CRISIS_MARKERS))
def test_every_crisis_marker_of_the_detector_supports_a_classifier_guess(marker: str) -> None:
    # One list (frames.CRISIS_MARKERS): a marker the detector adds counts here too.
    assert supports_classifier_guess(_verdict(crisis=0.01, markers=(marker,)), "crisis")
