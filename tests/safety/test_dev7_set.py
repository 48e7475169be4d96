"""The round-6 development set: the advice boundary (personal advice beside general questions)."""

from __future__ import annotations

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.kinds import assert_holds_kinds

DEV7 = next(path for name, _, path in SETS if name == "dev7")

#: Each kind dev7.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "advice_other": ("advice", 80),
    "advice_dose": ("advice", 35),
    "advice_stop_keep": ("advice", 35),
    "advice_recreational": ("advice", 30),
    "advice_pregnancy": ("advice", 30),
    "advice_lozenge": ("advice", 20),
    GENERAL_MEDICATION: ("none", 90),
    "general_pregnancy": ("none", 10),
    "general_substance": ("none", 10),
    "general_treatment": ("none", 15),
    "at_home_faq": ("none", 8),
    "ordinary": ("none", 20),
}


def test_dev7_is_registered_trained_on_and_retrains_the_model() -> None:
    assert DEV7 in DEV_SET_FILES
    assert DEV7 in MODEL_INPUTS


def test_dev7_holds_the_kinds_it_was_written_for() -> None:
    cases = assert_holds_kinds(DEV7, KINDS, minimum=320)
    advice = [case for case in cases if case.expect == "advice"]
    benign = [case for case in cases if case.expect in ("none", "mention")]
    assert len(advice) >= 230
    assert len(benign) >= 160, "benign look-alikes beside the advice kinds"


def test_dev7_states_its_first_run() -> None:
    header = DEV7.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert "FIRST RUN" in header
    assert "clinic-8110a7351516" in header, "measured with the session's start model"
