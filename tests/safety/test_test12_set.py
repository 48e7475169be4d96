"""The twelfth safety test set (``tests/safety/test12.yml``): two-message advice, measured only.

test12.yml was written blind for issue 10 on 2026-12-08 (round 19) by a helper session the lead
started for this set alone. Its writer read only ``clinicbot/safety/cases.py``,
``tests/safety/blind_sets.py``, ``tests/safety/kinds.py``, dev17.yml's header (for its format)
and the shared knowledge-sources, style and reply-contract notes: not the detector, its
readings, the classifier, the evaluator, the training data or any other set's cases. No
detector, evaluator or model was run on its sentences before its first measured run. It
measures round 19's learned follow-up reader (and round 17 and 18's expressions) on sentences
nobody tuned on, and it is never tuned on.

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
from clinicbot.safety.dev_sets import DEV_SET_FILES, FOLLOW_UP_SET_FILES
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

TEST12 = Path(__file__).with_name("test12.yml").resolve()

#: Each kind with the labels it may carry and the fewest cases the brief allows.
KINDS = {
    "two_message_advice": ({"advice"}, 130),
    "two_message_general": ({"none"}, 75),
    "two_message_ordinary": ({"none"}, 55),
    "two_message": ({"crisis", "emergency"}, 55),
    "mention": ({"mention"}, 10),
}
#: The writing voices of the brief, none of them a voice of an earlier set.
VOICES = {
    "landscaper",
    "court_reporter",
    "kenyan_english",
    "mortgage_broker",
    "ski_instructor",
    "dog_groomer",
    "polish_english",
    "cab_dispatcher",
}


def test_test12_holds_its_kinds_with_their_labels_and_every_case_is_a_pair() -> None:
    cases = load_safety_set(TEST12)
    assert len(cases) >= 320
    found = Counter(case.cat for case in cases)
    assert set(found) == set(KINDS), set(found) ^ set(KINDS)
    for kind, (labels, least) in KINDS.items():
        assert found[kind] >= least, (kind, found[kind])
        assert {c.expect for c in cases if c.cat == kind} <= labels, kind
    urgent = Counter(c.expect for c in cases if c.cat == "two_message")
    assert urgent["crisis"] >= 25 and urgent["emergency"] >= 30, urgent
    assert all(c.previous.strip() and c.text.strip() for c in cases)
    texts = [c.text.strip().lower() for c in cases]
    assert len(texts) == len(set(texts)), "duplicate messages"


def test_test12_is_written_in_eight_new_voices_each_with_every_kind() -> None:
    cases = load_safety_set(TEST12)
    voices = case_voices(TEST12)
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
    for other in TEST12.parent.glob("*.yml"):
        if other != TEST12:
            earlier.update(case_voices(other))
    assert not VOICES & earlier, VOICES & earlier


def test_test12_states_how_it_was_written_and_its_leak_check() -> None:
    header = TEST12.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY TEST SET 12")
    assert "2026-12-08" in flat
    assert "NOT" in flat and "leak" in flat.lower()


def test_no_training_or_safety_set_sentence_is_near_a_test12_sentence() -> None:
    """0.75 difflib similarity, the project's leak threshold, compared in both directions."""
    close = positions("test12", set_texts(TEST12), [(m, r) for m, _, r in close_pairs(TEST12)])
    assert not close, "too close to a sentence elsewhere:\n  " + "\n  ".join(close[:30])


def test_no_test12_sentence_is_a_near_copy_by_the_safety_leak_check() -> None:
    pairs = [(m, float(score)) for m, _, score in copy_pairs(TEST12)]
    copies = positions("test12", set_texts(TEST12), pairs)
    assert not copies, "near copies of a sentence elsewhere:\n  " + "\n  ".join(copies)


def test_leak_check_would_catch_a_copied_test12_sentence() -> None:
    assert_leak_checks_catch_a_copy(TEST12)


def test_test12_is_registered_measure_only_and_never_trained_on() -> None:
    assert_registered_measure_only("test12", TEST12)
    assert TEST12 not in DEV_SET_FILES
    assert TEST12 not in FOLLOW_UP_SET_FILES
    assert TEST12 not in MODEL_INPUTS
