"""Answer feedback by SMS and WhatsApp: "Was this helpful? Reply 1 or 2: 1) Yes 2) No".

Offered after a knowledge-base answer that offers no other numbered options, and only when the
question still fits the message's segment budget (so the first answer, which carries the
disclaimer, is not lengthened into another segment). The two options are stored like any
numbered options; their payloads start with :data:`PREFIX`, so the channel records the rating
instead of passing "1" or "2" to the assistant. One rating per answer: each offer carries its
own answer key, and the options are cleared once a rating is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from sqlalchemy.engine import Engine

from clinicbot.channels.sms_format import FormattedTurn, Option, TurnPart, options_line
from clinicbot.channels.sms_text import SMS, fits_budget, sms_friendly
from clinicbot.insights.feedback import AlreadyRated, AnswerRef, record_feedback
from clinicbot.payload import merge_payloads

#: Payload prefix of the feedback options: ``feedback:<yes|no>:<kb_id>:<answer key>``.
PREFIX = "feedback:"


@lru_cache(maxsize=1)
def _texts() -> tuple[str, str]:
    from clinicbot.knowledge import load_messages

    messages = load_messages()
    return messages["sms_feedback_question"], messages["sms_feedback_thanks"]


def thanks_text() -> str:
    """The reply to a rating (``knowledge/messages.yml``: ``sms_feedback_thanks``)."""
    return _texts()[1]


def offer(parts: Sequence[TurnPart], turn: FormattedTurn, channel: str) -> FormattedTurn:
    """Adds the feedback question to an answer turn when it fits.

    Args:
        parts: The turn's parts (their payloads tell the reply kind and topic).
        turn: The formatted turn.
        channel: ``sms`` or ``whatsapp``.

    Returns:
        The turn with the question appended to its last message and the two feedback options,
        or the turn unchanged (not an answer, other options offered, urgent, or no room).
    """
    payload = merge_payloads([p.custom for p in parts if p.custom]) or {}
    kb_id = payload.get("kb_id")
    if (
        turn.urgent
        or turn.options
        or not turn.messages
        or payload.get("kind") != "answer"
        or not isinstance(kb_id, str)
        or not kb_id
    ):
        return turn
    key = f"sms-{secrets.token_hex(6)}"
    options = [
        Option("Yes", f"{PREFIX}yes:{kb_id}:{key}"),
        Option("No", f"{PREFIX}no:{kb_id}:{key}"),
    ]
    line = f"{_texts()[0]} {options_line(options)}"
    if channel == SMS:
        line = sms_friendly(line)
    last = f"{turn.messages[-1]}\n{line}"
    if not fits_budget(channel)(last):
        return turn
    return replace(turn, messages=[*turn.messages[:-1], last], options=options)


def is_feedback(option: Option) -> bool:
    """Tells whether a chosen option is a feedback rating."""
    return option.payload.startswith(PREFIX)


def record(engine: Engine, conversation_id: str, channel: str, option: Option) -> bool:
    """Stores the rating a feedback option stands for.

    Args:
        engine: The clinic database.
        conversation_id: The conversation's pseudonym.
        channel: ``sms`` or ``whatsapp``.
        option: The chosen feedback option.

    Returns:
        True when stored, False when malformed or already rated.
    """
    try:
        _prefix, verdict, kb_id, key = option.payload.split(":", 3)
    except ValueError:
        return False
    if verdict not in ("yes", "no"):
        return False
    try:
        record_feedback(engine, conversation_id, channel, AnswerRef(kb_id, key), verdict == "yes")
    except AlreadyRated:
        return False
    return True
