"""Eligibility pre-screening: questions, free-text answers and the rules-based result.

Pure Python, no Rasa imports, no I/O at import time. Everything medical or patient-facing is
data, loaded lazily and cached:

- ``knowledge/screening_questions.yml``: the questions (text, "why we ask", buttons, the
  values an answer can take, keywords that name the question) and the pre-screening's
  operational messages;
- ``knowledge/screening_rules.yml``: the ONE reviewed rules file that decides the result
  (``consult_worthwhile``, ``needs_review`` or ``under_age``), with plain-words reasons,
  knowledge-base topics and sources.

This module parses a patient's free text into slot values (:func:`parse_yes_no`,
:func:`parse_age`, :func:`parse_count`, :func:`parse_reason`, :func:`parse_first_name`,
:func:`parse_contact_method`, :func:`parse_phone`, :func:`parse_email`), decides what a message
in the middle of the form means (:meth:`Screening.interpret`: an answer, a correction, a
question for the knowledge base, "stop", ...), and evaluates the answers against the rules
(:meth:`Screening.evaluate`).

The answers are health data: nothing here logs, and callers must not log them either.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clinicbot.paths import KNOWLEDGE_DIR

QUESTIONS_FILE = "screening_questions.yml"
RULES_FILE = "screening_rules.yml"

#: The knowledge-base topic the pre-screening's replies report (see the reply contract).
SCREENING_TOPIC = "eligibility.screening_process"

# --- slots --------------------------------------------------------------------------------
AGE = "screen_age"
REASON = "screen_reason"
TREATMENTS = "screen_treatments"
PREGNANCY = "screen_pregnancy"
PSYCHOSIS = "screen_psychosis"
CARDIO = "screen_cardio"
SUBSTANCE = "screen_substance"
CONSENT = "consult_consent"
FIRST_NAME = "consult_first_name"
CONTACT_METHOD = "consult_contact_method"
CONTACT = "consult_contact"
#: Set once the result has been shown (its outcome); cleared when an answer changes.
OUTCOME_SLOT = "screen_outcome"
#: True when the patient stopped the pre-screening.
STOPPED_SLOT = "screen_stopped"
#: How the next question is introduced (see the HINT_* values); cleared by the question.
HINT_SLOT = "screen_hint"

#: The screening questions, in the order they are asked.
SCREENING_SLOTS: tuple[str, ...] = (
    AGE,
    REASON,
    TREATMENTS,
    PREGNANCY,
    PSYCHOSIS,
    CARDIO,
    SUBSTANCE,
)
#: The consultation request, asked after the result with the patient's consent.
CONSULT_SLOTS: tuple[str, ...] = (CONSENT, FIRST_NAME, CONTACT_METHOD, CONTACT)
#: Every slot of the form, in order (the domain's ``screening_form.required_slots``).
FORM_SLOTS: tuple[str, ...] = SCREENING_SLOTS + CONSULT_SLOTS
#: Every slot the pre-screening sets (reset when it starts, cleared when it ends).
ALL_SLOTS: tuple[str, ...] = FORM_SLOTS + (OUTCOME_SLOT, STOPPED_SLOT, HINT_SLOT)

# --- answer values ------------------------------------------------------------------------
YES = "yes"
NO = "no"
NOT_SURE = "not_sure"
MEETS_MINIMUM = "meets_minimum"
UNDER_MINIMUM = "under_minimum"
NONE = "none"
ONE = "one"
TWO = "two"
THREE_PLUS = "three_plus"
OTHER = "other"
PHONE = "phone"
EMAIL = "email"

# --- outcomes -----------------------------------------------------------------------------
CONSULT_WORTHWHILE = "consult_worthwhile"
NEEDS_REVIEW = "needs_review"
UNDER_AGE = "under_age"
#: Outcomes, weakest first: the strongest outcome of the fired rules wins.
OUTCOMES: tuple[str, ...] = (CONSULT_WORTHWHILE, NEEDS_REVIEW, UNDER_AGE)

# --- parsers a question may use -----------------------------------------------------------
PARSERS = frozenset(
    {"age", "reason", "count", "yes_no", "consent", "first_name", "contact_method", "contact"}
)

# --- what a patient message in the middle of the form means ----------------------------------
ANSWER = "answer"
CORRECTION = "correction"
RESET = "reset"
STOP = "stop"
INTERRUPT = "interrupt"
WHY = "why"
UNCLEAR = "unclear"
WITHDRAW = "withdraw"
RESUME = "resume"
IGNORE = "ignore"

# --- hints: how the next question is introduced (values of HINT_SLOT) -----------------------
HINT_UNCLEAR = "unclear"
HINT_WHY = "why"
HINT_RESUME = "resume"
HINT_CORRECTED = "corrected"  # "corrected:<slot>"
HINT_RESET = "reset"  # "reset:<slot>"

#: Intents that always leave the form to their own rules (crisis and emergency first).
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency"})
#: Intents whose message goes to another rule when it is not an answer (the form resumes, or
#: ends for a hand-off). Every one of them needs a ``condition: active_loop`` rule.
INTERRUPT_INTENTS = frozenset({"medical_advice", "request_human", "bot_challenge"})
#: Intents that are never a free-text "other" reason.
NOT_A_STATEMENT_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "affirm",
        "deny",
        "out_of_scope",
        "start_screening",
        "stop",
        "request_human",
        "followup_more",
        "followup_duration",
        "followup_risks",
        "medical_advice",
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


class ScreeningDataError(ValueError):
    """Raised when a screening data file is missing or malformed."""


# ============================================================================ text helpers


def normalize(text: str | None) -> str:
    """Lower-cases a message, unifies apostrophes and collapses white space.

    Args:
        text: The message.

    Returns:
        The normalized text (no leading or trailing white space).
    """
    value = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", value).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text)


def _any_phrase(text: str, phrases: Iterable[str]) -> int:
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
_NUMBER_WORD = "|".join(sorted(list(_UNITS) + list(_TENS), key=len, reverse=True))


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


# ============================================================================ yes / no

_NOT_SURE_RE = re.compile(
    r"(?<![a-z])(not sure|unsure|not certain|uncertain|not too sure|don'?t know|do not know|"
    r"dont know|dunno|idk|no idea|no clue|maybe|perhaps|possibly|might be|might have|"
    r"could be|can'?t remember|cannot remember|don'?t remember|do not remember|"
    r"can'?t say|hard to say|hard to tell|not sure yet|prefer not to (say|answer)|"
    r"rather not (say|answer)|i'?d rather not say|skip( this| it| that)?|pass|no comment|"
    r"i guess|kind of|sort of|kinda|sorta)(?![a-z])"
)
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
    if _NOT_SURE_RE.search(norm):
        return NOT_SURE
    words = _words(norm)
    first = words[0] if words else ""
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(norm) if c.strip()]

    def mentions(clause: str) -> bool:
        return bool(keywords) and _any_phrase(clause, keywords) >= 0

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
    + _NUMBER_WORD
    + r")\b"
)
_OVER_RE = re.compile(
    r"\b(over|older than|above|at least|more than)\s+(?P<n>\d{1,3}|" + _NUMBER_WORD + r")\b"
)
_PLUS_RE = re.compile(r"\b(?P<n>\d{1,3})\s*\+")
_FUTURE_RE = re.compile(
    r"\b(will be|i'?ll be|turning|turn|going to be|gonna be)\s+(?P<n>\d{1,3}|"
    + _NUMBER_WORD
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


def _word_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _UNITS.get(token, _TENS.get(token))


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
        value = _word_value(future.group("n"))
        if value is not None and 1 <= value <= 120:
            return MEETS_MINIMUM if value - 1 >= minimum_age else UNDER_MINIMUM
    under = _UNDER_RE.search(norm)
    if under:
        value = _word_value(under.group("n"))
        if value is not None and value <= minimum_age:
            return UNDER_MINIMUM
    over = _OVER_RE.search(norm) or _PLUS_RE.search(norm)
    if over:
        value = _word_value(over.group("n"))
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
_MORE_THAN_RE = re.compile(
    r"\b(more than|over|at least)\s+(?P<n>\d{1,2}|" + _NUMBER_WORD + r")\b"
)


def _bucket(count: int) -> str:
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
        value = _word_value(more.group("n"))
        if value is not None:
            return _bucket(value + 1)
    numbers = [
        value
        for _, end, value in numbers_in(norm)
        if value < 100 and not _UNIT_AFTER_RE.match(norm[end:])
    ]
    if numbers:
        return _bucket(numbers[0])
    if _MANY_RE.search(norm):
        return THREE_PLUS
    if _COUPLE_RE.search(norm):
        return TWO
    if _NOT_SURE_RE.search(norm):
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
        pos = _any_phrase(norm, phrases)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, value)
    if best is not None:
        return best[1]
    if _NOT_SURE_RE.search(norm):
        return NOT_SURE
    return None


# ============================================================================ contact

_NAME_PREFIX_RE = re.compile(
    r"^(hi|hello|hey)?[\s,]*(my (first )?name is|my name's|first name is|name is|it'?s|it is|"
    r"i'?m|i am|im|call me|you can call me|this is|name's)\s+",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_NOT_NAMES = frozenset(
    {
        "yes",
        "no",
        "nope",
        "yeah",
        "ok",
        "okay",
        "sure",
        "stop",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank you",
        "not sure",
        "none",
        "nothing",
        "skip",
        "why",
        "what",
        "phone",
        "email",
        "cancel",
        "anonymous",
        "no thanks",
        "prefer not to say",
    }
)
#: Words that show a message is a sentence, not a first name.
_NAME_STOPWORDS = frozenset(
    {
        "i", "im", "i'm", "my", "me", "the", "a", "an", "to", "want", "dont", "don't", "no",
        "not", "yes", "yeah", "nope", "nah", "is", "it", "it's", "you", "and", "or", "of",
        "please", "thanks", "name", "rather", "prefer", "say", "give", "would", "why", "what",
        "stop", "skip", "sure", "ok", "okay", "later", "this", "that",
    }
)  # fmt: skip
MAX_NAME_LENGTH = 40
MAX_NAME_WORDS = 3


def parse_first_name(text: str | None) -> str | None:
    """Validates a first name: 1-40 letters, spaces, hyphens or apostrophes.

    Args:
        text: The patient's message ("Sam", "my name is Mary-Jo").

    Returns:
        The name as typed (trimmed, inner white space collapsed), or None if invalid.
    """
    value = re.sub(r"\s+", " ", (text or "").replace("\u2019", "'")).strip().strip(".!")
    value = _NAME_PREFIX_RE.sub("", value).strip().strip(".!,")
    if not value or len(value) > MAX_NAME_LENGTH:
        return None
    if value.lower() in _NOT_NAMES or not _NAME_RE.match(value):
        return None
    words = re.split(r"[ \-]", value.lower())
    if len(value.split()) > MAX_NAME_WORDS or any(w in _NAME_STOPWORDS for w in words):
        return None
    if _NOT_SURE_RE.search(value.lower()):
        return None
    return value


_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_SEARCH_RE = re.compile(r"[^\s<>(),;:\"\[\]]+@[^\s<>(),;:\"\[\]]+")
MAX_EMAIL_LENGTH = 254


def parse_email(text: str | None) -> str | None:
    """Finds and validates an email address (simple RFC 5322 subset).

    Args:
        text: The patient's message ("sam@example.com", "it's sam@example.com").

    Returns:
        The address with a lower-cased domain, or None if there is no valid one.
    """
    raw = (text or "").strip()
    match = _EMAIL_SEARCH_RE.search(raw)
    if not match:
        return None
    candidate = match.group().strip(".'")
    if len(candidate) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(candidate):
        return None
    local, domain = candidate.rsplit("@", 1)
    if len(local) > 64:
        return None
    return f"{local}@{domain.lower()}"


_PHONE_SEARCH_RE = re.compile(r"\+?\(?\d[\d\s().\-/]{8,22}\d(\s*(x|ext\.?|extension)\s*\d{1,6})?")


def parse_phone(text: str | None) -> str | None:
    """Finds and validates a phone number.

    Accepts US numbers with 10 digits (any of the usual formats, optionally with a leading
    ``1`` or ``+1``) and international numbers written with ``+`` and 10-15 digits.

    Args:
        text: The patient's message ("(555) 010-0199", "call me on 555.010.0199").

    Returns:
        ``(555) 010-0199`` for US numbers, ``+<digits>`` otherwise, or None if invalid.
    """
    raw = (text or "").strip()
    match = _PHONE_SEARCH_RE.search(raw)
    if not match:
        return None
    number = re.split(r"\s*(?:x|ext\.?|extension)\s*", match.group(), maxsplit=1)
    digits = re.sub(r"\D", "", number[0])
    extension = re.sub(r"\D", "", number[1]) if len(number) > 1 else ""
    international = number[0].lstrip().startswith("+")
    if international and not digits.startswith("1"):
        if not 10 <= len(digits) <= 15:
            return None
        formatted = "+" + digits
    else:
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10 or digits[0] in "01":
            return None
        formatted = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{formatted} ext. {extension}" if extension else formatted


def parse_contact_method(text: str | None) -> str | None:
    """Reads phone or email.

    Args:
        text: The patient's message ("by phone", "email me", "text is fine").

    Returns:
        ``phone``, ``email`` or None.
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    if parse_email(text):
        return EMAIL
    if parse_phone(text):
        return PHONE
    email = _any_phrase(norm, ("email", "e-mail", "e mail", "mail", "inbox"))
    phone = _any_phrase(
        norm, ("phone", "call", "calling", "telephone", "cell", "mobile", "text", "ring", "sms")
    )
    if email >= 0 and (phone < 0 or email < phone):
        return EMAIL
    if phone >= 0:
        return PHONE
    return None


