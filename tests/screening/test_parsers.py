"""Free-text answers (clinicbot.screening.answers, .contact) and the parser registry (.parsers)."""

from __future__ import annotations

import pytest
import yaml

from clinicbot.paths import KNOWLEDGE_DIR
from clinicbot.screening import (
    PARSERS,
    QUESTIONS_FILE,
    Question,
    Screening,
    parse_age,
    parse_answer,
    parse_count,
    parse_reason,
    parse_yes_no,
)

# (question slot, what the patient typed, the value it must give; None = not an answer)
PHRASINGS = [
    # --- age (minimum age 18) ---
    ("screen_age", "yes", "meets_minimum"),
    ("screen_age", "Yes", "meets_minimum"),
    ("screen_age", "yep", "meets_minimum"),
    ("screen_age", "no", "under_minimum"),
    ("screen_age", "nope", "under_minimum"),
    ("screen_age", "not sure", "not_sure"),
    ("screen_age", "I'm 17", "under_minimum"),
    ("screen_age", "i am 17", "under_minimum"),
    ("screen_age", "17", "under_minimum"),
    ("screen_age", "seventeen", "under_minimum"),
    ("screen_age", "I'm sixteen", "under_minimum"),
    ("screen_age", "18", "meets_minimum"),
    ("screen_age", "19 years old", "meets_minimum"),
    ("screen_age", "I'm 19", "meets_minimum"),
    ("screen_age", "twenty-five", "meets_minimum"),
    ("screen_age", "I am forty two", "meets_minimum"),
    ("screen_age", "I'm 67 years old", "meets_minimum"),
    ("screen_age", "in my 40s", "meets_minimum"),
    ("screen_age", "18+", "meets_minimum"),
    ("screen_age", "over 18", "meets_minimum"),
    ("screen_age", "under 18", "under_minimum"),
    ("screen_age", "I'll be 18 next month", "under_minimum"),
    ("screen_age", "just turned 18", "meets_minimum"),
    ("screen_age", "I'm a minor", "under_minimum"),
    ("screen_age", "yes I'm an adult", "meets_minimum"),
    ("screen_age", "no, I'm 45", "meets_minimum"),
    ("screen_age", "hello", None),
    # --- main reason ---
    ("screen_reason", "Depression", "depression"),
    ("screen_reason", "my depression", "depression"),
    ("screen_reason", "treatment resistant depression", "depression"),
    ("screen_reason", "PTSD", "ptsd"),
    ("screen_reason", "trauma from the army", "ptsd"),
    ("screen_reason", "anxiety", "anxiety"),
    ("screen_reason", "panic attacks", "anxiety"),
    ("screen_reason", "OCD", "ocd"),
    ("screen_reason", "chronic pain", "chronic_pain"),
    ("screen_reason", "fibromyalgia", "chronic_pain"),
    ("screen_reason", "mostly depression and some anxiety", "depression"),
    ("screen_reason", "anxiety, and depression too", "anxiety"),
    ("screen_reason", "Something else", "other"),
    ("screen_reason", "not sure", "not_sure"),
    ("screen_reason", "prefer not to say", "not_sure"),
    # --- how many treatments tried ---
    ("screen_treatments", "two of them", "two"),
    ("screen_treatments", "2", "two"),
    ("screen_treatments", "Two", "two"),
    ("screen_treatments", "a couple", "two"),
    ("screen_treatments", "none", "none"),
    ("screen_treatments", "None yet", "none"),
    ("screen_treatments", "zero", "none"),
    ("screen_treatments", "I haven't tried any", "none"),
    ("screen_treatments", "just one", "one"),
    ("screen_treatments", "only one so far", "one"),
    ("screen_treatments", "1", "one"),
    ("screen_treatments", "several", "three_plus"),
    ("screen_treatments", "3 or 4", "three_plus"),
    ("screen_treatments", "three or four", "three_plus"),
    ("screen_treatments", "Three or more", "three_plus"),
    ("screen_treatments", "like 10", "three_plus"),
    ("screen_treatments", "too many to count", "three_plus"),
    ("screen_treatments", "a few", "three_plus"),
    ("screen_treatments", "more than 2", "three_plus"),
    ("screen_treatments", "1 or 2", "one"),
    ("screen_treatments", "I'm not sure", "not_sure"),
    ("screen_treatments", "can't remember", "not_sure"),
    ("screen_treatments", "none of them worked", None),
    ("screen_treatments", "20mg of one", "one"),
    # --- pregnancy or breastfeeding ---
    ("screen_pregnancy", "yes", "yes"),
    ("screen_pregnancy", "no", "no"),
    ("screen_pregnancy", "nope", "no"),
    ("screen_pregnancy", "nah", "no"),
    ("screen_pregnancy", "I'm pregnant", "yes"),
    ("screen_pregnancy", "breastfeeding", "yes"),
    ("screen_pregnancy", "I'm not pregnant", "no"),
    ("screen_pregnancy", "not that I know of", "no"),
    ("screen_pregnancy", "I could be", "not_sure"),
    ("screen_pregnancy", "maybe", "not_sure"),
    ("screen_pregnancy", "not pregnant but I am breastfeeding", "not_sure"),
    ("screen_pregnancy", "no, but I'm breastfeeding", "not_sure"),
    ("screen_pregnancy", "I'm a man", None),
    # --- psychosis, schizophrenia or mania ---
    ("screen_psychosis", "yes", "yes"),
    ("screen_psychosis", "no", "no"),
    ("screen_psychosis", "never", "no"),
    ("screen_psychosis", "never had psychosis", "no"),
    ("screen_psychosis", "I don't think so", "no"),
    ("screen_psychosis", "I think so", "yes"),
    ("screen_psychosis", "I had a manic episode once", "yes"),
    ("screen_psychosis", "I don't know", "not_sure"),
    ("screen_psychosis", "idk", "not_sure"),
    ("screen_psychosis", "I'm fine", None),
    # --- heart or blood vessels ---
    ("screen_cardio", "yes", "yes"),
    ("screen_cardio", "No", "no"),
    ("screen_cardio", "I have high blood pressure", "yes"),
    ("screen_cardio", "high blood pressure but it's controlled with meds", "yes"),
    ("screen_cardio", "I had a stroke", "yes"),
    ("screen_cardio", "no heart problems", "no"),
    ("screen_cardio", "not sure", "not_sure"),
    ("screen_cardio", "Not sure", "not_sure"),
    # --- alcohol or drugs ---
    ("screen_substance", "yes", "yes"),
    ("screen_substance", "no", "no"),
    ("screen_substance", "I drink too much", "yes"),
    ("screen_substance", "I don't drink", "no"),
    ("screen_substance", "nothing like that", "no"),
    ("screen_substance", "I'd rather not say", "not_sure"),
    ("screen_substance", "skip this", "not_sure"),
    ("screen_substance", "absolutely not", "no"),
    ("screen_substance", "of course not", "no"),
    ("screen_substance", "yes unfortunately", "yes"),
    # --- consent ---
    ("consult_consent", "yes", "yes"),
    ("consult_consent", "yes please", "yes"),
    ("consult_consent", "sure", "yes"),
    ("consult_consent", "ok", "yes"),
    ("consult_consent", "please contact me", "yes"),
    ("consult_consent", "no thanks", "no"),
    ("consult_consent", "not now", "no"),
    ("consult_consent", "maybe later", "no"),
    # --- contact method ---
    ("consult_contact_method", "Phone", "phone"),
    ("consult_contact_method", "by email", "email"),
    ("consult_contact_method", "call me", "phone"),
    ("consult_contact_method", "text my cell", "phone"),
    ("consult_contact_method", "e-mail is best", "email"),
    ("consult_contact_method", "whatever", None),
]


