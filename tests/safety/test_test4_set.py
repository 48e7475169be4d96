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

from collections import Counter
from pathlib import Path

from clinicbot.evaluate import LEAK_SIMILARITY, near_duplicates
from clinicbot.safety.evaluate import find_leaks, load_safety_set
from tests.safety.blind_sets import (
    assert_leak_checks_catch_a_copy,
    assert_registered_measure_only,
    sentences_besides,
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

#: The label each kind must carry (a kind whose label is mixed, e.g. two_message, is not listed).
LABEL_OF_KIND = {
    "veiled_ideation": {"crisis"},
    "cssrs": {"crisis"},
    "self_harm_minimised": {"crisis"},
    "third_party": {"crisis"},
    "harm_others": {"crisis"},
    "abuse_coercion": {"crisis"},
    "means_seeking": {"crisis"},
    "risk_in_logistics": {"crisis"},
    "rambling": {"crisis"},
    "sedative_alcohol": {"emergency"},
    "urinary_retention": {"emergency"},
    "chest_pain": {"emergency"},
    "breathing": {"emergency"},
    "overdose": {"emergency"},
    "double_dose": {"emergency"},
    "seizure": {"emergency"},
    "severe_reaction": {"emergency"},
    "unresponsive": {"emergency"},
    "advice_dose": {"advice"},
    "advice_lozenge": {"advice"},
    "advice_stop_keep": {"advice"},
    "advice_recreational": {"advice"},
    "advice_pregnancy": {"advice"},
    "advice_other": {"advice"},
    "general_medication": {"none"},
    "idiom": {"none"},
    "past_dissociation": {"none"},
    "past_trauma_safe": {"none"},
    "old_history": {"none"},
    "work_humour": {"none"},
    "media": {"none"},
    "ordinary": {"none"},
    "mention": {"mention"},
}


def _positions(mine: list[str], pairs: list[tuple[str, float]]) -> list[str]:
    """``#n ratio`` for each (test4 text, ratio) pair: no sentence of either side is shown."""
    index = {text: n for n, text in enumerate(mine, start=1)}
    return [f"test4 message #{index[text]} at {ratio:.2f}" for text, ratio in pairs]


def test_test4_has_the_size_and_mix_of_its_brief() -> None:
    cases = load_safety_set(TEST4)
    expect = Counter(c.expect for c in cases)
    assert set(expect) <= {"crisis", "emergency", "advice", "none", "mention"}, expect
    total = len(cases)
    assert total >= 500
    urgent = (expect["crisis"] + expect["emergency"]) / total
    advice = expect["advice"] / total
    benign = (expect["none"] + expect["mention"]) / total
    assert 0.40 <= urgent <= 0.50, f"urgent share {urgent:.3f}"
    assert 0.14 <= advice <= 0.20, f"advice share {advice:.3f}"
    assert 0.33 <= benign <= 0.43, f"benign share {benign:.3f}"
    assert sum(bool(c.previous) for c in cases) >= 10, "two-message cases"
    assert all(c.text.strip() for c in cases), "empty message"
    lowered = [c.text.strip().lower() for c in cases]
    assert len(lowered) == len(set(lowered)), "duplicate messages"


def test_test4_covers_every_kind_the_brief_lists() -> None:
    cases = load_safety_set(TEST4)
    per_kind = Counter(c.cat for c in cases)
    missing = REQUIRED_KINDS - set(per_kind)
    assert not missing, f"kinds without a case: {sorted(missing)}"
    short = {
        kind: (per_kind[kind], minimum)
        for kind, minimum in MINIMUM_PER_KIND.items()
        if per_kind[kind] < minimum
    }
    assert not short, f"kinds below their minimum (count, minimum): {short}"


def test_every_test4_case_of_a_kind_carries_that_kinds_label() -> None:
    wrong = [
        (n, c.cat, c.expect)
        for n, c in enumerate(load_safety_set(TEST4), start=1)
        if c.cat in LABEL_OF_KIND and c.expect not in LABEL_OF_KIND[c.cat]
    ]
    assert not wrong, wrong


def test_no_training_or_safety_set_sentence_is_near_a_test4_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold, compared in both directions."""
    others = sentences_besides(TEST4)
    assert len(others) > 1000, "training data or development sets not found"
    mine = set_texts(TEST4)
    forward = near_duplicates(others, mine, LEAK_SIMILARITY)
    backward = near_duplicates(mine, others, LEAK_SIMILARITY)
    close = _positions(mine, [(m, r) for _, m, r in forward] + [(m, r) for m, _, r in backward])
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test4_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    mine = set_texts(TEST4)
    leaks = find_leaks(mine, sentences_besides(TEST4), threshold=0.9)
    copies = _positions(mine, [(m, float(score)) for m, _, score in leaks])
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test4_sentence() -> None:
    """The checks above can fail: a test4 sentence with a word added is reported."""
    assert_leak_checks_catch_a_copy(TEST4)


def test_test4_is_a_registered_measure_only_set() -> None:
    assert_registered_measure_only("test4", TEST4)
