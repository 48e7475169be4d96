"""Round 19 of issue 10: a learned reading of the message after the one naming a medicine.

The reader (``clinicbot.safety.follow_up_reader``) is a logistic regression over the sentence
embedding of the latest message, trained on the second messages of dev15 to dev17 and on the
single-message examples. The pair reads as a personal decision only after a message naming what
someone takes, when the latest message refers back to it, is not small talk, and the reader's
probability reaches the threshold. The sentences here are this file's own.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from clinicbot.components.advice_followup import advice_follow_up
from clinicbot.components.safety_context import message_signals
from clinicbot.components.text_classifier import ClassifierFormatError
from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import load_safety_set
from clinicbot.safety.classifier import SafetyClassifier
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.dev_sets import FOLLOW_UP_SET_FILES, follow_up_training_pairs
from clinicbot.safety.follow_up_reader import (
    THRESHOLD,
    FollowUpReader,
    reads_as_decision,
    refers_back,
    training_examples,
)
from clinicbot.safety.normalize import normalize

_ASKS = [
    "so do i hold it the morning of",
    "should he skip his dose that day",
    "can i take them like normal before the appointment",
    "cut that one in half the night before?",
    "keep taking it through the treatments or pause",
    "is it fine for her to have one before she comes in",
    "do i still take my pill that morning",
    "stop the gummies before i start or no",
]
_OTHER = [
    "how much is parking at your office",
    "do you take blue cross",
    "what time do you open on mondays",
    "how long does one infusion last",
    "is there a bathroom in the treatment room",
    "can my partner wait in the lobby",
    "what should i wear",
    "do you have evening appointments",
]
_EXAMPLES = [
    ("should i stop my zoloft before my first infusion", "medical_advice"),
    ("can i double up on my lozenge tonight", "medical_advice"),
    ("i want to end it all", "safety_crisis"),
    ("where do i park", "kb_logistics_hours_location"),
    ("how much does a session cost", "kb_logistics_cost_insurance"),
    ("does ketamine help ptsd", "kb_mechanism_evidence_other_conditions"),
]


@pytest.fixture(scope="module")
def trained() -> SafetyDetector:
    """A detector trained on this file's examples and pairs, its follow-up reader included."""
    pairs = [(t, True) for t in _ASKS] + [(t, False) for t in _OTHER]
    return SafetyDetector().train(_EXAMPLES * 3, pairs)


def _verdict(probability: Any, category: str = "none") -> dict[str, Any]:
    return {"category": category, "signals": {"follow_up_advice": probability}}


def test_training_examples_leave_out_urgent_ones_and_label_advice_positive() -> None:
    texts, asks = training_examples(
        _EXAMPLES, [("Hold it Friday?", True), ("hold it friday?", False)]
    )
    labelled = dict(zip(texts, asks, strict=True))
    assert normalize("i want to end it all") not in labelled
    assert labelled[normalize("should i stop my zoloft before my first infusion")] is True
    assert labelled[normalize("where do i park")] is False
    # a message met twice keeps its first label (the development pair's)
    assert labelled[normalize("hold it friday?")] is True
    assert len(texts) == len(set(texts)) == 6


def test_follow_up_pairs_are_the_advice_and_benign_pairs_of_dev15_to_dev17() -> None:
    expected: Counter[bool] = Counter()
    for path in FOLLOW_UP_SET_FILES:
        for case in load_safety_set(path):
            if case.previous and case.expect in ("advice", "none"):
                expected[case.expect == "advice"] += 1
    found = Counter(asks for _, asks in follow_up_training_pairs())
    assert found == expected
    assert found[True] > 250 and found[False] > 250
    for path in FOLLOW_UP_SET_FILES:
        assert path in MODEL_INPUTS, path


def test_an_unreadable_development_file_is_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("cases: [unclosed", encoding="utf-8")
    good = tmp_path / "good.yml"
    good.write_text(
        "cases:\n"
        '  - {text: "hold it?", expect: advice, cat: two_message_advice, previous: "on xanax"}\n'
        '  - {text: "alone, no earlier message", expect: advice, cat: advice_dose}\n'
        '  - {text: "bye", expect: crisis, cat: two_message, previous: "on xanax"}\n',
        encoding="utf-8",
    )
    odd = tmp_path / "odd.yml"
    odd.write_text("- a list, not a mapping\n", encoding="utf-8")
    numbers = tmp_path / "numbers.yml"
    numbers.write_text("cases: 5\n", encoding="utf-8")
    assert follow_up_training_pairs((broken, odd, numbers, good)) == [("hold it?", True)]


def test_the_reader_learns_decisions_from_clinic_questions(trained: SafetyDetector) -> None:
    assert trained.classifier is not None and trained.classifier.follow_up is not None
    scores = trained.classifier.follow_up_probabilities(
        [normalize("should i skip my dose before i come in"), normalize("where can i park")]
    )
    assert scores is not None
    assert scores[0] > 0.5 > scores[1]