@pytest.mark.parametrize(("slot", "text", "expected"), PHRASINGS)
def test_free_text_answers(screen: Screening, slot: str, text: str, expected: str | None) -> None:
    parsed = screen.parse(slot, text)
    assert (parsed or {}).get(slot) == expected


def test_the_table_is_big_enough() -> None:
    assert len(PHRASINGS) >= 60


def test_an_email_typed_instead_of_the_method_sets_both(screen: Screening) -> None:
    assert screen.parse("consult_contact_method", "sam@example.com") == {
        "consult_contact": "sam@example.com",
        "consult_contact_method": "email",
    }


def test_consent_with_contact_details_keeps_them(screen: Screening) -> None:
    assert screen.parse("consult_consent", "yes, call me at 555-010-0199") == {
        "consult_consent": "yes",
        "consult_contact": "(555) 010-0199",
        "consult_contact_method": "phone",
    }


def test_a_different_minimum_age_is_respected() -> None:
    assert parse_age("I'm 19", minimum_age=21) == "under_minimum"
    assert parse_age("21", minimum_age=21) == "meets_minimum"


def test_keyword_mentions_do_not_count_as_yes_when_not_allowed() -> None:
    assert parse_yes_no("pregnancy", ["pregnancy"], allow_mention=False) is None
    assert parse_yes_no("I am pregnant", ["pregnant"], allow_mention=False) == "yes"


def test_counts_and_reasons_without_an_answer() -> None:
    assert parse_count("") is None
    assert parse_reason("") is None
    assert parse_reason("my marriage") is None


# ------------------------------------------------------------------ the registry


def test_the_registry_covers_every_answer_type_of_the_questions_file() -> None:
    """Read from the raw YAML, so a new answer type fails here before anything parses."""
    with (KNOWLEDGE_DIR / QUESTIONS_FILE).open(encoding="utf-8") as fh:
        used = {q["parser"] for q in yaml.safe_load(fh)["questions"]}
    assert used, "no questions read"
    assert used <= set(PARSERS), used - set(PARSERS)
    assert set(PARSERS) <= used, f"registered but never used: {set(PARSERS) - used}"


def test_every_question_parses_through_its_registered_parser(screen: Screening) -> None:
    for question in screen.questions.values():
        reader = PARSERS[question.parser]
        assert reader.__name__ == f"read_{question.parser}", question.slot


def test_an_unknown_answer_type_parses_nothing_and_is_reported(screen: Screening) -> None:
    odd = Question(slot="screen_age", parser="shoe_size", label="x", text="x", why="x")
    assert parse_answer(odd, "yes") is None
    broken = Screening(
        [odd, *[q for s, q in screen.questions.items() if s != "screen_age"]],
        screen.rules,
        screen.outcome_texts,
        screen.notes_heading,
        screen.messages,
    )
    assert broken.parse("screen_age", "yes") is None
    assert "question screen_age: unknown parser 'shoe_size'" in broken.problems()


def test_the_context_reaches_the_parsers(screen: Screening) -> None:
    age = screen.questions["screen_age"]
    assert parse_answer(age, "I'm 19") == {"screen_age": "meets_minimum"}
    assert parse_answer(age, "I'm 19", minimum_age=21) == {"screen_age": "under_minimum"}
    pregnancy = screen.questions["screen_pregnancy"]
    assert parse_answer(pregnancy, "breastfeeding") == {"screen_pregnancy": "yes"}
    assert parse_answer(pregnancy, "breastfeeding", allow_mention=False) is None
