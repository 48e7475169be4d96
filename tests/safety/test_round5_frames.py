"""Round-5 frames (issue #10): sure signs, a reason given elsewhere in the message, benign frames.

The detector tests use the patterns-only detector unless they need the classifier, so each one
shows what a frame decides on its own. The sentences are written for these tests; none is
copied from a development or test set.
"""

from __future__ import annotations

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import explained_by_message, framed_benign, sure_sign
from clinicbot.safety.normalize import normalize


def _markers(text: str) -> set[str]:
    return set(markers(normalize(text)))


@pytest.mark.parametrize(
    "text",
    [
        "need to pee really badly but nothing comes out, it's agony",
        "so full it feels like a balloon, straining and only a dribble",
    ],
)
def test_urge_without_flow_is_an_emergency(pattern_detector: SafetyDetector, text: str) -> None:
    result = pattern_detector.detect(text)
    assert result.category == "emergency", result


def test_urge_told_as_hypothetical_is_no_emergency(pattern_detector: SafetyDetector) -> None:
    text = "what if i need to go but nothing comes out after the session, is that a thing?"
    assert pattern_detector.detect(text).category != "emergency"


def test_someone_talking_of_ending_it_is_crisis(pattern_detector: SafetyDetector) -> None:
    text = "my roommate has been going on about overdosing, she's in her room"
    assert sure_sign(_markers(text), explained=False) == ("crisis", "third_party")
    assert pattern_detector.detect(text).category == "crisis"


def test_someone_joking_is_no_sure_sign() -> None:
    found = _markers("my brother was joking about jumping into the lake lol")
    assert sure_sign(found, explained=False) is None


def test_a_reason_elsewhere_explains_absence_only() -> None:
    message = frozenset(_markers("i won't be around next week. visiting my grandma"))
    part = _markers("i won't be around next week")
    assert not framed_benign(part)
    assert framed_benign(explained_by_message(part, message))
    other = _markers("i won't be around much longer, nothing left for me")
    other.add("__no_reason__")
    assert "__benign_reason__" not in explained_by_message(other, message)


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("my sister would murder me if i forgot, is there a family rate", "__hyperbole__"),
        ("if the fax fails again i'll scream", "__hyperbole__"),
        ("dying of cringe over here", "__hyperbole__"),
        ("said farewell to my colleagues since i'm retiring", "__benign_reason__"),
        ("gave my old clothes to charity", "__benign_reason__"),
        ("i won't be home for the check in call, text me instead", "__benign_reason__"),
        ("i'm not a danger to myself", "__safe_now__"),
        ("it was intense but it's over and i'm good", "__resolved__"),
        ("the floaty feeling was gone after twenty minutes", "__resolved__"),
        ("so sick of waiting on the phone queue", "__object_subject__"),
    ],
)
def test_round5_benign_markers(text: str, marker: str) -> None:
    assert marker in _markers(text)


def test_absence_without_a_bounded_time_is_no_benign_reason() -> None:
    assert "__benign_reason__" not in _markers("i won't be around for the holidays this year")
    assert "__benign_reason__" not in _markers("i won't be here this weekend")


def test_safety_stated_right_now_is_not_a_present_risk() -> None:
    found = _markers("rough years behind me, but right now i feel safe")
    assert "__now__" not in found
    assert "__now__" in _markers("right now i have the pills in front of me")


def test_years_abbreviated_is_a_long_past_time() -> None:
    assert normalize("9 yrs ago") == "9 years ago"
    assert "__past__" in _markers("i had dark thoughts 9 yrs ago")


def test_how_much_water_to_drink_is_not_a_substance_question(
    pattern_detector: SafetyDetector,
) -> None:
    assert pattern_detector.detect("how much water should i drink before my session?").category == (
        "none"
    )
    assert (
        pattern_detector.detect("should i drink wine the night before my session?").category
        == "advice"
    )


def test_a_person_like_me_is_a_personal_decision() -> None:
    assert "__personal_decision__" in _markers("how much ketamine would a 60 kg man like me need")
    assert "__personal_decision__" in _markers("what dose is normal for my weight")
    assert "__personal_decision__" not in _markers("what dose do people usually get")
