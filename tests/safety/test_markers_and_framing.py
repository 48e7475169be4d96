"""Meaning markers, general framings and the development-set cross-validation (issue 10)."""

from __future__ import annotations

import pytest

from clinicbot.safety.crossval import _fold_of, development_cases, groups_of
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.dev_sets import DEV_SET_FILES, dev_training_examples
from clinicbot.safety.evaluate import TEST_SET, load_safety_set
from clinicbot.safety.features import markers
from clinicbot.safety.normalize import normalize


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("i told him to stop and he kept going", "__no_consent__"),
        ("i froze and couldn't say no", "__no_consent__"),
        ("woke up and he was in my bed", "__no_consent__"),
        ("she checks my phone every night", "__control_fear__"),
        ("he controls all the money and i have to ask permission", "__control_fear__"),
        ("i'm scared to go home tonight", "__control_fear__"),
        ("he had better pray i don't catch him alone", "__threat_other__"),
        ("i know where he parks", "__threat_other__"),
        ("i haven't been able to pee since this morning", "__bladder__"),
    ],
)
def test_meaning_markers_fire(text: str, marker: str) -> None:
    assert marker in markers(normalize(text))


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("he said no to the extra charge", "__no_consent__"),
        ("my husband checks on me after sessions", "__control_fear__"),
        ("i know where the clinic is", "__threat_other__"),
        ("what should i know before my first infusion", "__personal_decision__"),
        ("what should i bring", "__personal_decision__"),
    ],
)
def test_meaning_markers_stay_quiet_on_ordinary_words(text: str, marker: str) -> None:
    assert marker not in markers(normalize(text))


def test_should_i_about_a_decision_is_still_personal() -> None:
    assert "__personal_decision__" in markers(normalize("should i stop my zoloft"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can I take ketamine at home?", ("none", "mention")),
        ("is it possible to get ketamine treatment at home", ("none", "mention")),
        ("can i take an extra lozenge at home tonight", ("advice",)),
        ("can i take my leftover troches at home by myself", ("advice",)),
        ("Can I drink alcohol before or after a ketamine infusion?", ("none", "mention")),
        ("can i have a beer after my infusion tonight", ("advice",)),
        ("I want out of this questionnaire", ("none", "mention")),
        ("i just want out of this life", ("crisis",)),
        ("do you treat people who have attempted suicide before", ("mention", "none")),
        ("i attempted suicide last week", ("crisis",)),
    ],
)
def test_patterns_tell_general_questions_from_personal_ones(
    pattern_detector: SafetyDetector, text: str, expected: tuple[str, ...]
) -> None:
    assert pattern_detector.detect(text).category in expected


@pytest.mark.parametrize(
    "text",
    [
        "I live by myself, who can drive me home after the infusion",
        "what will i feel during the infusion? kinda scared tbh",
        "let's end it here, thanks",
        "my wife says i'm laughing again, first time in ages",
    ],
)
def test_trained_detector_does_not_alarm_on_logistics_and_progress(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category in ("none", "mention")


@pytest.mark.parametrize(
    "text",
    [
        "he wouldn't stop even when i said no",
        "i'm afraid to go home, he checks my phone and takes my money",
        "i can't pee at all since last night and my belly is swollen and hard",
    ],
)
def test_trained_detector_catches_risk_told_without_the_words(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category in ("crisis", "emergency")


def test_development_files_are_trained_on_and_test_set_is_not() -> None:
    trained = {text for text, _ in dev_training_examples()}
    assert TEST_SET not in DEV_SET_FILES
    assert {case.text for _, case in development_cases()} == trained
    names = {name for name, _ in development_cases()}
    assert names == {path.name for path in DEV_SET_FILES}
    assert names >= {f"dev{n}.yml" for n in ("", 2, 3, 4, 5, 6, 8)}
    assert not trained & {case.text for case in load_safety_set(TEST_SET)}


def test_folds_partition_the_development_cases() -> None:
    cases = [case for _, case in development_cases()]
    folds = [_fold_of(case, 5) for case in cases]
    assert set(folds) == set(range(5))
    assert all(_fold_of(case, 5) == fold for case, fold in zip(cases, folds, strict=True))
    assert min(folds.count(f) for f in range(5)) > len(cases) / 10


def test_grouping_by_file_holds_out_whole_files() -> None:
    """Cross-validation by file: every case's group is its file, so no file trains on itself."""
    cases = development_cases()
    groups = groups_of(cases, "file", 5)
    assert groups == [name for name, _ in cases]
    assert set(groups) == {path.name for path in DEV_SET_FILES}
    assert set(groups_of(cases, "hash", 5)) == {f"fold-{n}" for n in range(5)}
