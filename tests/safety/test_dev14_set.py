"""The round-15 development set: lethal means, preparatory acts and self-injury, told plainly.

dev14.yml pairs each risky shape (a rifle kept loaded by the bed, a chain hung in the rafters,
pills counted, a date chosen, a burn held on purpose) with ordinary messages that use the same
nouns (a gun safe, climbing rope, rat bait, a spatter burn at work). It is tuned on and never
trained on.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, mislabelled
from tests.safety.kinds import assert_exactly_kinds, assert_holds_kinds, voices_of

DEV14 = (Path(__file__).parent / "dev14.yml").resolve()

#: Each kind dev14.yml holds after its leak check, with its label and count.
KINDS = {
    GENERAL_MEDICATION: ("none", 31),
    "ordinary": ("none", 122),
    "idiom": ("none", 20),
    "sad_no_risk": ("none", 21),
    "two_message_benign": ("none", 7),
    "mention": ("mention", 15),
    "means_seeking": ("crisis", 46),
    "cssrs": ("crisis", 53),
    "self_harm_minimised": ("crisis", 38),
    "harm_others": ("crisis", 14),
    "third_party": ("crisis", 14),
    "sedative_alcohol": ("emergency", 8),
    "urinary_retention": ("emergency", 8),
    "overdose": ("emergency", 6),
    "unresponsive": ("emergency", 6),
    "advice_dose": ("advice", 15),
    "advice_stop_keep": ("advice", 15),
}
TWO_MESSAGE_COUNT = {"crisis": 7, "emergency": 2}

VOICES = (
    "hunter",
    "climber",
    "welder",
    "dental_hygienist",
    "bus_driver",
    "nigerian_english",
    "widower",
    "crafter",
)
#: The nouns of lethal means the set's benign messages reuse in an ordinary sense.
MEANS_WORDS = re.compile(
    r"\b(rope|rifle|gun|shotgun|pistol|ammo|poison|bait|bridge|cliff|tracks|burn\w*|blade|"
    r"razor|knife|vials?|charcoal|helium|argon|lye|pills?|chain|tank|hose)\b"
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV14, KINDS, minimum=440)


def test_dev14_holds_exactly_its_kinds_with_their_labels() -> None:
    cases = load_cases()
    assert_exactly_kinds(cases, KINDS, TWO_MESSAGE_COUNT)
    assert not mislabelled(cases, LABEL_OF_KIND)


def test_dev14_benign_messages_reuse_the_nouns_of_means() -> None:
    """Its ordinary messages carry rope, rifles and rat bait, or it could not catch alarms."""
    benign = [case for case in load_cases() if case.expect in ("none", "mention")]
    assert sum(bool(MEANS_WORDS.search(case.text.lower())) for case in benign) >= 45


def test_dev14_is_written_in_its_voices_with_benign_advice_and_risk_in_each() -> None:
    voices, groups = voices_of(DEV14, "expect")
    assert sum(voices.values()) == len(load_cases())
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    for voice, labels in groups.items():
        assert {"crisis", "emergency", "advice", "none"} <= labels, (voice, labels)


def test_dev14_states_how_it_was_written_and_its_leak_check() -> None:
    header = DEV14.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    flat = " ".join(header.replace("#", " ").split())
    assert header.startswith("# SAFETY DEVELOPMENT SET 14")
    assert "2026-12-07" in header
    assert "without reading the detector" in flat
    cases = load_cases()
    labels = Counter(case.expect for case in cases)
    assert f"Left: {len(cases)} cases" in flat
    for label in ("none", "mention", "crisis", "emergency", "advice"):
        assert f"{label} {labels[label]}" in flat, label


def test_dev14_is_scored_but_never_trained_on() -> None:
    """dev14.yml measures a change before it reaches the blind sets; no model trains on it."""
    roles = {name: role for name, role, _ in SETS}
    assert "not trained" in roles["dev14"]
    assert DEV14 not in DEV_SET_FILES
    assert DEV14 not in MODEL_INPUTS
