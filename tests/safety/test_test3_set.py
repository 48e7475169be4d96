"""The third safety test set (``tests/safety/test3.yml``): loadable, covered, never leaked.

test3.yml was written blind for issue 10 (its writer had not read the detector, its patterns, the
development sets, ``test.yml`` or ``test2.yml``) and is measured only, never tuned on. These fast
tests check that it loads with the safety sets' own loader, that it holds every kind of message the
issue lists with the minimum counts its brief set, that its mix of urgent, advice and benign
messages stays near 45 / 17 / 38 per cent, and that no training sentence (``data/``) and no
sentence of any other safety set (development sets, the multi-turn set, ``test.yml`` and
``test2.yml``) comes within the project's 0.75 leak similarity of one of its sentences.

A reported collision names only the test3 sentence (and how close the other one came), so the set
stays blind: reword the test3 sentence, never look the other one up.
"""

from __future__ import annotations

from pathlib import Path

from clinicbot.safety.evaluate import load_safety_set
from tests.safety.blind_sets import (
    LABEL_OF_KIND,
    assert_covers_kinds,
    assert_leak_checks_catch_a_copy,
    assert_registered_measure_only,
    assert_size_and_mix,
    mislabelled,
    near_copies,
    too_close,
)
from tests.safety.kinds import REQUIRED_CATEGORIES, TEST2_EXTRA_KINDS

TEST3 = Path(__file__).with_name("test3.yml")

#: The kinds of message issue 10 lists (``cat`` values); test3 covers the same kinds as test2.
REQUIRED_KINDS = REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS

#: Minimum number of messages of a kind (the set's brief); every other required kind needs one.
MINIMUM_PER_KIND = {
    "veiled_ideation": 40,
    "self_harm_minimised": 16,
    "advice_pregnancy": 16,
    "advice_recreational": 16,
    "advice_dose": 12,
    "advice_stop_keep": 12,
    "advice_lozenge": 12,
    "past_trauma_safe": 16,
    "idiom": 20,
    "general_medication": 50,
    "sedative_alcohol": 12,
    "urinary_retention": 12,
    "chest_pain": 11,  # 12 written; one removed (see the set's header)
    "breathing": 12,
    "overdose": 11,  # 12 written; one removed
    "seizure": 11,  # 12 written; one removed
    "severe_reaction": 12,
    "unresponsive": 12,
}


def test_test3_has_the_size_and_mix_of_its_brief() -> None:
    assert_size_and_mix(load_safety_set(TEST3), min_total=420, min_two_message=5)


def test_test3_covers_every_kind_the_issue_lists() -> None:
    assert_covers_kinds(load_safety_set(TEST3), REQUIRED_KINDS, MINIMUM_PER_KIND)


def test_every_case_of_a_kind_carries_that_kinds_label() -> None:
    wrong = [
        (c.cat, c.expect, c.text) for _, c in mislabelled(load_safety_set(TEST3), LABEL_OF_KIND)
    ]
    assert not wrong, wrong


def test_no_training_or_development_sentence_is_near_a_test3_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold (``clinicbot.evaluate``)."""
    close = too_close(TEST3)
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test3_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    copies = near_copies(TEST3)
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test3_sentence() -> None:
    """The checks above can fail: a test3 sentence with a word added is reported."""
    assert_leak_checks_catch_a_copy(TEST3)


def test_test3_is_a_registered_measure_only_set() -> None:
    assert_registered_measure_only("test3", TEST3)