def parse_contact(text: str | None, method: str | None) -> dict[str, str] | None:
    """Validates the contact details for the chosen method (or whichever was typed).

    Args:
        text: The patient's message.
        method: ``phone`` or ``email`` (the method chosen before).

    Returns:
        ``{consult_contact: ..., consult_contact_method: ...}`` or None if invalid.
    """
    email = parse_email(text)
    phone = None if email else parse_phone(text)
    if method == EMAIL and email:
        return {CONTACT: email, CONTACT_METHOD: EMAIL}
    if method == PHONE and phone:
        return {CONTACT: phone, CONTACT_METHOD: PHONE}
    if email:
        return {CONTACT: email, CONTACT_METHOD: EMAIL}
    if phone:
        return {CONTACT: phone, CONTACT_METHOD: PHONE}
    return None


# ============================================================================ message shapes

_QUESTION_START = re.compile(
    r"^(what|what's|whats|why|how|when|where|who|whom|which|whose|is|are|am|can|could|does|do|"
    r"did|will|would|should|shall|may|has|have|tell me|explain|i want to know|i'd like to know|"
    r"i wonder|any info|info on|information on|information about)\b"
)
_WHY_RE = re.compile(
    r"\b(why|what for|what does that have to do|what's that got to do|why do you (ask|need))\b"
)
_STOP_RE = re.compile(
    r"^(ok(ay)?,? |please |can we |can you |let'?s |i want to |i'?d like to |i wanna )?"
    r"(stop|quit|cancel|abort|exit|end|halt|never ?mind|forget it|forget about it|forget this|"
    r"i'?m done|i am done|no more questions|stop asking( me)?( questions)?|"
    r"i don'?t want to (continue|do this|go on|answer( these| any more| anymore)?)|"
    r"i'?d rather not continue|i changed my mind|changed my mind)"
    r"( (it|this|that|now|here|please|the (screening|questions|quiz|pre-?screen(ing)?|"
    r"questionnaire)))*[.!]*$"
)
_CORRECTION_MARKER_RE = re.compile(
    r"\b(actually|i meant|correction|mistake|mistyped|typo|go back|wrong|change|changed|"
    r"update|correct (my|that|the)|fix (my|that|the)|undo|redo|oops|not right|make (that|it)|"
    r"sorry,? i)\b"
)
_GENERIC_CORRECTION_RE = re.compile(
    r"\b(change (my|the|that|an?) (last |previous )?answer|change that|go back|"
    r"previous question|last question|made a mistake|my mistake|wrong answer|"
    r"that'?s wrong|that was wrong|i was wrong|answered (that |it )?wrong|undo|mistyped|typo|"
    r"i meant|wrong (button|thing|one)|pressed the wrong|typed the wrong|redo|make (that|it)|"
    r"that'?s not right|not right|"
    r"correct (my|that|the) (last |previous )?answer|fix (my|that|the) (last |previous )?answer)\b"
)
_CORRECTION_FILLER_RE = re.compile(
    r"\b(actually|sorry|oops|wait|i meant( to say)?|correction|i made a mistake|my mistake|"
    r"(can|could) i|i want to|i'?d like to|let me|please|change|correct|update|fix|my|the|"
    r"answer|to|about|for|question|on|make (that|it)|oops|redo|wrong button)\b[:,]?"
)


