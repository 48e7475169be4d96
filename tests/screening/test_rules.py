"""The result: outcome computation, which questions are still asked, and the result text."""

from __future__ import annotations

import pytest

from clinicbot.knowledge import KnowledgeBase
from clinicbot.screening import (
    CONSULT_SLOTS,
    CONSULT_WORTHWHILE,
    NEEDS_REVIEW,
    SCREENING_SLOTS,
    UNDER_AGE,
    Screening,
)
from tests.screening.conftest import CLEAR


def test_clear_answers_make_a_consultation_look_worthwhile(
    screen: Screening, kb: KnowledgeBase
) -> None:
    result = screen.evaluate(CLEAR)
    assert result.outcome == CONSULT_WORTHWHILE
    text = screen.result_text(result, kb.fill)
    assert "consultation" in text and "looks worthwhile" in text
    assert "eligible" not in text.lower()


@pytest.mark.parametrize(
    ("slot", "value", "rule_id"),
    [
        ("screen_pregnancy", "yes", "pregnancy_or_breastfeeding"),
        ("screen_pregnancy", "not_sure", "pregnancy_or_breastfeeding"),
        ("screen_psychosis", "yes", "psychosis_history"),
        ("screen_cardio", "yes", "heart_or_blood_vessel_condition"),
        ("screen_cardio", "not_sure", "heart_or_blood_vessel_condition"),
        ("screen_substance", "yes", "substance_use_concern"),
        ("screen_age", "not_sure", "age_unconfirmed"),
    ],
)
def test_each_review_reason_is_named_in_plain_words(
    screen: Screening, kb: KnowledgeBase, slot: str, value: str, rule_id: str
) -> None:
    result = screen.evaluate({**CLEAR, slot: value})
    assert result.outcome == NEEDS_REVIEW
    assert [r.id for r in result.reasons] == [rule_id]
    text = screen.result_text(result, kb.fill)
    rule = next(r for r in screen.rules if r.id == rule_id)
    assert kb.fill(rule.reason) in text
    assert result.kb_topics[: len(rule.kb_topics)] == list(rule.kb_topics)


def test_several_reasons_are_all_named(screen: Screening, kb: KnowledgeBase) -> None:
    result = screen.evaluate({**CLEAR, "screen_cardio": "yes", "screen_substance": "yes"})
    assert {r.id for r in result.reasons} == {
        "heart_or_blood_vessel_condition",
        "substance_use_concern",
    }
    text = screen.result_text(result, kb.fill)
    assert text.count("\n- ") >= 2
    assert screen.outcome_texts[NEEDS_REVIEW]["closing"].split()[0] in text


def test_notes_add_context_without_changing_the_outcome(
    screen: Screening, kb: KnowledgeBase
) -> None:
    result = screen.evaluate({**CLEAR, "screen_reason": "ptsd", "screen_treatments": "one"})
    assert result.outcome == CONSULT_WORTHWHILE
    assert {r.id for r in result.notes} == {"off_label_condition", "fewer_than_two_treatments"}
    text = screen.result_text(result, kb.fill)
    assert screen.notes_heading in text and "off-label" in text


def test_under_age_wins_over_everything(screen: Screening, kb: KnowledgeBase) -> None:
    result = screen.evaluate({**CLEAR, "screen_age": "under_minimum", "screen_cardio": "yes"})
    assert result.outcome == UNDER_AGE
    text = screen.result_text(result, kb.fill)
    assert "18" in text and "parent or guardian" in text and "988" in text
    assert "worthwhile" not in text


def test_result_sources_come_from_the_rules(screen: Screening) -> None:
    result = screen.evaluate({**CLEAR, "screen_pregnancy": "yes"})
    assert result.source_keys == ["R10", "R36"]


# ------------------------------------------------------------------ what is still asked


def test_all_questions_then_the_consent_are_asked(screen: Screening) -> None:
    assert screen.required_slots({}) == list(SCREENING_SLOTS) + ["consult_consent"]
    assert screen.next_slot({}) == "screen_age"
    assert screen.next_slot(CLEAR) == "consult_consent"


def test_with_consent_the_contact_details_are_asked(screen: Screening) -> None:
    answers = {**CLEAR, "consult_consent": "yes"}
    assert screen.required_slots(answers) == list(SCREENING_SLOTS) + list(CONSULT_SLOTS)
    assert screen.next_slot(answers) == "consult_first_name"


def test_without_consent_the_form_is_done(screen: Screening) -> None:
    assert screen.next_slot({**CLEAR, "consult_consent": "no"}) is None


def test_under_age_asks_no_more_health_questions(screen: Screening) -> None:
    answers = {"screen_age": "under_minimum"}
    assert screen.required_slots(answers) == ["screen_age"]
    assert screen.next_slot(answers) is None


def test_stopped_asks_nothing(screen: Screening) -> None:
    assert screen.required_slots({"screen_stopped": True}) == []
    assert screen.next_slot({"screen_age": "meets_minimum", "screen_stopped": True}) is None


def test_screening_answers_leave_out_contact_details(screen: Screening) -> None:
    answers = {**CLEAR, "consult_first_name": "Sam", "consult_contact": "sam@example.com"}
    assert screen.screening_answers(answers) == CLEAR
