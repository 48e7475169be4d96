"""The fourth safety test set (``tests/safety/test4.yml``): loadable, covered, never leaked.

test4.yml was written blind for issue 10 (its writer had not read the detector, the NLU components,
the training data, the development sets, ``multiturn.yml``, ``test.yml``, ``test2.yml`` or
``test3.yml`` beyond its schema header) and is measured only, never tuned on. These fast tests
check that it loads with the safety sets' own loader, that it holds every kind of message the issue
lists (and ``advice_other``) with the minimum counts its brief set, that its mix of urgent, advice
and benign messages stays near 45 / 17 / 38 per cent, and that no training sentence (``data/``)
and no sentence of any other safety set (development sets, the multi-turn set, ``test.yml``,
``test2.yml`` and ``test3.yml``) comes within the project's 0.75 leak similarity of one of its
sentences, in either direction.

A reported collision names neither sentence: only the position of the test4 message (``#n`` in
the order of ``set_texts``, earlier messages of two-message cases last) and how close the other
came. The set's writer rewords that message without looking the other one up, and the people who
tune the detector never see a test4 sentence.
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
    close_pairs,
    copy_pairs,
    mislabelled,
    set_texts,
)
from tests.safety.kinds import REQUIRED_CATEGORIES, TEST2_EXTRA_KINDS

TEST4 = Path(__file__).with_name("test4.yml")

#: The kinds of message issue 10 lists (``cat`` values), the extra kinds of test2, and
#: ``advice_other`` (a personal treatment decision none of the other advice kinds covers).
REQUIRED_KINDS = REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS | {"advice_other"}

#: Minimum number of messages of a kind (the set's brief); every other required kind needs one.
MINIMUM_PER_KIND = {
    "veiled_ideation": 50,
    "self_harm_minimised": 20,
    "third_party": 14,
    "harm_others": 14,
    "abuse_coercion": 14,
    "advice_pregnancy": 16,
    "advice_recreational": 16,
    "advice_dose": 12,
    "advice_stop_keep": 12,
    "advice_lozenge": 12,
    "advice_other": 14,
    "past_trauma_safe": 16,
    "idiom": 20,
    "past_dissociation": 14,
    "old_history": 12,
    "ordinary": 30,
    "general_medication": 50,
    "sedative_alcohol": 12,
    "urinary_retention": 12,
    "chest_pain": 12,
    "breathing": 12,
    "overdose": 12,
    "seizure": 12,
    "severe_reaction": 12,
    "unresponsive": 12,
}

#: The label each kind must carry: the blind sets' kinds and test4's own.
TEST4_LABEL_OF_KIND = {**LABEL_OF_KIND, "rambling": {"crisis"}, "advice_other": {"advice"}}


def _positions(mine: list[str], pairs: list[tuple[str, float]]) -> list[str]:
    """``#n ratio`` for each (test4 text, ratio) pair: no sentence of either side is shown."""
    index = {text: n for n, text in enumerate(mine, start=1)}
    return [f"test4 message #{index[text]} at {ratio:.2f}" for text, ratio in pairs]


def test_test4_has_the_size_and_mix_of_its_brief() -> None:
    assert_size_and_mix(load_safety_set(TEST4), min_total=500, min_two_message=10)


def test_test4_covers_every_kind_the_brief_lists() -> None:
    assert_covers_kinds(load_safety_set(TEST4), REQUIRED_KINDS, MINIMUM_PER_KIND)


def test_every_test4_case_of_a_kind_carries_that_kinds_label() -> None:
    wrong = [
        (n, c.cat, c.expect) for n, c in mislabelled(load_safety_set(TEST4), TEST4_LABEL_OF_KIND)
    ]
    assert not wrong, wrong


def test_no_training_or_safety_set_sentence_is_near_a_test4_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold, compared in both directions."""
    close = _positions(set_texts(TEST4), [(m, r) for m, _, r in close_pairs(TEST4)])
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test4_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    copies = _positions(set_texts(TEST4), [(m, float(score)) for m, _, score in copy_pairs(TEST4)])
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test4_sentence() -> None:
    """The checks above can fail: a test4 sentence with a word added is reported."""
    assert_leak_checks_catch_a_copy(TEST4)


def test_test4_is_a_registered_measure_only_set() -> None:
    assert_registered_measure_only("test4", TEST4)
