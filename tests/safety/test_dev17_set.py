"""The round-18 development set: two-message advice, written blind in eight other voices.

Every case of dev17.yml is a pair: the first message names a medicine, a substance or a
pregnancy (the writer's or a relative's), and the scored second message asks a decision about it
(often without naming it), or asks a general question, or logistics, or is urgent. It was written
by a helper who read no detector and no other set, after test11.yml showed round 17's reading
had learned dev16's phrasings. It is tuned on and the safety classifier never trains on it;
since round 19 the follow-up reader trains on its pairs.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES, FOLLOW_UP_SET_FILES
from clinicbot.safety.evaluate import SETS
from tests.safety.kinds import assert_holds_kinds, voices_of

DEV17 = (Path(__file__).parent / "dev17.yml").resolve()

#: Each kind dev17.yml holds, with its label and count.
KINDS = {
    "two_message_advice": ("advice", 152),
    "two_message_general": ("none", 64),
    "two_message_ordinary": ("none", 56),
}
TWO_MESSAGE_COUNT = {"crisis": 16, "emergency": 16}
VOICES = (
    "electrician",
    "vietnamese_english",
    "tattoo_artist",
    "insurance_adjuster",
    "daycare_worker",
    "pilates_instructor",
    "night_auditor",
    "poet",
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV17, KINDS, minimum=300)


def test_dev17_holds_exactly_its_kinds_and_every_case_is_a_pair() -> None:
    cases = load_cases()
    found = Counter(case.cat for case in cases)
    assert {kind: found[kind] for kind in KINDS} == {k: n for k, (_, n) in KINDS.items()}
    assert set(found) == set(KINDS) | {"two_message"}
    urgent = Counter(case.expect for case in cases if case.cat == "two_message")
    assert urgent == TWO_MESSAGE_COUNT
    assert all(case.previous for case in cases)  # every case is a pair
    # a few first messages are followed by two different questions, as patients do
    assert len({case.previous for case in cases}) >= 0.95 * len(cases)


def test_dev17_is_written_in_its_voices_with_advice_general_and_risk_in_each() -> None:
    voices, groups = voices_of(DEV17, "cat")
    assert sum(voices.values()) == len(load_cases())
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    for voice, cats in groups.items():
        assert {"two_message_advice", "two_message_general", "two_message"} <= cats, voice


def test_dev17_states_how_it_was_written_and_its_leak_check() -> None:
    header = DEV17.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY DEVELOPMENT SET 17")
    assert "without reading the detector" in flat
    assert "LEAK CHECK" in flat
    counted = Counter((case.cat, case.expect) for case in load_cases())
    for (cat, label), count in counted.items():
        assert f"{cat} expect {label} {count}" in flat, (cat, label)


def test_dev17_trains_the_follow_up_reader_only() -> None:
    """Since round 19 the follow-up reader trains on dev17's pairs; the classifier never does."""
    roles = {name: role for name, role, _ in SETS}
    assert "follow-up reader trained on" in roles["dev17"]
    assert DEV17 not in DEV_SET_FILES
    assert DEV17 in FOLLOW_UP_SET_FILES
    assert DEV17 in MODEL_INPUTS
