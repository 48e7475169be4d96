"""The parser registry: how a question's free-text answer is read, keyed by its answer type.

Every question of ``knowledge/screening_questions.yml`` names its answer type in ``parser``
(``age``, ``yes_no``, ``contact``, ...). :data:`PARSERS` maps each type to a function that
turns a message into the slot values to set, or None when the message is not an answer of
that type. The readers themselves live in :mod:`clinicbot.screening.answers` and
:mod:`clinicbot.screening.contact`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from clinicbot.screening.answers import parse_age, parse_count, parse_reason, parse_yes_no
from clinicbot.screening.constants import CONSENT, CONTACT_METHOD, NO, YES
from clinicbot.screening.contact import parse_contact, parse_contact_method, parse_first_name
from clinicbot.screening.model import Question
from clinicbot.screening.text import normalize

#: Words that agree to be contacted without a plain "yes" ("ok, call me").
CONSENT_YES_RE = re.compile(
    r"\b(ok|okay|alright|all right|please do|go ahead|sounds good|contact me|call me|"
    r"email me|text me|reach out|that'?s fine|fine by me)\b"
)


@dataclass(frozen=True)
class ParseContext:
    """What a parser may need besides the message.

    Attributes:
        question: The question being answered.
        answers: Answers so far (the contact details depend on the chosen method).
        minimum_age: The clinic's minimum age.
        allow_mention: Whether naming a yes/no question's subject counts as yes.
    """

    question: Question
    answers: Mapping[str, Any] = field(default_factory=dict)
    minimum_age: int = 18
    allow_mention: bool = True


#: A parser: (message, context) -> slot values to set, or None when it is not an answer.
Parser = Callable[[str | None, ParseContext], dict[str, Any] | None]


def _slot(context: ParseContext, value: str | None) -> dict[str, Any] | None:
    return None if value is None else {context.question.slot: value}


def read_age(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """Age: ``meets_minimum``, ``under_minimum`` or ``not_sure``."""
    return _slot(context, parse_age(text, context.minimum_age))


def read_reason(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """The main reason for considering treatment."""
    return _slot(context, parse_reason(text))


def read_count(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """How many treatments were tried."""
    return _slot(context, parse_count(text))


def read_yes_no(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """Yes, no or not sure (naming the question's subject may count as yes)."""
    question = context.question
    return _slot(context, parse_yes_no(text, question.keywords, context.allow_mention))


def read_consent(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """Consent to be contacted; contact details typed with a yes are kept too."""
    answer = parse_yes_no(text)
    if answer is None and CONSENT_YES_RE.search(normalize(text)):
        answer = YES
    if answer is None:
        return None
    if answer == YES:
        contact = parse_contact(text, None)
        if contact:
            return {CONSENT: YES, **contact}
        return _slot(context, YES)
    return _slot(context, NO)


def read_first_name(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """A first name."""
    return _slot(context, parse_first_name(text))


def read_contact_method(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """Phone or email; a phone number or address typed instead sets both slots."""
    value = parse_contact_method(text)
    contact = parse_contact(text, value)
    if contact:
        return contact
    return _slot(context, value)


def read_contact(text: str | None, context: ParseContext) -> dict[str, Any] | None:
    """The phone number or email address (for the method chosen before)."""
    return parse_contact(text, context.answers.get(CONTACT_METHOD))


#: Answer type (a question's ``parser``) -> its parser.
PARSERS: Mapping[str, Parser] = MappingProxyType(
    {
        "age": read_age,
        "reason": read_reason,
        "count": read_count,
        "yes_no": read_yes_no,
        "consent": read_consent,
        "first_name": read_first_name,
        "contact_method": read_contact_method,
        "contact": read_contact,
    }
)


def parse_answer(
    question: Question,
    text: str | None,
    answers: Mapping[str, Any] | None = None,
    minimum_age: int = 18,
    allow_mention: bool = True,
) -> dict[str, Any] | None:
    """Parses a message as the answer to one question with the parser of its answer type.

    Args:
        question: The question.
        text: The message.
        answers: Answers so far.
        minimum_age: The clinic's minimum age.
        allow_mention: Whether naming a yes/no question's subject counts as yes.

    Returns:
        Slot values to set, or None when the text is not an answer (or the answer type has
        no parser).
    """
    parser = PARSERS.get(question.parser)
    if parser is None:
        return None
    context = ParseContext(question, answers or {}, minimum_age, allow_mention)
    return parser(text, context)
