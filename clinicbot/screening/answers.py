"""Free-text answers to the screening questions: yes / no, age, how many treatments, reason.

Each parser reads one kind of answer from a patient's message and returns a slot value, or
None when the message is not that kind of answer (the caller decides what it is instead).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from clinicbot.screening.constants import (
    MEETS_MINIMUM,
    NO,
    NONE,
    NOT_SURE,
    ONE,
    THREE_PLUS,
    TWO,
    UNDER_MINIMUM,
    YES,
)
from clinicbot.screening.text import (
    NOT_SURE_RE,
    NUMBER_WORD,
    any_phrase,
    normalize,
    numbers_in,
    word_value,
    words,
)

# ============================================================================ yes / no

_NEG_RE = re.compile(
    r"(?<![a-z'])(no|nope|nah|naw|n|not|never|none|nothing|neither|nor|negative|"
    r"don'?t|doesn'?t|didn'?t|haven'?t|hasn'?t|hadn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|"
    r"won'?t|ain'?t|dont|doesnt|didnt|havent|hasnt|isnt|arent|wasnt|no longer|"
    r"not really|not at all|nothing like that|nothing of the sort)(?![a-z'])"
)
#: Words that mean yes wherever they appear.
_POS_RE = re.compile(
    r"(?<![a-z'])(yes|yess+|yeah|yea|yep|yup|ya|yah|y|sure|true|correct|affirmative|definitely|"
    r"absolutely|indeed|of course|i think so|probably|likely|unfortunately|afraid so|sadly|"
    r"uh huh|mhm|that'?s right|right)(?![a-z'])"
)
#: "I am", "I do", "I have": yes when they are the whole answer or name the question's subject
#: ("I'm pregnant", "I drink a lot"), not in "I'm fine" or "I have depression".
_FRAME_RE = re.compile(
    r"(?<![a-z'])(i am|i'?m|im|i do|i have|i'?ve|ive|i had|i did|i was|i use|i used to|"
    r"i drink|i take|i smoke|i still do|i still have)(?![a-z'])"
)
_BARE_FRAME_RE = re.compile(
    r"^(yes |well )?(i am|i'?m|im|i do|i have|i'?ve|ive|i had|i did|i was|i used to|"
    r"i still do|i still have|i still am)( (yes|though|sadly|unfortunately))?$"
)
_LEADING_YES = frozenset(
    {"yes", "yeah", "yea", "yep", "yup", "ya", "yah", "y", "sure", "correct", "affirmative"}
)
_LEADING_NO = frozenset({"no", "nope", "nah", "naw", "n", "never", "negative"})
_CLAUSE_SPLIT = re.compile(r"\bbut\b|\bthough\b|\balthough\b|\bhowever\b|\bexcept\b|[,;.!]")


def parse_yes_no(
    text: str | None, keywords: Sequence[str] = (), allow_mention: bool = True
) -> str | None:
    """Reads a yes / no / not-sure answer from free text.

    Uncertain or mixed answers ("I have high blood pressure but it's not bad") become
    ``not_sure``, so a clinician looks at them rather than the bot guessing.

    Args:
        text: The patient's message.
        keywords: Words that name the question's subject ("pregnant"); mentioning one without
            a negation counts as yes ("breastfeeding" -> yes).
        allow_mention: Whether a bare keyword mention counts as yes (off for corrections).

    Returns:
        ``yes``, ``no``, ``not_sure`` or None when the text is not an answer.
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    if NOT_SURE_RE.search(norm):
        return NOT_SURE
    tokens = words(norm)
    first = tokens[0] if tokens else ""
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(norm) if c.strip()]

    def mentions(clause: str) -> bool:
        return bool(keywords) and any_phrase(clause, keywords) >= 0

    if first in _LEADING_YES:
        return YES
    if first in _LEADING_NO:
        later_positive = any(
            mentions(c) and (_POS_RE.search(c) or _FRAME_RE.search(c)) and not _NEG_RE.search(c)
            for c in clauses[1:]
        )
        return NOT_SURE if later_positive else NO
    polarities = set()
    for clause in clauses:
        if _NEG_RE.search(clause):
            polarities.add(NO)
        elif (
            _POS_RE.search(clause)
            or _BARE_FRAME_RE.match(clause)
            or (mentions(clause) and (allow_mention or _FRAME_RE.search(clause)))
        ):
            polarities.add(YES)
    if polarities == {NO}:
        return NO
    if polarities == {YES}:
        return YES
    if polarities == {YES, NO}:
        return NOT_SURE
    return None


