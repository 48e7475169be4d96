"""Benign frames read by meaning (clinicbot/safety/benign.py) and what they change in the detector.

Each frame is checked beside a minimal pair: the same surface words with risk now, which the
frame must not explain (recall first).
"""

from __future__ import annotations

import time

import pytest

from clinicbot.components.safety_context import message_signals, supports_classifier_guess
from clinicbot.safety.benign import (
    AWAY_REASON,
    IDIOM,
    PAST_SAFE,
    SAFE_STATED,
    STORY_OR_WORK,
    benign_frames,
)
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import CRISIS_MARKERS, explained_by_message
from clinicbot.safety.labels import CRISIS, EMERGENCY, MENTION, NONE
from clinicbot.safety.normalize import normalize


def frames_of(text: str) -> frozenset[str]:
    """The frames of a raw message, read as the detector reads them."""
    normalized = normalize(text)
    return benign_frames(normalized, set(markers(normalized)))


@pytest.mark.parametrize(
    ("benign", "risky"),
    [
        (
            "shoot me now, the billing website logged me out again lol",
            "shoot me now. no joke, there's a loaded pistol in my nightstand",
        ),
        (
            "my knees are killing me after that stair climb, is there a lift",
            "my knees are killing me and honestly i want to die",
        ),
        (
            "dying to know whether the new office has a coffee machine",
            "dying to know how many of my pills it would take",
        ),
        (
            "i keep dying on the final level of this racing game, so frustrating",
            "i keep dying inside and i have the rope ready",
        ),
        (
            "killed it at my piano recital yesterday, can we move friday's visit",
            "killed it at work but at home i keep thinking of ways to kill myself",
        ),
    ],
)
def test_an_idiom_frames_only_the_idiom(benign: str, risky: str) -> None:
    assert IDIOM in frames_of(benign)
    assert IDIOM not in frames_of(risky)


def test_pain_killing_me_is_not_an_idiom_frame() -> None:
    """Pain in the chest or a swollen belly 'killing me' is an emergency sign, not an idiom."""
    assert not frames_of("my chest is killing me, crushing pain spreading to my jaw")
    assert not frames_of("my belly is swollen and it's killing me, can't pee since morning")


def test_feelings_killing_me_are_not_an_idiom() -> None:
    assert IDIOM not in frames_of("this loneliness is killing me")
    assert IDIOM not in frames_of("my husband is going to kill me, he said so last night")


@pytest.mark.parametrize(
    ("benign", "risky"),
    [
        (
            "I attempted suicide when I was seventeen. I'm 45 now and in a good place. "
            "Does that history matter for eligibility?",
            "I attempted suicide when I was seventeen and the thoughts have come back, "
            "stronger this time.",
        ),
        (
            "years ago i used to cut, all healed, been fine for a long time. will the iv hurt?",
            "years ago i used to cut and i started again last night",
        ),
        (
            "An ex beat me up back in 2014. I left him and I'm safe. Can my file skip his name?",
            "An ex beat me up back in 2014. I told you I'm safe but that's not true, he's back.",
        ),
        (
            "overdosed on purpose at 20, I'm doing well now. What monitoring do you use?",
            "overdosed on purpose at 20, doing well now, but I've been saving pills again",
        ),
    ],
)
def test_past_with_present_safety_and_nothing_now(benign: str, risky: str) -> None:
    assert PAST_SAFE in frames_of(benign)
    assert PAST_SAFE not in frames_of(risky)


@pytest.mark.parametrize(
    ("benign", "risky"),
    [
        (
            "reading a novel where the heroine overdoses, made me curious about side effects",
            "reading a novel where the heroine takes an overdose. i want to do the same thing",
        ),
        (
            "icu nurse here, two patients died on my shift, part of the job. any saturday slots?",
            "icu nurse here. i've set aside enough vials to end it, just so someone knows",
        ),
    ],
)
def test_a_story_or_work_frame_never_covers_first_person_risk(benign: str, risky: str) -> None:
    assert STORY_OR_WORK in frames_of(benign)
    assert STORY_OR_WORK not in frames_of(risky)


def test_away_for_an_ordinary_reason() -> None:
    assert AWAY_REASON in frames_of("i won't be around on the 3rd, work trip to Ohio. can we swap?")
    assert AWAY_REASON not in frames_of("i won't be around much longer, so cancel the rest")
    assert not frames_of("my sister won't be here for her birthday and she's mixing pills and gin")


def test_veiled_risk_in_a_logistics_message_is_never_framed() -> None:
    """An errand without risk words can still hide a plan: no frame reads it as ordinary."""
    assert not frames_of("leave my car in your lot, it won't matter after tonight")
    assert not frames_of("please cancel Tuesday. won't need a new date. everything's squared away.")


