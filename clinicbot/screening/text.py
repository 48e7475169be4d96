"""Text helpers shared by the pre-screening's parsers: normalizing, words, phrases, numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable


def normalize(text: str | None) -> str:
    """Lower-cases a message, unifies apostrophes and collapses white space.

    Args:
        text: The message.

    Returns:
        The normalized text (no leading or trailing white space).
    """
    value = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", value).strip()


def words(text: str) -> list[str]:
    """The words of a normalized text (letters, digits and apostrophes)."""
    return re.findall(r"[a-z0-9']+", text)


def any_phrase(text: str, phrases: Iterable[str]) -> int:
    """Position of the first phrase found in text on word boundaries, -1 if none."""
    best = -1
    for phrase in phrases:
        match = re.search(r"(?<![a-z0-9])" + re.escape(phrase.lower()) + r"(?![a-z0-9])", text)
        if match and (best < 0 or match.start() < best):
            best = match.start()
    return best


_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
NUMBER_WORD = "|".join(sorted(list(_UNITS) + list(_TENS), key=len, reverse=True))


def numbers_in(text: str) -> list[tuple[int, int, int]]:
    """Finds the numbers in a text, written as digits or English words.

    Args:
        text: Normalized text.

    Returns:
        ``(start, end, value)`` for each number, in order ("twenty-five" is one number).
    """
    found: list[tuple[int, int, int]] = []
    tokens = list(re.finditer(r"\d+|[a-z]+", text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group()
        if word.isdigit():
            if len(word) <= 4:
                found.append((tok.start(), tok.end(), int(word)))
        elif word in _TENS:
            value, end = _TENS[word], tok.end()
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and 1 <= _UNITS.get(nxt.group(), 0) <= 9:
                if text[tok.end() : nxt.start()] in (" ", "-", ""):
                    value += _UNITS[nxt.group()]
                    end = nxt.end()
                    i += 1
            found.append((tok.start(), end, value))
        elif word in _UNITS:
            found.append((tok.start(), tok.end(), _UNITS[word]))
        i += 1
    return found


def word_value(token: str) -> int | None:
    """The value of a number written as digits or as one English word ("7", "seven").

    Args:
        token: The token.

    Returns:
        The value, or None if the token is not a number.
    """
    if token.isdigit():
        return int(token)
    return _UNITS.get(token, _TENS.get(token))


#: "I don't know" and its relatives: an honest "not sure" answer.
NOT_SURE_RE = re.compile(
    r"(?<![a-z])(not sure|unsure|not certain|uncertain|not too sure|don'?t know|do not know|"
    r"dont know|dunno|idk|no idea|no clue|maybe|perhaps|possibly|might be|might have|"
    r"could be|can'?t remember|cannot remember|don'?t remember|do not remember|"
    r"can'?t say|hard to say|hard to tell|not sure yet|prefer not to (say|answer)|"
    r"rather not (say|answer)|i'?d rather not say|skip( this| it| that)?|pass|no comment|"
    r"i guess|kind of|sort of|kinda|sorta)(?![a-z])"
)
