"""The pre-screening's actions with a fake tracker and dispatcher and a temporary SQLite store."""

from __future__ import annotations

import ast
import logging
from typing import Any, Dict

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.handoff import escalation_store
from actions.screening import (
    ActionScreeningStart,
    ActionScreeningSubmit,
    ValidateScreeningForm,
    is_fresh_message,
)
from actions.screening_questions import ActionAskConsultConsent
from clinicbot.paths import REPO_ROOT
from clinicbot.screening import ALL_SLOTS
from tests.screening.conftest import CLEAR, CONTACT, form_tracker

# ------------------------------------------------------------------ validation


def test_fresh_message_detection() -> None:
    assert is_fresh_message(form_tracker("yes").events)
    assert not is_fresh_message(form_tracker("yes", fresh=False).events)
    assert not is_fresh_message([{"event": "action", "name": "action_screening_start"}])


async def test_an_answer_sets_the_slot_and_the_next_question(domain) -> None:
    dispatcher = CollectingDispatcher()
    answered = {"screen_age": "meets_minimum", "screen_reason": "depression"}
    tracker = form_tracker("two of them", "inform", "screen_treatments", answered)
    events = await ValidateScreeningForm().run(dispatcher, tracker, domain)
    assert SlotSet("screen_treatments", "two") in events
    assert events[-1] == SlotSet("requested_slot", "screen_pregnancy")
    assert dispatcher.messages == []


async def test_a_topic_question_rejects_the_form(domain) -> None:
    tracker = form_tracker(
        "what kind of side effects should I expect",
        "kb_safety_side_effects",
        "screen_cardio",
        CLEAR,
    )
    assert await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain) == []


async def test_a_crisis_rejects_the_form(domain) -> None:
    tracker = form_tracker("yes", "safety_crisis", "screen_cardio", CLEAR)
    assert await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain) == []


async def test_returning_after_a_question_re_asks_without_reading_it(domain) -> None:
    tracker = form_tracker(
        "is it safe? yes", "kb_safety_side_effects", "screen_cardio", {}, fresh=False
    )
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert events == [SlotSet("screen_hint", "resume"), SlotSet("requested_slot", "screen_age")]


async def test_activation_asks_the_first_question(domain) -> None:
    tracker = form_tracker("start the screening", "start_screening", None, {})
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert events == [SlotSet("requested_slot", "screen_age")]


async def test_an_unclear_answer_is_asked_again(domain) -> None:
    answered = {k: CLEAR[k] for k in ("screen_age", "screen_reason", "screen_treatments")}
    tracker = form_tracker("hmm what", "nlu_fallback", "screen_pregnancy", answered)
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("screen_hint", "unclear") in events
    assert events[-1] == SlotSet("requested_slot", "screen_pregnancy")


async def test_stop_ends_the_form(domain) -> None:
    tracker = form_tracker("stop", "stop", "screen_pregnancy", CLEAR)
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("screen_stopped", True) in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_an_under_age_answer_ends_the_form(domain) -> None:
    tracker = form_tracker("I'm 17", "inform", "screen_age", {})
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("screen_age", "under_minimum") in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_a_correction_after_the_result_shows_the_result_again(domain) -> None:
    slots = {**CLEAR, "screen_psychosis": "yes", "screen_outcome": "needs_review"}
    tracker = form_tracker(
        "actually I never had psychosis", "correct_answer", "consult_consent", slots
    )
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("screen_psychosis", "no") in events
    assert SlotSet("screen_outcome", None) in events
    assert SlotSet("screen_hint", "corrected:screen_psychosis") in events
    assert events[-1] == SlotSet("requested_slot", "consult_consent")


async def test_medicine_entities_count_as_treatments(domain) -> None:
    entities = [
        {"entity": "MEDICINE", "value": "zoloft"},
        {"entity": "MEDICINE", "value": "prozac"},
    ]
    tracker = form_tracker(
        "zoloft and prozac", "kb_eligibility_current_medications", "screen_treatments",
        {}, entities=entities,
    )  # fmt: skip
    events = await ValidateScreeningForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("screen_treatments", "two") in events


# ------------------------------------------------------------------ start


