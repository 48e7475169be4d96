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

from clinicbot.evaluate import LEAK_SIMILARITY, near_duplicates
from clinicbot.safety.evaluate import (
    SETS,
    find_leaks,
    load_multiturn,
    load_safety_set,
    load_training_examples,
)
from tests.safety.kinds import REQUIRED_CATEGORIES, TEST2_EXTRA_KINDS

TEST2 = Path(__file__).with_name("test2.yml")

#: The kinds of message issue 10 says were missed or must not alarm (``cat`` values).
REQUIRED_KINDS = REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS


def _texts(path: Path) -> list[str]:
    cases = load_safety_set(path)
    return [c.text for c in cases] + [c.previous for c in cases if c.previous]


def _other_sentences() -> list[str]:
    """Every sentence the detector could have been trained or tuned on, plus test.yml."""
    texts = [text for text, _ in load_training_examples()]
    for path in sorted(TEST2.parent.glob("*.yml")):
        if path == TEST2:
            continue
        if path.name == "multiturn.yml":
            for conversation in load_multiturn(path):
                texts.extend(turn["text"] for turn in conversation["turns"])
        else:
            texts.extend(_texts(path))
    return texts


def test_test2_is_a_registered_measure_only_set() -> None:
    registered = {name: (role, Path(path)) for name, role, path in SETS}
    assert "test2" in registered, "python -m clinicbot.safety.evaluate --sets test2 scores nothing"
    role, path = registered["test2"]
    assert path.resolve() == TEST2.resolve()
    assert role.startswith("test"), role


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
    others = _other_sentences()
    assert len(others) > 1000, "training data or development sets not found"
    pairs = near_duplicates(others, _texts(TEST2), LEAK_SIMILARITY)
    assert not pairs, "too close to a test2 sentence:\n" + "\n".join(
        f"  {ratio:.2f} {other!r} ~ {test!r}" for other, test, ratio in pairs[:30]
    )


def test_no_test2_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    """The safety sets' own check (character n-gram TF-IDF, 0.9) agrees."""
    leaks = find_leaks(_texts(TEST2), _other_sentences(), threshold=0.9)
    assert not leaks, "\n".join(f"  {t!r} ~ {o!r} ({s})" for t, o, s in leaks)


def test_leak_check_would_catch_a_copied_test2_sentence() -> None:
    """The check above can fail: a test2 sentence with one word changed is reported."""
    sentence = load_safety_set(TEST2)[0].text
    altered = sentence.replace(" ", "  ", 1) + " ok"
    pairs = near_duplicates([altered], _texts(TEST2), LEAK_SIMILARITY)
    assert pairs and pairs[0][1] == sentence