_CONSENT_YES_RE = re.compile(
    r"\b(ok|okay|alright|all right|please do|go ahead|sounds good|contact me|call me|"
    r"email me|text me|reach out|that'?s fine|fine by me)\b"
)


def is_question(text: str | None) -> bool:
    """Tells whether a message is shaped like a question or a request for information.

    Args:
        text: The patient's message.

    Returns:
        True for "is it safe?", "how much does it cost", "tell me about side effects".
    """
    norm = normalize(text)
    return norm.endswith("?") or bool(_QUESTION_START.match(norm))


def asks_why(text: str | None) -> bool:
    """Tells whether the patient asks why a question is asked."""
    return bool(_WHY_RE.search(normalize(text)))


def is_stop(text: str | None) -> bool:
    """Tells whether a message asks to stop ("stop", "never mind", "cancel the screening")."""
    return bool(_STOP_RE.match(normalize(text)))


# ============================================================================ data model


@dataclass(frozen=True)
class Option:
    """A button of a question.

    Attributes:
        title: Button title (may hold clinic placeholders).
        payload: Text the button sends (parsed like typed text).
        value: The slot value the payload means.
    """

    title: str
    payload: str
    value: str


@dataclass(frozen=True)
class Question:
    """One question of the pre-screening (``screening_questions.yml``).

    Attributes:
        slot: The form slot it fills.
        parser: How free text is read (one of :data:`PARSERS`).
        label: Plain-words name ("your age") for "I've updated your answer about ...".
        text: The question.
        why: Why it is asked.
        sources: Reference keys backing the "why" text.
        values: The values an answer can take (empty for free text such as a name).
        options: Buttons.
        keywords: Words that name the question in free text.
        reprompt: What to say when an answer is not understood.
        text_by_method: Question text per contact method (contact details only).
        reprompt_by_method: Re-prompt per contact method (contact details only).
    """

    slot: str
    parser: str
    label: str
    text: str
    why: str
    sources: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    keywords: tuple[str, ...] = ()
    reprompt: str = ""
    text_by_method: Mapping[str, str] = field(default_factory=dict)
    reprompt_by_method: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, method: str | None) -> str:
        """The question text (per contact method where that matters)."""
        return self.text_by_method.get(method or "", self.text)

    def reprompt_for(self, method: str | None) -> str:
        """The re-prompt text (per contact method where that matters)."""
        return self.reprompt_by_method.get(method or "", self.reprompt)


