"""Reading ``screening_questions.yml`` and ``screening_rules.yml``, their shape checked by pydantic.

The pydantic models below are the files' schema: a missing, empty or mistyped field, an
unknown key (a typo such as ``keywrods``) or an unquoted ``yes`` in a rule's condition raises
:class:`ScreeningDataError` naming the file, the question or rule and the field. What the
shape cannot say (a rule naming an answer its question does not have, an unknown source or
topic) is reported by :func:`problems` for a reviewer to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Extra, Field, ValidationError, validator

from clinicbot import kb_files
from clinicbot.kb_files import KnowledgeError
from clinicbot.screening.constants import (
    FORM_SLOTS,
    NEEDS_REVIEW,
    NOT_SURE,
    OUTCOMES,
    QUESTIONS_FILE,
    RULES_FILE,
    SCREENING_SLOTS,
)
from clinicbot.screening.model import Option, Question, Rule
from clinicbot.screening.parsers import PARSERS

if TYPE_CHECKING:
    from clinicbot.screening.core import Screening


class ScreeningDataError(KnowledgeError):
    """Raised when a screening data file is missing or malformed."""


# ============================================================================ schema


def _as_list(value: Any) -> Any:
    """None -> [], a scalar -> [scalar] (``sources: R10`` means ``sources: [R10]``)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        return [value]
    return value


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _stripped_mapping(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items()}
    return value


class _Schema(BaseModel):
    class Config:
        extra = Extra.forbid


class ButtonSchema(_Schema):
    """A button: its title, the text it sends and the answer value that text means."""

    title: str
    payload: str
    value: str


class QuestionSchema(_Schema):
    """One entry of ``questions`` in ``screening_questions.yml``."""

    slot: str = Field(..., min_length=1)
    parser: str = Field(..., min_length=1)
    label: str = Field(..., min_length=1)
    text: str = Field(..., min_length=1)
    why: str = Field(..., min_length=1)
    sources: list[str] = []
    values: list[str] = []
    buttons: list[ButtonSchema] = []
    keywords: list[str] = []
    reprompt: str = ""
    text_by_method: dict[str, str] = {}
    reprompt_by_method: dict[str, str] = {}

    _lists = validator("sources", "values", "buttons", "keywords", pre=True, allow_reuse=True)(
        _as_list
    )
    _maps = validator("text_by_method", "reprompt_by_method", pre=True, allow_reuse=True)(
        _stripped_mapping
    )

    @validator("reprompt", pre=True)
    def _no_reprompt(cls, value: Any) -> Any:
        return "" if value is None else value

    def to_question(self) -> Question:
        """The question of the data model."""
        return Question(
            slot=self.slot,
            parser=self.parser,
            label=self.label.strip(),
            text=self.text.strip(),
            why=self.why.strip(),
            sources=tuple(self.sources),
            values=tuple(self.values),
            options=tuple(Option(b.title, b.payload, b.value) for b in self.buttons),
            keywords=tuple(k.lower() for k in self.keywords),
            reprompt=self.reprompt.strip(),
            text_by_method=dict(self.text_by_method),
            reprompt_by_method=dict(self.reprompt_by_method),
        )


class ConditionSchema(_Schema):
    """When a rule fires: the answer values of its question."""

    any_of: list[str] = Field(..., min_items=1)

    @validator("any_of", pre=True)
    def _quoted(cls, value: Any) -> Any:
        value = _as_list(value)
        if any(isinstance(v, bool) for v in value):
            raise ValueError('quote "yes" and "no" (unquoted, YAML reads them as booleans)')
        return value


class RuleSchema(_Schema):
    """One entry of ``rules`` in ``screening_rules.yml``."""

    id: str = Field(..., min_length=1)
    slot: str = Field(..., min_length=1)
    condition: ConditionSchema
    outcome: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)
    kb_topics: list[str] = []
    sources: list[str] = Field(..., min_items=1)
    reviewed_by: str = Field(..., min_length=1)
    last_reviewed: dt.date | None = None

    _lists = validator("kb_topics", "sources", pre=True, allow_reuse=True)(_as_list)

    @validator("last_reviewed", pre=True)
    def _iso_date(cls, value: Any) -> Any:
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(f"bad date {value!r} (use YYYY-MM-DD)") from exc

    def to_rule(self) -> Rule:
        """The rule of the data model."""
        return Rule(
            id=self.id,
            slot=self.slot,
            any_of=tuple(self.condition.any_of),
            outcome=self.outcome,
            reason=self.reason.strip(),
            kb_topics=tuple(self.kb_topics),
            sources=tuple(self.sources),
            reviewed_by=self.reviewed_by,
            last_reviewed=self.last_reviewed,
        )


class QuestionsFile(_Schema):
    """``screening_questions.yml``: the questions and the operational messages."""

    version: str | None = None
    reviewed_by: str | None = None
    last_reviewed: dt.date | None = None
    questions: list[QuestionSchema] = []
    messages: dict[str, str] = {}

    _lists = validator("questions", pre=True, allow_reuse=True)(_as_list)
    _maps = validator("messages", pre=True, allow_reuse=True)(_stripped_mapping)