# ============================================================================ age

_UNDER_RE = re.compile(
    r"\b(under|younger than|below|less than|not yet|not quite)\s+(?P<n>\d{1,3}|"
    + NUMBER_WORD
    + r")\b"
)
_OVER_RE = re.compile(
    r"\b(over|older than|above|at least|more than)\s+(?P<n>\d{1,3}|" + NUMBER_WORD + r")\b"
)
_PLUS_RE = re.compile(r"\b(?P<n>\d{1,3})\s*\+")
_FUTURE_RE = re.compile(
    r"\b(will be|i'?ll be|turning|turn|going to be|gonna be)\s+(?P<n>\d{1,3}|"
    + NUMBER_WORD
    + r")\b"
)
_DECADE_RE = re.compile(
    r"\bin my (\d0s|\d0's|twenties|thirties|forties|fifties|sixties|seventies|eighties|"
    r"nineties)\b"
)
_MINOR_RE = re.compile(r"\b(a minor|minor|not an adult|still in high school|in high school)\b")
_ADULT_RE = re.compile(r"\b(an adult|adult|grown up|grown-up|of age|legal age)\b")
_AGE_CONTEXT_BEFORE = re.compile(r"(i'?m|i am|im|age is|aged|age|just turned|turned)\s*$")
_AGE_CONTEXT_AFTER = re.compile(r"^\s*(years?|yrs?|y/?o|year-old|years-old)\b")
_NOT_AN_AGE_AFTER = re.compile(
    r"^\s*(weeks?|months?|days?|hours?|times?|kids?|children|antidepressants?|meds|"
    r"medications?|treatments?|drinks?|mg|%)\b"
)


def stated_age(text: str) -> int | None:
    """Finds the age a patient states ("I'm 17", "19 years old", "twenty-five").

    Args:
        text: Normalized text.

    Returns:
        The age, or None if no plausible age (1-120) is stated.
    """
    candidates = []
    for start, end, value in numbers_in(text):
        if _NOT_AN_AGE_AFTER.match(text[end:]):
            continue
        if not 1 <= value <= 120:
            continue
        score = 0
        if _AGE_CONTEXT_BEFORE.search(text[:start]):
            score += 2
        if _AGE_CONTEXT_AFTER.match(text[end:]):
            score += 2
        candidates.append((score, -start, value))
    if not candidates:
        return None
    return max(candidates)[2]


def explicit_age(text: str) -> int | None:
    """An age stated with age context ("I'm 19", "19 years old"), not just any number.

    Args:
        text: Normalized text.

    Returns:
        The age, or None.
    """
    for start, end, value in numbers_in(text):
        if not 1 <= value <= 120 or _NOT_AN_AGE_AFTER.match(text[end:]):
            continue
        if _AGE_CONTEXT_AFTER.match(text[end:]) or re.search(
            r"(i'?m|i am|im|age is|aged|just turned)\s*$", text[:start]
        ):
            return value
    return None


