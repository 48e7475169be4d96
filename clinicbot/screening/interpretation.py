"""What a patient message in the middle of the form means: answer, correction, stop, ...

:func:`interpret` is the pre-screening's state machine: given the question being asked and
the answers so far it decides whether a message answers it, corrects an earlier answer, stops
the form, leaves it for another rule (a crisis, a knowledge-base question) or is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from clinicbot.screening.answers import count_bucket, explicit_age, parse_reason, parse_yes_no
from clinicbot.screening.constants import (
    AGE,
    ANSWER,
    CONSENT,
    CONTACT,
    CONTACT_METHOD,
    CORRECTION,
    FIRST_NAME,
    FORM_SLOTS,
    IGNORE,
    INTERRUPT,
    INTERRUPT_INTENTS,
    NO,
    NOT_A_STATEMENT_INTENTS,
    OTHER,
    REASON,
    RESET,
    RESUME,
    SAFETY_INTENTS,
    STOP,
    STOPPED_SLOT,
    TREATMENTS,
    UNCLEAR,
    WHY,
    WITHDRAW,
)
from clinicbot.screening.model import Interpretation
from clinicbot.screening.shapes import (
    CORRECTION_FILLER_RE,
    CORRECTION_MARKER_RE,
    GENERIC_CORRECTION_RE,
    asks_why,
    is_question,
    is_stop,
)
from clinicbot.screening.text import any_phrase, normalize, words

if TYPE_CHECKING:
    from clinicbot.screening.core import Screening

#: Medicine names that are classes, not one treatment tried.
MEDICINE_CLASSES = frozenset(
    {
        "antidepressants",
        "ssris",
        "snris",
        "maois",
        "benzodiazepines",
        "opioids",
        "stimulants",
    }
)


def is_interrupting_intent(intent: str | None) -> bool:
    """Tells whether an intent's message goes to another rule when it is not an answer.

    Args:
        intent: The NLU intent.

    Returns:
        True for knowledge-base questions, medical-advice requests, asking for a person and
        "are you a bot?".
    """
    return bool(intent) and (intent in INTERRUPT_INTENTS or str(intent).startswith("kb_"))


def _correction_target(
    screen: Screening, norm: str, requested: str, answers: Mapping[str, Any]
) -> str:
    if requested != AGE and explicit_age(norm) is not None:
        return AGE
    best: tuple[int, str] | None = None
    askable = set(screen.required_slots(answers)) | {s for s in FORM_SLOTS if answers.get(s)}
    for slot in FORM_SLOTS:
        question = screen.questions.get(slot)
        if question is None or slot not in askable or slot == requested:
            continue
        pos = any_phrase(norm, question.keywords)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, slot)
    return best[1] if best else ""


def _previous_slot(screen: Screening, requested: str, answers: Mapping[str, Any]) -> str | None:
    order = [s for s in screen.required_slots(answers) if s in screen.questions]
    if requested not in order:
        return None
    earlier = [s for s in order[: order.index(requested)] if answers.get(s) is not None]
    return earlier[-1] if earlier else None


def _correction(
    screen: Screening, text: str, norm: str, requested: str, answers: Mapping[str, Any]
) -> Interpretation | None:
    marker = bool(CORRECTION_MARKER_RE.search(norm))
    age_stated = requested != AGE and explicit_age(norm) is not None
    if not marker and not age_stated:
        return None
    target = _correction_target(screen, norm, requested, answers)
    if target:
        stripped = CORRECTION_FILLER_RE.sub(" ", norm)
        updates = screen.parse(target, stripped, answers, allow_mention=False)
        if updates is None and target != AGE:
            updates = screen.parse(target, text, answers, allow_mention=False)
        if updates:
            return Interpretation(CORRECTION, target, dict(updates))
        return Interpretation(RESET, target, {target: None})
    if GENERIC_CORRECTION_RE.search(norm):
        previous = _previous_slot(screen, requested, answers)
        if previous is None:
            return None
        stripped = CORRECTION_FILLER_RE.sub(" ", norm)
        updates = screen.parse(previous, stripped, answers, allow_mention=False)
        if updates:
            return Interpretation(CORRECTION, previous, dict(updates))
        return Interpretation(RESET, previous, {previous: None})
    return None


def _from_entities(
    requested: str, medicines: Sequence[str], conditions: Sequence[str]
) -> dict[str, Any] | None:
    if requested == TREATMENTS:
        named = {m.lower() for m in medicines} - MEDICINE_CLASSES
        if named:
            return {TREATMENTS: count_bucket(len(named))}
    if requested == REASON and conditions:
        return {REASON: parse_reason(" ".join(conditions)) or OTHER}
    return None


def interpret(
    screen: Screening,
    text: str | None,
    intent: str | None,
    requested: str | None,
    answers: Mapping[str, Any],
    medicines: Sequence[str] = (),
    conditions: Sequence[str] = (),
) -> Interpretation:
    """Decides what a patient message in the middle of the form means.

    In order: a crisis or emergency always leaves the form; "stop" ends it (unless the
    message is a bare answer such as "no"); a correction ("actually I'm 19", "change my
    age") updates or re-asks an earlier question; an answer to the current question is
    taken unless the message is a question for the knowledge base; knowledge-base
    questions, advice requests, "talk to a person" and "are you a bot?" leave the form to
    their rules; "why do you ask?" explains; anything else is re-asked.

    Args:
        screen: The pre-screening's questions and rules.
        text: The message.
        intent: Its NLU intent.
        requested: The slot being asked.
        answers: Answers so far.
        medicines: Canonical names of the medicines the NLU recognised (counted as
            treatments tried when no number is given).
        conditions: Canonical names of the conditions it recognised (the main reason when
            none of the listed ones is named).

    Returns:
        The interpretation.
    """
    if not requested:
        return Interpretation(IGNORE)
    if intent in SAFETY_INTENTS:
        return Interpretation(INTERRUPT)
    norm = normalize(text)
    answer = screen.parse(requested, text, answers)
    if answer is None:
        answer = _from_entities(requested, medicines, conditions)
    short = len(words(norm)) <= 3
    if is_stop(norm) or (intent == "stop" and not (answer and short)):
        return Interpretation(STOP, updates={STOPPED_SLOT: True})
    correction = _correction(screen, text or "", norm, requested, answers)
    if correction is not None and correction.slot != requested:
        return correction
    question = is_question(norm)
    if answer and requested == REASON and not short and question:
        answer = None
    if answer and not (question and is_interrupting_intent(intent)):
        return Interpretation(ANSWER, requested, answer)
    if requested == REASON and not question and intent not in NOT_A_STATEMENT_INTENTS:
        if not is_interrupting_intent(intent) and re.search(r"[a-z]{3,}", norm):
            return Interpretation(ANSWER, requested, {REASON: OTHER})
    if is_interrupting_intent(intent):
        return Interpretation(INTERRUPT)
    if asks_why(norm) or intent == "followup_more":
        return Interpretation(WHY, requested)
    if requested in (FIRST_NAME, CONTACT_METHOD, CONTACT) and parse_yes_no(norm) == NO:
        return Interpretation(
            WITHDRAW,
            CONSENT,
            {CONSENT: NO, FIRST_NAME: None, CONTACT_METHOD: None, CONTACT: None},
        )
    if intent == "start_screening" or norm.startswith("/"):
        # "/start_screening", or another message's button (e.g. the refusal's "No, thanks")
        return Interpretation(RESUME, requested)
    return Interpretation(UNCLEAR, requested)
