"""The pre-screening's data model: questions and their buttons, rules, results, meanings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
