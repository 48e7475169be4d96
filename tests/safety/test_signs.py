"""Signs told by their parts (issue #10, round 5): ``clinicbot.safety.signs``.

An injury to one's own body told by a body part, an injury word and the writer's own doing;
urinary retention told as an urge with nothing coming out; no reason left to go on; someone
else talking of dying. Each test fails without the marker or its use in the frames and the
detector. The sentences are written for these tests; none is copied from a development or
test set.
"""

from __future__ import annotations

import time

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.frames import CRISIS_MARKERS, self_harm_told
from clinicbot.safety.normalize import normalize
from clinicbot.safety.signs import sign_markers


def _signs(text: str) -> list[str]:
    return sign_markers(normalize(text))


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("those lines on my forearm are from me, only shallow", "__own_injury__"),
        ("i went at my thigh with a needle again, nothing deep", "__own_injury__"),
        ("i've started scratching again, my wrist is raw", "__own_injury__"),
        ("it's just a small bit of self harm, i'm handling it", "__own_injury__"),
        ("desperate to go but nothing comes out and it's been since breakfast", "__urge_no_flow__"),
        ("straining for hours, only a few drops", "__urge_no_flow__"),
        ("i no longer see a reason to keep waking up", "__no_reason__"),
        ("i feel trapped and there is one way out", "__no_reason__"),
        ("my cousin keeps talking about jumping off the car park", "__other_talks_of_dying__"),
    ],
)
def test_sign_markers(text: str, marker: str) -> None:
    assert marker in _signs(text)


@pytest.mark.parametrize(
    "text",
    [
        "the nurse left a mark on my arm from the iv",
        "my legs ache after the gym",
        "i need to go to the bathroom a lot after coffee",
        "is there a reason to keep going with the series after six sessions?",
        "my friend was talking about her holiday",
        "self harm history as a teen, none in 20 years",
    ],
)
def test_ordinary_messages_carry_no_sign(text: str) -> None:
    assert _signs(text) == []


def test_new_crisis_signs_support_a_classifier_verdict() -> None:
    assert {"__own_injury__", "__no_reason__", "__other_talks_of_dying__"} <= CRISIS_MARKERS


@pytest.mark.parametrize(
    "text",
    [
        "those lines on my forearm are from me, only shallow",
        "i went at my thigh with a needle again, nothing deep",
    ],
)
def test_own_injury_told_by_its_parts_is_crisis(
    pattern_detector: SafetyDetector, text: str
) -> None:
    found = set(sign_markers(normalize(text)))
    assert self_harm_told(found)
    assert pattern_detector.detect(text).category == "crisis"


def test_an_accident_explains_an_injury_word(pattern_detector: SafetyDetector) -> None:
    text = "i burned my hand on the oven again making dinner, can i still come tomorrow"
    assert pattern_detector.detect(text).category != "crisis"


def test_urge_without_flow_supports_an_emergency_verdict() -> None:
    text = "desperate to go but nothing comes out and it's been since breakfast"
    detector = SafetyDetector(classifier=None)
    assert detector._supported("emergency", 0.5, normalize(text))  # noqa: SLF001
    assert not detector._supported(  # noqa: SLF001
        "emergency", 0.5, normalize("my knee is sore today")
    )


def test_hostile_input_stays_fast() -> None:
    text = "need to go " + "nothing " * 20000 + "my wrist " * 5000
    start = time.perf_counter()
    _signs(text)
    assert time.perf_counter() - start < 2.0
