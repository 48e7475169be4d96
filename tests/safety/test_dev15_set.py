"""The round-16 development set: the advice boundary, personal decisions beside general questions.

dev15.yml pairs each personal medicine decision (one's own dose, stopping, keeping, skipping,
doubling or timing a medicine, an at-home lozenge, a substance during a series, a pregnancy, a
relative's dose) with general medication questions that name the same medicines, and holds a
smaller share of urgent messages so the set is not one-sided. It is tuned on; the safety
classifier never trains on it, and since round 19 the follow-up reader trains on its pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES, FOLLOW_UP_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, mislabelled
from tests.safety.kinds import assert_exactly_kinds, assert_holds_kinds, voices_of

DEV15 = (Path(__file__).parent / "dev15.yml").resolve()

#: Each kind dev15.yml holds, with its label and count.
KINDS = {
    GENERAL_MEDICATION: ("none", 150),
    "ordinary": ("none", 60),
    "idiom": ("none", 10),
    "mention": ("mention", 10),
    "advice_dose": ("advice", 30),
    "advice_lozenge": ("advice", 31),
    "advice_stop_keep": ("advice", 31),
    "advice_recreational": ("advice", 27),
    "advice_pregnancy": ("advice", 29),
    "advice_other_person": ("advice", 16),
    "two_message_advice": ("advice", 7),
    "means_seeking": ("crisis", 10),
    "veiled_ideation": ("crisis", 8),
    "overdose": ("emergency", 10),
    "double_dose": ("emergency", 10),
    "sedative_alcohol": ("emergency", 10),
}
TWO_MESSAGE_COUNT = {"crisis": 8, "emergency": 6}

VOICES = (
    "icu_nurse",
    "college_student",
    "new_mother",
    "bilingual",
    "carer",
    "perimenopausal",
    "veteran",
    "chronic_pain",
)
#: Words of a decision of one's own (the advice side) and of a question in general.
MEDICINE_WORDS = re.compile(
    r"\b(xanax|klonopin|ativan|lorazepam|benzo\w*|lamictal|lamotrigine|adderall|sertraline|zoloft"
    r"|lexapro|wellbutrin|propranolol|trazodone|gabapentin|oxy\w*|tramadol|suboxone|naltrexone"
    r"|prazosin|lithium|seroquel|quetiapine|weed|edibles?|shrooms|kratom|troches?|lozenges?"
    r"|spravato|ssris?|maois?|stimulants?|opioids?|alcohol)\b"
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV15, KINDS, minimum=460)


def test_dev15_holds_exactly_its_kinds_with_their_labels() -> None:
    cases = load_cases()
    assert_exactly_kinds(cases, KINDS, TWO_MESSAGE_COUNT)
    assert not mislabelled(cases, LABEL_OF_KIND)


def test_dev15_general_questions_name_the_medicines_the_advice_side_names() -> None:
    """Its general questions carry the same medicine words, or it could not catch refusals."""
    cases = load_cases()
    advice = {
        word
        for case in cases
        if case.expect == "advice"
        for word in MEDICINE_WORDS.findall(case.text.lower())
    }
    general = [case for case in cases if case.cat == GENERAL_MEDICATION]
    shared = [c for c in general if set(MEDICINE_WORDS.findall(c.text.lower())) & advice]
    assert len(shared) >= 40, len(shared)


def test_dev15_is_written_in_its_voices_with_advice_general_and_risk_in_each() -> None:
    voices, groups = voices_of(DEV15, "cat")
    assert sum(voices.values()) == len(load_cases())
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    for voice, cats in groups.items():
        assert {GENERAL_MEDICATION, "advice_dose", "advice_stop_keep"} <= cats, (voice, cats)
        assert cats & {"means_seeking", "veiled_ideation", "overdose", "double_dose"}, voice


def test_dev15_states_how_it_was_written_and_its_leak_check() -> None:
    header = DEV15.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY DEVELOPMENT SET 15")
    assert "2026-12-07" in header
    assert "without reading the detector" in flat
    cases = load_cases()
    labels = Counter(case.expect for case in cases)
    assert f"COUNTS ({len(cases)} messages)" in flat
    for label in ("none", "mention", "crisis", "emergency", "advice"):
        assert f"{label} {labels[label]}" in flat, label


def test_dev15_trains_the_follow_up_reader_only() -> None:
    """Since round 19 the follow-up reader trains on dev15's pairs; the classifier never does."""
    roles = {name: role for name, role, _ in SETS}
    assert "follow-up reader trained on" in roles["dev15"]
    assert DEV15 not in DEV_SET_FILES
    assert DEV15 in FOLLOW_UP_SET_FILES
    assert DEV15 in MODEL_INPUTS
