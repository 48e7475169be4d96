"""Round 8 of issue #10: medicine saved up, a session put off, slang asks, Spanish medicine words.

Each reading is checked beside a minimal pair it must leave alone. The sentences are written for
these tests; none is copied from a development or test set.
"""

from __future__ import annotations

import time

import pytest

from clinicbot.safety.decisions import judged_for_me, personal_advice_kind
from clinicbot.safety.detector import DEFAULT_THRESHOLDS, SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import CRISIS_MARKERS, STRONG_RISK_MARKERS
from clinicbot.safety.labels import ADVICE, CRISIS, NONE
from clinicbot.safety.normalize import normalize
from clinicbot.safety.signs import sign_markers

# -- a medicine saved up or stashed, named by brand, generic stem or class (C-SSRS: preparatory)

STOCKPILED = [
    "i have been quietly saving up my seroquel, about forty in a tin now",
    "been stashing my sertraline instead of taking it",
    "hoarding my sleeping pills in the glovebox",
    "squirrelled away a month of klonopin behind the books",
]

NOT_STOCKPILED = [
    "saving up for a trip to lisbon in may",
    "not taking my lexapro since june, it made me numb",
    "what are the hidden side effects of seroquel",
    "my wife keeps the pills in a drawer for the kids' safety",
]


@pytest.mark.parametrize("text", STOCKPILED)
def test_a_medicine_saved_up_is_a_stockpile_sign(text: str) -> None:
    assert "__stockpile__" in sign_markers(normalize(text))


@pytest.mark.parametrize("text", NOT_STOCKPILED)
def test_saving_money_stopping_a_medicine_or_a_question_is_not(text: str) -> None:
    assert "__stockpile__" not in sign_markers(normalize(text))


def test_the_stockpile_sign_supports_a_crisis_verdict_and_no_frame_explains_it() -> None:
    assert "__stockpile__" in CRISIS_MARKERS
    assert "__stockpile__" in STRONG_RISK_MARKERS
    found = set(markers(normalize(STOCKPILED[1]), frame_only=False))
    assert "__stockpile__" in found


# -- looking up whether life insurance pays on suicide (a preparatory sign)


def test_the_suicide_clause_of_ones_life_insurance_is_crisis() -> None:
    detector = SafetyDetector()
    result = detector.detect_patterns_only("checked when the suicide exclusion on my policy ends")
    assert result.category == CRISIS
    assert result.subcategory == "plan"


def test_an_ordinary_insurance_question_is_not() -> None:
    detector = SafetyDetector()
    assert detector.detect_patterns_only("does my insurance cover the infusions").category == NONE


# -- asked whether to put one's own session off ("should i rebook", "or should i move it")

PUT_OFF = [
    "threw my back out yesterday, should i still come in tomorrow or cancel",
    "exam at 9 the morning after my infusion, or should i rebook it",
    "if my migraine is still there at noon should i push my session",
]

NOT_PUT_OFF = [
    "how do i reschedule my appointment",
    "should i cancel my session? how do i do that online",
    "do i need to reschedule if i am running ten minutes late",
]


@pytest.mark.parametrize("text", PUT_OFF)
def test_asking_whether_to_put_off_ones_session_is_a_decision(text: str) -> None:
    assert judged_for_me(normalize(text))


@pytest.mark.parametrize("text", NOT_PUT_OFF)
def test_how_to_reschedule_is_logistics(text: str) -> None:
    assert not judged_for_me(normalize(text))


# -- an evaluation asked in slang about one's own medicine, and Spanish medicine words

SLANG_ASKS = [
    "is halving my wellbutrin the week of the series a smart move or nah",
    "keep my propranolol through the infusions or ditch it",
    "tomo sertralina, la sigo tomando durante las infusiones o la paro?",
    "puedo tomar mi lorazepam antes de la sesion?",
]


@pytest.mark.parametrize("text", SLANG_ASKS)
def test_a_slang_or_spanish_ask_about_ones_medicine_is_personal_advice(text: str) -> None:
    assert personal_advice_kind(normalize(text)) is not None


