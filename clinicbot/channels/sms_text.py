"""How long an SMS or WhatsApp message may be, and how a text is fitted to it (pure functions).

An SMS is billed and delivered in segments: 160 GSM-7 characters in one, 153 each when
concatenated, and only 70 / 67 once a single character forces UCS-2 (a curly apostrophe does:
:func:`sms_friendly` replaces such typography). Twilio takes at most 1600 characters per message
body. :func:`split_text` splits a text into messages without losing any of it (crisis texts);
:func:`truncate_text` and :func:`truncate_paragraphs` shorten one on sentence, paragraph or word
boundaries (ordinary replies). :mod:`clinicbot.channels.sms_format` uses them to format turns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

#: Segments an ordinary reply may use (4 segments = 612 GSM-7 or 268 UCS-2 characters).
MAX_SEGMENTS = 4
#: Twilio's limit for one message body, inbound and outbound, in characters.
TWILIO_MAX_BODY = 1600
#: Character budget of an ordinary WhatsApp reply (no segments there; same length as SMS).
WHATSAPP_MAX_CHARS = MAX_SEGMENTS * 153

SMS = "sms"
WHATSAPP = "whatsapp"

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
