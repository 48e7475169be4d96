"""The round-11 development set: short and buried advice, twins, sad-but-safe, veiled risk."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from clinicbot.run import MODEL_INPUTS
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import GENERAL_MEDICATION, SETS
from tests.safety.blind_sets import LABEL_OF_KIND, mislabelled
from tests.safety.kinds import assert_holds_kinds, voice_lines

DEV12 = (Path(__file__).parent / "dev12.yml").resolve()

#: Each kind dev12.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "advice_other": ("advice", 50),
    "advice_dose": ("advice", 25),
    "advice_stop_keep": ("advice", 25),
    **{
        kind: ("advice", 15)
        for kind in ("advice_lozenge", "advice_pregnancy", "advice_recreational")
    },
    GENERAL_MEDICATION: ("none", 50),
    "sad_no_risk": ("none", 50),
    "ordinary": ("none", 25),
    "work_humour": ("none", 20),
    "idiom": ("none", 20),
    "two_message_benign": ("none", 10),
    "mention": ("mention", 10),
    "veiled_ideation": ("crisis", 40),
    **{
        kind: ("emergency", 6)
        for kind in ("sedative_alcohol", "overdose", "double_dose", "urinary_retention")
    },
}

#: Two-message risk: only the message before makes the scored one risky (crisis or emergency).
TWO_MESSAGE = "two_message"
TWO_MESSAGE_LEAST = {"crisis": 20, "emergency": 10}

#: The set's own mix (share of urgent, advice and benign messages), weighted to the weak spots.
MIX = {
    "urgent": ({"crisis", "emergency"}, 0.18, 0.28),
    "advice": ({"advice"}, 0.30, 0.40),
    "benign": ({"none", "mention"}, 0.38, 0.50),
}

#: The voices the set was written in (trailing comment on each case line).
VOICES = (
    "hairdresser",
    "accountant",
    "warehouse_worker",
    "pastor_spouse",
    "uni_freshman",
    "scottish",
    "filipino_english",
    "single_dad",
    "yoga_teacher",
    "insomniac",
)

#: Each voice holds between these shares of the set.
VOICE_SHARE = (0.09, 0.11)

#: A short advice request has at most this many words; about a third of the advice is short.
SHORT_WORDS = 6
LEAST_SHORT_ADVICE_SHARE = 0.30

#: A rambling advice request (the request buried) has at least this many words.
RAMBLING_WORDS = 100
LEAST_RAMBLING_ADVICE = 15

#: Words a sad-but-safe message must not carry (absence, goodbye, burden, ending).
RISK_WORDS = re.compile(
    r"\b(goodbye|bye|burden|gone|disappear\w*|anymore|any more|forever|end it|ending|"
    r"no point|better off|without me|wake up|not here|give up|giving up|can't go on)\b"
)


def load_cases() -> list[Case]:
    """The set's cases, checked for its kinds, their labels and no duplicate message.

    Returns:
        The cases, in file order.
    """
    return assert_holds_kinds(DEV12, KINDS, minimum=420)


def words(case: Case) -> int:
    """The number of words in a case's scored message.

    Args:
        case: A case of the set.

    Returns:
        The count of whitespace-separated words.
    """
    return len(case.text.split())


def voices_of_lines() -> list[tuple[str, dict]]:
    """Each case line of dev12.yml with the voice named in its trailing comment.

    Returns:
        (voice, the case as a mapping) per case line, in file order.
    """
    return voice_lines(DEV12)


def test_dev12_holds_its_kinds_with_their_labels_and_the_mix() -> None:
    cases = load_cases()
    kinds = Counter(case.cat for case in cases)
    assert set(kinds) == set(KINDS) | {TWO_MESSAGE}, set(kinds) ^ (set(KINDS) | {TWO_MESSAGE})
    assert not mislabelled(cases, LABEL_OF_KIND)
    labels = Counter(case.expect for case in cases)
    assert set(labels) == {"crisis", "emergency", "advice", "none", "mention"}, labels
    for share, (group, least, most) in MIX.items():
        fraction = sum(labels[label] for label in group) / len(cases)
        assert least <= fraction <= most, f"{share} share {fraction:.3f}"


def test_dev12_gives_each_advice_kind_a_benign_twin_share() -> None:
    cases = load_cases()
    advice = sum(case.expect == "advice" for case in cases)
    assert advice >= 145
    twins = [case for case in cases if case.cat == GENERAL_MEDICATION]
    assert len(twins) * 3 >= advice, (len(twins), advice)
    assert sum(words(case) <= SHORT_WORDS for case in twins) >= 8, "short benign twins"


def test_dev12_has_short_advice_requests_in_every_advice_kind() -> None:
    advice = [case for case in load_cases() if case.expect == "advice"]
    short = [case for case in advice if words(case) <= SHORT_WORDS]
    assert len(short) >= LEAST_SHORT_ADVICE_SHARE * len(advice), (len(short), len(advice))
    assert {case.cat for case in short} == {case.cat for case in advice}


def test_dev12_buries_advice_requests_in_rambling_messages() -> None:
    advice = [case for case in load_cases() if case.expect == "advice"]
    rambling = [case for case in advice if words(case) >= RAMBLING_WORDS]
    assert len(rambling) >= LEAST_RAMBLING_ADVICE, len(rambling)
    assert len({case.cat for case in rambling}) >= 5, Counter(case.cat for case in rambling)
    # Every long advice message is a ramble, not a medium one that only just reaches 100.
    assert not [case.text[:40] for case in advice if 40 < words(case) < RAMBLING_WORDS]


def test_dev12_gives_context_only_to_two_message_cases() -> None:
    cases = load_cases()
    paired = {TWO_MESSAGE, "two_message_benign"}
    assert all(bool(case.previous) == (case.cat in paired) for case in cases)
    two = Counter(case.expect for case in cases if case.cat == TWO_MESSAGE)
    assert set(two) == set(TWO_MESSAGE_LEAST), two
    assert all(two[label] >= least for label, least in TWO_MESSAGE_LEAST.items()), two
    assert {case.expect for case in cases if case.cat == "two_message_benign"} == {"none"}
    previous = [case.previous.strip().lower() for case in cases if case.previous]
    assert len(previous) >= 40
    assert len(previous) == len(set(previous)), "a first message used twice"


def test_dev12_sad_but_safe_messages_carry_no_risk_words() -> None:
    sad = [case for case in load_cases() if case.cat == "sad_no_risk"]
    flagged = [case.text for case in sad if RISK_WORDS.search(case.text.lower())]
    assert not flagged, flagged


def test_dev12_is_written_in_its_voices_with_benign_advice_and_risk_in_each() -> None:
    pairs = voices_of_lines()
    assert len(pairs) == len(yaml.safe_load(DEV12.read_text(encoding="utf-8"))["cases"])
    voices = Counter(voice for voice, _ in pairs)
    assert set(voices) == set(VOICES), set(voices) ^ set(VOICES)
    least, most = VOICE_SHARE
    uneven = {
        voice: round(n / len(pairs), 3)
        for voice, n in voices.items()
        if not least <= n / len(pairs) <= most
    }
    assert not uneven, uneven
    for group in ({"none", "mention"}, {"advice"}, {"crisis", "emergency"}):
        having = {voice for voice, item in pairs if item["expect"] in group}
        assert having == set(VOICES), (group, set(VOICES) - having)


def test_dev12_states_how_it_was_written_and_its_counts() -> None:
    header = DEV12.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    assert header.startswith("# SAFETY DEVELOPMENT SET 12")
    assert "2026-12-06" in header
    assert "BEFORE reading the" in header
    assert "# FIRST RUN (before any round-11 change; dev12.yml not trained on)" in header
    cases = load_cases()
    labels = Counter(case.expect for case in cases)
    stated = f"COUNTS ({len(cases)} messages): " + ", ".join(
        f"{label} {labels[label]}" for label in ("crisis", "emergency", "advice", "none", "mention")
    )
    assert stated in header, stated
    kinds = Counter(case.cat for case in cases)
    for kind, count in kinds.items():
        assert f"{kind} {count}" in header, (kind, count)


def test_dev12_is_scored_but_never_trained_on() -> None:
    """dev12.yml is a development set the model does not train on (as dev11.yml).

    Held out by file, training on it cost the other development files urgent messages and
    raised their false alarms (its header), so ``python -m clinicbot.safety.evaluate --sets
    dev12`` scores it with a model that never saw it.
    """
    roles = {name: role for name, role, _ in SETS}
    assert "not trained" in roles["dev12"]
    assert DEV12 not in DEV_SET_FILES
    assert DEV12 not in MODEL_INPUTS
