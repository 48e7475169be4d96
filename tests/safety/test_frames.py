"""Round-3 meaning markers and frames: who, when, hyperbole, resolved, and their effect.

Each marker test names a phrase that must (or must not) carry the marker; each detector test
is a behaviour that breaks when the frame is removed: a pattern hit that a benign frame
explains away, a risk the frame must not explain away, a classifier verdict that a frame
raises to the ``framed`` threshold, and the threshold calibration of the cross-validation.
"""

from __future__ import annotations

import pytest

from clinicbot.safety.cases import Case
from clinicbot.safety.crossval import choose_thresholds
from clinicbot.safety.detector import DEFAULT_THRESHOLDS, SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import framed_benign, told_as_resolved
from clinicbot.safety.normalize import normalize


def _markers(text: str) -> set[str]:
    return set(markers(normalize(text)))


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("i hope i just don't come back from it next time", "__no_return__"),
        ("i'll be taking the long nap soon anyway", "__no_return__"),
        ("kind of want to walk into the sea and keep walking", "__no_return__"),
        ("wouldn't mind if a truck took me out on the way", "__no_return__"),
        ("i wonder if anyone would even come to my funeral", "__fp_absence__"),
        ("a character in the film i watched killed himself", "__third_person__"),
        ("my uncle passed away in the spring", "__third_person__"),
        ("my laptop is about to die, can you call instead", "__object_subject__"),
        ("the commute is honestly killing me", "__object_subject__"),
        ("my dad is going to kill me for denting the car", "__hyperbole__"),
        ("i'd rather die than sit through that webinar again", "__hyperbole__"),
        ("i'm dead 💀 that was so funny", "__hyperbole__"),
        ("i was freezing to death in the lobby", "__hyperbole__"),
        ("lol whatever", "__joke__"),
        ("sure 🙄", "__joke__"),
        ("i did it again last night", "__now__"),
        ("took them an hour ago", "__now__"),
        ("it felt strange but it wore off after a while", "__resolved__"),
        ("i had those thoughts in 2015, none since", "__resolved__"),
        ("i left him five years ago", "__resolved__"),
        ("i won't be around next week, i'm visiting my mum", "__benign_reason__"),
        ("is 3 of these too much before a visit for me", "__personal_decision__"),
        ("am i supposed to keep coming or pause", "__personal_decision__"),
        ("when i was 17 it was bad", "__past__"),
        ("during my first session it felt odd", "__past__"),
    ],
)
def test_round3_markers(text: str, marker: str) -> None:
    assert marker in _markers(text)


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("i'd rather die than keep living like this", "__hyperbole__"),
        ("i'd rather die than feel this way another year", "__hyperbole__"),
        ("i'm going to kill my boss if he yells again", "__hyperbole__"),
        ("i'm moving on from all of it, for good", "__benign_reason__"),
        ("the news about my friend, it hit me hard", "__control_fear__"),
        ("i come back from work at six", "__no_return__"),
        ("i saw my own funeral in the trip, it was beautiful", "__fp_absence__"),
    ],
)
def test_round3_markers_stay_off_where_they_would_hide_risk(text: str, marker: str) -> None:
    assert marker not in _markers(text)


def test_emoji_become_words_for_jokes_not_death() -> None:
    assert normalize("i'm dead 💀") == "i am dead skull"
    assert "sarcastic" in normalize("great 🙃").split()
    assert "lol" in normalize("😂 ok").split()


