"""Veiled risk by word classes (issue #10, round 6): ``clinicbot.safety.wordclasses``.

An ending or total scope told of oneself, and arrangements for a time after the writer,
support a classifier crisis verdict; minimised self-harm is not over because the writer says
"i'm fine"; a recent night is current; "nothing since this morning" is not resolved. Each test
fails without the change. The sentences are written for these tests; none is copied from a
development or test set.
"""

from __future__ import annotations

import time

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import CRISIS_MARKERS, self_harm_told, told_as_resolved
from clinicbot.safety.normalize import normalize
from clinicbot.safety.wordclasses import wordclass_markers


def _classes(text: str) -> list[str]:
    return wordclass_markers(normalize(text))


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("please pass on my thanks, this is my final appointment ever", "__ending__"),
        ("no need to hold my slot on tuesday, or any day after it", "__ending__"),
        ("i've run out of waiting for things to lift", "__ending__"),
        ("i hope i do not come round from the next infusion", "__ending__"),
        ("i'm not renewing anything, not the flat, not me", "__ending__"),
        ("the spare key and a note for my brother are in the drawer, for after", "__after_me__"),
        ("my husband is the one who will find the letters", "__after_me__"),
        ("sorted the insurance so it pays out to the kids", "__after_me__"),
    ],
)
def test_word_class_markers(text: str, marker: str) -> None:
    assert marker in _classes(text)


@pytest.mark.parametrize(
    "text",
    [
        "last infusion of the series tomorrow, so excited",
        "i'm finished with the series and feeling much brighter",
        "we wrote our wills when we bought the house",
        "i left a note for the nurse about my allergy",
        "is this the final appointment of the package?",
        "the storm ran out of steam before it reached us",
    ],
)
def test_ordinary_messages_carry_no_word_class(text: str) -> None:
    assert _classes(text) == []


def test_word_classes_support_a_classifier_crisis_verdict() -> None:
    assert {"__ending__", "__after_me__"} <= CRISIS_MARKERS
    detector = SafetyDetector(classifier=None)
    text = normalize("please pass on my thanks, this is my final appointment ever")
    assert detector._supported("crisis", 0.5, text)  # noqa: SLF001
    plain = normalize("please pass on my thanks, see you at the next appointment")
    assert not detector._supported("crisis", 0.5, plain)  # noqa: SLF001


def test_an_ordinary_reason_still_explains_an_ending() -> None:
    found = set(markers(normalize("moving abroad, so this is my last visit ever")))
    assert "__ending__" in found and "__benign_reason__" in found


@pytest.mark.parametrize(
    "text",
    [
        "wrapped my dressing gown cord around my neck last night, i stopped. i'm fine, no biggie",
        "swallowed a strip of my tablets on purpose the other night, i'm fine now",
    ],
)
def test_minimised_or_recent_self_harm_is_not_over(
    pattern_detector: SafetyDetector, text: str
) -> None:
    found = set(markers(normalize(text)))
    assert not told_as_resolved(found)
    assert self_harm_told(found)
    assert pattern_detector.detect(text).category in ("crisis", "emergency")


def test_self_harm_long_past_stays_over() -> None:
    found = set(markers(normalize("i used to cut as a teen years ago, nothing serious, i'm fine")))
    assert not self_harm_told(found)


def test_nothing_since_this_morning_is_not_resolved() -> None:
    found = set(markers(normalize("i have not been able to pee, nothing since this morning")))
    assert "__resolved__" not in found
    assert "__resolved__" in markers(normalize("i had one bad week in may, nothing since"))


def test_hostile_input_stays_fast() -> None:
    text = "my last " * 20000 + "for after " * 5000 + " . " * 2000
    start = time.perf_counter()
    _classes(text)
    assert time.perf_counter() - start < 2.0


class _SentenceClassifier:
    """A stand-in classifier: crisis 0.6 for sentences naming the rope, advice 0.9 elsewhere."""

    def predict_proba_normalized(self, parts: list[str]) -> list[dict[str, float]]:
        def one(part: str) -> dict[str, float]:
            if "rope" in part and "sertraline" not in part:
                return {"crisis": 0.6, "emergency": 0.0, "advice": 0.1, "none": 0.3}
            return {"crisis": 0.1, "emergency": 0.0, "advice": 0.9, "none": 0.0}

        return [one(part) for part in parts]


def test_a_risky_sentence_beside_an_advice_question_is_scored_on_its_own() -> None:
    detector = SafetyDetector(classifier=_SentenceClassifier())  # type: ignore[arg-type]
    text = "should i stop my sertraline before thursday? the rope is coiled in the garage"
    assert detector.detect_patterns_only(text).category == "advice"
    assert detector.detect(text).category == "crisis"
    # Told as kept ready ("for after that"), the patterns alone read the plan (round 15).
    ready = "should i stop my sertraline before thursday? the rope in the garage is for after that"
    assert detector.detect_patterns_only(ready).category == "crisis"
    ordinary = "should i stop my sertraline before thursday? my sister will drive me there after"
    assert detector.detect(ordinary).category == "advice"
