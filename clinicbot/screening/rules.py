"""The rules engine: the result of the answers, which questions remain, the result's text.

What the rules say lives in ``knowledge/screening_rules.yml``; this module only evaluates them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from clinicbot.screening.constants import (
    CONSENT,
    CONSULT_WORTHWHILE,
    CONTACT,
    CONTACT_METHOD,
    FIRST_NAME,
    NEEDS_REVIEW,
    OUTCOMES,
    SCREENING_SLOTS,
    STOPPED_SLOT,
    UNDER_AGE,
    YES,
)
from clinicbot.screening.model import Result, Rule


def evaluate(rules: Sequence[Rule], answers: Mapping[str, Any]) -> Result:
    """Evaluates answers against the rules.

    Args:
        rules: The reviewed rules.
        answers: Slot values (unanswered slots may be missing or None).

    Returns:
        The result: the strongest outcome of the fired rules (``consult_worthwhile`` when
        none fires), the rules behind it, and the notes.
    """
    fired = [rule for rule in rules if rule.fires(answers)]
    rank = {name: i for i, name in enumerate(OUTCOMES)}
    outcome = max((r.outcome for r in fired), key=rank.__getitem__, default=CONSULT_WORTHWHILE)
    reasons = tuple(r for r in fired if r.outcome == outcome and outcome != CONSULT_WORTHWHILE)
    notes = tuple(r for r in fired if r.outcome == CONSULT_WORTHWHILE)
    return Result(outcome, reasons, notes)


def required_slots(rules: Sequence[Rule], answers: Mapping[str, Any]) -> list[str]:
    """The slots the form still needs, given the answers so far.

    - stopped: none (the form ends);
    - an ``under_age`` outcome: only the questions already answered (no more health
      questions, no consultation request);
    - otherwise the screening questions and the consent; with consent, the first name,
      contact method and contact details.

    Args:
        rules: The reviewed rules.
        answers: Slot values so far.

    Returns:
        Slot names, in order.
    """
    if answers.get(STOPPED_SLOT):
        return []
    if evaluate(rules, answers).outcome == UNDER_AGE:
        return [s for s in SCREENING_SLOTS if answers.get(s) is not None]
    slots = list(SCREENING_SLOTS) + [CONSENT]
    if answers.get(CONSENT) == YES:
        slots += [FIRST_NAME, CONTACT_METHOD, CONTACT]
    return slots


def next_slot(rules: Sequence[Rule], answers: Mapping[str, Any]) -> str | None:
    """The next slot to ask, or None when the form is done.

    Args:
        rules: The reviewed rules.
        answers: Slot values so far.

    Returns:
        The first required slot without an answer.
    """
    return next((s for s in required_slots(rules, answers) if answers.get(s) is None), None)


def screening_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The screening questions' answers only (no contact details)."""
    return {slot: answers.get(slot) for slot in SCREENING_SLOTS}


def result_text(
    result: Result,
    outcome_texts: Mapping[str, Mapping[str, str]],
    notes_heading: str,
    fill: Callable[..., str],
) -> str:
    """Builds the result message from the rules file's reviewed texts.

    Args:
        result: The evaluated answers.
        outcome_texts: Per outcome: ``text`` (and ``closing`` for ``needs_review``).
        notes_heading: Heading of the notes.
        fill: Fills placeholders (``KnowledgeBase.fill``).

    Returns:
        The text: outcome text, the reasons (needs review), then the notes.
    """
    texts = outcome_texts[result.outcome]
    parts = [fill(texts["text"])]
    if result.outcome == UNDER_AGE:
        return "\n\n".join(parts)
    if result.outcome == NEEDS_REVIEW:
        parts.append("\n".join(f"- {fill(rule.reason)}" for rule in result.reasons))
        parts.append(fill(texts.get("closing", "")))
    if result.notes:
        notes = "\n".join(f"- {fill(rule.reason)}" for rule in result.notes)
        parts.append(f"{fill(notes_heading)}\n{notes}")
    return "\n\n".join(p for p in parts if p)
