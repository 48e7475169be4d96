"""Eligibility pre-screening: questions, free-text answers and the rules-based result.

Pure Python, no Rasa imports, no I/O at import time. Everything medical or patient-facing is
data, loaded lazily and cached:

- ``knowledge/screening_questions.yml``: the questions (text, "why we ask", buttons, the
  values an answer can take, keywords that name the question) and the pre-screening's
  operational messages;
- ``knowledge/screening_rules.yml``: the ONE reviewed rules file that decides the result
  (``consult_worthwhile``, ``needs_review`` or ``under_age``), with plain-words reasons,
  knowledge-base topics and sources.

The package, one concern per module (the tests in ``tests/screening/`` mirror it):

- :mod:`~clinicbot.screening.constants`: slot names, answer values, outcomes, meanings, hints;
- :mod:`~clinicbot.screening.text`: normalizing, words, phrases and numbers in a message;
- :mod:`~clinicbot.screening.answers` and :mod:`~clinicbot.screening.contact`: the free-text
  readers (yes / no, age, count, reason; first name, contact method, phone, email);
- :mod:`~clinicbot.screening.parsers`: the registry of parsers keyed by a question's answer
  type (its ``parser`` in the questions file);
- :mod:`~clinicbot.screening.shapes`: message shapes (a question, "why?", "stop", a correction);
- :mod:`~clinicbot.screening.model`: the dataclasses (questions, rules, results, meanings);
- :mod:`~clinicbot.screening.loading`: reading the two files, their shape checked by pydantic,
  and the reviewer's checks (:meth:`Screening.problems`);
- :mod:`~clinicbot.screening.rules`: the rules engine (:meth:`Screening.evaluate`);
- :mod:`~clinicbot.screening.interpretation`: what a message in the middle of the form means
  (:meth:`Screening.interpret`: an answer, a correction, a question for the knowledge base,
  "stop", ...);
- :mod:`~clinicbot.screening.core`: :class:`Screening`, which holds the data and ties these
  together, and :func:`default_screening`.

Everything the rest of the project uses is importable from ``clinicbot.screening``.

The answers are health data: nothing here logs, and callers must not log them either.
"""

from __future__ import annotations

from clinicbot.screening.answers import (
    count_bucket,
    explicit_age,
    parse_age,
    parse_count,
    parse_reason,
    parse_yes_no,
    stated_age,
)
from clinicbot.screening.constants import (
    AGE,
    ALL_SLOTS,
    ANSWER,
    CARDIO,
    CONSENT,
    CONSULT_SLOTS,
    CONSULT_WORTHWHILE,
    CONTACT,
    CONTACT_METHOD,
    CORRECTION,
    EMAIL,
    FIRST_NAME,
    FORM_SLOTS,
    HINT_CORRECTED,
    HINT_RESET,
    HINT_RESUME,
    HINT_SLOT,
    HINT_UNCLEAR,
    HINT_WHY,
    IGNORE,
    INTERRUPT,
    INTERRUPT_INTENTS,
    MEETS_MINIMUM,
    NEEDS_REVIEW,
    NO,
    NONE,
    NOT_A_STATEMENT_INTENTS,
    NOT_SURE,
    ONE,
    OTHER,
    OUTCOME_SLOT,
    OUTCOMES,
    PHONE,
    PREGNANCY,
    PSYCHOSIS,
    QUESTIONS_FILE,
    REASON,
    RESET,
    RESUME,
    RULES_FILE,
    SAFETY_INTENTS,
    SCREENING_SLOTS,
    SCREENING_TOPIC,
    STOP,
    STOPPED_SLOT,
    SUBSTANCE,
    THREE_PLUS,
    TREATMENTS,
    TWO,
    UNCLEAR,
    UNDER_AGE,
    UNDER_MINIMUM,
    WHY,
    WITHDRAW,
    YES,
)
from clinicbot.screening.contact import (
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NAME_WORDS,
    parse_contact,
    parse_contact_method,
    parse_email,
    parse_first_name,
    parse_phone,
)
from clinicbot.screening.core import (
    Screening,
    default_screening,
)
from clinicbot.screening.interpretation import (
    MEDICINE_CLASSES,
    interpret,
    is_interrupting_intent,
)
from clinicbot.screening.loading import (
    ScreeningDataError,
)
from clinicbot.screening.model import (
    Interpretation,
    Option,
    Question,
    Result,
    Rule,
)
from clinicbot.screening.parsers import (
    PARSERS,
    ParseContext,
    Parser,
    parse_answer,
)
from clinicbot.screening.shapes import (
    asks_why,
    is_question,
    is_stop,
)
from clinicbot.screening.text import (
    normalize,
    numbers_in,
)

__all__ = [
    "AGE",
    "ALL_SLOTS",
    "ANSWER",
    "CARDIO",
    "CONSENT",
    "CONSULT_SLOTS",
    "CONSULT_WORTHWHILE",
    "CONTACT",
    "CONTACT_METHOD",
    "CORRECTION",
    "EMAIL",
    "FIRST_NAME",
    "FORM_SLOTS",
    "HINT_CORRECTED",
    "HINT_RESET",
    "HINT_RESUME",
    "HINT_SLOT",
    "HINT_UNCLEAR",
    "HINT_WHY",
    "IGNORE",
    "INTERRUPT",
    "INTERRUPT_INTENTS",
    "Interpretation",
    "MAX_EMAIL_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NAME_WORDS",
    "MEDICINE_CLASSES",
    "MEETS_MINIMUM",
    "NEEDS_REVIEW",
    "NO",
    "NONE",
    "NOT_A_STATEMENT_INTENTS",
    "NOT_SURE",
    "ONE",
    "OTHER",
    "OUTCOMES",
    "OUTCOME_SLOT",
    "Option",
    "PARSERS",
    "PHONE",
    "PREGNANCY",
    "PSYCHOSIS",
    "ParseContext",
    "Parser",
    "QUESTIONS_FILE",
    "Question",
    "REASON",
    "RESET",
    "RESUME",
    "RULES_FILE",
    "Result",
    "Rule",
    "SAFETY_INTENTS",
    "SCREENING_SLOTS",
    "SCREENING_TOPIC",
    "STOP",
    "STOPPED_SLOT",
    "SUBSTANCE",
    "Screening",
    "ScreeningDataError",
    "THREE_PLUS",
    "TREATMENTS",
    "TWO",
    "UNCLEAR",
    "UNDER_AGE",
    "UNDER_MINIMUM",
    "WHY",
    "WITHDRAW",
    "YES",
    "asks_why",
    "count_bucket",
    "default_screening",
    "explicit_age",
    "interpret",
    "is_interrupting_intent",
    "is_question",
    "is_stop",
    "normalize",
    "numbers_in",
    "parse_age",
    "parse_answer",
    "parse_contact",
    "parse_contact_method",
    "parse_count",
    "parse_email",
    "parse_first_name",
    "parse_phone",
    "parse_reason",
    "parse_yes_no",
    "stated_age",
]
