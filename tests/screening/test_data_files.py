"""The reviewed data files: knowledge/screening_rules.yml and knowledge/screening_questions.yml."""

from __future__ import annotations

import ast
import datetime as dt
import string

import pytest
import yaml

from clinicbot.knowledge import KnowledgeBase
from clinicbot.paths import DOMAIN_FILE, KNOWLEDGE_DIR, REPO_ROOT
from clinicbot.screening import (
    CONSULT_WORTHWHILE,
    FORM_SLOTS,
    NEEDS_REVIEW,
    NO,
    NOT_SURE,
    OUTCOMES,
    RULES_FILE,
    SCREENING_SLOTS,
    UNDER_AGE,
    Screening,
)

RULE_FIELDS = (
    "id",
    "slot",
    "condition",
    "outcome",
    "reason",
    "kb_topics",
    "sources",
    "reviewed_by",
    "last_reviewed",
)


@pytest.fixture(scope="module")
def raw_rules() -> list[dict]:
    with (KNOWLEDGE_DIR / RULES_FILE).open(encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["rules"])


def test_the_data_has_no_problems(screen: Screening, kb: KnowledgeBase) -> None:
    assert screen.problems(kb.references, kb.entries) == []


def test_every_rule_has_every_reviewed_field(raw_rules: list[dict]) -> None:
    for rule in raw_rules:
        missing = [f for f in RULE_FIELDS if rule.get(f) in (None, "", [])]
        assert not missing, f"{rule.get('id')}: {missing}"
        assert isinstance(rule["last_reviewed"], dt.date), rule["id"]
        assert rule["last_reviewed"] <= dt.date.today()
        assert rule["condition"]["any_of"], rule["id"]


def test_every_rule_cites_sources_that_exist(screen: Screening, kb: KnowledgeBase) -> None:
    for rule in screen.rules:
        assert rule.sources, rule.id
        for key in rule.sources:
            assert key in kb.references, f"{rule.id}: {key} is not in knowledge/references.yml"


def test_every_rule_offers_existing_knowledge_base_topics(
    screen: Screening, kb: KnowledgeBase
) -> None:
    for rule in screen.rules:
        assert rule.kb_topics, rule.id
        for topic in rule.kb_topics:
            assert kb.get(topic) is not None, f"{rule.id}: unknown topic {topic}"


def test_every_rule_fires_on_each_of_its_values(screen: Screening) -> None:
    for rule in screen.rules:
        for value in rule.any_of:
            result = screen.evaluate({rule.slot: value})
            assert rule in result.reasons + result.notes, (rule.id, value)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_outcome_is_reachable(screen: Screening, outcome: str) -> None:
    reachable = {screen.evaluate({slot: NO for slot in SCREENING_SLOTS}).outcome}
    for rule in screen.rules:
        for value in rule.any_of:
            reachable.add(screen.evaluate({rule.slot: value}).outcome)
    assert outcome in reachable


def test_all_clear_answers_give_consult_worthwhile(screen: Screening) -> None:
    answers = {s: NO for s in SCREENING_SLOTS}
    answers.update(screen_age="meets_minimum", screen_reason="depression", screen_treatments="two")
    result = screen.evaluate(answers)
    assert result.outcome == CONSULT_WORTHWHILE
    assert result.reasons == () and result.notes == ()


def test_the_label_contraindications_and_cautions_need_review(screen: Screening) -> None:
    for slot in ("screen_pregnancy", "screen_psychosis", "screen_cardio", "screen_substance"):
        for value in ("yes", NOT_SURE):
            assert screen.evaluate({slot: value}).outcome == NEEDS_REVIEW, (slot, value)


def test_outcome_texts_exist_for_every_outcome(screen: Screening) -> None:
    for outcome in OUTCOMES:
        assert screen.outcome_texts[outcome]["text"]
    assert screen.outcome_texts[NEEDS_REVIEW]["closing"]
    assert screen.notes_heading


def test_outcome_texts_never_promise_eligibility_or_diagnose(screen: Screening) -> None:
    texts = [t for spec in screen.outcome_texts.values() for t in spec.values()]
    texts += [rule.reason for rule in screen.rules]
    for text in texts:
        lower = text.lower()
        assert "you are eligible" not in lower
        assert "you qualify" not in lower
        assert "you have " not in lower  # no diagnoses


def test_the_under_age_text_says_what_the_clinic_can_and_cannot_offer(screen: Screening) -> None:
    text = screen.outcome_texts[UNDER_AGE]["text"]
    assert "{minimum_age}" in text
    assert "parent or guardian" in text
    assert "988" in text and "911" in text


# ------------------------------------------------------------------ questions


def test_the_questions_are_the_form_slots_in_order(screen: Screening) -> None:
    assert screen.order == FORM_SLOTS
    assert 6 <= len(SCREENING_SLOTS) <= 8


def test_the_domain_form_asks_the_same_slots(screen: Screening) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    assert tuple(domain["forms"]["screening_form"]["required_slots"]) == FORM_SLOTS
    for slot in FORM_SLOTS:
        assert domain["slots"][slot]["influence_conversation"] is False
        assert f"action_ask_{slot}" in domain["actions"]


def test_every_screening_question_explains_why_and_accepts_not_sure(screen: Screening) -> None:
    for slot in SCREENING_SLOTS:
        question = screen.questions[slot]
        assert question.why and question.text and question.label
        assert NOT_SURE in question.values
        assert any(o.value == NOT_SURE for o in question.options), slot


def test_every_button_payload_parses_to_its_value(screen: Screening) -> None:
    for question in screen.questions.values():
        for option in question.options:
            parsed = screen.parse(question.slot, option.payload)
            assert parsed == {question.slot: option.value}, (question.slot, option.payload)


def test_question_sources_exist(screen: Screening, kb: KnowledgeBase) -> None:
    for question in screen.questions.values():
        for key in question.sources:
            assert key in kb.references, (question.slot, key)


def test_question_and_message_templates_only_use_known_placeholders(
    screen: Screening, kb: KnowledgeBase
) -> None:
    extra = {"number", "total", "options", "label", "first_name", "method", "next_opening"}
    known = set(kb.clinic.placeholders()) | extra
    templates = list(screen.messages.values())
    for q in screen.questions.values():
        templates += [q.text, q.why, q.reprompt, *q.text_by_method.values()]
        templates += [*q.reprompt_by_method.values(), *(o.title for o in q.options)]
    for rule in screen.rules:
        templates.append(rule.reason)
    for spec in screen.outcome_texts.values():
        templates += list(spec.values())
    for template in templates:
        names = {n for _, n, _, _ in string.Formatter().parse(template) if n}
        assert names <= known, (template, names - known)


def test_the_python_holds_no_medical_text() -> None:
    """Reasons and outcome texts come from the rules file, not from Python strings."""
    modules = sorted((REPO_ROOT / "clinicbot" / "screening").glob("*.py"))
    assert len(modules) > 5
    for module in [*modules, *(REPO_ROOT / "actions").glob("screening*.py")]:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        strings = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        for text in strings:
            lower = text.lower()
            for phrase in ("may harm", "raises blood pressure", "not recommended", "eligible"):
                assert phrase not in lower, (module, text)
