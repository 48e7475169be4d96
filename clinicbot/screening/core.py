"""The pre-screening: its questions, rules and messages, and one cached instance per process."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from clinicbot.paths import KNOWLEDGE_DIR
from clinicbot.screening import interpretation, loading
from clinicbot.screening import rules as engine
from clinicbot.screening.model import Question, Result, Rule
from clinicbot.screening.parsers import parse_answer


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

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR, minimum_age: int = 18) -> Screening:
        """Reads ``screening_questions.yml`` and ``screening_rules.yml``.

        Args:
            directory: The knowledge directory.
            minimum_age: The clinic's minimum age.

        Returns:
            The screening.

        Raises:
            ScreeningDataError: On a missing file, malformed YAML or a missing, empty or
                mistyped field (the message names the file, the entry and the field).
        """
        qfile = loading.read_questions(directory)
        rfile = loading.read_rules(directory)
        review = ("version", "reviewed_by", "last_reviewed")
        return cls(
            [q.to_question() for q in qfile.questions],
            [r.to_rule() for r in rfile.rules],
            rfile.outcomes,
            rfile.notes_heading,
            qfile.messages,
            minimum_age=minimum_age,
            meta={
                "questions": {k: getattr(qfile, k) for k in review},
                "rules": {k: getattr(rfile, k) for k in review},
            },
        )

    def problems(
        self, reference_keys: Iterable[str] = (), topic_ids: Iterable[str] | None = None
    ) -> list[str]:
        """Checks the data for mistakes a reviewer should fix (see :func:`loading.problems`).

        Args:
            reference_keys: Keys of ``knowledge/references.yml``.
            topic_ids: Knowledge-base topic ids (None skips the topic check).

        Returns:
            Human-readable problems (empty when everything is fine).
        """
        return loading.problems(self, reference_keys, topic_ids)

    # ------------------------------------------------------------------ rules

    def evaluate(self, answers: Mapping[str, Any]) -> Result:
        """Evaluates answers against the rules (see :func:`rules.evaluate`)."""
        return engine.evaluate(self.rules, answers)

    def required_slots(self, answers: Mapping[str, Any]) -> list[str]:
        """The slots the form still needs (see :func:`rules.required_slots`)."""
        return engine.required_slots(self.rules, answers)

    def next_slot(self, answers: Mapping[str, Any]) -> str | None:
        """The next slot to ask, or None when the form is done."""
        return engine.next_slot(self.rules, answers)

    def screening_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The screening questions' answers only (no contact details)."""
        return engine.screening_answers(answers)

    # ------------------------------------------------------------------ messages

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
        return parse_answer(question, text, answers, self.minimum_age, allow_mention)

    #: ``screen.interpret(text, intent, requested, answers, medicines=(), conditions=())``:
    #: what a message in the middle of the form means (the function
    #: :func:`clinicbot.screening.interpretation.interpret`, this screening bound as ``screen``).
    interpret = interpretation.interpret

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
        return engine.result_text(result, self.outcome_texts, self.notes_heading, fill)


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
