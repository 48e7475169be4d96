"""A personal decision asked in the message after the one that names the medicine (issue 10).

Patients often split an advice request in two: "fyi i take vyvanse every morning", then "so
skip it on infusion mornings?". The detector judges one message at a time, and the second
names nothing: it reads as an ordinary question and used to get a clarification or an FAQ
answer. Read after the first message's sentence that names the medicine
(``clinicbot.safety.decisions.follow_up_advice_kind``), it asks what the patient should do with
their own medicine, which the assistant declines and offers to a clinician.

Round 19 adds a learned reading beside the expressions: the safety classifier's follow-up
reader scores every message (the signal ``follow_up_advice`` of its verdict), and
``clinicbot.safety.follow_up_reader.reads_as_decision`` reads the pair as a decision when the
previous message names what someone takes, the latest refers back to it, is not small talk, and
the score reaches the threshold.

``SafetyContextPolicy`` applies it in the conversation (after its urgent rules, outside forms,
not while staff hold the conversation) and ``clinicbot.safety.evaluate`` applies it to the
two-message cases, so the figures score what ships. Nothing here logs or stores message text.
"""

from __future__ import annotations

from typing import Any

from clinicbot.components.safety_context import SIGNALS_KEY
from clinicbot.safety.decisions import follow_up_advice_kind
from clinicbot.safety.follow_up_reader import reads_as_decision
from clinicbot.safety.labels import CRISIS, EMERGENCY
from clinicbot.safety.normalize import normalize

#: Intents that already have their own reply (urgent, or the refusal itself).
ANSWERED_INTENTS = frozenset({"safety_crisis", "safety_emergency", "medical_advice"})


def advice_follow_up(
    previous_text: Any, current_intent: Any, current_text: Any, verdict: Any
) -> bool:
    """Whether the latest message asks a personal decision about the medicine named before it.

    Args:
        previous_text: The patient's previous message (raw).
        current_intent: The intent name of the latest message.
        current_text: The latest message (raw).
        verdict: The latest message's ``safety`` verdict (an urgent one is never re-read).

    Returns:
        True when the pair asks a personal medical decision that the latest message alone
        does not (and that message is not already urgent or refused).
    """
    if str(current_intent or "") in ANSWERED_INTENTS:
        return False
    if isinstance(verdict, dict) and verdict.get("category") in (CRISIS, EMERGENCY):
        return False
    if not isinstance(previous_text, str) or not isinstance(current_text, str):
        return False
    previous, current = normalize(previous_text), normalize(current_text)
    if follow_up_advice_kind(previous, current) is not None:
        return True
    signals = verdict.get(SIGNALS_KEY) if isinstance(verdict, dict) else None
    probability = signals.get("follow_up_advice") if isinstance(signals, dict) else None
    return reads_as_decision(previous, current, probability, str(current_intent or ""))