def parse_age(text: str | None, minimum_age: int = 18) -> str | None:
    """Reads the age question's answer from free text.

    Args:
        text: The patient's message ("I'm 17", "yes", "nineteen", "not sure").
        minimum_age: The clinic's minimum age.

    Returns:
        ``meets_minimum``, ``under_minimum``, ``not_sure`` or None.
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    future = _FUTURE_RE.search(norm)
    if future:
        value = word_value(future.group("n"))
        if value is not None and 1 <= value <= 120:
            return MEETS_MINIMUM if value - 1 >= minimum_age else UNDER_MINIMUM
    under = _UNDER_RE.search(norm)
    if under:
        value = word_value(under.group("n"))
        if value is not None and value <= minimum_age:
            return UNDER_MINIMUM
    over = _OVER_RE.search(norm) or _PLUS_RE.search(norm)
    if over:
        value = word_value(over.group("n"))
        if value is not None and value >= minimum_age - 1:
            return MEETS_MINIMUM
    if _DECADE_RE.search(norm):
        return MEETS_MINIMUM
    if _MINOR_RE.search(norm):
        return UNDER_MINIMUM
    age = stated_age(norm)
    if age is not None:
        return MEETS_MINIMUM if age >= minimum_age else UNDER_MINIMUM
    if _ADULT_RE.search(norm):
        return MEETS_MINIMUM
    answer = parse_yes_no(norm)
    if answer == YES:
        return MEETS_MINIMUM
    if answer == NO:
        return UNDER_MINIMUM
    return answer


# ============================================================================ counts

_MANY_RE = re.compile(
    r"\b(several|a few|few|many|lots|a lot|loads|tons|dozens|a bunch|bunch|multiple|"
    r"numerous|countless|too many|so many|lost count|plenty|a handful|handful|"
    r"all of them|every one|everything)\b"
)
_COUPLE_RE = re.compile(r"\b(a couple|couple|a pair|both)\b")
_ONE_RE = re.compile(r"\b(a single|just one|only one|one|once|a single one|1)\b")
_NONE_RE = re.compile(
    r"\b(none|zero|nothing|not any|no antidepressants?|no medications?|no meds|no treatments?|"
    r"haven'?t tried (any|anything)|never tried|not tried any|not yet|no|never|nope|nah)\b"
)
_UNIT_AFTER_RE = re.compile(
    r"^\s*(mg|mcg|ml|g|%|years?|yrs?|months?|weeks?|days?|hours?|times a|x a)\b"
)
_OUTCOME_WORDS_RE = re.compile(r"\b(work|worked|works|working|help|helped|helps|helping)\b")
_MORE_THAN_RE = re.compile(r"\b(more than|over|at least)\s+(?P<n>\d{1,2}|" + NUMBER_WORD + r")\b")


def count_bucket(count: int) -> str:
    """The answer value of a number of treatments tried.

    Args:
        count: How many.

    Returns:
        ``none``, ``one``, ``two`` or ``three_plus``.
    """
    if count <= 0:
        return NONE
    if count == 1:
        return ONE
    if count == 2:
        return TWO
    return THREE_PLUS


def parse_count(text: str | None) -> str | None:
    """Reads "how many treatments have you tried" from free text.

    Ranges count from their lower end ("3 or 4" -> three or more, "1 or 2" -> one).

    Args:
        text: The patient's message ("two of them", "a couple", "none", "several").

    Returns:
        ``none``, ``one``, ``two``, ``three_plus``, ``not_sure`` or None.
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    more = _MORE_THAN_RE.search(norm)
    if more:
        value = word_value(more.group("n"))
        if value is not None:
            return count_bucket(value + 1)
    numbers = [
        value
        for _, end, value in numbers_in(norm)
        if value < 100 and not _UNIT_AFTER_RE.match(norm[end:])
    ]
    if numbers:
        return count_bucket(numbers[0])
    if _MANY_RE.search(norm):
        return THREE_PLUS
    if _COUPLE_RE.search(norm):
        return TWO
    if NOT_SURE_RE.search(norm):
        return NOT_SURE
    if _OUTCOME_WORDS_RE.search(norm):
        return None  # "none of them worked": how many is still unknown
    if _NONE_RE.search(norm):
        return NONE
    if _ONE_RE.search(norm):
        return ONE
    return None


# ============================================================================ reason

_REASON_KEYWORDS: dict[str, tuple[str, ...]] = {
    "depression": (
        "depression",
        "depressed",
        "depressive",
        "mdd",
        "trd",
        "low mood",
        "major depressive",
    ),
    "ptsd": ("ptsd", "cptsd", "c-ptsd", "post traumatic", "post-traumatic", "trauma", "traumatic"),
    "anxiety": ("anxiety", "anxious", "panic", "panic attacks", "gad", "social anxiety"),
    "ocd": ("ocd", "obsessive", "compulsive", "obsessive compulsive"),
    "chronic_pain": (
        "chronic pain",
        "pain",
        "fibromyalgia",
        "crps",
        "neuropathic",
        "neuropathy",
        "migraine",
        "migraines",
    ),
    "other": ("other", "something else", "none of these", "none of those", "another reason"),
}


def parse_reason(text: str | None) -> str | None:
    """Reads the main reason for considering treatment; the first one named wins.

    Args:
        text: The patient's message ("PTSD", "mostly depression and some anxiety").

    Returns:
        ``depression``, ``ptsd``, ``anxiety``, ``ocd``, ``chronic_pain``, ``other``,
        ``not_sure`` or None (an unrecognised description is for the caller to judge).
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    best: tuple[int, str] | None = None
    for value, phrases in _REASON_KEYWORDS.items():
        pos = any_phrase(norm, phrases)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, value)
    if best is not None:
        return best[1]
    if NOT_SURE_RE.search(norm):
        return NOT_SURE
    return None
