"""Round 14 of issue #10: elliptical advice questions, and side sentences of an advice question.

* An elliptical question that opens with the change itself ("keep taking my ativan?", "extra
  gabapentin before?") or tells one's own pregnancy bare ("ten weeks pregnant, still come
  in?") asks a personal decision: only the one taking the medicine asks that way. A brief
  question that opens with no change ("klonopin and ketamine together?") or names a pregnancy
  in general ("ketamine while pregnant?") stays the FAQ's.
* "i'll lay off my gabapentin before my sessions" announces a stop, as "i'll drop it" does.
* In a message that asks a personal decision the classifier is confident of (``asked_side``),
  a side sentence with no cue word and no crisis marker needs the ``framed`` bar for crisis.

The sentences are written for these tests; none is copied from a development or test set.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from clinicbot.safety.decisions import personal_advice_kind
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.normalize import normalize

ELLIPTICAL_PERSONAL = [
    "keep taking my ativan?",
    "skip the seroquel tonight?",
    "extra gabapentin before?",
    "double lexapro tomorrow?",
    "stop the zoloft this week?",
    "3 melatonin or 1 the night before?",
    "halve the troche tonight?",
    "ten weeks pregnant, still come in?",
    "nursing. start the series?",
    "gonna lay off the klonopin before my infusion",
    "i'll ease off my adderall the week of my sessions",
]

ELLIPTICAL_GENERAL = [
    "klonopin and ketamine together?",
    "ketamine while pregnant?",
    "second trimester and ketamine?",
    "lozenges or iv?",
    "side effects of lexapro?",
    "more info on the spravato program?",
    "keep my appointment time?",
    "stop by the front desk first?",
    "gonna lay down after my infusion",
]


@pytest.mark.parametrize("text", ELLIPTICAL_PERSONAL)
def test_an_elliptical_personal_decision_is_read(text: str) -> None:
    assert personal_advice_kind(normalize(text)) is not None


@pytest.mark.parametrize("text", ELLIPTICAL_GENERAL)
def test_a_brief_general_question_stays_general(text: str) -> None:
    assert personal_advice_kind(normalize(text)) is None


@pytest.mark.parametrize("text", ["keep taking my ativan?", "ten weeks pregnant, still come in?"])
def test_the_patterns_only_detector_needs_the_classifier_for_these(
    pattern_detector: SafetyDetector, text: str
) -> None:
    # the reading lowers the classifier's advice bar (advice_meaning); it is no pattern hit
    assert pattern_detector.detect(text).category == "none"


def test_hostile_elliptical_input_stays_fast() -> None:
    text = "keep " * 3000 + "?"
    start = time.perf_counter()
    personal_advice_kind(normalize(text))
    assert time.perf_counter() - start < 2.0


class _SideClassifier:
    """A stand-in classifier: advice 0.9 for the question, crisis 0.8 for its side sentence."""

    def predict_proba_normalized(self, parts: list[str]) -> list[dict[str, float]]:
        def one(part: str) -> dict[str, float]:
            if "?" in part or part.startswith("could i"):
                return {"crisis": 0.0, "emergency": 0.0, "advice": 0.9, "none": 0.1}
            return {"crisis": 0.8, "emergency": 0.0, "advice": 0.0, "none": 0.2}

        return [one(part) for part in parts]


SIDE = (
    "my doctor has me on 50 of sertraline. the rota at work has been mad this"
    " month. could i take 100 the night before my infusion?"
)


def test_a_side_sentence_of_a_personal_decision_needs_the_framed_bar() -> None:
    classifier: Any = _SideClassifier()
    shipped = SafetyDetector(classifier=classifier)
    assert shipped.detect(SIDE).category == "advice"
    off = SafetyDetector(classifier=classifier, thresholds={"asked_side": 1.01})
    # without the rule the side sentence's 0.8 (no cue word, no marker) is a crisis
    assert off.detect(SIDE).category == "crisis"


def test_a_side_sentence_with_a_sign_of_its_own_keeps_the_usual_bar() -> None:
    classifier: Any = _SideClassifier()
    detector = SafetyDetector(classifier=classifier)
    risky = SIDE.replace("the rota at work has been mad", "i feel worthless")
    assert detector.detect(risky).category == "crisis"  # a cue word: the usual bar
    gone = SIDE.replace(
        "the rota at work has been mad this month", "i will not be around much longer"
    )
    assert detector.detect(gone).category == "crisis"  # an absence marker: the usual bar