@dataclass(frozen=True)
class Rule:
    """One reviewed rule of ``screening_rules.yml``.

    Attributes:
        id: Rule id.
        slot: The question it looks at.
        any_of: Answer values that fire it.
        outcome: ``consult_worthwhile`` (a note), ``needs_review`` or ``under_age``.
        reason: Patient-facing plain-words reason (may hold clinic placeholders).
        kb_topics: Knowledge-base topics offered with the reason.
        sources: Reference keys.
        reviewed_by: Who reviewed it.
        last_reviewed: When.
    """

    id: str
    slot: str
    any_of: tuple[str, ...]
    outcome: str
    reason: str
    kb_topics: tuple[str, ...]
    sources: tuple[str, ...]
    reviewed_by: str
    last_reviewed: dt.date | None

    def fires(self, answers: Mapping[str, Any]) -> bool:
        """Tells whether the answers fire this rule."""
        return answers.get(self.slot) in self.any_of


@dataclass(frozen=True)
class Result:
    """The evaluated pre-screening.

    Attributes:
        outcome: ``consult_worthwhile``, ``needs_review`` or ``under_age``.
        reasons: Rules behind a ``needs_review`` or ``under_age`` outcome.
        notes: Rules that add context without changing the outcome.
    """

    outcome: str
    reasons: tuple[Rule, ...] = ()
    notes: tuple[Rule, ...] = ()

    @property
    def kb_topics(self) -> list[str]:
        """Knowledge-base topics of the reasons, then the notes (no duplicates)."""
        topics: list[str] = []
        for rule in self.reasons + self.notes:
            topics.extend(t for t in rule.kb_topics if t not in topics)
        return topics

    @property
    def source_keys(self) -> list[str]:
        """Reference keys of the reasons and notes (no duplicates)."""
        keys: list[str] = []
        for rule in self.reasons + self.notes:
            keys.extend(k for k in rule.sources if k not in keys)
        return keys


