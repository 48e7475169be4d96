"""What a message in the middle of the pre-screening means (answer, correction, stop, ...)."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from clinicbot.screening import (
    ANSWER,
    CORRECTION,
    IGNORE,
    INTERRUPT,
    RESET,
    RESUME,
    STOP,
    UNCLEAR,
    WHY,
    WITHDRAW,
    Screening,
)

SO_FAR: Dict[str, Any] = {
    "screen_age": "meets_minimum",
    "screen_reason": "depression",
    "screen_treatments": "two",
}


def test_nothing_is_read_before_a_question_was_asked(screen: Screening) -> None:
    assert screen.interpret("start the screening", "start_screening", None, {}).kind == IGNORE


@pytest.mark.parametrize("intent", ["safety_crisis", "safety_emergency"])
def test_a_crisis_or_emergency_always_leaves_the_form(screen: Screening, intent: str) -> None:
    # even when the words would parse as an answer
    meaning = screen.interpret("yes", intent, "screen_pregnancy", SO_FAR)
    assert meaning.kind == INTERRUPT


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("stop", "stop"),
        ("never mind", "stop"),
        ("I want to stop", "stop"),
        ("cancel the screening", "deny"),
        ("no more questions please", "stop"),
    ],
)
def test_stop_ends_the_form(screen: Screening, text: str, intent: str) -> None:
    meaning = screen.interpret(text, intent, "screen_pregnancy", SO_FAR)
    assert meaning.kind == STOP
    assert meaning.updates == {"screen_stopped": True}


def test_a_bare_answer_classified_as_stop_is_still_an_answer(screen: Screening) -> None:
    meaning = screen.interpret("nope", "stop", "screen_pregnancy", SO_FAR)
    assert (meaning.kind, dict(meaning.updates)) == (ANSWER, {"screen_pregnancy": "no"})
    meaning = screen.interpret("skip this", "stop", "screen_cardio", SO_FAR)
    assert (meaning.kind, dict(meaning.updates)) == (ANSWER, {"screen_cardio": "not_sure"})


def test_an_answer_to_the_question_asked(screen: Screening) -> None:
    meaning = screen.interpret("two of them", "inform", "screen_treatments", SO_FAR)
    assert (meaning.kind, meaning.slot, dict(meaning.updates)) == (
        ANSWER,
        "screen_treatments",
        {"screen_treatments": "two"},
    )


def test_a_statement_classified_as_a_topic_is_still_an_answer(screen: Screening) -> None:
    meaning = screen.interpret(
        "I'm pregnant", "kb_safety_pregnancy_breastfeeding", "screen_pregnancy", SO_FAR
    )
    assert (meaning.kind, dict(meaning.updates)) == (ANSWER, {"screen_pregnancy": "yes"})


def test_a_question_about_the_topic_goes_to_the_knowledge_base(screen: Screening) -> None:
    meaning = screen.interpret(
        "is it safe if I'm pregnant?",
        "kb_safety_pregnancy_breastfeeding",
        "screen_pregnancy",
        SO_FAR,
    )
    assert meaning.kind == INTERRUPT


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what kind of side effects should I expect", "kb_safety_side_effects"),
        ("side effects", "kb_safety_side_effects"),
        ("should I stop my sertraline first?", "medical_advice"),
        ("can I talk to a person", "request_human"),
        ("are you a bot?", "bot_challenge"),
    ],
)
def test_other_requests_leave_the_form_to_their_rules(
    screen: Screening, text: str, intent: str
) -> None:
    assert screen.interpret(text, intent, "screen_cardio", SO_FAR).kind == INTERRUPT


@pytest.mark.parametrize("text", ["why do you ask?", "why?", "what does that have to do with it"])
def test_why_do_you_ask_is_explained(screen: Screening, text: str) -> None:
    assert screen.interpret(text, "followup_more", "screen_psychosis", SO_FAR).kind == WHY


def test_anything_else_is_asked_again(screen: Screening) -> None:
    meaning = screen.interpret("hello", "greet", "screen_cardio", SO_FAR)
    assert (meaning.kind, meaning.slot) == (UNCLEAR, "screen_cardio")


def test_start_screening_in_the_middle_resumes(screen: Screening) -> None:
    meaning = screen.interpret("start the screening", "start_screening", "screen_cardio", SO_FAR)
    assert meaning.kind == RESUME


def test_another_messages_button_resumes(screen: Screening) -> None:
    assert screen.interpret("/deny", "deny", "screen_cardio", SO_FAR).kind == RESUME


def test_an_unlisted_reason_is_other(screen: Screening) -> None:
    meaning = screen.interpret("my marriage fell apart", "nlu_fallback", "screen_reason", {})
    assert dict(meaning.updates) == {"screen_reason": "other"}


def test_recognised_conditions_and_medicines_help(screen: Screening) -> None:
    meaning = screen.interpret(
        "bipolar", "inform", "screen_reason", {}, conditions=["bipolar depression"]
    )
    assert dict(meaning.updates) == {"screen_reason": "depression"}
    meaning = screen.interpret(
        "zoloft, prozac and wellbutrin",
        "kb_eligibility_current_medications",
        "screen_treatments",
        {},
        medicines=["sertraline", "fluoxetine", "bupropion", "antidepressants"],
    )
    assert dict(meaning.updates) == {"screen_treatments": "three_plus"}


# ------------------------------------------------------------------ corrections


def test_actually_im_19_corrects_the_age(screen: Screening) -> None:
    answers = {**SO_FAR, "screen_age": "not_sure"}
    meaning = screen.interpret("actually I'm 19", "correct_answer", "screen_pregnancy", answers)
    assert (meaning.kind, meaning.slot, dict(meaning.updates)) == (
        CORRECTION,
        "screen_age",
        {"screen_age": "meets_minimum"},
    )


def test_a_stated_age_under_another_question_corrects_the_age(screen: Screening) -> None:
    meaning = screen.interpret("I'm 17", "inform", "screen_cardio", SO_FAR)
    assert dict(meaning.updates) == {"screen_age": "under_minimum"}


def test_actually_im_19_under_the_age_question_is_just_the_answer(screen: Screening) -> None:
    meaning = screen.interpret("actually I'm 19", "correct_answer", "screen_age", {})
    assert (meaning.kind, dict(meaning.updates)) == (ANSWER, {"screen_age": "meets_minimum"})


def test_change_my_age_asks_it_again(screen: Screening) -> None:
    meaning = screen.interpret("change my age", "correct_answer", "screen_pregnancy", SO_FAR)
    assert (meaning.kind, meaning.slot, dict(meaning.updates)) == (
        RESET,
        "screen_age",
        {"screen_age": None},
    )


def test_a_correction_naming_another_question(screen: Screening) -> None:
    answers = {**SO_FAR, "screen_pregnancy": "no", "screen_psychosis": "no", "screen_cardio": "no"}
    meaning = screen.interpret(
        "actually I do have high blood pressure", "correct_answer", "screen_substance", answers
    )
    assert (meaning.kind, dict(meaning.updates)) == (CORRECTION, {"screen_cardio": "yes"})


def test_i_made_a_mistake_goes_back_one_question(screen: Screening) -> None:
    answers = {**SO_FAR, "screen_pregnancy": "yes"}
    meaning = screen.interpret("I made a mistake", "correct_answer", "screen_psychosis", answers)
    assert (meaning.kind, meaning.slot) == (RESET, "screen_pregnancy")


def test_sorry_i_meant_no_fixes_the_previous_answer(screen: Screening) -> None:
    answers = {**SO_FAR, "screen_pregnancy": "yes"}
    meaning = screen.interpret("sorry, I meant no", "correct_answer", "screen_psychosis", answers)
    assert (meaning.kind, dict(meaning.updates)) == (CORRECTION, {"screen_pregnancy": "no"})


def test_actually_yes_answers_the_current_question(screen: Screening) -> None:
    meaning = screen.interpret("actually yes", "affirm", "screen_psychosis", SO_FAR)
    assert (meaning.kind, dict(meaning.updates)) == (ANSWER, {"screen_psychosis": "yes"})


def test_changing_the_contact_method(screen: Screening) -> None:
    answers = {**SO_FAR, "consult_consent": "yes", "consult_first_name": "Sam",
               "consult_contact_method": "phone"}  # fmt: skip
    meaning = screen.interpret(
        "actually email me instead", "correct_answer", "consult_contact", answers
    )
    assert dict(meaning.updates) == {"consult_contact_method": "email"}


# ------------------------------------------------------------------ contact details


def test_no_at_the_name_question_withdraws_consent(screen: Screening) -> None:
    answers = {**SO_FAR, "consult_consent": "yes"}
    meaning = screen.interpret("no", "deny", "consult_first_name", answers)
    assert meaning.kind == WITHDRAW
    assert meaning.updates["consult_consent"] == "no"


def test_contact_details_follow_the_chosen_method(screen: Screening) -> None:
    answers = {**SO_FAR, "consult_consent": "yes", "consult_contact_method": "phone"}
    meaning = screen.interpret("(555) 010-0199", "inform", "consult_contact", answers)
    assert dict(meaning.updates) == {
        "consult_contact": "(555) 010-0199",
        "consult_contact_method": "phone",
    }
    meaning = screen.interpret("12345", "inform", "consult_contact", answers)
    assert meaning.kind == UNCLEAR
