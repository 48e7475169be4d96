"""The pre-screening's ask actions (actions/screening_questions.py): one per form slot."""

from __future__ import annotations

import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.screening_questions import ASK_ACTIONS, ActionAskConsultConsent
from clinicbot.knowledge import default_knowledge_base
from clinicbot.paths import DOMAIN_FILE
from clinicbot.screening import FORM_SLOTS, SCREENING_TOPIC
from tests.screening.conftest import CLEAR, form_tracker


def test_the_sdk_registers_one_ask_action_per_form_slot() -> None:
    """The names are derived from the slots; they must be the ones the domain lists."""
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    asks = {name for name in executor.actions if name.startswith("action_ask_")}
    assert asks == {f"action_ask_{slot}" for slot in FORM_SLOTS}
    assert asks <= set(domain["actions"])
    assert {
        f"action_ask_{slot}" for slot in domain["forms"]["screening_form"]["required_slots"]
    } <= asks
    for slot, action in ASK_ACTIONS.items():
        assert action().name() == f"action_ask_{slot}" and action.slot == slot
    assert ASK_ACTIONS["consult_consent"] is ActionAskConsultConsent


async def test_a_question_has_progress_why_buttons_and_its_payload(domain) -> None:
    dispatcher = CollectingDispatcher()
    events = await ASK_ACTIONS["screen_age"]().run(
        dispatcher, form_tracker(requested="screen_age"), domain
    )
    [message] = dispatcher.messages
    assert message["text"].startswith("Question 1 of 7")
    assert "18 or older" in message["text"] and "Why we ask:" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["Yes", "No", "Not sure"]
    assert message["buttons"][0]["title"] == "Yes, 18 or older"
    payload = message["custom"]
    kb = default_knowledge_base()
    assert payload["kind"] == "answer" and payload["kb_id"] == SCREENING_TOPIC
    assert payload["screening_step"] == "question" and payload["screening_slot"] == "screen_age"
    entry = kb.get(SCREENING_TOPIC)
    assert entry is not None
    assert set(kb.citations(entry)) <= set(payload["sources"])
    assert payload["escalation_id"] is None
    assert events == [SlotSet("screen_hint", None)]


async def test_an_unclear_answer_gets_the_reprompt_before_the_question(domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(requested="screen_pregnancy", slots={"screen_hint": "unclear"})
    await ASK_ACTIONS["screen_pregnancy"]().run(dispatcher, tracker, domain)
    text = dispatcher.messages[0]["text"]
    assert text.startswith("Sorry, I didn't catch that.")
    assert "pregnant" in text and "Question" not in text


async def test_a_corrected_answer_is_acknowledged(domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        requested="screen_pregnancy", slots={"screen_hint": "corrected:screen_age"}
    )
    await ASK_ACTIONS["screen_pregnancy"]().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"].startswith(
        "Thanks, I've updated your answer about your age."
    )


async def test_sms_gets_the_options_as_text(domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(requested="screen_pregnancy", channel="twilio")
    await ASK_ACTIONS["screen_pregnancy"]().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["buttons"] == []
    assert message["text"].endswith("Reply: Yes / No / Not sure")


async def test_the_consent_question_comes_after_the_result_once(domain) -> None:
    dispatcher = CollectingDispatcher()
    slots = {**CLEAR, "screen_cardio": "yes"}
    events = await ActionAskConsultConsent().run(dispatcher, form_tracker(slots=slots), domain)
    result, question = dispatcher.messages
    assert result["custom"]["screening_step"] == "result"
    assert result["custom"]["screening_outcome"] == "needs_review"
    assert "Heart or blood-vessel conditions" in result["text"]
    assert "/kb_eligibility_contraindications" in [b["payload"] for b in result["buttons"]]
    assert "R37" not in " ".join(result["custom"]["sources"])  # full citations, not keys
    assert any("contraindications" in s for s in result["custom"]["sources"])
    assert question["text"].startswith("Would you like us to contact you about a consultation?")
    assert [b["payload"] for b in question["buttons"]] == ["Yes", "No"]
    assert SlotSet("screen_outcome", "needs_review") in events

    again = CollectingDispatcher()
    slots["screen_outcome"] = "needs_review"
    await ActionAskConsultConsent().run(again, form_tracker(slots=slots), domain)
    assert len(again.messages) == 1


async def test_the_result_never_says_eligible(domain) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskConsultConsent().run(dispatcher, form_tracker(slots=CLEAR), domain)
    text = dispatcher.messages[0]["text"]
    assert "looks worthwhile" in text and "eligible" not in text.lower()


async def test_the_contact_question_follows_the_method(domain) -> None:
    dispatcher = CollectingDispatcher()
    slots = {**CLEAR, "consult_consent": "yes", "consult_contact_method": "email"}
    await ASK_ACTIONS["consult_contact"]().run(dispatcher, form_tracker(slots=slots), domain)
    assert "email address" in dispatcher.messages[0]["text"]
