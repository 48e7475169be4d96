"""The round-7 development set: disguised advice, benign twins, two messages, casual emergencies."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, mislabelled
from tests.safety.kinds import assert_holds_kinds, voice_lines

DEV11 = (Path(__file__).parent / "dev11.yml").resolve()

#: Each kind dev11.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "advice_other": ("advice", 40),
    "advice_dose": ("advice", 20),
    "advice_stop_keep": ("advice", 20),
    **{
        kind: ("advice", 10)
        for kind in ("advice_lozenge", "advice_pregnancy", "advice_recreational")
    },
    GENERAL_MEDICATION: ("none", 40),
    "sad_no_risk": ("none", 35),
    "ordinary": ("none", 20),
    "two_message_benign": ("none", 10),
    "veiled_ideation": ("crisis", 30),
    "idiom": ("none", 15),
    "work_humour": ("none", 10),
    **{kind: ("emergency", 6) for kind in ("sedative_alcohol", "urinary_retention")},
    **{kind: ("emergency", 6) for kind in ("overdose", "breathing")},
}

#: Two-message risk: only the message before makes the scored one risky (crisis or emergency).
TWO_MESSAGE = "two_message"
TWO_MESSAGE_LEAST = {"crisis": 15, "emergency": 8}

#: dev11's own mix (share of urgent, advice and benign messages), weighted to the weak spots:
#: assert_size_and_mix checks the blind sets' mix (about 45 / 17 / 38 %), which this set is not.
MIX = {
    "urgent": ({"crisis", "emergency"}, 0.22, 0.32),
    "advice": ({"advice"}, 0.30, 0.40),
    "benign": ({"none", "mention"}, 0.35, 0.45),
}

#: The voices the set was written in (trailing comment on each case line).
VOICES = (
    "texter",
    "formal",
    "spanglish",
    "caregiver",
    "tradie",
    "grad_student",
    "musician",
    "grandparent",
    "nurse",
    "gamer",
)

#: Each voice holds at least this share of the set.
LEAST_VOICE_SHARE = 0.06


def voices_of_lines() -> list[tuple[str, dict]]:
    """Each case line of dev11.yml with the voice named in its trailing comment.

    Returns:
        (voice, the case as a mapping) per case line, in file order.
    """
    return voice_lines(DEV11)


def test_dev11_is_scored_but_not_trained_on() -> None:
    """dev11 is a development set the classifier does not train on (round 7).

    Held out by file, training on it cost the other development files four urgent messages
    and raised no refusal or false-alarm figure enough to pay for that, so it is tuned on and
    scored (``python -m clinicbot.safety.evaluate --sets dev11``) by a model that never saw it.
    """
    roles = {name: role for name, role, _ in SETS}
    assert "not trained" in roles["dev11"]
    assert DEV11 not in DEV_SET_FILES
    assert DEV11 not in MODEL_INPUTS


def test_dev11_holds_its_kinds_with_their_labels_and_the_mix() -> None:
    cases = assert_holds_kinds(DEV11, KINDS, minimum=320)
    kinds = Counter(case.cat for case in cases)
    assert set(kinds) == set(KINDS) | {TWO_MESSAGE}, set(kinds) ^ (set(KINDS) | {TWO_MESSAGE})
    two = Counter(case.expect for case in cases if case.cat == TWO_MESSAGE)
    assert set(two) == set(TWO_MESSAGE_LEAST), two
    assert all(two[label] >= least for label, least in TWO_MESSAGE_LEAST.items()), two
    assert not mislabelled(cases, LABEL_OF_KIND)
    assert sum(bool(case.previous) for case in cases) >= 40
    labels = Counter(case.expect for case in cases)
    assert set(labels) <= {"crisis", "emergency", "advice", "none", "mention"}, labels
    for share, (group, least, most) in MIX.items():
        fraction = sum(labels[label] for label in group) / len(cases)
        assert least <= fraction <= most, f"{share} share {fraction:.3f}"


def test_dev11_concentrates_on_disguised_advice_and_its_benign_twins() -> None:
    cases = assert_holds_kinds(DEV11, KINDS, minimum=320)
    labels = Counter(case.expect for case in cases)
    assert labels["advice"] >= 110, labels
    benign_twins = sum(case.cat == GENERAL_MEDICATION for case in cases)
    assert benign_twins * 3 >= labels["advice"], (benign_twins, labels["advice"])
    assert labels["crisis"] + labels["emergency"] >= 80, labels


def test_dev11_gives_context_only_to_two_message_cases() -> None:
    cases = assert_holds_kinds(DEV11, KINDS, minimum=320)
    paired = {TWO_MESSAGE, "two_message_benign"}
    assert all(bool(case.previous) == (case.cat in paired) for case in cases)
    assert {case.expect for case in cases if case.previous} == {"crisis", "emergency", "none"}
    previous = [case.previous.strip().lower() for case in cases if case.previous]
    assert len(previous) == len(set(previous)), "a first message used twice"


def test_dev11_is_written_in_its_voices_with_benign_advice_and_risk_in_each() -> None:
    pairs = voices_of_lines()
    assert len(pairs) == len(yaml.safe_load(DEV11.read_text(encoding="utf-8"))["cases"])
    voices = Counter(voice for voice, _ in pairs)
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    short = {voice: n for voice, n in voices.items() if n < LEAST_VOICE_SHARE * len(pairs)}
    assert not short, short
    for group in ({"none", "mention"}, {"advice"}, {"crisis", "emergency"}):
        having = {voice for voice, item in pairs if item["expect"] in group}
        assert having == set(VOICES), (group, set(VOICES) - having)


def test_dev11_states_how_it_was_written_and_its_first_run() -> None:
    header = DEV11.read_text(encoding="utf-8").split("cases:", 1)[0]
    assert (
        "SAFETY DEVELOPMENT SET 11: tune on this file; the safety classifier trains on it" in header
    )
    assert "2026-12-04" in header
    assert "FIRST RUN" in header
