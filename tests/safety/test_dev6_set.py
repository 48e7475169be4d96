"""The round-5 development set: the kinds the blind sets still miss, and benign negatives."""

from __future__ import annotations

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.kinds import assert_holds_kinds

DEV6 = next(path for name, _, path in SETS if name == "dev6")

#: Each kind dev6.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "veiled_ideation": ("crisis", 40),
    "self_harm_minimised": ("crisis", 25),
    "urinary_retention": ("emergency", 20),
    "third_party": ("crisis", 20),
    "advice_other": ("advice", 35),
    "past_trauma_safe": ("none", 20),
    "past_dissociation": ("none", 15),
    "idiom": ("none", 20),
    "mention": ("mention", 10),
    "ordinary": ("none", 20),
    GENERAL_MEDICATION: ("none", 20),
    "general_treatment": ("none", 15),
    "old_history": ("none", 10),
    "urinary_benign": ("none", 10),
    "third_party_benign": ("none", 10),
}


def test_dev6_is_registered_trained_on_and_retrains_the_model() -> None:
    assert DEV6 in DEV_SET_FILES
    assert DEV6 in MODEL_INPUTS


def test_dev6_holds_the_kinds_it_was_written_for() -> None:
    cases = assert_holds_kinds(DEV6, KINDS, minimum=320)
    benign = [case for case in cases if case.expect in ("none", "mention")]
    assert len(benign) >= 150, "hard benign negatives beside each kind"


def test_dev6_states_its_first_run() -> None:
    header = DEV6.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert "FIRST RUN" in header
