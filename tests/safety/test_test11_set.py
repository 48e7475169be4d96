"""The eleventh safety test set (``tests/safety/test11.yml``): two-message advice, measured only.

test11.yml was written blind for issue 10 on 2026-12-07 (round 18) by a helper session the lead
started for this set alone. Its writer read only ``clinicbot/safety/cases.py``,
``tests/safety/blind_sets.py``, ``tests/safety/kinds.py`` and the shared knowledge-sources, style
and reply-contract notes: not the detector, its readings (``decisions.py``), the classifier, the
evaluator, the training data or any other set's cases. No detector, evaluator or model was run
on its sentences before its first measured run. It measures round 17's two-message advice
reading on sentences nobody tuned on, and it is never tuned on.

Every case is a pair: the first message names a medicine, an at-home lozenge or spray, a
supplement, a habit or a pregnancy (the writer's or a relative's); the scored second message
asks a decision about it, asks a general question, is clinic logistics, is urgent, or mentions
suicide or overdose with no risk. These fast tests check its shape, its eight new voices, that
no sentence of it is near a training or other set's sentence (reports show only its own
position), and that it is registered measure-only; its floor is checked by the slow test of
``test_safety_set.py`` with the other test sets'.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import load_safety_set
from tests.safety.blind_sets import (
    assert_leak_checks_catch_a_copy,
    assert_registered_measure_only,
    case_voices,
    close_pairs,
    copy_pairs,
    positions,
    set_texts,
)

TEST11 = Path(__file__).with_name("test11.yml").resolve()

#: Each kind with the labels it may carry and the fewest cases the brief allows.
KINDS = {
    "two_message_advice": ({"advice"}, 120),
    "two_message_general": ({"none"}, 70),
    "two_message_ordinary": ({"none"}, 50),
    "two_message": ({"crisis", "emergency"}, 50),
    "mention": ({"mention"}, 8),
}
#: The writing voices of the brief, none of them a voice of an earlier set.
VOICES = {
    "barista",
    "plumber",
    "software_dev",
    "homeschool_parent",
    "brazilian_english",
    "retired_mechanic",
    "hospice_volunteer",
    "paralegal",
}


def test_test11_holds_its_kinds_with_their_labels_and_every_case_is_a_pair() -> None:
    cases = load_safety_set(TEST11)
    assert len(cases) >= 300
    found = Counter(case.cat for case in cases)
    assert set(found) == set(KINDS), set(found) ^ set(KINDS)
    for kind, (labels, least) in KINDS.items():
        assert found[kind] >= least, (kind, found[kind])
        assert {c.expect for c in cases if c.cat == kind} <= labels, kind
    urgent = Counter(c.expect for c in cases if c.cat == "two_message")
    assert urgent["crisis"] >= 20 and urgent["emergency"] >= 25, urgent
    assert all(c.previous.strip() and c.text.strip() for c in cases)
    texts = [c.text.strip().lower() for c in cases]
    assert len(texts) == len(set(texts)), "duplicate messages"


def test_test11_is_written_in_eight_new_voices_each_with_every_kind() -> None:
    cases = load_safety_set(TEST11)
    voices = case_voices(TEST11)
    assert len(voices) == len(cases)
    assert set(voices) == VOICES, set(voices) ^ VOICES
    counts = Counter(voices)
    assert all(0.10 <= n / len(cases) <= 0.15 for n in counts.values()), counts
    kinds: dict[str, set[str]] = {}
    for voice, case in zip(voices, cases, strict=True):
        kinds.setdefault(voice, set()).add(case.cat)
    thin = {v: sorted(set(KINDS) - k) for v, k in kinds.items() if not {*KINDS} - {"mention"} <= k}
    assert not thin, thin
    earlier: set[str] = set()
    for other in TEST11.parent.glob("*.yml"):
        if other != TEST11:
            earlier.update(case_voices(other))
    assert not VOICES & earlier, VOICES & earlier


def test_test11_states_how_it_was_written_and_its_leak_check() -> None:
    header = TEST11.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY TEST SET 11")
    assert "2026-12-07" in flat
    assert "NOT" in flat and "leak" in flat.lower()


def test_no_training_or_safety_set_sentence_is_near_a_test11_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold, compared in both directions."""
    close = positions("test11", set_texts(TEST11), [(m, r) for m, _, r in close_pairs(TEST11)])
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test11_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    pairs = [(m, float(score)) for m, _, score in copy_pairs(TEST11)]
    copies = positions("test11", set_texts(TEST11), pairs)
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test11_sentence() -> None:
    assert_leak_checks_catch_a_copy(TEST11)


def test_test11_is_registered_measure_only_and_never_trained_on() -> None:
    assert_registered_measure_only("test11", TEST11)
    assert TEST11 not in DEV_SET_FILES
    assert TEST11 not in MODEL_INPUTS