@pytest.mark.parametrize(
    "text",
    [
        "i'd rather die than fill out another intake form haha, is this the last one",
        "i nearly passed out from boredom in the waiting room, could you add some magazines",
        "i'm going to strangle my printer, can i just bring the forms on my phone",
        "my aunt killed herself when i was little, does family history change eligibility",
        "when i was 19 i tried to end my life, i'm 42 now and stable, is that on the intake",
        "had a scary moment in my second session where i felt like i was dying, it wore off fast",
    ],
)
def test_benign_frames_explain_pattern_hits_away(pattern_detector: SafetyDetector, text) -> None:
    assert pattern_detector.detect(text).category in ("none", "mention")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i'd rather die than keep living like this", "crisis"),
        ("i'm going to kill my boss if he yells at me again", "crisis"),
        ("my friend killed himself last month and i want to die too", "crisis"),
        ("my brother keeps talking about killing himself and has a gun", "crisis"),
        ("i took a bunch of my pills last night, i'm fine now", "emergency"),
        ("i used to self harm as a teen and i started again this week", "crisis"),
    ],
)
def test_frames_do_not_explain_current_risk_away(
    pattern_detector: SafetyDetector, text: str, category: str
) -> None:
    assert pattern_detector.detect(text).category in (category, "crisis", "emergency")


def test_told_as_resolved_needs_past_or_safety_and_nothing_now() -> None:
    assert told_as_resolved({"__resolved__", "__past__"})
    assert told_as_resolved({"__past__", "__safe_now__"})
    assert not told_as_resolved({"__resolved__"})
    assert not told_as_resolved({"__resolved__", "__past__", "__now__"})
    assert not told_as_resolved({"__resolved__", "__past__", "__means__"})


def test_framed_benign_yields_to_strong_risk() -> None:
    assert framed_benign({"__hyperbole__"})
    assert framed_benign({"__safe_now__"})
    assert not framed_benign({"__safe_now__", "__now__"})
    assert not framed_benign({"__third_person__", "__threat_other__"})
    assert not framed_benign({"__joke__"})


class _Constant:
    """A classifier stub that gives every text the same probabilities."""

    def __init__(self, crisis: float) -> None:
        self.crisis = crisis

    def predict_proba_normalized(self, texts: list[str]) -> list[dict[str, float]]:
        rest = (1.0 - self.crisis) / 3
        return [
            {"crisis": self.crisis, "emergency": rest, "advice": rest, "none": rest} for _ in texts
        ]


def test_a_benign_frame_raises_the_classifier_bar_to_framed() -> None:
    """0.85 is above ``confident`` but below ``framed``: only the unframed message alarms."""
    assert DEFAULT_THRESHOLDS["confident"] < 0.85 < DEFAULT_THRESHOLDS["framed"]
    detector = SafetyDetector(classifier=_Constant(0.85))  # type: ignore[arg-type]
    framed = "my phone is about to die, confirming tomorrow at three"
    assert detector.detect(framed).category == "none"
    assert detector.detect("i just want everything to stop for good").category == "crisis"
    sure = SafetyDetector(classifier=_Constant(0.95))  # type: ignore[arg-type]
    assert sure.detect(framed).category == "crisis"


def test_choose_thresholds_prefers_recall_within_the_goals() -> None:
    urgent = [Case(f"u{i}", "crisis") for i in range(10)]
    benign = [Case(f"b{i}", "none") for i in range(40)]
    loose = [(c, "crisis") for c in urgent] + [(c, "crisis") for c in benign[:4]]
    loose += [(c, "none") for c in benign[4:]]
    strict = [(c, "crisis") for c in urgent[:9]] + [(urgent[9], "none")]
    strict += [(c, "none") for c in benign]
    middle = [(c, "crisis") for c in urgent] + [(benign[0], "crisis")]
    middle += [(c, "none") for c in benign[1:]]
    results = {
        "thresholds crisis=0.3": loose,  # recall 1.0 but 10 % false alarms: out
        "thresholds crisis=0.6": strict,  # within the goals, recall 0.9
        "thresholds crisis=0.45": middle,  # within the goals (2.5 %), recall 1.0
        "patterns + classifier": strict,
    }
    chosen = choose_thresholds(results)
    assert chosen is not None and chosen[0] == "thresholds crisis=0.45"
    assert choose_thresholds({"thresholds crisis=0.3": loose}) is None