def test_a_detector_trained_without_pairs_has_no_reader() -> None:
    detector = SafetyDetector().train(_EXAMPLES * 3)
    assert detector.classifier is not None
    assert detector.classifier.follow_up is None
    assert detector.classifier.follow_up_probabilities(["hold it ?"]) is None
    assert "follow_up" not in detector.classifier.to_dict()
    assert message_signals(detector, "hold it friday?")["follow_up_advice"] == 0.0


def test_the_reader_survives_json_and_scores_the_same(trained: SafetyDetector) -> None:
    assert trained.classifier is not None
    data = json.loads(json.dumps(trained.classifier.to_dict()))
    assert len(data["follow_up"]["coef"]) == 384
    loaded = SafetyClassifier.from_dict(data)
    texts = [normalize(t) for t in ("skip it tonight?", "do you validate parking")]
    assert loaded.follow_up_probabilities(texts) == pytest.approx(
        trained.classifier.follow_up_probabilities(texts)
    )


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"coef": [0.1] * 10, "intercept": 0.0},
        {"coef": [float("nan")] * 384, "intercept": 0.0},
        {"coef": [0.1] * 384, "intercept": "x"},
        {"coef": None, "intercept": 0.0},
    ],
)
def test_a_malformed_reader_is_refused(broken: Any) -> None:
    with pytest.raises(ClassifierFormatError):
        FollowUpReader.from_dict(broken)


def test_an_untrained_reader_scores_nothing() -> None:
    reader = FollowUpReader().fit(["one", "two"], [True, True])  # a single class
    assert not reader.trained
    assert reader.probabilities(["anything"]) is None
    assert reader.to_dict() is None


def test_the_signal_carries_the_readers_probability(trained: SafetyDetector) -> None:
    signals = message_signals(trained, "so do I skip it the morning of?")
    assert trained.classifier is not None
    expected = trained.classifier.follow_up_probabilities(
        [normalize("so do I skip it the morning of?")]
    )
    assert expected is not None
    assert signals["follow_up_advice"] == pytest.approx(expected[0], abs=1e-4)
    assert message_signals(trained, "")["follow_up_advice"] == 0.0
    assert message_signals(trained, "skip it tonight? " * 300)["follow_up_advice"] == 0.0


@pytest.mark.parametrize(
    "current",
    ["hold it friday?", "the morning one too", "same as usual that day", "her xanax as well?"],
)
def test_refers_back_to_something_taken(current: str) -> None:
    assert refers_back(normalize(current))


@pytest.mark.parametrize(
    "current",
    ["should i take the whole day off after", "what time do you open", "can i bring a blanket"],
)
def test_a_clinic_question_does_not_refer_back(current: str) -> None:
    assert not refers_back(normalize(current))


def test_reads_as_decision_needs_every_condition() -> None:
    previous = normalize("i take lexapro 10 every morning")
    current = normalize("that one too on infusion days?")
    assert reads_as_decision(previous, current, THRESHOLD, "nlu_fallback")
    assert not reads_as_decision(previous, current, THRESHOLD - 0.01, "nlu_fallback")
    assert not reads_as_decision(previous, current, THRESHOLD, "affirm")
    assert not reads_as_decision(normalize("where do i park?"), current, 0.99, None)
    assert not reads_as_decision(previous, normalize("should i take the day off"), 0.99, None)
    for odd in (None, "0.99", True, float("nan"), [0.99]):
        assert not reads_as_decision(previous, current, odd, None)
    assert not reads_as_decision(previous, current + " x" * 2000, 0.99, None)
    assert not reads_as_decision("", current, 0.99, None)


def test_the_conversation_reads_the_signal() -> None:
    previous, current = "my son takes concerta 36", "what about that one on infusion days"
    assert advice_follow_up(previous, "nlu_fallback", current, _verdict(0.97))
    assert not advice_follow_up(previous, "nlu_fallback", current, _verdict(0.2))
    assert not advice_follow_up(previous, "nlu_fallback", current, _verdict(0.97, "crisis"))
    assert not advice_follow_up(previous, "medical_advice", current, _verdict(0.97))
    assert not advice_follow_up(previous, "nlu_fallback", current, {"signals": "odd"})
    assert not advice_follow_up(previous, "nlu_fallback", current, None)
    assert not advice_follow_up("where do i park?", "nlu_fallback", current, _verdict(0.97))


def test_the_expressions_still_read_without_the_signal() -> None:
    # round 17's reading stands on its own: no probability needed
    assert advice_follow_up("fyi i take vyvanse every morning", "x", "so skip it fri?", None)


@pytest.mark.slow
def test_the_shipped_model_carries_a_trained_reader() -> None:
    from clinicbot.run import current_model
    from clinicbot.safety.evaluate import classifier_from_model

    model = current_model()
    if model is None:
        pytest.fail("no current model: `make test` trains one before the slow tests")
    classifier = classifier_from_model(model)
    assert classifier is not None
    assert classifier.follow_up is not None and classifier.follow_up.trained
    scores = classifier.follow_up_probabilities(
        [normalize("so do i skip it the morning of the infusion?"), normalize("do you take aetna")]
    )
    assert scores is not None
    assert scores[0] >= THRESHOLD > scores[1]
    assert np.isfinite(scores).all()
