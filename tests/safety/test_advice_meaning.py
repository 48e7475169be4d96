"""The advice boundary by meaning (issue #10, round 6): ``decisions.personal_advice_kind``.

A personal medical decision is read from three parts: whose decision (the writer, or a named
relative of theirs), about what (a specific medicine, a dose, a substance, a pregnancy, a session
of one's own given one's health) and that a decision is asked or announced. A general question
stays general even with "I" in it when it names no specific medicine and tells no personal
circumstance (the FAQ answers it and already says never to stop a medicine on your own). The
sentences are written for these tests; none is copied from a development or test set.
"""

from __future__ import annotations

import time

import pytest

from clinicbot.safety.decision_words import lemma
from clinicbot.safety.decisions import names_medicine, personal_advice_kind
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import with_markers
from clinicbot.safety.normalize import normalize

PERSONAL = [
    # a medicine the word lists never name, recognised by its generic stem
    ("should i hold my levomilnacipran the morning of my infusion", "stop_medicine"),
    ("my aunt takes 25 mg of quetiapine, can she take half before her spravato?", "dose"),
    ("vortioxetine before infusion?", "stop_medicine"),
    ("im planning to leave out my clonazepam the night before treatment", "stop_medicine"),
    ("i smoke a joint most evenings, is that a problem for my series", "substance"),
    ("found out i'm expecting, do i carry on with the iv ketamine", "pregnancy"),
    ("can i take three troches this weekend instead of two", "dosing"),
    ("woke up with a sore throat and fever, should i still do my session this afternoon", None),
    ("thinking of skipping the last two infusions, i feel fine now", "personal_decision"),
]
GENERAL = [
    "can i keep taking my usual medicines during treatment?",
    "will i have to stop my medications before the first infusion?",
    "do ssris and ketamine interact?",
    "does clonazepam make ketamine less effective in general?",
    "can i drive home after my infusion?",
    "what happens if my blood pressure is high when i arrive?",
    "why do patients have to avoid alcohol after a session?",
    "should i bring my headphones to my session?",
    "how much do the lozenges cost each month?",
    "is it true that people stay on lithium during infusions?",
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_personal_decisions_are_read(text: str, kind: str | None) -> None:
    found = personal_advice_kind(normalize(text))
    assert found is not None
    if kind is not None:
        assert found == kind
    # the classifier reads the reading like a word
    assert "__personal_advice__" in with_markers(normalize(text)).split()


@pytest.mark.parametrize("text", GENERAL)
def test_general_questions_are_not_personal(text: str) -> None:
    assert personal_advice_kind(normalize(text)) is None
    assert "__personal_advice__" not in with_markers(normalize(text)).split()


def test_a_relative_counts_as_the_writers_own_case() -> None:
    assert personal_advice_kind(
        normalize("my dad is on warfarin, should he stop it before his infusion")
    )
    assert (
        personal_advice_kind(normalize("do patients on warfarin stop it before an infusion?"))
        is None
    )


def test_a_specific_medicine_not_the_generic_words() -> None:
    assert names_medicine(normalize("my escitalopram"))
    assert names_medicine(normalize("my blood pressure pill"))
    assert not names_medicine(normalize("my medications and my prescriptions"))
    assert not names_medicine(normalize("ketamine"))


def test_lemmas_fold_inflections() -> None:
    assert {lemma(w) for w in ("skipping", "skipped", "skip")} == {"skip"}
    assert lemma("took") == "take"


def test_a_long_past_circumstance_is_not_todays() -> None:
    assert (
        personal_advice_kind(normalize("i had a seizure as a teen, should i cancel my infusion"))
        is None
    )


class _AdviceScore:
    """A stand-in classifier: every part is advice with a fixed, modest probability."""

    def __init__(self, advice: float) -> None:
        self.advice = advice

    def predict_proba_normalized(self, parts: list[str]) -> list[dict[str, float]]:
        rest = 1.0 - self.advice
        return [
            {"advice": self.advice, "crisis": 0.0, "emergency": 0.0, "none": rest} for _ in parts
        ]


def test_the_reading_lowers_the_advice_bar_but_needs_the_classifier_support() -> None:
    bars = SafetyDetector().thresholds
    # below the ``advice`` and ``advice_personal`` bars, at least ``advice_meaning``
    score = (bars["advice_meaning"] + bars["advice_personal"]) / 2
    detector = SafetyDetector(classifier=_AdviceScore(score))  # type: ignore[arg-type]
    assert detector.thresholds["advice_meaning"] <= score < detector.thresholds["advice_personal"]
    personal = "my husband takes propranolol, should he double it before his session?"
    general = "does propranolol change how ketamine feels?"
    assert detector.detect(personal).category == "advice"
    assert detector.detect(general).category == "none"
    unsupported = SafetyDetector(classifier=_AdviceScore(0.05))  # type: ignore[arg-type]
    assert unsupported.detect(personal).category != "advice"


def test_the_reading_supports_an_advice_score_without_a_cue_word() -> None:
    detector = SafetyDetector(classifier=_AdviceScore(0.7))  # type: ignore[arg-type]
    # no medicine, dose or substance: no advice cue word, only the reading supports the score
    personal = "my wife has a chest infection, should she postpone her session this afternoon?"
    general = "what happens to the session if the nurse is running late?"
    assert not detector.patterns.has_cue("advice", normalize(personal))
    assert SafetyDetector().detect(personal).category == "none"  # no pattern or frame decides
    assert detector.detect(personal).category == "advice"
    assert detector.detect(general).category == "none"


def test_hostile_input_stays_fast() -> None:
    # the reading works on normalised text of ordinary length (longer text is not read)
    texts = [
        ("should i take my 20 mg lexapro or 10 mg ? " * 60)[:2000],
        "azepam" * 330,
        "my " + "a" * 1990 + " ?",
        "should i " * 220,
    ]
    start = time.perf_counter()
    for text in texts:
        personal_advice_kind(text)
    assert time.perf_counter() - start < 1.0
    assert personal_advice_kind("should i stop my lexapro " * 200) is None  # too long to read


def test_being_on_a_medicine_is_not_a_decision_about_it() -> None:
    # the interaction question the FAQ answers, versus a choice about the medicine
    assert (
        personal_advice_kind(normalize("is it a problem that i'm on sertraline for anxiety"))
        is None
    )
    choice = "i'm on sertraline, should i take it the morning of my infusion"
    assert personal_advice_kind(normalize(choice)) == "stop_medicine"
