"""The round-4b development set: emergencies in lay words, with benign negatives beside them."""

from __future__ import annotations

from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import SETS
from tests.safety.kinds import assert_holds_kinds

DEV5 = next(path for name, _, path in SETS if name == "dev5")

#: Each kind dev5.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "heart_lay": ("emergency", 15),
    "seizure_lay": ("emergency", 12),
    "overdose_lay": ("emergency", 15),
    "collapse_lay": ("emergency", 12),
    "stroke_lay": ("emergency", 12),
    "breathing_lay": ("emergency", 12),
    "urinary_lay": ("emergency", 10),
    "allergy_lay": ("emergency", 12),
    "two_message_plan": ("crisis", 10),
    "two_message_burden_benign": ("none", 5),
    "past_resolved": ("none", 15),
    "general_signs": ("none", 15),
    "hypothetical_media": ("none", 10),
    "workout_ordinary": ("none", 15),
    "pet": ("none", 5),
    "joke": ("none", 5),
}


def test_dev5_is_registered_and_trained_on() -> None:
    assert DEV5 in DEV_SET_FILES


def test_dev5_holds_the_kinds_it_was_written_for() -> None:
    cases = assert_holds_kinds(DEV5, KINDS, minimum=220)
    assert all(case.previous for case in cases if case.cat.startswith("two_message"))
