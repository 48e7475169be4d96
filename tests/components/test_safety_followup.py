"""The urgent stance holds for the next message (``clinicbot.components.safety_followup``)."""

from __future__ import annotations

from typing import Any

import pytest

from clinicbot.components.safety_followup import is_acknowledgement, urgent_follow_up

PLAIN = {"category": "none", "subcategory": "none", "signals": {"markers": []}}


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "Thanks!!",
        "ok thank you, I'll call them now",
        "calling 988 now",
        "I called the crisis line",
        "on my way to the ER",
        "thx, my sister is with me",
        "the ambulance is coming",
    ],
)
def test_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes",  # an answer to the reply's direct question
        "goodbye",  # a farewell is never an acknowledgement
        "thanks for everything, bye",
        "ok but what time do you open tomorrow",
        "thanks. how much is an infusion",
        "",
        "ok " * 40,
        None,
        12,
    ],
)
def test_not_acknowledgements(text: Any) -> None:
    assert not is_acknowledgement(text)


WEAK = {"category": "none", "subcategory": "none", "signals": {"crisis": 0.2, "markers": []}}
MARKED = {"category": "none", "subcategory": "none", "signals": {"markers": ["__finality__"]}}


def test_an_emergency_holds_for_any_next_message() -> None:
    assert urgent_follow_up("safety_emergency", "kb_cost", "how much is it", PLAIN) == "emergency"


@pytest.mark.parametrize("verdict", [WEAK, MARKED])
def test_a_crisis_holds_for_a_next_message_with_any_risk_signal(verdict: Any) -> None:
    assert urgent_follow_up("safety_crisis", "kb_cost", "how much is it", verdict) == "crisis"
    assert urgent_follow_up("safety_crisis", "affirm", "yes", verdict) == "crisis"


def test_an_ordinary_question_after_a_crisis_reply_gets_its_answer() -> None:
    assert urgent_follow_up("safety_crisis", "kb_cost", "how much is it", PLAIN) is None


@pytest.mark.parametrize(
    ("previous", "intent", "text", "verdict"),
    [
        ("kb_cost", "kb_cost", "how much is it", PLAIN),  # no urgent reply before
        (None, "kb_cost", "how much is it", PLAIN),  # first message
        ("safety_crisis", "safety_crisis", "still here", PLAIN),  # urgent itself: rules answer
        ("safety_crisis", "kb_cost", "thanks, calling 988", WEAK),  # acknowledged
        ("safety_emergency", "kb_cost", "ok on my way to the ER", PLAIN),
        ("safety_crisis", "deny", "no", {**WEAK, "subcategory": "negated"}),
        ("safety_crisis", "kb_cost", "i'm ok", {**PLAIN, "signals": {"markers": ["__safe_now__"]}}),
        ("safety_emergency", "kb_cost", "x", {**PLAIN, "subcategory": "resolved_past"}),
    ],
)
def test_no_repeat(previous: Any, intent: str, text: str, verdict: Any) -> None:
    assert urgent_follow_up(previous, intent, text, verdict) is None


def test_malformed_verdicts_do_not_raise() -> None:
    bad = (None, "x", {"signals": "bad"}, {"signals": {"markers": "bad", "crisis": "high"}})
    for verdict in bad:
        assert urgent_follow_up("safety_emergency", "kb_cost", "hours?", verdict) == "emergency"
        assert urgent_follow_up("safety_crisis", "kb_cost", "hours?", verdict) is None
