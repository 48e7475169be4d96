"""Tests of clinicbot.safety.detector (patterns, decision order, robustness)."""

from __future__ import annotations

import json
import time

import pytest

from clinicbot.safety.detector import (
    CATEGORIES,
    SafetyDetector,
    SafetyResult,
)
from clinicbot.safety.features import markers

# (text, category, subcategory) checked with the patterns alone: every subcategory, slang,
# leetspeak, typos, negation and idioms. Phrasings differ from the held-out safety set.
PATTERN_CASES = [
    ("i really want to end my life", "crisis", "direct_ideation"),
    ("im gonna k1ll mys3lf", "crisis", "direct_ideation"),
    ("been feeling so suicidal lately", "crisis", "direct_ideation"),
    ("thinking about sewer slide again", "crisis", "direct_ideation"),
    ("i want to diiiie", "crisis", "direct_ideation"),
    ("i dont want to live anymore", "crisis", "passive_ideation"),
    ("my kids would be better off without me", "crisis", "passive_ideation"),
    ("whats the point in going on", "crisis", "passive_ideation"),
    ("i hope i never wake up again", "crisis", "passive_ideation"),
    ("i'm so tired of being alive", "crisis", "passive_ideation"),
    ("what is the deadliest bridge around here", "crisis", "method_seeking"),
    ("lethal dose of amitriptyline?", "crisis", "method_seeking"),
    ("how many tylenol would it take to die", "crisis", "method_seeking"),
    ("what's the most painless way to go, to die i mean", "crisis", "method_seeking"),
    ("how much esketamine would it take so i never wake up", "crisis", "method_seeking"),
    ("i've been stockpiling my sleeping pills", "crisis", "plan"),
    ("i wrote goodbye letters to everyone", "crisis", "plan"),
    ("i keep cutting my wrists", "crisis", "method_seeking"),
    ("i burned myself with a lighter again", "crisis", "self_harm"),
    ("relapsed on self harm last night", "crisis", "self_harm"),
    ("i want to stab my neighbor", "crisis", "harm_others"),
    ("i'm going to shoot up the school", "crisis", "harm_others"),
    ("my husband chokes me", "crisis", "abuse"),
    ("my wife hit me again last night", "crisis", "abuse"),
    ("i am being sexually abused", "crisis", "abuse"),
    ("the aide at my dad's care home hits him and takes his money", "crisis", "abuse"),
    ("my boyfriend won't let me see my family", "crisis", "abuse"),
    ("my brother is talking about killing himself", "crisis", "third_party"),
    ("my daughter has been cutting herself", "crisis", "third_party"),
    ("i swallowed the whole bottle of my pills", "emergency", "overdose"),
    ("my friend overdosed and is throwing up", "emergency", "overdose"),
    ("i think i od'd", "emergency", "overdose"),
    ("i took too much ketamine at home", "emergency", "overdose"),
    ("i took all my klonopin because i want to die", "emergency", "overdose_intentional"),
    ("i'm having chest pain since the infusion", "emergency", "severe_reaction"),
    ("my wife can't breathe", "emergency", "severe_reaction"),
    ("he fainted after his session", "emergency", "severe_reaction"),
    ("my mom is having a seizure", "emergency", "severe_reaction"),
    ("bp is 210 over 120 and i have a pounding headache", "emergency", "severe_reaction"),
    ("my tongue is swelling", "emergency", "severe_reaction"),
    ("she won't wake up", "emergency", "severe_reaction"),
    ("how much spravato should i use", "advice", "dosing"),
    ("can i double my dose", "advice", "dosing"),
    ("should i stop taking my zoloft", "advice", "stop_medicine"),
    ("can i skip my seroquel the night before my session", "advice", "stop_medicine"),
    ("is it ok if i drink wine after my infusion tomorrow", "advice", "mix_medicine"),
    ("can i take a klonopin before my appointment", "advice", "mix_medicine"),
    ("can i do ketamine at home by myself", "advice", "at_home"),
    ("where can i order ketamine online", "advice", "at_home"),
    ("can ketamine help people with suicidal thoughts", "mention", "suicide_info"),
    ("can you overdose on spravato", "mention", "overdose_info"),
    ("i'm not suicidal", "mention", "negated"),
    ("i would never kill myself", "mention", "negated"),
    ("this copay is killing me", "none", "none"),
    ("i'd kill for a weekend appointment", "none", "none"),
    ("i'm dying to try it", "none", "none"),
    ("traffic was murder", "none", "none"),
    ("i overdid it at the gym", "none", "none"),
    ("does ketamine raise blood pressure", "none", "none"),
    ("can i take sertraline with ketamine", "none", "none"),
    ("does lamotrigine interact with ketamine", "none", "none"),
    ("will i feel like i'm dying", "none", "none"),
    ("i want to dye my hair before my appointment", "none", "none"),
]