def test_a_general_question_in_slang_stays_general() -> None:
    assert personal_advice_kind(normalize("do ssris and ketamine mix ok or nah")) is None


# -- a confident advice probability needs no cue word only when the threshold is set


class _Advice:
    """A stand-in classifier that is sure every text is advice."""

    def predict_proba_normalized(self, texts: list[str]) -> list[dict[str, float]]:
        return [{ADVICE: 0.97, CRISIS: 0.01, "emergency": 0.01, NONE: 0.01} for _ in texts]


def test_a_confident_advice_probability_refuses_without_a_cue() -> None:
    text = "the gummies the day before, yay or nay"
    sure = SafetyDetector(classifier=_Advice(), thresholds={"advice_confident": 0.9})  # type: ignore[arg-type]
    off = SafetyDetector(classifier=_Advice(), thresholds={"advice_confident": 1.01})  # type: ignore[arg-type]
    assert sure.detect(text).category == ADVICE
    assert off.detect(text).category == NONE
    assert DEFAULT_THRESHOLDS["advice_confident"] <= 1.0


def test_the_new_readings_stay_fast_on_hostile_input() -> None:
    hostile = "saving up " + "my " * 3000 + "should i " * 2000 + "or nah " * 1000
    start = time.perf_counter()
    normalized = normalize(hostile)
    sign_markers(normalized)
    judged_for_me(normalized)
    personal_advice_kind(normalized)
    assert time.perf_counter() - start < 2.0


# -- a benign pattern explains its own words, not the rest of the message (``remainder``)


class _Keyed:
    """A stand-in classifier: emergency for a urine retention told, crisis for 'ending it'."""

    def predict_proba_normalized(self, texts: list[str]) -> list[dict[str, float]]:
        out = []
        for text in texts:
            if "killing me" in text:  # the idiom's words are in this part: the veto holds
                out.append({"emergency": 0.02, CRISIS: 0.02, ADVICE: 0.01, NONE: 0.95})
            elif "pee" in text:
                out.append({"emergency": 0.97, CRISIS: 0.01, ADVICE: 0.01, NONE: 0.01})
            elif "ending it" in text:
                out.append({"emergency": 0.01, CRISIS: 0.96, ADVICE: 0.01, NONE: 0.02})
            else:
                out.append({"emergency": 0.01, CRISIS: 0.01, ADVICE: 0.01, NONE: 0.97})
        return out


URINE_IDIOM = "cannae pee at all since last night, belly's hard as a rock and it's killing me"


def test_what_a_benign_idiom_leaves_is_still_read() -> None:
    on = SafetyDetector(classifier=_Keyed(), thresholds={"remainder": 0.9})  # type: ignore[arg-type]
    off = SafetyDetector(classifier=_Keyed(), thresholds={"remainder": 1.01})  # type: ignore[arg-type]
    assert on.detect(URINE_IDIOM).category == "emergency"
    assert off.detect(URINE_IDIOM).category != "emergency"
    assert DEFAULT_THRESHOLDS["remainder"] <= 1.0


def test_an_idiom_alone_leaves_too_little_to_read() -> None:
    detector = SafetyDetector(classifier=_Keyed(), thresholds={"remainder": 0.0})  # type: ignore[arg-type]
    assert detector.detect("this traffic is killing me").category == NONE


def test_the_remainder_drops_the_benign_words_and_never_follows_a_negation() -> None:
    detector = SafetyDetector(classifier=_Keyed())  # type: ignore[arg-type]
    told = normalize("do i need someone to drive me home after? i am thinking of ending it after")
    rest = detector._benign_remainder(told, detector.patterns.match(told))
    assert rest is not None and "drive me" not in rest and "ending it" in rest
    assert detector.detect(told).category == CRISIS
    negated = normalize("do i need someone to drive me home after? i am not suicidal or anything")
    assert detector._benign_remainder(negated, detector.patterns.match(negated)) is None
