"""The round-17 development set: two-message advice, the medicine named one message earlier.

Every case of dev16.yml is a pair: the first message names a medicine, a substance or a
pregnancy (the writer's or a relative's), and the scored second message asks a decision about it
without naming it ("hold it fri?"), or asks a general question, or logistics, or is urgent. It is
tuned on; the safety classifier never trains on it, and since round 19 the follow-up
reader trains on its pairs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES, FOLLOW_UP_SET_FILES
from clinicbot.safety.evaluate import SETS
from tests.safety.kinds import assert_holds_kinds, voices_of

DEV16 = (Path(__file__).parent / "dev16.yml").resolve()

#: Each kind dev16.yml holds, with its label and count.
KINDS = {
    "two_message_advice": ("advice", 120),
    "two_message_general": ("none", 80),
    "two_message_ordinary": ("none", 51),
    "mention": ("mention", 8),
}
TWO_MESSAGE_COUNT = {"crisis": 24, "emergency": 28}
VOICES = (
    "retired_teacher",
    "truck_driver",
    "grad_student_terse",
    "rural_dad",
    "nonbinary_artist",
    "pharmacist_patient",
    "esl_tagalog_english",
    "older_adult_spouse",
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV16, KINDS, minimum=300)


def test_dev16_holds_exactly_its_kinds_and_every_case_is_a_pair() -> None:
    cases = load_cases()
    found = Counter(case.cat for case in cases)
    assert {kind: found[kind] for kind in KINDS} == {k: n for k, (_, n) in KINDS.items()}
    assert set(found) == set(KINDS) | {"two_message"}
    urgent = Counter(case.expect for case in cases if case.cat == "two_message")
    assert urgent == TWO_MESSAGE_COUNT
    # unlike the other sets, the mention cases are pairs too (kinds.assert_exactly_kinds
    # expects a previous message only on two-message kinds)
    assert all(case.previous for case in cases)
    assert len({case.previous for case in cases}) == len(cases)


def test_dev16_is_written_in_its_voices_with_advice_general_and_risk_in_each() -> None:
    voices, groups = voices_of(DEV16, "cat")
    assert sum(voices.values()) == len(load_cases())
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    for voice, cats in groups.items():
        assert {"two_message_advice", "two_message_general", "two_message"} <= cats, voice


def test_dev16_states_how_it_was_written_and_its_leak_check() -> None:
    header = DEV16.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY DEVELOPMENT SET 16")
    assert "without reading the detector" in flat
    assert "LEAK CHECK" in flat
    labels = Counter(case.expect for case in load_cases())
    for label in ("advice", "none", "crisis", "emergency"):
        assert f"{label} {labels[label]}" in flat, label


def test_dev16_trains_the_follow_up_reader_only() -> None:
    """Since round 19 the follow-up reader trains on dev16's pairs; the classifier never does."""
    roles = {name: role for name, role, _ in SETS}
    assert "follow-up reader trained on" in roles["dev16"]
    assert DEV16 not in DEV_SET_FILES
    assert DEV16 in FOLLOW_UP_SET_FILES
    assert DEV16 in MODEL_INPUTS