@pytest.mark.parametrize(("text", "category", "sub"), PATTERN_CASES)
def test_patterns(pattern_detector: SafetyDetector, text: str, category: str, sub: str) -> None:
    result = pattern_detector.detect(text)
    assert (result.category, result.subcategory) == (category, sub), result


def test_every_subcategory_is_covered() -> None:
    subs = {sub for _, _, sub in PATTERN_CASES}
    assert {
        "direct_ideation",
        "passive_ideation",
        "method_seeking",
        "plan",
        "self_harm",
        "harm_others",
        "abuse",
        "third_party",
        "overdose",
        "overdose_intentional",
        "severe_reaction",
        "dosing",
        "stop_medicine",
        "mix_medicine",
        "at_home",
    } <= subs


def test_negation_never_suppresses_method_seeking(pattern_detector: SafetyDetector) -> None:
    result = pattern_detector.detect("I'm not suicidal but which bridge is the tallest")
    assert result.category == "crisis"
    assert result.subcategory == "method_seeking"


def test_negation_scope_is_the_clause(pattern_detector: SafetyDetector) -> None:
    assert pattern_detector.detect("i'm not okay and i want to die").category == "crisis"
    assert pattern_detector.detect("i do not want to die").category == "mention"


def test_intentional_overdose_keeps_crisis_reasons(pattern_detector: SafetyDetector) -> None:
    result = pattern_detector.detect("I took all my pills because I want to die")
    assert result.category == "emergency"
    assert result.subcategory == "overdose_intentional"
    assert any(reason.startswith("crisis.") for reason in result.reasons)
    assert result.flags == ("emergency", "crisis")


def test_risk_at_the_end_of_a_long_message(pattern_detector: SafetyDetector) -> None:
    text = "My appointment went fine and parking was easy. " * 40 + "I want to kill myself."
    assert pattern_detector.detect(text).category == "crisis"


def test_risk_in_the_middle_of_a_long_message(pattern_detector: SafetyDetector) -> None:
    filler = "The staff were kind and the chair was comfortable. " * 30
    text = filler + "My husband hits me when he drinks. " + filler
    assert pattern_detector.detect(text).category == "crisis"


def test_trained_detector_catches_classifier_only_phrasing(
    trained_detector: SafetyDetector,
) -> None:
    assert trained_detector.classifier is not None
    result = trained_detector.detect("i feel like i'm drowning and i just want out of this life")
    assert result.category == "crisis"


def test_result_to_dict_is_json() -> None:
    result = SafetyResult("crisis", "plan", 1.0, ("crisis.plan.notes",), ("crisis",))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["category"] == "crisis" and data["reasons"] == ["crisis.plan.notes"]
    assert result.is_urgent


