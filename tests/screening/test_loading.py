"""Reading the screening data files (clinicbot.screening.loading): shape errors name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.paths import KNOWLEDGE_DIR
from clinicbot.screening import QUESTIONS_FILE, RULES_FILE, Screening, ScreeningDataError

SHIPPED_QUESTIONS = (KNOWLEDGE_DIR / QUESTIONS_FILE).read_text(encoding="utf-8")
SHIPPED_RULES = (KNOWLEDGE_DIR / RULES_FILE).read_text(encoding="utf-8")
AGE_WHY = '    why: "We ask because {clinic_name} treats adults aged {minimum_age} and over."\n'


def write(directory: Path, questions: str = SHIPPED_QUESTIONS, rules: str = SHIPPED_RULES) -> Path:
    """The two data files, as given, in a directory."""
    (directory / QUESTIONS_FILE).write_text(questions, encoding="utf-8")
    (directory / RULES_FILE).write_text(rules, encoding="utf-8")
    return directory


def load_error(directory: Path) -> str:
    with pytest.raises(ScreeningDataError) as raised:
        Screening.load(directory)
    return str(raised.value)


def test_the_shipped_files_load(tmp_path: Path) -> None:
    screen = Screening.load(write(tmp_path))
    assert len(screen.questions) == 11 and len(screen.rules) >= 6
    assert screen.meta["rules"]["version"] == "1"


def test_yaml_booleans_in_conditions_are_rejected(tmp_path: Path) -> None:
    (tmp_path / QUESTIONS_FILE).write_text(
        (KNOWLEDGE_DIR / QUESTIONS_FILE).read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / RULES_FILE).write_text(
        "rules:\n"
        "  - id: x\n    slot: screen_cardio\n    condition: {any_of: [yes]}\n"
        "    outcome: needs_review\n    reason: r\n    kb_topics: [a.b]\n    sources: [R1]\n"
        "    reviewed_by: someone\n    last_reviewed: 2026-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ScreeningDataError, match="quote"):
        Screening.load(tmp_path)


def test_a_rule_without_sources_is_rejected(tmp_path: Path) -> None:
    (tmp_path / QUESTIONS_FILE).write_text(
        (KNOWLEDGE_DIR / QUESTIONS_FILE).read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / RULES_FILE).write_text(
        "rules:\n  - id: x\n    slot: screen_cardio\n    condition: {any_of: ['yes']}\n"
        "    outcome: needs_review\n    reason: r\n    reviewed_by: someone\n",
        encoding="utf-8",
    )
    with pytest.raises(ScreeningDataError, match="sources"):
        Screening.load(tmp_path)


def test_problems_reports_unknown_values_sources_and_topics(tmp_path: Path) -> None:
    (tmp_path / QUESTIONS_FILE).write_text(
        (KNOWLEDGE_DIR / QUESTIONS_FILE).read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / RULES_FILE).write_text(
        "rules:\n  - id: x\n    slot: screen_cardio\n    condition: {any_of: ['maybe']}\n"
        "    outcome: fine\n    reason: r\n    kb_topics: [no.such_topic]\n    sources: [R999]\n"
        "    reviewed_by: someone\n    last_reviewed: 2026-01-01\n",
        encoding="utf-8",
    )
    problems = " | ".join(Screening.load(tmp_path).problems({"R1": "x"}, {"a.b"}))
    for expected in ("'maybe'", "unknown outcome", "R999", "no.such_topic", "no text"):
        assert expected in problems


# ------------------------------------------------------------------ the pydantic schema


def test_a_question_without_its_why_is_rejected_naming_the_field(tmp_path: Path) -> None:
    assert AGE_WHY in SHIPPED_QUESTIONS
    message = load_error(write(tmp_path, questions=SHIPPED_QUESTIONS.replace(AGE_WHY, "", 1)))
    assert message.startswith(f"{QUESTIONS_FILE}: ")
    assert "question 'screen_age' (questions[0]), field 'why': field required" in message


def test_an_empty_required_text_is_rejected(tmp_path: Path) -> None:
    questions = SHIPPED_QUESTIONS.replace('label: "your age"', 'label: ""', 1)
    message = load_error(write(tmp_path, questions=questions))
    assert "question 'screen_age' (questions[0]), field 'label'" in message


def test_a_misspelt_key_is_rejected_not_ignored(tmp_path: Path) -> None:
    questions = SHIPPED_QUESTIONS.replace("    keywords: [", "    keywrods: [", 1)
    message = load_error(write(tmp_path, questions=questions))
    assert "field 'keywrods': extra fields not permitted" in message


def test_a_button_without_a_value_names_the_button(tmp_path: Path) -> None:
    questions = SHIPPED_QUESTIONS.replace(
        'payload: "Yes", value: meets_minimum}', 'payload: "Yes"}', 1
    )
    message = load_error(write(tmp_path, questions=questions))
    assert "question 'screen_age' (questions[0]), field 'buttons[0].value': field required" in (
        message
    )


def test_a_rule_with_a_bad_date_names_the_rule_and_the_field(tmp_path: Path) -> None:
    rules = SHIPPED_RULES.replace("last_reviewed: 2026-11-28", "last_reviewed: last week", 1)
    message = load_error(write(tmp_path, rules=rules))
    assert message.startswith(f"{RULES_FILE}: rule 'age_under_minimum' (rules[0])")
    assert "field 'last_reviewed': bad date 'last week'" in message


def test_every_bad_field_is_named_at_once(tmp_path: Path) -> None:
    rules = "rules:\n  - id: x\n    slot: screen_cardio\n    outcome: needs_review\n"
    message = load_error(write(tmp_path, rules=rules))
    for field in ("condition", "reason", "sources", "reviewed_by"):
        assert f"rule 'x' (rules[0]), field '{field}': field required" in message


def test_outcomes_must_be_a_mapping(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, rules="outcomes: [consult_worthwhile]\n"))
    assert message == f"{RULES_FILE}: field 'outcomes': value is not a valid dict"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        ("questions: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
    ],
)
def test_a_missing_or_unreadable_file_is_named(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    write(tmp_path)
    if content is None:
        (tmp_path / QUESTIONS_FILE).unlink()
    else:
        (tmp_path / QUESTIONS_FILE).write_text(content, encoding="utf-8")
    assert load_error(tmp_path).startswith(f"{QUESTIONS_FILE}: {expected}")
