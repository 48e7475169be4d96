"""Plain-text formatting of bot turns for SMS and WhatsApp (pure functions, no I/O).

A bot turn arrives from Rasa as several parts (texts, buttons, one custom payload, see
``shared/reply-contract.md``). :func:`format_turn` turns them into the message bodies to send:

* ordinary turns become ONE message of at most :data:`MAX_SEGMENTS` SMS segments (about 600
  GSM-7 characters, 268 when a character forces UCS-2). Too long a text is cut on a sentence
  boundary (or, failing that, between words: never inside a word or URL). The numbered options
  and the short sources line are always kept.
* crisis and emergency turns are NEVER shortened: the whole text goes out, split into as many
  messages as needed (each within Twilio's 1600-character limit), crisis texts first.

How long a message may be and how a text is split or shortened is in
:mod:`clinicbot.channels.sms_text`; the carrier keywords (STOP, START, HELP, ...) and numbered
option replies are recognised in :mod:`clinicbot.channels.sms_keywords`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clinicbot.channels.sms_text import (
    MAX_SEGMENTS,
    SMS,
    fits_budget,
    fits_twilio,
    sms_friendly,
    split_text,
    truncate_paragraphs,
    truncate_text,
)
from clinicbot.payload import CRISIS, EMERGENCY, merge_payloads

#: Citations shown in the sources line.
MAX_SOURCES = 3
#: Numbered options offered at most (one digit to reply with).
MAX_OPTIONS = 9
URGENT_KINDS = frozenset({CRISIS, EMERGENCY})

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_AUTHOR = re.compile(r"^([A-Z][A-Za-z'\-]+)\s+[A-Z]{1,3}\b")
_LEADING_NAME = re.compile(r"^([A-Z][A-Za-z'\-]+)\b")


@dataclass(frozen=True)
class Option:
    """A numbered choice offered in plain text (from a button or quick reply).

    Attributes:
        title: What the patient reads.
        payload: What reaches Rasa when the patient replies with the option's number.
    """

    title: str
    payload: str

    @classmethod
    def from_button(cls, button: Mapping[str, Any]) -> Option | None:
        """Builds an option from a Rasa button or quick reply.

        Args:
            button: ``{"title": ..., "payload": ...}``; a missing payload falls back to the title.

        Returns:
            The option, or ``None`` when the button has neither title nor payload.
        """
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or "").strip() or title
        if not payload:
            return None
        return cls(title=title or payload, payload=payload)


@dataclass
class TurnPart:
    """One piece of a bot turn as the output channel received it.

    Attributes:
        text: Message text, if any.
        options: Buttons or quick replies sent with the text.
        custom: The reply payload that came with (or right after) this text.
    """

    text: str | None = None
    options: list[Option] = field(default_factory=list)
    custom: dict[str, Any] | None = None

    @property
    def kind(self) -> str | None:
        """The reply kind of this part's payload, if it has one."""
        return str(self.custom.get("kind")) if self.custom and self.custom.get("kind") else None


@dataclass(frozen=True)
class FormattedTurn:
    """The messages to send for one turn.

    Attributes:
        messages: Message bodies, in sending order.
        options: The numbered options offered (empty when the turn offered none).
        urgent: Whether the turn is a crisis or emergency turn (delivered in full).
    """

    messages: list[str]
    options: list[Option]
    urgent: bool


# --------------------------------------------------------------------------- sources & options


def short_citation(citation: str) -> str:
    """Shortens a citation to "Surname Year" (or "Product label").

    Examples: ``"Murrough JW, et al. (2013). American Journal of Psychiatry."`` ->
    ``"Murrough 2013"``; ``"Spravato (esketamine) prescribing information."`` ->
    ``"Spravato label"``; ``"U.S. Food and Drug Administration (10 October 2023). ..."`` ->
    ``"FDA 2023"``.

    Args:
        citation: A full citation.

    Returns:
        The short form; the first few words when no pattern applies.
    """
    text = " ".join(citation.split())
    year_match = _YEAR.search(text)
    year = year_match.group(1) if year_match else ""
    lowered = text.lower()
    if lowered.startswith(("u.s. food and drug administration", "food and drug administration")):
        return f"FDA {year}".strip()
    if "prescribing information" in lowered or re.search(r"\blabel\b", lowered):
        name = _LEADING_NAME.match(text)
        if name:
            return f"{name.group(1)} label"
    author = _AUTHOR.match(text) or _LEADING_NAME.match(text)
    if author and (year or _AUTHOR.match(text)):
        return f"{author.group(1)} {year}".strip()
    words = re.split(r"[.(:]", text, maxsplit=1)[0].split()[:3]
    return " ".join(words + ([year] if year and year not in words else []))


