"""The round-6 false-alarm development set: hard benign negatives, urgent look-alikes, pairs."""

from __future__ import annotations

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from clinicbot.safety.labels import CRISIS, EMERGENCY, NONE
from tests.safety.kinds import assert_holds_kinds

DEV9 = next(path for name, _, path in SETS if name == "dev9")

#: Each kind dev9.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "idiom": ("none", 60),
    "past_trauma_safe": ("none", 45),
    "past_dissociation": ("none", 30),
    "old_history": ("none", 25),
    "media": ("none", 25),
    "work_humour": ("none", 20),
    "ordinary": ("none", 40),
    GENERAL_MEDICATION: ("none", 30),
}

#: The urgent look-alikes: the same surface words as the negatives, but risk.
LOOKALIKE_KINDS = (
    "idiom_risk",
    "past_risk_now",
    "dissociation_emergency",
    "ordinary_risk",
    "media_risk",
    "work_risk",
    "sarcasm_risk",
    "third_party",
    "idiom_emergency",
)


def test_dev9_is_registered_trained_on_and_retrains_the_model() -> None:
    assert DEV9 in DEV_SET_FILES
    assert DEV9 in MODEL_INPUTS


def test_dev9_holds_hard_negatives_and_urgent_lookalikes() -> None:
    cases = assert_holds_kinds(DEV9, KINDS, minimum=340)
    lookalikes = [case for case in cases if case.cat in LOOKALIKE_KINDS]
    assert len(lookalikes) >= 60
    assert {case.expect for case in lookalikes} <= {CRISIS, EMERGENCY}


def test_dev9_two_message_pairs_go_both_ways() -> None:
    cases = assert_holds_kinds(DEV9, {}, minimum=340)
    pairs = [case for case in cases if case.cat == "two_message"]
    assert len(pairs) >= 30
    assert all(case.previous for case in pairs)
    risky = [case for case in pairs if case.expect == CRISIS]
    benign = [case for case in pairs if case.expect == NONE]
    assert len(risky) >= 12 and len(benign) >= 12


def test_dev9_states_its_first_run() -> None:
    header = DEV9.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert "FIRST RUN" in header
