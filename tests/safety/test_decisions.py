"""Personal treatment decisions (issue #10, round 5): ``clinicbot.safety.decisions``.

"Should I still go in for my infusion with this fever?" asks a clinician's judgement about the
writer's own treatment and gets the refusal with a clinician offer; "can people have an
infusion with a cold?" and "is ketamine right for me?" are the FAQ's. The detector tests use
the patterns-only detector (no classifier), so each shows what the frame decides on its own:
they fail without ``decisions.py`` or the ``treatment_decision`` frame. The sentences are
written for these tests; none is copied from a development or test set.
"""

from __future__ import annotations

import pytest

from clinicbot.safety.decisions import own_treatment_decision
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers, with_markers
from clinicbot.safety.frames import advice_frame
from clinicbot.safety.normalize import normalize

OWN_DECISIONS = [
    "i woke up with a temperature, should i still go in for my infusion at noon?",
    "my bp was 170 over 105 this morning, is it wise to go ahead with the session?",
    "got a chest infection, would it be better for me to postpone friday's treatment",
    "i only slept three hours, can i still do my session today",
    "with my epilepsy would you recommend the nasal spray or the iv for me",
    "been vomiting since last night, do you think i should cancel tomorrow's appointment?",
    "my kidney numbers came back bad, am i still ok to start the series",
    "i had a panic attack at the last one, should i carry on with the infusions or stop",
    "going through chemo, is my liver strong enough for ketamine",
]

GENERAL_OR_LOGISTICS = [
    "can people with a cold still have an infusion, in general?",
    "is ketamine therapy right for me?",
    "how do i know if spravato is right for me",
    "should i bring a blanket to my session",
    "what should i eat before my infusion?",
    "what happens if i have to reschedule my session because i'm ill, is there a fee?",
    "who is a good candidate for ketamine?",
    "i'm 74, am i too old for infusions",
    "how long is each session?",
    "i had a seizure as a child, none since, fully recovered. is the iv ok for me",
    "heart problems run in the family, is the iv ok for me",
]


@pytest.mark.parametrize("text", OWN_DECISIONS)
def test_own_treatment_decisions_are_marked(text: str) -> None:
    normalized = normalize(text)
    assert own_treatment_decision(normalized)
    assert "__own_treatment_decision__" in markers(normalized)
    # the classifier reads the marker like a word
    assert "__own_treatment_decision__" in with_markers(normalized).split()


@pytest.mark.parametrize("text", GENERAL_OR_LOGISTICS)
def test_general_and_logistics_questions_are_not_marked(text: str) -> None:
    assert not own_treatment_decision(normalize(text))


@pytest.mark.parametrize("text", OWN_DECISIONS)
def test_own_treatment_decision_is_refused_by_the_frame(
    pattern_detector: SafetyDetector, text: str
) -> None:
    result = pattern_detector.detect(text)
    assert result.category == "advice", result


@pytest.mark.parametrize("text", GENERAL_OR_LOGISTICS)
def test_general_questions_are_not_refused(pattern_detector: SafetyDetector, text: str) -> None:
    assert pattern_detector.detect(text).category in ("none", "mention")


def test_a_condition_long_past_counts_only_with_the_state_today() -> None:
    past = "i had a clot years ago, all recovered. is ketamine safe for me"
    assert not own_treatment_decision(normalize(past))
    assert own_treatment_decision(normalize(past + " even though i have a fever today"))


def test_a_general_frame_wins() -> None:
    text = "in general, should i still come in for my infusion with a cold"
    found = set(markers(normalize(text)))
    assert advice_frame(found) is None


def test_hostile_input_stays_fast() -> None:
    import time

    text = ("should i still " * 3000) + "my infusion " * 3000
    start = time.perf_counter()
    own_treatment_decision(normalize(text))
    assert time.perf_counter() - start < 2.0


class _AdviceHalf:
    """A stand-in classifier: every part is advice with probability 0.5."""

    def predict_proba_normalized(self, parts: list[str]) -> list[dict[str, float]]:
        return [{"advice": 0.5, "crisis": 0.0, "emergency": 0.0, "none": 0.5} for _ in parts]


def test_the_lower_personal_advice_bar_needs_something_of_ones_own() -> None:
    detector = SafetyDetector(classifier=_AdviceHalf())  # type: ignore[arg-type]
    general = "can i get ketamine as a nasal spray rather than a drip?"
    own = "i have asthma, can i get ketamine as a nasal spray rather than a drip?"
    assert detector.detect(general).category == "none"
    assert detector.detect(own).category == "advice"
