"""An emergency whose trigger lies in the past is still an emergency now (issue #10, round 4b).

"Since my infusion yesterday I can't pee" names a past session, which the past frame reads as
"told as over"; a present inability (cannot pass urine, cannot wake someone)
keeps the alarm. The sentences here are written for these tests, not taken from any safety set.
"""

from __future__ import annotations

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import emergency_explained
from clinicbot.safety.normalize import normalize

ONGOING = [
    "since my infusion yesterday i can't pee and my belly really hurts",
    "haven't been able to wee since the session on tuesday and it's agony",
    "after last week's treatment my mum can't empty her bladder at all and she is in pain",
]

TOLD_AS_OVER = [
    "i could not pee for a day after my infusion last year but it sorted itself out",
    "after my infusion yesterday i felt floaty for an hour, fine now",
]


@pytest.mark.parametrize("text", ONGOING)
def test_a_present_inability_is_not_explained_away_by_a_past_trigger(text: str) -> None:
    normalized = normalize(text)
    assert not emergency_explained(set(markers(normalized)), normalized)


@pytest.mark.parametrize("text", ONGOING)
def test_the_trained_detector_calls_it_an_emergency(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category == "emergency"


@pytest.mark.parametrize("text", TOLD_AS_OVER)
def test_the_same_words_told_as_over_raise_no_alarm(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category == "none"