class RulesFile(_Schema):
    """``screening_rules.yml``: the reviewed rules and the texts of each outcome."""

    version: str | None = None
    reviewed_by: str | None = None
    last_reviewed: dt.date | None = None
    outcomes: dict[str, dict[str, str]] = {}
    notes_heading: str = ""
    rules: list[RuleSchema] = []

    _lists = validator("rules", pre=True, allow_reuse=True)(_as_list)

    @validator("outcomes", pre=True)
    def _outcome_texts(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {k: _stripped_mapping(spec) for k, spec in value.items()}
        return value

    @validator("notes_heading", pre=True)
    def _heading(cls, value: Any) -> Any:
        return "" if value is None else _stripped(value)


# ============================================================================ reading


def read_yaml(path: Path) -> dict[str, Any]:
    """Reads a YAML mapping.

    Args:
        path: The file.

    Returns:
        Its top-level mapping.

    Raises:
        ScreeningDataError: When the file is missing, not YAML or not a mapping.
    """
    try:
        data = kb_files.read_yaml(path)
    except KnowledgeError as exc:
        raise ScreeningDataError(str(exc)) from exc
    if not isinstance(data, dict):
        raise ScreeningDataError(f"{path.name}: must be a mapping")
    return data


def _where(loc: Sequence[Any], doc: dict[str, Any]) -> str:
    """Names the place of an error: ``rule 'x' (rules[0]), field 'sources'``."""
    items = {"questions": ("question", "slot"), "rules": ("rule", "id")}
    path = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] in items and isinstance(loc[1], int):
        kind, key = items[str(loc[0])]
        entries = doc.get(str(loc[0]))
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get(key) if isinstance(entry, dict) else None
        label = f"{kind} {name!r} ({loc[0]}[{loc[1]}])" if name else f"{loc[0]}[{loc[1]}]"
        rest = _dotted(path[2:])
        return f"{label}, field {rest!r}" if rest else label
    return f"field {_dotted(path)!r}"


def _dotted(parts: Iterable[str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def parse_file(path: Path, schema: type[_Schema]) -> Any:
    """Reads a screening data file and checks its shape.

    Args:
        path: The file.
        schema: Its pydantic model (:class:`QuestionsFile` or :class:`RulesFile`).

    Returns:
        The validated model.

    Raises:
        ScreeningDataError: Naming the file and every bad field.
    """
    doc = read_yaml(path)
    try:
        return schema.parse_obj(doc)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'], doc)}: {e['msg']}" for e in exc.errors())
        raise ScreeningDataError(f"{path.name}: {problems}") from exc


def read_questions(directory: Path) -> QuestionsFile:
    """Reads ``screening_questions.yml`` (see :func:`parse_file`)."""
    data: QuestionsFile = parse_file(directory / QUESTIONS_FILE, QuestionsFile)
    return data


def read_rules(directory: Path) -> RulesFile:
    """Reads ``screening_rules.yml`` (see :func:`parse_file`)."""
    data: RulesFile = parse_file(directory / RULES_FILE, RulesFile)
    return data


# ============================================================================ checking


def problems(
    screen: Screening, reference_keys: Iterable[str] = (), topic_ids: Iterable[str] | None = None
) -> list[str]:
    """Checks well-shaped data for mistakes a reviewer should fix.

    Args:
        screen: The loaded pre-screening.
        reference_keys: Keys of ``knowledge/references.yml``.
        topic_ids: Knowledge-base topic ids (None skips the topic check).

    Returns:
        Human-readable problems (empty when everything is fine).
    """
    refs = set(reference_keys)
    topics = None if topic_ids is None else set(topic_ids)
    out: list[str] = []
    if screen.order != FORM_SLOTS:
        out.append(f"questions must be, in order, {list(FORM_SLOTS)}; got {list(screen.order)}")
    for q in screen.questions.values():
        if q.parser not in PARSERS:
            out.append(f"question {q.slot}: unknown parser {q.parser!r}")
        out.extend(f"question {q.slot}: unknown source {k}" for k in q.sources if k not in refs)
        for option in q.options:
            if option.value not in q.values:
                out.append(f"question {q.slot}: button value {option.value!r} not in values")
        if q.slot in SCREENING_SLOTS and NOT_SURE not in q.values:
            out.append(f"question {q.slot}: 'not sure' must be a valid answer")
        if not q.reprompt:
            out.append(f"question {q.slot}: no reprompt")
    ids: set[str] = set()
    for rule in screen.rules:
        out.extend(_rule_problems(screen, rule, ids, refs, topics))
        ids.add(rule.id)
    for outcome in OUTCOMES:
        if not screen.outcome_texts.get(outcome, {}).get("text"):
            out.append(f"outcome {outcome}: no text")
    if not screen.outcome_texts.get(NEEDS_REVIEW, {}).get("closing"):
        out.append("outcome needs_review: no closing text")
    return out


def _rule_problems(
    screen: Screening, rule: Rule, ids: set[str], refs: set[str], topics: set[str] | None
) -> list[str]:
    out: list[str] = []
    if rule.id in ids:
        out.append(f"rule {rule.id}: duplicate id")
    question = screen.questions.get(rule.slot)
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
        out.extend(f"rule {rule.id}: unknown topic {t}" for t in rule.kb_topics if t not in topics)
    if not rule.reviewed_by.strip() or rule.last_reviewed is None:
        out.append(f"rule {rule.id}: reviewed_by and last_reviewed are required")
    return out