async def test_start_introduces_and_resets(domain) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionScreeningStart().run(dispatcher, form_tracker(slots=CLEAR), domain)
    [message] = dispatcher.messages
    assert "Not sure" in message["text"] and "stop" in message["text"]
    assert message["custom"]["screening_step"] == "intro"
    assert {e["name"] for e in events} == set(ALL_SLOTS) | {"requested_slot"}
    assert all(e["value"] is None for e in events)


async def test_start_in_safe_mode_adds_the_crisis_reminder(domain) -> None:
    dispatcher = CollectingDispatcher()
    await ActionScreeningStart().run(
        dispatcher, form_tracker(slots={"safety_flag": "crisis"}), domain
    )
    assert "988" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["custom"]["safe_mode"] is True


# ------------------------------------------------------------------ submit: consent


async def test_with_consent_a_consultation_request_reaches_staff(
    clinic_db, open_clinic, domain
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {**CLEAR, "screen_cardio": "yes", **CONTACT, "screen_outcome": "needs_review"}
    events = await ActionScreeningSubmit().run(dispatcher, form_tracker(slots=slots), domain)
    [message] = dispatcher.messages
    payload = message["custom"]
    assert payload["kind"] == "handoff" and payload["escalation_id"]
    assert payload["screening_step"] == "request"
    assert "Quillon" in message["text"] and "by email" in message["text"]
    stored = escalation_store().get(payload["escalation_id"])
    assert stored.reasons == ["consultation_request"]
    assert stored.priority == "normal"
    assert stored.details == {
        "screening": {**CLEAR, "screen_cardio": "yes"},
        "outcome": "needs_review",
        "first_name": "Quillon",
        "contact_method": "email",
        "contact": "quillon.test@example.com",
    }
    assert [e.id for e in escalation_store().list_by_reason("consultation_request")] == [stored.id]
    assert SlotSet("escalation_id", stored.id) in events
    assert SlotSet("handoff_active", True) not in events  # the bot keeps answering
    for slot in ALL_SLOTS:
        assert SlotSet(slot, None) in events


async def test_outside_hours_the_request_says_when_the_team_follows_up(
    clinic_db, closed_clinic, domain
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionScreeningSubmit().run(dispatcher, form_tracker(slots={**CLEAR, **CONTACT}), domain)
    text = dispatcher.messages[0]["text"]
    assert "closed right now" in text and " at " in text


@pytest.mark.parametrize(
    ("slots", "step"),
    [
        ({**CLEAR, "consult_consent": "no"}, "declined"),
        ({**CLEAR, "screen_pregnancy": "yes", "consult_consent": "no"}, "declined"),
        ({"screen_age": "meets_minimum", "screen_stopped": True}, "stopped"),
        ({"screen_age": "under_minimum"}, "under_age"),
    ],
)
async def test_without_consent_nothing_is_stored(clinic_db, domain, slots, step) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionScreeningSubmit().run(dispatcher, form_tracker(slots=slots), domain)
    assert (
        escalation_store().queue(statuses=("open", "claimed", "resolved", "returned_to_bot")) == []
    )
    assert [m["custom"]["screening_step"] for m in dispatcher.messages] == [step]
    assert all(m["custom"]["kind"] == "answer" for m in dispatcher.messages)
    assert all(m["custom"]["escalation_id"] is None for m in dispatcher.messages)
    assert not any(e["name"] == "escalation_id" for e in events)
    for slot in ALL_SLOTS:
        assert SlotSet(slot, None) in events


async def test_declining_offers_booking_information(clinic_db, domain) -> None:
    dispatcher = CollectingDispatcher()
    slots = {**CLEAR, "consult_consent": "no"}
    await ActionScreeningSubmit().run(dispatcher, form_tracker(slots=slots), domain)
    [message] = dispatcher.messages
    assert "haven't passed your answers" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/kb_logistics_booking"]


async def test_under_age_is_told_what_the_clinic_can_and_cannot_offer(clinic_db, domain) -> None:
    dispatcher = CollectingDispatcher()
    await ActionScreeningSubmit().run(
        dispatcher, form_tracker(slots={"screen_age": "under_minimum"}), domain
    )
    [message] = dispatcher.messages
    assert "aged 18 and over" in message["text"] and "parent or guardian" in message["text"]
    assert "Would you like us to contact you" not in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/kb_eligibility_age_requirements", "/start_screening"]


async def test_a_store_failure_is_told_honestly_and_logged_without_health_data(
    monkeypatch, caplog, domain
) -> None:
    class Boom(RuntimeError):
        pass

    def broken_store() -> Any:
        raise Boom(f"INSERT failed with parameters {CONTACT} {CLEAR}")

    monkeypatch.setattr(handoff, "escalation_store", broken_store)
    caplog.set_level(logging.DEBUG)
    dispatcher = CollectingDispatcher()
    events = await ActionScreeningSubmit().run(
        dispatcher, form_tracker(slots={**CLEAR, **CONTACT}), domain
    )
    [message] = dispatcher.messages
    assert message["custom"]["kind"] == "handoff" and message["custom"]["escalation_id"] is None
    assert message["custom"]["screening_step"] == "request_failed"
    assert "couldn't save your request" in message["text"]
    assert not any(e["name"] == "escalation_id" for e in events)
    assert "Boom" in caplog.text
    for secret in ("Quillon", "quillon.test@example.com", "three_plus", "meets_minimum"):
        assert secret not in caplog.text


# ------------------------------------------------------------------ no health data in logs


async def test_a_whole_screening_logs_no_answers_names_or_contacts(
    clinic_db, open_clinic, caplog, domain
) -> None:
    caplog.set_level(logging.DEBUG)
    validate = ValidateScreeningForm()
    steps = [
        ("screen_age", "I'm 34"),
        ("screen_reason", "chronic pain"),
        ("screen_treatments", "three or four"),
        ("screen_pregnancy", "no"),
        ("screen_psychosis", "I had a manic episode once"),
        ("screen_cardio", "high blood pressure"),
        ("screen_substance", "I drink too much"),
        ("consult_consent", "yes"),
        ("consult_first_name", "Quillon"),
        ("consult_contact_method", "email"),
        ("consult_contact", "quillon.test@example.com"),
    ]
    slots: Dict[str, Any] = {}
    for slot, text in steps:
        events = await validate.run(
            CollectingDispatcher(), form_tracker(text, "inform", slot, slots), domain
        )
        for event in events:
            if event["name"] != "requested_slot":
                slots[event["name"]] = event["value"]
        assert slots.get(slot) is not None, (slot, text)
    await ActionAskConsultConsent().run(CollectingDispatcher(), form_tracker(slots=slots), domain)
    dispatcher = CollectingDispatcher()
    await ActionScreeningSubmit().run(dispatcher, form_tracker(slots=slots), domain)
    assert dispatcher.messages[0]["custom"]["kind"] == "handoff"
    logged = caplog.text
    for secret in (
        "Quillon",
        "quillon.test@example.com",
        "manic",
        "blood pressure",
        "drink",
        "chronic",
        "chronic_pain",
        "three_plus",
        "meets_minimum",
        "needs_review",
    ):
        assert secret not in logged, secret


SCREENING_MODULES = sorted(
    str(p.relative_to(REPO_ROOT))
    for p in [
        *(REPO_ROOT / "actions").glob("screening*.py"),
        *(REPO_ROOT / "clinicbot" / "screening").glob("*.py"),
    ]
)


def test_the_screening_package_is_checked() -> None:
    assert len(SCREENING_MODULES) > 5
    assert "clinicbot/screening/interpretation.py" in SCREENING_MODULES
    assert "actions/screening_questions.py" in SCREENING_MODULES


@pytest.mark.parametrize("module", SCREENING_MODULES)
def test_logging_calls_pass_no_values(module: str) -> None:
    """Static check: log calls only pass constant text and exception class names."""
    tree = ast.parse((REPO_ROOT / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"logger", "logging"}
            and node.func.attr != "getLogger"
        ):
            continue
        for arg in node.args[1:]:
            assert ast.unparse(arg) == "type(exc).__name__", ast.unparse(node)
        assert isinstance(node.args[0], ast.Constant), ast.unparse(node)
        assert not node.keywords or all(k.arg == "exc_info" for k in node.keywords)
        assert node.func.attr not in {"exception"}, "tracebacks can quote health data"
