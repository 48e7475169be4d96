"""Plain-text formatting of bot turns for SMS and WhatsApp (pure functions, no I/O).

A bot turn arrives from Rasa as several parts (texts, buttons, one custom payload, see
``shared/reply-contract.md``). :func:`format_turn` turns them into the message bodies to send:

* ordinary turns become ONE message of at most :data:`MAX_SEGMENTS` SMS segments (about 600
  GSM-7 characters, 268 when a character forces UCS-2). Too long a text is cut on a sentence
  boundary (or, failing that, between words: never inside a word or URL). The numbered options
  and the short sources line are always kept.
* crisis and emergency turns are NEVER shortened: the whole text goes out, split into as many
  messages as needed (each within Twilio's 1600-character limit), crisis texts first.

It also recognises the carrier keywords (STOP, START, HELP, ...) and numbered option replies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clinicbot.payload import CRISIS, EMERGENCY, merge_payloads

#: Segments an ordinary reply may use (4 segments = 612 GSM-7 or 268 UCS-2 characters).
MAX_SEGMENTS = 4
#: Twilio's limit for one message body, inbound and outbound, in characters.
TWILIO_MAX_BODY = 1600
#: Citations shown in the sources line.
MAX_SOURCES = 3
#: Numbered options offered at most (one digit to reply with).
MAX_OPTIONS = 9
#: Character budget of an ordinary WhatsApp reply (no segments there; same length as SMS).
WHATSAPP_MAX_CHARS = MAX_SEGMENTS * 153

SMS = "sms"
WHATSAPP = "whatsapp"
URGENT_KINDS = frozenset({CRISIS, EMERGENCY})

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

# GSM 03.38 basic character set and its extension table (extension characters cost 2).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Typographic characters that would force the whole SMS into UCS-2, and their GSM-7 twins.
_SMART_CHARS = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u2032", "'"),  # curly and prime quotes
        **dict.fromkeys("\u201c\u201d\u201e\u2033", '"'),
        **dict.fromkeys("\u2013\u2014\u2011\u2212\u2022", "-"),  # dashes, minus, bullet
        **dict.fromkeys("\u00a0\u2009\u202f", " "),  # no-break and thin spaces
        "\u2026": "...",
    }
)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*")
_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "e.g.", "i.e.", "vs.", "approx.", "No.")
_OPTION_REPLY = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")
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


# --------------------------------------------------------------------------- encoding & length


def is_gsm7(text: str) -> bool:
    """Tells whether a text can be sent in the GSM-7 alphabet.

    Args:
        text: The text.

    Returns:
        True when every character is in the GSM 03.38 basic or extension table.
    """
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text)


def segment_count(text: str) -> int:
    """Counts the SMS segments a text needs.

    GSM-7: 160 characters in one segment, 153 per segment when concatenated, extension
    characters count twice. UCS-2: 70 UTF-16 units in one segment, 67 per segment otherwise.

    Args:
        text: The message body.

    Returns:
        The number of segments (0 for an empty text).
    """
    if not text:
        return 0
    if is_gsm7(text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def sms_friendly(text: str) -> str:
    """Replaces typographic characters (curly quotes, dashes, ellipsis) by GSM-7 ones.

    One curly apostrophe would otherwise switch the whole message to UCS-2 and more than
    double its segment count.

    Args:
        text: The text.

    Returns:
        The text with those characters replaced; other characters are kept.
    """
    return text.translate(_SMART_CHARS)


def fits_budget(channel: str, max_segments: int = MAX_SEGMENTS) -> Callable[[str], bool]:
    """Returns the length test of an ordinary reply on a channel.

    Args:
        channel: :data:`SMS` or :data:`WHATSAPP`.
        max_segments: SMS segments allowed.

    Returns:
        A predicate telling whether a message body is within the budget.
    """
    if channel == WHATSAPP:
        return lambda s: len(s) <= WHATSAPP_MAX_CHARS
    return lambda s: segment_count(s) <= max_segments


def fits_twilio(text: str) -> bool:
    """Tells whether a body is within Twilio's 1600-character limit.

    Args:
        text: The body.

    Returns:
        True when Twilio accepts it as one message.
    """
    return len(text) <= TWILIO_MAX_BODY


# --------------------------------------------------------------------------- splitting


def _sentences(text: str) -> list[str]:
    """Splits a text into sentences, each keeping its trailing whitespace."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start : match.start()]
        if head.endswith(_ABBREVIATIONS) and "\n" not in match.group():
            continue
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Splits a text into chunks that each pass ``fits``, without losing any of it.

    Chunks end on sentence boundaries where possible, otherwise between words. A word or URL is
    never cut: a single token longer than the limit becomes a chunk of its own.

    Args:
        text: The text.
        fits: Length test of one chunk.

    Returns:
        The stripped, non-empty chunks in order (empty for a blank text).
    """
    chunks: list[str] = []
    current = ""

    def push() -> None:
        nonlocal current
        if current.strip():
            chunks.append(current.strip())
        current = ""

    for sentence in _sentences(text):
        if fits((current + sentence).strip()):
            current += sentence
            continue
        push()
        if fits(sentence.strip()):
            current = sentence
            continue
        for word in re.findall(r"\S+\s*", sentence):
            if current.strip() and not fits((current + word).strip()):
                push()
            current += word
    push()
    return chunks


def truncate_text(text: str, fits: Callable[[str], bool]) -> str:
    """Shortens a text to pass ``fits``: whole sentences first, whole words otherwise.

    Args:
        text: The text.
        fits: Length test.

    Returns:
        The text itself when it fits; otherwise its longest leading run of whole sentences
        that fits, or of whole words followed by ``...`` when not even the first sentence fits.
        Empty when not even the first word fits.
    """
    text = text.strip()
    if fits(text):
        return text
    kept = ""
    for sentence in _sentences(text):
        if not fits((kept + sentence).strip()):
            break
        kept += sentence
    if kept.strip():
        return kept.strip()
    words = ""
    for word in re.findall(r"\S+\s*", text):
        if not fits((words + word).strip() + " ..."):
            break
        words += word
    return words.strip() + " ..." if words.strip() else ""


def truncate_paragraphs(text: str, fits: Callable[[str], bool]) -> str:
    """Shortens a text of paragraphs to pass ``fits`` without cutting a paragraph in half.

    A bot turn's parts (disclaimer, answer, entity sentences, safety reminder) are separate
    paragraphs; half of one can change its meaning, so whole paragraphs are dropped instead,
    the first ones kept in order, and a later paragraph that still fits (such as a short safety
    reminder) is kept after a dropped long one. Only when not even the first paragraph fits is
    it cut, by :func:`truncate_text`.

    Args:
        text: Paragraphs separated by blank lines.
        fits: Length test.

    Returns:
        The text itself when it fits; otherwise the paragraphs that fit, in order.
    """
    text = text.strip()
    if fits(text):
        return text
    kept: list[str] = []
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if paragraph and fits("\n\n".join([*kept, paragraph])):
            kept.append(paragraph)
        elif not kept:
            return truncate_text(text, fits)
    return "\n\n".join(kept)


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