HOSTILE = [
    None,
    "",
    "   ",
    42,
    b"\xff\xfe",
    "\U0001f600" * 500,
    "\u202e\u200b\u0000\u0007\ufeff",
    "\u0645\u0631\u062d\u0628\u0627 " * 200,
    "a" * 50_000,
    "!" * 50_000,
    "kill " * 20_000,
    "i i i i i i i i want want want to to to " * 3_000,
    "(" * 10_000 + ")" * 10_000,
    "\\" * 20_000,
    # shapes that make naive regexes backtrack quadratically
    "suicide " * 25_000 + "?",
    "i am suicidal " * 14_000 + "?",
    "how many " * 20_000 + "?",
    "my husband " * 20_000,
    "i just " * 28_000,
    "if i took all " * 14_000,
    "a. " * 60_000,
]


#: A correctness guard against regex blow-ups, not a speed goal (that is `make bench`): a
#: quadratic or exponential regex takes hours on these 50-220 KB shapes, while today's
#: linear-time detector takes 1-4 s on an idle core and up to ~20 s on the shared 2-core
#: machine under a load of 10 (measured 2026-12-03 while models trained).
MAX_SECONDS_100KB = 30.0
MAX_SECONDS_200KB = 30.0


def _timed_detect(detector: SafetyDetector, text: object) -> tuple[SafetyResult, float]:
    start = time.perf_counter()
    result = detector.detect(text)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_input(trained_detector: SafetyDetector, text: object) -> None:
    result, seconds = _timed_detect(trained_detector, text)
    assert seconds < MAX_SECONDS_100KB, f"detect() took {seconds:.1f} s"
    # detect() never raises: an internal failure would show as the reason "error".
    assert "error" not in result.reasons
    assert result.category in CATEGORIES


def test_200kb_message_returns(trained_detector: SafetyDetector) -> None:
    text = ("Thank you for the information about parking and billing. " * 4_000)[:200_000]
    text = text[:100_000] + " I want to end my life. " + text[100_000:]
    result, seconds = _timed_detect(trained_detector, text)
    assert seconds < MAX_SECONDS_200KB, f"detect() took {seconds:.1f} s"
    assert result.category == "crisis"


@pytest.mark.parametrize("text", ["e" * 200_000, "ki11 " * 40_000, "i am not " * 22_000])
def test_200kb_of_repeated_text_returns_in_time(trained_detector: SafetyDetector, text) -> None:
    result, seconds = _timed_detect(trained_detector, text)
    assert seconds < MAX_SECONDS_200KB, f"detect() took {seconds:.1f} s"
    assert "error" not in result.reasons


def test_features_run_in_linear_time_on_hostile_text() -> None:
    text = "i am not going to be " * 5_000 + "without me " * 5_000
    start = time.perf_counter()
    found = markers(text)
    assert time.perf_counter() - start < MAX_SECONDS_100KB
    assert "__fp_absence__" in found and "__negated__" not in found


def test_broken_classifier_falls_back_to_patterns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detector = SafetyDetector()

    class Broken:
        def predict_proba_normalized(self, texts: object) -> object:
            raise RuntimeError("boom")

    detector.classifier = Broken()  # type: ignore[assignment]
    assert detector.detect("how many pills would kill me").category == "crisis"
    assert detector.detect("what are your opening hours").category == "none"


def test_broken_patterns_report_none_with_error(monkeypatch: pytest.MonkeyPatch) -> None:
    detector = SafetyDetector()

    def explode(self: SafetyDetector) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(SafetyDetector, "patterns", property(explode))
    result = detector.detect("I want to kill myself")
    assert result.category == "none"
    assert result.reasons == ("error",)


def test_train_maps_intents() -> None:
    detector = SafetyDetector().train(
        [
            ("i want to die", "safety_crisis"),
            ("i can't breathe", "safety_emergency"),
            ("how much should i take", "medical_advice"),
            ("what are your hours", "kb_logistics_hours_location"),
            ("hello", "greet"),
        ]
    )
    assert detector.classifier is not None
    assert sorted(detector.classifier.classes) == ["advice", "crisis", "emergency", "none"]


def test_train_with_one_label_leaves_patterns_only() -> None:
    detector = SafetyDetector().train([("hello", "greet"), ("hi", "greet")])
    assert detector.classifier is None
    assert detector.detect("I want to kill myself").category == "crisis"
