"""The round-6 recall development set: veiled and hidden risk in many voices, with look-alikes."""

from __future__ import annotations

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import SETS
from tests.safety.kinds import assert_holds_kinds

DEV8 = next(path for name, _, path in SETS if name == "dev8")

#: Each kind dev8.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "veiled_ideation": ("crisis", 90),
    "self_harm_minimised": ("crisis", 35),
    "risk_in_logistics": ("crisis", 25),
    "rambling": ("crisis", 25),
    "third_party": ("crisis", 20),
    "means_seeking": ("crisis", 20),
    "harm_others": ("crisis", 15),
    "abuse_coercion": ("crisis", 15),
    "urinary_retention": ("emergency", 6),
    "sedative_alcohol": ("emergency", 6),
    "breathing": ("emergency", 6),
    "chest_pain": ("emergency", 6),
    "unresponsive": ("emergency", 6),
    "overdose": ("emergency", 6),
    "sad_safe": ("none", 20),
    "commute_tired": ("none", 10),
    "logistics_benign": ("none", 20),
    "ramble_benign": ("none", 15),
    "past_safe": ("none", 20),
    "finality_benign": ("none", 10),
    "idiom": ("none", 10),
    "emergency_benign": ("none", 10),
    "third_party_benign": ("none", 10),
    "narrative_benign": ("none", 50),
}

#: Kinds written as long messages: 100 words or more, the risky ones with a single risky sentence.
LONG_KINDS = ("rambling", "ramble_benign")


def test_dev8_is_registered_trained_on_and_retrains_the_model() -> None:
    assert DEV8 in DEV_SET_FILES
    assert DEV8 in MODEL_INPUTS


def test_dev8_holds_the_kinds_it_was_written_for() -> None:
    cases = assert_holds_kinds(DEV8, KINDS, minimum=340)
    benign = [case for case in cases if case.expect in ("none", "mention")]
    assert len(benign) >= 200, "hard benign look-alikes beside each kind"
    urgent_emergencies = [case for case in cases if case.expect == "emergency"]
    assert len(urgent_emergencies) >= 40


def test_dev8_rambles_are_long() -> None:
    cases = assert_holds_kinds(DEV8, {}, minimum=340)
    long_cases = [case for case in cases if case.cat in LONG_KINDS]
    assert len(long_cases) >= 40
    assert all(len(case.text.split()) >= 100 for case in long_cases)


def test_dev8_states_its_first_run() -> None:
    header = DEV8.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert "FIRST RUN" in header
    assert "clinic-8110a7351516" in header
