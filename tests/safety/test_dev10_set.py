"""The round-6 development set in new voices: every kind, with benign ones in the same voices."""

from __future__ import annotations

from collections import Counter

import yaml

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, assert_size_and_mix, mislabelled
from tests.safety.kinds import REQUIRED_CATEGORIES, TEST2_EXTRA_KINDS, assert_holds_kinds

DEV10 = next(path for name, _, path in SETS if name == "dev10")

#: Each kind dev10.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    **{kind: ("crisis", 10) for kind in ("veiled_ideation", "cssrs", "self_harm_minimised")},
    **{kind: ("crisis", 10) for kind in ("third_party", "harm_others", "abuse_coercion")},
    **{kind: ("crisis", 10) for kind in ("risk_in_logistics", "means_seeking")},
    **{kind: ("emergency", 6) for kind in ("sedative_alcohol", "urinary_retention", "chest_pain")},
    **{kind: ("emergency", 6) for kind in ("breathing", "double_dose", "overdose", "seizure")},
    **{kind: ("emergency", 6) for kind in ("severe_reaction", "unresponsive")},
    **{kind: ("advice", 12) for kind in ("advice_dose", "advice_lozenge", "advice_stop_keep")},
    **{kind: ("advice", 12) for kind in ("advice_recreational", "advice_pregnancy")},
    "advice_other": ("advice", 12),
    GENERAL_MEDICATION: ("none", 25),
    "idiom": ("none", 25),
    "past_dissociation": ("none", 15),
    "past_trauma_safe": ("none", 15),
    "old_history": ("none", 12),
    "mention": ("mention", 10),
    "media": ("none", 10),
    "work_humour": ("none", 10),
    "ordinary": ("none", 20),
}

#: The voices the set was written in (field ``voice``), each with a minimum count.
VOICES = {
    **{voice: 25 for voice in ("british", "irish", "scottish", "australian", "indian")},
    **{voice: 25 for voice in ("nigerian", "caribbean", "southern_us", "aave", "phone_typo")},
    "gamer": 20,
    "religious": 20,
    "second_person": 12,
    "third_person": 5,
    "clinic_first": 5,
}


def test_dev10_is_registered_trained_on_and_retrains_the_model() -> None:
    assert DEV10 in DEV_SET_FILES
    assert DEV10 in MODEL_INPUTS


def test_dev10_holds_every_kind_with_its_label_and_the_mix() -> None:
    cases = assert_holds_kinds(DEV10, KINDS, minimum=400)
    kinds = {case.cat for case in cases}
    assert REQUIRED_CATEGORIES | TEST2_EXTRA_KINDS | {"advice_other"} <= kinds
    assert not mislabelled(cases, LABEL_OF_KIND)
    assert_size_and_mix(cases, min_total=400, min_two_message=15)
    assert {case.expect for case in cases if case.previous} >= {"crisis", "emergency", "none"}


def test_dev10_is_written_in_its_voices_with_benign_messages_in_the_same_voices() -> None:
    items = yaml.safe_load(DEV10.read_text(encoding="utf-8"))["cases"]
    voices = Counter(item["voice"] for item in items)
    short = {voice: voices[voice] for voice, least in VOICES.items() if voices[voice] < least}
    assert not short, short
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    benign = Counter(item["voice"] for item in items if item["expect"] in ("none", "mention"))
    assert all(benign[voice] for voice in VOICES if voice != "clinic_first"), benign


def test_dev10_states_its_first_run() -> None:
    header = DEV10.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert "FIRST RUN" in header
    assert "clinic-8110a7351516" in header
