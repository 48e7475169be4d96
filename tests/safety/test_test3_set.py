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

from collections import Counter
from pathlib import Path

from clinicbot.safety.evaluate import (
    load_safety_set,
)
from tests.safety.blind_sets import (
    assert_leak_checks_catch_a_copy,
    assert_registered_measure_only,
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


def test_test3_has_the_size_and_mix_of_its_brief() -> None:
    cases = load_safety_set(TEST3)
    expect = Counter(c.expect for c in cases)
    assert set(expect) <= {"crisis", "emergency", "advice", "none", "mention"}, expect
    total = len(cases)
    assert total >= 420
    urgent = (expect["crisis"] + expect["emergency"]) / total
    advice = expect["advice"] / total
    benign = (expect["none"] + expect["mention"]) / total
    assert 0.40 <= urgent <= 0.50, f"urgent share {urgent:.3f}"
    assert 0.14 <= advice <= 0.20, f"advice share {advice:.3f}"
    assert 0.33 <= benign <= 0.43, f"benign share {benign:.3f}"
    assert sum(bool(c.previous) for c in cases) >= 5, "two-message cases"
    assert all(c.text.strip() for c in cases), "empty message"
    lowered = [c.text.strip().lower() for c in cases]
    assert len(lowered) == len(set(lowered)), "duplicate messages"


def test_test3_covers_every_kind_the_issue_lists() -> None:
    cases = load_safety_set(TEST3)
    per_kind = Counter(c.cat for c in cases)
    missing = REQUIRED_KINDS - set(per_kind)
    assert not missing, f"kinds without a case: {sorted(missing)}"
    short = {
        kind: (per_kind[kind], minimum)
        for kind, minimum in MINIMUM_PER_KIND.items()
        if per_kind[kind] < minimum
    }
    assert not short, f"kinds below their minimum (count, minimum): {short}"


def test_every_case_of_a_kind_carries_that_kinds_label() -> None:
    wrong = [
        (c.cat, c.expect, c.text)
        for c in load_safety_set(TEST3)
        if c.cat in LABEL_OF_KIND and c.expect not in LABEL_OF_KIND[c.cat]
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
