"""The round-13 development set: questions, benign ones with hard words next to risk asked."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, mislabelled
from tests.safety.kinds import assert_exactly_kinds, assert_holds_kinds, voices_of

DEV13 = (Path(__file__).parent / "dev13.yml").resolve()

#: Each kind dev13.yml holds after its leak check, with its label and count.
KINDS = {
    GENERAL_MEDICATION: ("none", 69),
    "ordinary": ("none", 88),
    "idiom": ("none", 29),
    "sad_no_risk": ("none", 30),
    "two_message_benign": ("none", 3),
    "mention": ("mention", 20),
    "question_risk": ("crisis", 60),
    "question_emergency": ("emergency", 29),
    "advice_dose": ("advice", 15),
    "advice_lozenge": ("advice", 13),
    "advice_stop_keep": ("advice", 13),
    "advice_recreational": ("advice", 15),
    "advice_pregnancy": ("advice", 14),
    "advice_other": ("advice", 14),
}
TWO_MESSAGE_COUNT = {"crisis": 6, "emergency": 2}

#: What makes a message a question: a question mark or a question opener.
QUESTION = re.compile(
    r"\?|^\s*(can|could|is|are|do|does|did|what|how|when|where|why|which|who|will|would|"
    r"should|shall|am|may|reckon|any)\b",
    re.IGNORECASE,
)
#: The share of questions among the scored messages, and among the urgent ones.
LEAST_QUESTION_SHARE = 0.8
LEAST_URGENT_QUESTION_SHARE = 0.95

VOICES = (
    "nurse_on_nights",
    "retired_teacher",
    "gamer",
    "new_mum",
    "veteran",
    "student_from_india",
    "rancher",
    "anxious_overthinker",
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV13, KINDS, minimum=420)


def test_dev13_holds_exactly_its_kinds_with_their_labels() -> None:
    cases = load_cases()
    assert_exactly_kinds(cases, KINDS, TWO_MESSAGE_COUNT)
    assert not mislabelled(cases, LABEL_OF_KIND)


def test_dev13_is_question_heavy_and_asks_its_risk() -> None:
    """Most messages ask something, and nearly every urgent one is a question."""
    cases = load_cases()
    asking = [case for case in cases if QUESTION.search(case.text)]
    assert len(asking) >= LEAST_QUESTION_SHARE * len(cases), (len(asking), len(cases))
    urgent = [case for case in cases if case.cat in ("question_risk", "question_emergency")]
    asked = [case for case in urgent if QUESTION.search(case.text)]
    assert len(asked) >= LEAST_URGENT_QUESTION_SHARE * len(urgent), (len(asked), len(urgent))


def test_dev13_benign_questions_use_the_hard_words() -> None:
    """Its benign questions carry the words that alarm: otherwise it could not catch alarms."""
    hard = re.compile(r"\b(overdos\w*|od|die|dying|died|dead|kill\w*|lethal|suicid\w*|danger\w*)\b")
    benign = [case for case in load_cases() if case.expect in ("none", "mention")]
    assert sum(bool(hard.search(case.text.lower())) for case in benign) >= 40


def test_dev13_is_written_in_its_voices_with_benign_advice_and_risk_in_each() -> None:
    voices, groups = voices_of(DEV13, "expect")
    assert sum(voices.values()) == len(load_cases())
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    for voice, labels in groups.items():
        assert {"crisis", "advice", "none"} <= labels, (voice, labels)


def test_dev13_states_how_it_was_written_and_its_leak_check() -> None:
    header = DEV13.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    assert header.startswith("# SAFETY DEVELOPMENT SET 13")
    assert "2026-12-07" in header
    assert "without reading the detector" in " ".join(header.replace("#", " ").split())
    cases = load_cases()
    labels = Counter(case.expect for case in cases)
    assert f"Left: {len(cases)} cases" in " ".join(header.replace("#", " ").split())
    for label in ("none", "mention", "crisis", "emergency", "advice"):
        assert f"{label} {labels[label]}" in header, label


def test_dev13_is_scored_but_never_trained_on() -> None:
    """dev13.yml measures a change before it reaches the blind sets; no model trains on it."""
    roles = {name: role for name, role, _ in SETS}
    assert "not trained" in roles["dev13"]
    assert DEV13 not in DEV_SET_FILES
    assert DEV13 not in MODEL_INPUTS