@dataclass(frozen=True)
class Interpretation:
    """What a patient message in the middle of the pre-screening means.

    Attributes:
        kind: ``answer``, ``correction``, ``reset``, ``stop``, ``interrupt``, ``why``,
            ``unclear``, ``withdraw``, ``resume`` or ``ignore``.
        slot: The slot answered, corrected or reset.
        updates: Slot values to set.
    """

    kind: str
    slot: str | None = None
    updates: Mapping[str, Any] = field(default_factory=dict)


def _date(value: Any, origin: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ScreeningDataError(f"{origin}: bad date {value!r}") from exc


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        value = [value]
    return tuple(str(v) for v in value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ScreeningDataError(f"{path.name}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ScreeningDataError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ScreeningDataError(f"{path.name}: must be a mapping")
    return data


class Screening:
    """The pre-screening's questions, rules and messages.

    Args:
        questions: Questions in the order they are asked.
        rules: The reviewed rules.
        outcome_texts: Per outcome: ``text`` (and ``closing`` for ``needs_review``).
        notes_heading: Heading of the notes.
        messages: Operational messages by name.
        minimum_age: The clinic's minimum age (for parsing ages).
        meta: Top-level review fields of the two files.
    """

    def __init__(
        self,
        questions: Sequence[Question],
        rules: Sequence[Rule],
        outcome_texts: Mapping[str, Mapping[str, str]],
        notes_heading: str,
        messages: Mapping[str, str],
        minimum_age: int = 18,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Holds already-parsed screening data."""
        self.questions = {q.slot: q for q in questions}
        self.order = tuple(q.slot for q in questions)
        self.rules = tuple(rules)
        self.outcome_texts = {k: dict(v) for k, v in outcome_texts.items()}
        self.notes_heading = notes_heading
        self.messages = dict(messages)
        self.minimum_age = minimum_age
        self.meta = dict(meta or {})

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR, minimum_age: int = 18) -> Screening:
        """Reads ``screening_questions.yml`` and ``screening_rules.yml``.

        Args:
            directory: The knowledge directory.
            minimum_age: The clinic's minimum age.

        Returns:
            The screening.

        Raises:
            ScreeningDataError: On a missing file, malformed YAML or a missing field.
        """
        qdoc = _read(directory / QUESTIONS_FILE)
        rdoc = _read(directory / RULES_FILE)
        questions = [cls._question(raw) for raw in qdoc.get("questions") or []]
        rules = [cls._rule(raw) for raw in rdoc.get("rules") or []]
        outcomes = rdoc.get("outcomes") or {}
        if not isinstance(outcomes, dict):
            raise ScreeningDataError(f"{RULES_FILE}: outcomes must be a mapping")
        outcome_texts = {
            str(name): {str(k): str(v).strip() for k, v in (spec or {}).items()}
            for name, spec in outcomes.items()
        }
        messages = {str(k): str(v).strip() for k, v in (qdoc.get("messages") or {}).items()}
        meta = {
            "questions": {k: qdoc.get(k) for k in ("version", "reviewed_by", "last_reviewed")},
            "rules": {k: rdoc.get(k) for k in ("version", "reviewed_by", "last_reviewed")},
        }
        return cls(
            questions,
            rules,
            outcome_texts,
            str(rdoc.get("notes_heading") or "").strip(),
            messages,
            minimum_age=minimum_age,
            meta=meta,
        )

    @staticmethod
    def _question(raw: Any) -> Question:
        if not isinstance(raw, dict):
            raise ScreeningDataError(f"{QUESTIONS_FILE}: every question must be a mapping")
        missing = [k for k in ("slot", "parser", "label", "text", "why") if not raw.get(k)]
        if missing:
            raise ScreeningDataError(f"{QUESTIONS_FILE}: {raw.get('slot', '?')} lacks {missing}")
        options = []
        for button in raw.get("buttons") or []:
            if not isinstance(button, dict) or not {"title", "payload", "value"} <= set(button):
                raise ScreeningDataError(f"{QUESTIONS_FILE}: {raw['slot']}: bad button {button}")
            options.append(
                Option(str(button["title"]), str(button["payload"]), str(button["value"]))
            )
        return Question(
            slot=str(raw["slot"]),
            parser=str(raw["parser"]),
            label=str(raw["label"]).strip(),
            text=str(raw["text"]).strip(),
            why=str(raw["why"]).strip(),
            sources=_strings(raw.get("sources")),
            values=_strings(raw.get("values")),
            options=tuple(options),
            keywords=tuple(k.lower() for k in _strings(raw.get("keywords"))),
            reprompt=str(raw.get("reprompt") or "").strip(),
            text_by_method={
                str(k): str(v).strip() for k, v in (raw.get("text_by_method") or {}).items()
            },
            reprompt_by_method={
                str(k): str(v).strip() for k, v in (raw.get("reprompt_by_method") or {}).items()
            },
        )

    @staticmethod
    def _rule(raw: Any) -> Rule:
        if not isinstance(raw, dict):
            raise ScreeningDataError(f"{RULES_FILE}: every rule must be a mapping")
        missing = [
            k
            for k in ("id", "slot", "condition", "outcome", "reason", "sources", "reviewed_by")
            if not raw.get(k)
        ]
        if missing:
            raise ScreeningDataError(f"{RULES_FILE}: rule {raw.get('id', '?')} lacks {missing}")
        condition = raw["condition"]
        if not isinstance(condition, dict) or not condition.get("any_of"):
            raise ScreeningDataError(f"{RULES_FILE}: rule {raw['id']}: condition needs any_of")
        values = condition["any_of"]
        if any(isinstance(v, bool) for v in values):
            raise ScreeningDataError(
                f"{RULES_FILE}: rule {raw['id']}: quote \"yes\" and \"no\" (YAML booleans)"
            )
        return Rule(
            id=str(raw["id"]),
            slot=str(raw["slot"]),
            any_of=_strings(values),
            outcome=str(raw["outcome"]),
            reason=str(raw["reason"]).strip(),
            kb_topics=_strings(raw.get("kb_topics")),
            sources=_strings(raw.get("sources")),
            reviewed_by=str(raw["reviewed_by"]),
            last_reviewed=_date(raw.get("last_reviewed"), f"{RULES_FILE}: rule {raw['id']}"),
        )

    # ------------------------------------------------------------------ checking

    def problems(
        self, reference_keys: Iterable[str] = (), topic_ids: Iterable[str] | None = None
    ) -> list[str]:
        """Checks the data for mistakes a reviewer should fix.

        Args:
            reference_keys: Keys of ``knowledge/references.yml``.
            topic_ids: Knowledge-base topic ids (None skips the topic check).

        Returns:
            Human-readable problems (empty when everything is fine).
        """
        refs = set(reference_keys)
        topics = None if topic_ids is None else set(topic_ids)
        out: list[str] = []
        if self.order != FORM_SLOTS:
            out.append(f"questions must be, in order, {list(FORM_SLOTS)}; got {list(self.order)}")
        for q in self.questions.values():
            if q.parser not in PARSERS:
                out.append(f"question {q.slot}: unknown parser {q.parser!r}")
            out.extend(
                f"question {q.slot}: unknown source {k}" for k in q.sources if k not in refs
            )
            for option in q.options:
                if option.value not in q.values:
                    out.append(f"question {q.slot}: button value {option.value!r} not in values")
            if q.slot in SCREENING_SLOTS and NOT_SURE not in q.values:
                out.append(f"question {q.slot}: 'not sure' must be a valid answer")
            if not q.reprompt:
                out.append(f"question {q.slot}: no reprompt")
        ids: set[str] = set()
        for rule in self.rules:
            if rule.id in ids:
                out.append(f"rule {rule.id}: duplicate id")
            ids.add(rule.id)
            question = self.questions.get(rule.slot)
            if question is None or rule.slot not in SCREENING_SLOTS:
                out.append(f"rule {rule.id}: unknown screening question {rule.slot}")
            else:
                out.extend(
                    f"rule {rule.id}: value {v!r} is not an answer of {rule.slot}"
                    for v in rule.any_of
                    if v not in question.values
                )
            if rule.outcome not in OUTCOMES:
                out.append(f"rule {rule.id}: unknown outcome {rule.outcome!r}")
            if not rule.sources:
                out.append(f"rule {rule.id}: no sources")
            out.extend(f"rule {rule.id}: unknown source {k}" for k in rule.sources if k not in refs)
            if not rule.kb_topics:
                out.append(f"rule {rule.id}: no knowledge-base topics")
            if topics is not None:
                out.extend(
                    f"rule {rule.id}: unknown topic {t}" for t in rule.kb_topics if t not in topics
                )
            if not rule.reviewed_by.strip() or rule.last_reviewed is None:
                out.append(f"rule {rule.id}: reviewed_by and last_reviewed are required")
        for outcome in OUTCOMES:
            if not self.outcome_texts.get(outcome, {}).get("text"):
                out.append(f"outcome {outcome}: no text")
        if not self.outcome_texts.get(NEEDS_REVIEW, {}).get("closing"):
            out.append("outcome needs_review: no closing text")
        return out

    # ------------------------------------------------------------------ evaluating

    def evaluate(self, answers: Mapping[str, Any]) -> Result:
        """Evaluates answers against the rules.

        Args:
            answers: Slot values (unanswered slots may be missing or None).

        Returns:
            The result: the strongest outcome of the fired rules (``consult_worthwhile``
            when none fires), the rules behind it, and the notes.
        """
        fired = [rule for rule in self.rules if rule.fires(answers)]
        rank = {name: i for i, name in enumerate(OUTCOMES)}
        outcome = max((r.outcome for r in fired), key=rank.__getitem__, default=CONSULT_WORTHWHILE)
        reasons = tuple(r for r in fired if r.outcome == outcome and outcome != CONSULT_WORTHWHILE)
        notes = tuple(r for r in fired if r.outcome == CONSULT_WORTHWHILE)
        return Result(outcome, reasons, notes)

    def required_slots(self, answers: Mapping[str, Any]) -> list[str]:
        """The slots the form still needs, given the answers so far.

        - stopped: none (the form ends);
        - an ``under_age`` outcome: only the questions already answered (no more health
          questions, no consultation request);
        - otherwise the screening questions and the consent; with consent, the first name,
          contact method and contact details.

        Args:
            answers: Slot values so far.

        Returns:
            Slot names, in order.
        """
        if answers.get(STOPPED_SLOT):
            return []
        if self.evaluate(answers).outcome == UNDER_AGE:
            return [s for s in SCREENING_SLOTS if answers.get(s) is not None]
        slots = list(SCREENING_SLOTS) + [CONSENT]
        if answers.get(CONSENT) == YES:
            slots += [FIRST_NAME, CONTACT_METHOD, CONTACT]
        return slots

    def next_slot(self, answers: Mapping[str, Any]) -> str | None:
        """The next slot to ask, or None when the form is done."""
        return next((s for s in self.required_slots(answers) if answers.get(s) is None), None)

    def screening_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The screening questions' answers only (no contact details)."""
        return {slot: answers.get(slot) for slot in SCREENING_SLOTS}

    # ------------------------------------------------------------------ parsing

    def parse(
        self,
        slot: str,
        text: str | None,
        answers: Mapping[str, Any] | None = None,
        allow_mention: bool = True,
    ) -> dict[str, Any] | None:
        """Parses a message as the answer to one question.

        Args:
            slot: The question.
            text: The message.
            answers: Answers so far (the contact details depend on the chosen method).
            allow_mention: Whether naming a yes/no question's subject counts as yes.

        Returns:
            Slot values to set, or None when the text is not an answer to that question.
        """
        question = self.questions.get(slot)
        if question is None:
            return None
        answers = answers or {}
        parser = question.parser
        value: str | None
        if parser == "age":
            value = parse_age(text, self.minimum_age)
        elif parser == "reason":
            value = parse_reason(text)
        elif parser == "count":
            value = parse_count(text)
        elif parser == "yes_no":
            value = parse_yes_no(text, question.keywords, allow_mention)
        elif parser == "consent":
            answer = parse_yes_no(text)
            if answer is None and _CONSENT_YES_RE.search(normalize(text)):
                answer = YES
            value = None if answer is None else (YES if answer == YES else NO)
            if value == YES:
                contact = parse_contact(text, None)
                if contact:
                    return {CONSENT: YES, **contact}
        elif parser == "first_name":
            value = parse_first_name(text)
        elif parser == "contact_method":
            value = parse_contact_method(text)
            contact = parse_contact(text, value)
            if contact:
                return contact
        elif parser == "contact":
            return parse_contact(text, answers.get(CONTACT_METHOD))
        else:
            return None
        return None if value is None else {slot: value}

    def _correction_target(self, norm: str, requested: str, answers: Mapping[str, Any]) -> str:
        if requested != AGE and explicit_age(norm) is not None:
            return AGE
        best: tuple[int, str] | None = None
        askable = set(self.required_slots(answers)) | {s for s in FORM_SLOTS if answers.get(s)}
        for slot in FORM_SLOTS:
            question = self.questions.get(slot)
            if question is None or slot not in askable or slot == requested:
                continue
            pos = _any_phrase(norm, question.keywords)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, slot)
        return best[1] if best else ""

    def _previous_slot(self, requested: str, answers: Mapping[str, Any]) -> str | None:
        order = [s for s in self.required_slots(answers) if s in self.questions]
        if requested not in order:
            return None
        earlier = [s for s in order[: order.index(requested)] if answers.get(s) is not None]
        return earlier[-1] if earlier else None

    def _correction(
        self, text: str, norm: str, requested: str, answers: Mapping[str, Any]
    ) -> Interpretation | None:
        marker = bool(_CORRECTION_MARKER_RE.search(norm))
        age_stated = requested != AGE and explicit_age(norm) is not None
        if not marker and not age_stated:
            return None
        target = self._correction_target(norm, requested, answers)
        if target:
            stripped = _CORRECTION_FILLER_RE.sub(" ", norm)
            updates = self.parse(target, stripped, answers, allow_mention=False)
            if updates is None and target != AGE:
                updates = self.parse(target, text, answers, allow_mention=False)
            if updates:
                return Interpretation(CORRECTION, target, dict(updates))
            return Interpretation(RESET, target, {target: None})
        if _GENERIC_CORRECTION_RE.search(norm):
            previous = self._previous_slot(requested, answers)
            if previous is None:
                return None
            stripped = _CORRECTION_FILLER_RE.sub(" ", norm)
            updates = self.parse(previous, stripped, answers, allow_mention=False)
            if updates:
                return Interpretation(CORRECTION, previous, dict(updates))
            return Interpretation(RESET, previous, {previous: None})
        return None

    @staticmethod
    def _from_entities(
        requested: str, medicines: Sequence[str], conditions: Sequence[str]
    ) -> dict[str, Any] | None:
        if requested == TREATMENTS:
            named = {m.lower() for m in medicines} - MEDICINE_CLASSES
            if named:
                return {TREATMENTS: _bucket(len(named))}
        if requested == REASON and conditions:
            return {REASON: parse_reason(" ".join(conditions)) or OTHER}
        return None

    def interpret(
        self,
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
        answer = self.parse(requested, text, answers)
        if answer is None:
            answer = self._from_entities(requested, medicines, conditions)
        short = len(_words(norm)) <= 3
        if is_stop(norm) or (intent == "stop" and not (answer and short)):
            return Interpretation(STOP, updates={STOPPED_SLOT: True})
        correction = self._correction(text or "", norm, requested, answers)
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

    # ------------------------------------------------------------------ texts

    def message(self, name: str, fill: Callable[..., str], **extra: str) -> str:
        """Renders an operational message.

        Args:
            name: Message name (``intro``, ``stopped``, ...).
            fill: Fills placeholders (``KnowledgeBase.fill``).
            **extra: Extra values.

        Returns:
            The text.
        """
        return fill(self.messages[name], **extra)

    def result_text(self, result: Result, fill: Callable[..., str]) -> str:
        """Builds the result message from the rules file's reviewed texts.

        Args:
            result: The evaluated answers.
            fill: Fills placeholders (``KnowledgeBase.fill``).

        Returns:
            The text: outcome text, the reasons (needs review), then the notes.
        """
        texts = self.outcome_texts[result.outcome]
        parts = [fill(texts["text"])]
        if result.outcome == UNDER_AGE:
            return "\n\n".join(parts)
        if result.outcome == NEEDS_REVIEW:
            parts.append("\n".join(f"- {fill(rule.reason)}" for rule in result.reasons))
            parts.append(fill(texts.get("closing", "")))
        if result.notes:
            notes = "\n".join(f"- {fill(rule.reason)}" for rule in result.notes)
            parts.append(f"{fill(self.notes_heading)}\n{notes}")
        return "\n\n".join(p for p in parts if p)


@functools.lru_cache(maxsize=1)
def default_screening() -> Screening:
    """Loads (once per process) the screening data shipped with the project."""
    from clinicbot.knowledge import default_knowledge_base

    minimum = default_knowledge_base().clinic.get("minimum_age", 18)
    try:
        minimum_age = int(minimum)
    except (TypeError, ValueError):
        minimum_age = 18
    return Screening.load(KNOWLEDGE_DIR, minimum_age=minimum_age)
