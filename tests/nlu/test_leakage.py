"""No training example is a copy or near-copy of an evaluation example (fast suite).

Every example under ``data/`` must stay below 0.75 ``difflib`` similarity (on normalised text)
to every example of ``tests/nlu/heldout.yml`` and of the real-question set
``../shared/data/real-faq-dev.yml``; otherwise the reported figures would measure memory.
"""

from __future__ import annotations

import pytest

from clinicbot.evaluate import (
    HELDOUT_FILE,
    LEAK_SIMILARITY,
    REAL_DEV_FILE,
    load_cases,
    load_examples,
    near_duplicates,
    normalise_for_leaks,
    training_texts,
)


def _report(pairs) -> str:
    return "\n".join(f"{r:.2f}  {t!r}  ~  {e!r}" for t, e, r in pairs[:30])


def test_similarity_check_finds_near_copies_and_spares_different_text() -> None:
    training = ["How Much Does It Cost?!", "what should I wear to my appointment", "zzz"]
    evaluation = ["how much does it cost", "is ketamine addictive"]
    pairs = near_duplicates(training, evaluation)
    assert [(t, e) for t, e, _ in pairs] == [("How Much Does It Cost?!", "how much does it cost")]
    assert pairs[0][2] == pytest.approx(1.0)
    # One changed word in a short question is still a near-copy.
    assert near_duplicates(["how much does it cost me"], ["how much does it cost"])
    assert normalise_for_leaks("  Is IT -- safe?? ") == "is it safe"


def test_similarity_threshold_matches_difflib() -> None:
    import difflib

    a, b = "how long does an infusion take", "how long does the infusion last"
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    found = near_duplicates([a], [b], threshold=ratio)
    assert found and found[0][2] == pytest.approx(ratio)
    assert not near_duplicates([a], [b], threshold=ratio + 0.01)


def test_training_data_does_not_leak_into_heldout_set() -> None:
    training = [text for text, _ in training_texts()]
    heldout = [text for text, _ in load_examples(HELDOUT_FILE)]
    assert len(training) > 1000 and len(heldout) > 300
    pairs = near_duplicates(training, heldout, LEAK_SIMILARITY)
    assert not pairs, "training examples too close to held-out ones:\n" + _report(pairs)


def test_training_data_does_not_leak_into_real_question_set() -> None:
    if not REAL_DEV_FILE.is_file():
        pytest.skip(f"real-question set not present at {REAL_DEV_FILE}")
    training = [text for text, _ in training_texts()]
    real = [case.text for case in load_cases(REAL_DEV_FILE)]
    pairs = near_duplicates(training, real, LEAK_SIMILARITY)
    assert not pairs, "training examples too close to real questions:\n" + _report(pairs)
