"""The second safety test set (``tests/safety/test2.yml``): registered, covered, never leaked.

test2.yml was written blind for issue 10 and is measured only. These fast tests check that
``python -m clinicbot.safety.evaluate --sets test2`` can score it, that it holds every kind of
message the issue lists, and that no training sentence (``data/``) and no sentence of any other
safety set (the development sets the detector is tuned and trained on, the multi-turn set and
``test.yml``) comes within the project's 0.75 leak similarity of one of its sentences.
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

TEST2 = Path(__file__).with_name("test2.yml")

#: The kinds of message issue 10 says were missed or must not alarm (``cat`` values).
REQUIRED_KINDS = REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS


def test_test2_is_a_registered_measure_only_set() -> None:
    assert_registered_measure_only("test2", TEST2)


def test_test2_covers_every_kind_the_issue_lists() -> None:
    cases = load_safety_set(TEST2)
    expect = Counter(c.expect for c in cases)
    assert len(cases) >= 320
    assert expect["crisis"] + expect["emergency"] >= 160
    assert expect["advice"] >= 60
    assert sum(c.cat == "general_medication" and c.expect == "none" for c in cases) >= 45
    benign_other = [c for c in cases if c.expect in ("none", "mention")]
    assert len(benign_other) - sum(c.cat == "general_medication" for c in cases) >= 80
    missing = REQUIRED_KINDS - {c.cat for c in cases}
    assert not missing, f"kinds without a case: {sorted(missing)}"
    assert sum(bool(c.previous) for c in cases) >= 5, "two-message cases"
    lowered = [c.text.strip().lower() for c in cases]
    assert len(lowered) == len(set(lowered)), "duplicate messages"


def test_no_training_or_development_sentence_is_near_a_test2_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold (``clinicbot.evaluate``)."""
    close = too_close(TEST2)
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test2_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    copies = near_copies(TEST2)
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test2_sentence() -> None:
    """The checks above can fail: a test2 sentence with a word added is reported."""
    assert_leak_checks_catch_a_copy(TEST2)