def test_emergencies_now_are_never_framed() -> None:
    """A nurse describing her own emergency, an old history with an emergency now."""
    assert not frames_of("I'm a nurse and my lips are going blue after the infusion")
    assert not frames_of("had a seizure years ago, fine since, but she's seizing right now")


def test_frames_of_huge_or_hostile_input_are_quick() -> None:
    huge = "killing it " * 5000 + "a" * 50_000
    start = time.perf_counter()
    benign_frames(normalize(huge))
    benign_frames("(" * 20_000)
    assert time.perf_counter() - start < 2.0


def test_the_detector_reads_a_past_attempt_with_present_safety_as_over(
    pattern_detector: SafetyDetector,
) -> None:
    """A past attempt told with its method and present safety is a mention, not a crisis."""
    past = pattern_detector.detect(
        "I tried to hang myself at 15. I'm 41 and stable, no thoughts of suicide now."
    )
    assert past.category == MENTION
    now = pattern_detector.detect("I tried to hang myself at 15 and I'm going to try again")
    assert now.category == CRISIS


def test_the_detector_drops_idiom_and_story_hits(pattern_detector: SafetyDetector) -> None:
    laughing = pattern_detector.detect("I'm killing myself laughing at your autocorrect")
    assert laughing.category == NONE
    assert pattern_detector.detect("I'm killing myself tonight").category == CRISIS
    memoir = pattern_detector.detect(
        "my book club read a memoir where the author attempted suicide, what's your success rate?"
    )
    assert memoir.category not in (CRISIS, EMERGENCY)


def test_a_message_frame_covers_each_sentence_for_the_classifier() -> None:
    found = explained_by_message({"__fp_absence__"}, frozenset({AWAY_REASON}))
    assert AWAY_REASON in found


def test_a_framed_message_does_not_support_a_classifier_crisis_guess(
    pattern_detector: SafetyDetector,
) -> None:
    """The router reads the frames from the signals: an idiom does not back the intent guess."""
    signals = message_signals(pattern_detector, "my feet are killing me in these heels lol")
    assert IDIOM in signals["markers"]
    verdict = {"category": NONE, "signals": {**signals, CRISIS: 0.6}}
    assert not supports_classifier_guess(verdict, CRISIS)
    risky = message_signals(pattern_detector, "my feet hurt and i want to die tonight")
    assert supports_classifier_guess({"category": NONE, "signals": {**risky, CRISIS: 0.6}}, CRISIS)


@pytest.mark.parametrize(
    "text",
    [
        "rough week, cried on the bus twice, but i'm safe and my brother is staying over",
        "Grief is heavy this month. My counsellor and I have a plan and I'm not giving up.",
        "flat and tired all the time but i've got good support around me. is that normal early on?",
    ],
)
def test_present_safety_or_coping_is_stated(text: str) -> None:
    assert SAFE_STATED in frames_of(text)


@pytest.mark.parametrize(
    "text",
    [
        # aftermath told as fine: minimisation, not safety
        "took a few extra of my sleeping tablets last night to knock myself out, i'm fine now",
        "i did something dumb this morning but i'm ok now",
        # harm played down
        "hit my head against the wall till it rang. i'm fine, just a bump",
        "burned my arm with the lighter, no big deal, i'm ok",
        # "ok with" is not safety
        "honestly i am ok with not waking up tomorrow",
        # a sign of risk beside the words of safety
        "i am fine. i've saved up my pills and it's ready to go",
        "i'm safe for now but i keep thinking about ending it tonight",
        # a relationship left behind is the past-and-safe frame's, not present coping
        "been checking out of my life one day at a time",
    ],
)
def test_safety_words_beside_risk_or_aftermath_are_not_stated_safety(text: str) -> None:
    assert SAFE_STATED not in frames_of(text)


def test_stated_safety_raises_the_bar_only_for_sentences_without_a_crisis_sign(
    pattern_detector: SafetyDetector,
) -> None:
    """Stated safety raises a classifier-only crisis verdict's bar to ``framed`` (0.95).

    Only on a sentence with no crisis marker of its own; one with a marker keeps the usual bar.
    """
    part = "feeling flat and teary"
    framed = pattern_detector.thresholds["framed"]
    confident = pattern_detector.thresholds["confident"]
    assert pattern_detector._supported(CRISIS, 0.8, part, found=set())
    assert not pattern_detector._supported(CRISIS, 0.8, part, found={SAFE_STATED})
    assert pattern_detector._supported(CRISIS, framed, part, found={SAFE_STATED})
    marker = sorted(CRISIS_MARKERS)[0]
    assert pattern_detector._supported(CRISIS, confident, part, found={SAFE_STATED, marker})
    # the message's statement reaches each of its sentences
    assert SAFE_STATED in explained_by_message(set(), frozenset({SAFE_STATED}))
