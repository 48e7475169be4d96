"""Splitting a normalised message into the parts the safety classifier reads.

A long message with one risky sentence scores low as a whole; the classifier therefore also
reads each sentence (merged into chunks of about ``SEGMENT_CHARS`` characters when there are
many). ``content_words`` counts a part's words without filler ("kinda scared tbh" is 2 words).
"""

from __future__ import annotations

import re

_SENTENCES = re.compile(r" ?[.?](?: |$)")
#: Filler that does not count towards a segment's length ("kinda scared tbh" is 2 words).
_FILLER = re.compile(
    r"\b(?:to be honest|honestly|lol|lmao|haha|kinda|kind of|sort of|like|just|really|so|tbh|"
    r"ngl|not going to lie|um|uh|ok|okay|well)\b"
)
SEGMENT_CHARS = 600
MIN_SEGMENT_WORDS = 4
MAX_SEGMENTS = 120
FULL_TEXT_LIMIT = 5000


def segments(text: str) -> list[str]:
    """Splits a normalised message into sentence-sized chunks for the classifier.

    Args:
        text: A normalised message.

    Returns:
        The chunks, then each sentence that was merged into a chunk on its own (at most
        ``MAX_SEGMENTS`` parts); empty for a message of one sentence.
    """
    sentences = [s.strip() for s in _SENTENCES.split(text) if s.strip()]
    if len(sentences) <= 1:
        return []
    size = max(SEGMENT_CHARS, len(text) // MAX_SEGMENTS + 1)
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        sentence = sentence[: size * 2]
        if current and len(current) + len(sentence) + 1 > size:
            chunks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
        if len(chunks) >= MAX_SEGMENTS:
            break
    if current and len(chunks) < MAX_SEGMENTS:
        chunks.append(current)
    # single sentences matter most: add each one on its own when they were merged
    singles = [s for s in sentences if s not in chunks][: MAX_SEGMENTS - len(chunks)]
    return chunks + singles


def content_words(segment: str) -> int:
    """How many words a part has, filler ("lol", "kinda", "tbh") not counted.

    Args:
        segment: A normalised part of a message.

    Returns:
        The number of words that are not filler.
    """
    return len(_FILLER.sub(" ", segment).split())
