"""What a patient's whole SMS/WhatsApp message can mean besides a question (pure functions).

A message that is only a carrier keyword (STOP, START, HELP and their synonyms) is answered by
the channel, not the assistant (:func:`keyword_of`); a message that is only a number picks one
of the numbered options the last reply offered (:func:`parse_option_reply`).
"""

from __future__ import annotations

import re

STOP = "stop"
START = "start"
HELP = "help"
_KEYWORDS: dict[str, str] = {
    **{w: STOP for w in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")},
    **{w: START for w in ("START", "UNSTOP")},
    **{w: HELP for w in ("HELP", "INFO")},
}
#: Opt-in word that is only a keyword while the number is opted out (else it answers the bot).
OPT_IN_WHEN_OPTED_OUT = "YES"

_OPTION_REPLY = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def parse_option_reply(text: str, option_count: int) -> int | None:
    """Reads a reply that is just an option number ("2", "2.", " 2 ", "2)").

    Args:
        text: The patient's message.
        option_count: How many options were offered.

    Returns:
        The zero-based index of the chosen option, or ``None``.
    """
    match = _OPTION_REPLY.match(text or "")
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= option_count else None


def keyword_of(text: str) -> str | None:
    """Recognises a carrier keyword that makes up the whole message.

    Args:
        text: The patient's message.

    Returns:
        :data:`STOP`, :data:`START` or :data:`HELP`; ``None`` for anything else. Case, surrounding
        whitespace and trailing ``.``/``!`` are ignored.
    """
    return _KEYWORDS.get(normalise_word(text))


def normalise_word(text: str) -> str:
    """Normalises a one-word message for keyword matching.

    Args:
        text: The message.

    Returns:
        The message upper-cased, without surrounding whitespace or trailing ``.``/``!``.
    """
    return (text or "").strip().rstrip(".!").strip().upper()
