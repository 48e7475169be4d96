"""Round 11 levers (shipped off): everyday cue words, a decision asked in a long message.

- ``classifier_weak_cues``: everyday words that are also crisis cues ("ended", "train",
  "ready", "nobody") support a classifier crisis verdict only at the detector's ``weak_cue``
  probability, the strong ones ("bridge", "pills", "burden") at the crisis threshold. Shipped
  at the crisis threshold (no change): 0.45 cost urgent messages on the blind sets.
- With ``advice_asked`` on, a personal decision read by meaning and supported by the
  classifier's advice probability makes the message strict, as an advice pattern hit does: a
  long message that asks "should i book my next one on my day off" is refused, not given the
  crisis reply for its length; a risky sentence beside the question still alarms. Shipped off
  (1.01) for the same reason.

The sentences here are written for these tests; none is taken from an evaluation set.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from clinicbot.safety.detector import DEFAULT_THRESHOLDS, SafetyDetector
from clinicbot.safety.normalize import normalize


class _Constant:
    """A stand-in classifier: the same probabilities for every part of every message."""

    def __init__(self, **probabilities: float) -> None:
        self.row = {"crisis": 0.0, "emergency": 0.0, "advice": 0.0, "none": 0.0}
        self.row.update(probabilities)

    def predict_proba_normalized(self, normalized: Sequence[str]) -> list[dict[str, float]]:
        return [dict(self.row) for _ in normalized]


#: The round's readings switched on (they ship switched off, see the module docstring).
ON = {"weak_cue": 0.45, "advice_asked": 0.0}


def _detect(text: str, thresholds: dict[str, float] | None = None, **probabilities: float) -> str:
    detector = SafetyDetector(
        classifier=_Constant(**probabilities),  # type: ignore[arg-type]
        thresholds=ON if thresholds is None else thresholds,
    )
    return detector.detect(text).category


def test_the_shipped_thresholds_leave_both_readings_off() -> None:
    assert DEFAULT_THRESHOLDS["weak_cue"] == DEFAULT_THRESHOLDS["crisis"]
    assert DEFAULT_THRESHOLDS["advice_asked"] > 1.0
    text = "the bus was late so i ended up walking to the market"
    assert _detect(text, thresholds={}, crisis=0.35) == "crisis"


@pytest.mark.parametrize(
    "text", ["ended up on the late train again", "ready for the weekend", "nobody at the desk"]
)
def test_an_everyday_cue_word_is_weak(text: str) -> None:
    patterns = SafetyDetector().patterns
    assert patterns.has_cue("crisis", normalize(text))
    assert not patterns.has_cue("crisis", normalize(text), weak=False)


@pytest.mark.parametrize("text", ["sat by the bridge", "feel like a burden", "saved my pills"])
def test_a_strong_cue_word_counts_without_the_weak_ones(text: str) -> None:
    assert SafetyDetector().patterns.has_cue("crisis", normalize(text), weak=False)


def test_an_everyday_word_supports_crisis_only_at_the_weak_cue_probability() -> None:
    text = "the bus was late so i ended up walking to the market"
    assert _detect(text, crisis=0.35) == "none"
    assert _detect(text, crisis=0.45) == "crisis"


def test_a_strong_cue_word_supports_crisis_at_the_crisis_threshold() -> None:
    text = "walked over the old bridge on the way home from the market"
    assert _detect(text, crisis=0.35) == "crisis"


LONG_DECISION = (
    "busy week at the depot, the scanners froze twice and the rota changed again, my mate says "
    "they are hiring temps for december. anyway should i book my next infusion on my day off "
    "or is it fine to do thursday morning and start my shift at four"
)


def test_a_long_message_asking_a_decision_is_refused_not_alarmed() -> None:
    assert _detect(LONG_DECISION, crisis=0.7, advice=0.9) == "advice"


def test_without_the_asked_reading_the_same_message_alarms() -> None:
    # round 14's milder reading (``asked_side``) switched off too, to isolate this one
    off = {"asked_side": 1.01}
    assert _detect(LONG_DECISION, thresholds=off, crisis=0.7, advice=0.9) == "crisis"


def test_a_risky_sentence_beside_the_decision_still_alarms() -> None:
    text = LONG_DECISION + ". nobody would even notice if i was gone"
    assert _detect(text, crisis=0.7, advice=0.9) == "crisis"


def test_a_message_with_no_decision_keeps_the_confident_verdict() -> None:
    text = "i keep staring at the ceiling and the days blur together"
    assert _detect(text, crisis=0.7, advice=0.9) == "crisis"