def sources_line(sources: Iterable[str], max_items: int = MAX_SOURCES) -> str:
    """Builds the short reference line of an answer.

    Args:
        sources: Full citations, in order.
        max_items: How many short citations to show.

    Returns:
        ``"Sources: Murrough 2013; Spravato label"``, or ``""`` when there are none.
    """
    short: list[str] = []
    for citation in sources:
        item = short_citation(str(citation))
        if item and item not in short:
            short.append(item)
    return "Sources: " + "; ".join(short[:max_items]) if short else ""


def options_line(options: Sequence[Option]) -> str:
    """Builds the numbered-options line.

    Args:
        options: The options, in order.

    Returns:
        ``"Reply 1, 2 or 3: 1) Side effects 2) Cost 3) Talk to staff"``, or ``""``.
    """
    if not options:
        return ""
    numbers = [str(i) for i in range(1, len(options) + 1)]
    head = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " or " + numbers[-1]
    items = " ".join(f"{i}) {o.title}" for i, o in enumerate(options, start=1))
    return f"Reply {head}: {items}"


# --------------------------------------------------------------------------- turns


def _collect_options(parts: Sequence[TurnPart]) -> list[Option]:
    options: list[Option] = []
    for part in parts:
        for option in part.options:
            if option.payload not in {o.payload for o in options}:
                options.append(option)
    return options[:MAX_OPTIONS]


def _join(pieces: Iterable[str]) -> str:
    return "\n".join(p for p in pieces if p)


def format_turn(
    parts: Sequence[TurnPart], channel: str = SMS, max_segments: int = MAX_SEGMENTS
) -> FormattedTurn:
    """Formats one bot turn as plain-text messages.

    Args:
        parts: The turn's parts, in the order Rasa sent them.
        channel: :data:`SMS` (typographic characters are replaced and the segment budget
            applies) or :data:`WHATSAPP` (a character budget of the same size applies).
        max_segments: Segment budget of an ordinary SMS reply.

    Returns:
        The messages to send (empty when the turn holds nothing to say) and the options offered.
    """
    payload = merge_payloads([p.custom for p in parts if p.custom]) or {}
    urgent = payload.get("kind") in URGENT_KINDS
    options = _collect_options(parts)
    tail = _join([sources_line(payload.get("sources") or []), options_line(options)])
    # Crisis/emergency parts first (stable order otherwise).
    ordered = sorted(parts, key=lambda p: 0 if p.kind in URGENT_KINDS else 1)
    texts = [p.text.strip() for p in ordered if p.text and p.text.strip()]
    body = "\n\n".join(texts)
    if channel == SMS:
        body, tail = sms_friendly(body), sms_friendly(tail)

    if urgent:
        return FormattedTurn(split_text(_join([body, tail]), fits_twilio), options, True)

    fits = fits_budget(channel, max_segments)
    if not fits(tail):  # Options must survive; sources are the first thing to go.
        tail = sms_friendly(options_line(options)) if channel == SMS else options_line(options)
    short = truncate_paragraphs(body, lambda s: fits(_join([s, tail]))) if body else ""
    if body and not short:  # The options alone fill the budget: the text goes on its own.
        messages = [truncate_text(body, fits) or body, tail]
    else:
        messages = [_join([short, tail])]
    # split_text only splits what even the fallback could not fit (an over-long option title).
    chunks = [chunk for m in messages if m for chunk in split_text(m, fits_twilio)]
    return FormattedTurn(chunks, options, False)
