"""Round 13 (issue #10): urinary retention told in the present perfect is going on now.

"haven't peed since my infusion yesterday morning" names a past trigger ("my infusion
yesterday" reads as a time past), but the retention is now; before round 13 the past frame
dropped the emergency (``frames.emergency_explained``) although the pattern and the classifier
both found it. The sentences here are written for these tests (not taken from any safety set).
"""

from __future__ import annotations

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import emergency_explained
from clinicbot.safety.normalize import normalize

#: Retention now, with its trigger in the past, in plain and crude words.
RETENTION_NOW = [
    "haven't peed since my session yesterday afternoon and my belly is hard and sore",
    "not pissed since the infusion, about 14 hours now, lower stomach is agony",
    "i havent urinated since my treatment yesterday and it really hurts down there",
    "i can't piss at all since my infusion this morning",
]

#: The same words told as over, as a question in general, or with an ordinary time.
NOT_NOW = [
    "couldn't pee for a bit after my infusion last month but it passed within the hour",
    "is it normal if people can't pee straight after ketamine?",
    "haven't peed since lunch lol, is there a bathroom near the waiting room?",
]


@pytest.mark.parametrize("text", RETENTION_NOW)
def test_retention_since_a_past_trigger_is_going_on(text: str) -> None:
    found = set(markers(normalize(text)))
    assert "__ongoing__" in found
    assert not emergency_explained(found, normalize(text))


@pytest.mark.parametrize("text", RETENTION_NOW)
def test_the_patterns_alone_give_the_emergency_reply(
    pattern_detector: SafetyDetector, text: str
) -> None:
    assert pattern_detector.detect(text).category == "emergency"


@pytest.mark.parametrize("text", RETENTION_NOW)
def test_the_trained_detector_gives_the_emergency_reply(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category == "emergency"


@pytest.mark.parametrize("text", NOT_NOW)
def test_retention_told_as_over_or_in_general_is_not_an_emergency(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category != "emergency"
