"""The round-4 development set: the kinds it was written for, with benign negatives beside them."""

from __future__ import annotations

from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import SETS
from tests.safety.kinds import assert_holds_kinds

DEV4 = next(path for name, _, path in SETS if name == "dev4")

#: Each kind dev4.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "advice_pregnancy": ("advice", 25),
    "advice_recreational": ("advice", 25),
    "advice_dose": ("advice", 12),
    "advice_lozenge": ("advice", 10),
    "advice_stop_keep": ("advice", 12),
    "veiled_ideation": ("crisis", 35),
    "self_harm_minimised": ("crisis", 20),
    "general_pregnancy": ("none", 15),
    "general_substance": ("none", 15),
    "general_medication": ("none", 20),
    "past_trauma_safe": ("none", 20),
    "past_dissociation": ("none", 12),
    "old_history": ("none", 12),
    "idiom": ("none", 15),
}


def test_dev4_is_registered_and_trained_on() -> None:
    assert DEV4 in DEV_SET_FILES


def test_dev4_holds_the_kinds_it_was_written_for() -> None:
    assert_holds_kinds(DEV4, KINDS, minimum=300)
