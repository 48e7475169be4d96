"""The eligibility pre-screening conversation (form ``screening_form``).

Flow: ``/start_screening`` (or "start the screening") -> ``action_screening_start`` (intro,
resets the slots) -> ``screening_form`` asks up to seven questions, then shows the result and
asks for consent to be contacted; with consent it asks a first name, a contact method and the
contact details -> ``action_screening_submit`` (the consultation request, or what happens
without one). The questions, their buttons and "why we ask" texts are data
(``knowledge/screening_questions.yml``); what the result says comes from ONE reviewed rules
file (``knowledge/screening_rules.yml``); the parsing and the rules engine are pure Python in
:mod:`clinicbot.screening`.

The questions themselves are asked by the ``action_ask_<slot>`` actions of
:mod:`actions.screening_questions`; this module holds the rest of the conversation and what
those actions share (:class:`ScreeningAction`, :func:`send_result`).

Free text is read by ``validate_screening_form`` itself (the slots have ``custom`` mappings),
so it can tell an answer from a correction ("actually I'm 19"), a question for the knowledge
base, "stop" or a crisis. When a message is not for the form, the validation returns no slot
and Rasa rejects the form: the rules with ``condition: active_loop: screening_form`` answer it
(crisis / emergency texts and the urgent escalation end the form; knowledge-base questions are
answered and the form resumes).

Reply payloads (shared/reply-contract.md): the intro, every question, the result and the
messages without a consultation request are kind ``answer`` with ``kb_id``
``eligibility.screening_process`` (the topic that explains pre-screening) and that entry's
citations plus the citations behind the question or result; the confirmation of a
consultation request is kind ``handoff`` with the new escalation's id (``kb_id`` null). Every
payload also carries ``screening_step`` (``intro``, ``question``, ``result``, ``request``,
``request_failed``, ``declined``, ``stopped``, ``under_age``) and, for questions,
``screening_slot``.

The answers are health data: this module never logs them (nor names, contact details or
message text). They reach the escalation store only with the patient's explicit consent.
"""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions.base import ClinicAction, Dispatcher, DomainDict, Events
from actions.handoff import NORMAL, EscalatingAction
from clinicbot.knowledge import KnowledgeBase
from clinicbot.payload import ANSWER, HANDOFF, make_payload
from clinicbot.screening import (
    ALL_SLOTS,
    CONSENT,
    CONTACT,
    CONTACT_METHOD,
    CORRECTION,
    FIRST_NAME,
    HINT_CORRECTED,
    HINT_RESET,
    HINT_RESUME,
    HINT_SLOT,
    HINT_UNCLEAR,
    HINT_WHY,
    INTERRUPT,
    OUTCOME_SLOT,
    RESET,
    RESUME,
    SCREENING_SLOTS,
    SCREENING_TOPIC,
    STOP,
    STOPPED_SLOT,
    UNCLEAR,
    UNDER_AGE,
    WHY,
    YES,
    Result,
    Screening,
    default_screening,
)
from clinicbot.spacy_build import canonical_names

FORM_NAME = "screening_form"
#: Escalation reason code of a consultation request.
CONSULTATION_REASON = "consultation_request"
MAX_TOPIC_BUTTONS = 4


def screening() -> Screening:
    """The pre-screening data (loaded once per process)."""
    return default_screening()


def current_answers(tracker: Tracker) -> Dict[str, Any]:
    """The pre-screening's slot values in a conversation."""
    return {slot: tracker.get_slot(slot) for slot in ALL_SLOTS}


def is_fresh_message(events: Sequence[Dict[str, Any]], form_name: str = FORM_NAME) -> bool:
    """Tells whether the form validates a new patient message (not a return to the form).

    Rasa calls the validation action with a temporary tracker that ends with the form's own
    ``ActionExecuted`` (and slot events). If the event before that is the patient's message,
    the message is for the form; if it is another action (a knowledge-base answer, the start
    action), the form is being activated or resumed and there is nothing to read.

    Args:
        events: Tracker events (JSON dictionaries), oldest first.
        form_name: The form.

    Returns:
        True when the latest patient message should be read as an answer.
    """
    skipped_form = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "action":
            if not skipped_form and event.get("name") == form_name:
                skipped_form = True
                continue
            return False
        if kind == "user":
            return True
        if kind == "bot":
            return False
    return False


def entity_names(tracker: Tracker, entity: str) -> List[str]:
    """Canonical names of an entity type in the latest message (medicines, conditions)."""
    names = canonical_names()
    found: List[str] = []
    for ent in tracker.latest_message.get("entities") or []:
        value = ent.get("value")
        if ent.get("entity") == entity and isinstance(value, str):
            canonical = names.get(value.lower(), value)
            if canonical not in found:
                found.append(canonical)
    return found


def topic_buttons(kb: KnowledgeBase, topic_ids: Sequence[str]) -> List[Dict[str, str]]:
    """Buttons that ask about knowledge-base topics."""
    buttons = []
    for topic_id in topic_ids[:MAX_TOPIC_BUTTONS]:
        entry = kb.get(topic_id)
        if entry is not None:
            buttons.append({"title": entry.title, "payload": f"/{entry.intent}"})
    return buttons


def citations(kb: KnowledgeBase, keys: Sequence[str] = ()) -> List[str]:
    """The screening topic's citations, then those of further reference keys."""
    entry = kb.get(SCREENING_TOPIC)
    out = kb.citations(entry) if entry is not None else []
    for key in keys:
        citation = kb.references.get(key)
        if citation and citation not in out:
            out.append(citation)
    return out


class ScreeningAction(ClinicAction, abc.ABC):
    """Shared helpers of the pre-screening's actions."""

    @staticmethod
    def screening() -> Screening:
        """The pre-screening data."""
        return screening()

    def send(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        text: str,
        step: str,
        buttons: List[Dict[str, str]] | None = None,
        sources: Sequence[str] = (),
        **extra: Any,
    ) -> None:
        """Sends one pre-screening message with its ``answer`` payload.

        Args:
            dispatcher: Sends messages back.
            tracker: The conversation.
            text: The text.
            step: The ``screening_step`` of the payload.
            buttons: Buttons (dropped on plain-text channels).
            sources: Reference keys beyond the screening topic's.
            **extra: More payload keys.
        """
        kb = self.kb()
        dispatcher.utter_message(
            text=text,
            buttons=[] if self.is_sms(tracker) else list(buttons or []),
            json_message=make_payload(
                ANSWER,
                kb_id=SCREENING_TOPIC,
                sources=citations(kb, sources),
                screening_step=step,
                safe_mode=self.in_safe_mode(tracker),
                **extra,
            ),
        )

    def with_safety_reminder(self, tracker: Tracker, text: str) -> str:
        """Appends the crisis-resources reminder in safe mode."""
        if self.in_safe_mode(tracker):
            return f"{text}\n\n{self.kb().message('safety_reminder')}"
        return text


class ActionScreeningStart(ScreeningAction):
    """Starts the pre-screening: explains it and clears any earlier answers."""

    def name(self) -> str:
        """Action name."""
        return "action_screening_start"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Sends the introduction; the form then asks the first question.

        Returns:
            Slot resets.
        """
        kb = self.kb()
        text = self.with_safety_reminder(tracker, self.screening().message("intro", kb.fill))
        self.send(dispatcher, tracker, text, "intro")
        return [SlotSet(slot, None) for slot in ALL_SLOTS] + [SlotSet(REQUESTED_SLOT, None)]


def send_result(
    action: ScreeningAction,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    result: Result,
    prefix: str = "",
    suffix: str = "",
    extra_buttons: Sequence[Dict[str, str]] = (),
) -> None:
    """Sends the pre-screening result with its knowledge-base topics as buttons.

    Args:
        action: The sending action.
        dispatcher: Sends messages back.
        tracker: The conversation.
        result: The evaluated answers.
        prefix: A paragraph before the result (a correction notice).
        suffix: A paragraph after the result.
        extra_buttons: Buttons after the topic buttons.
    """
    kb = action.kb()
    body = action.screening().result_text(result, kb.fill)
    text = "\n\n".join(p for p in (prefix, body, suffix) if p)
    text = action.with_safety_reminder(tracker, text)
    action.send(
        dispatcher,
        tracker,
        text,
        UNDER_AGE if result.outcome == UNDER_AGE else "result",
        buttons=topic_buttons(kb, result.kb_topics) + list(extra_buttons),
        sources=result.source_keys,
        screening_outcome=result.outcome,
    )


class ValidateScreeningForm(FormValidationAction, ClinicAction):
    """Reads the patient's free text for the form and decides which question comes next.

    A :class:`ClinicAction` too, so that its ``run`` has the base class's error guard (an
    exception is logged by action name and class only and answered with the safe reply).
    """

    def name(self) -> str:
        """Action name."""
        return "validate_screening_form"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Interprets the latest message and sets slots; returns nothing to reject the form.

        Args:
            dispatcher: Sends messages back (the questions come from ``action_ask_*``).
            tracker: The form's temporary tracker.
            domain: The domain.

        Returns:
            Slot events and the next requested slot; an empty list when the message is not
            for the form (Rasa then rejects the form and the rules answer it).
        """
        screen = screening()
        answers = current_answers(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        events: List[EventType] = []
        if requested and is_fresh_message(tracker.events, self.form_name()):
            message = tracker.latest_message or {}
            intent = (message.get("intent") or {}).get("name")
            meaning = screen.interpret(
                message.get("text"),
                intent,
                requested,
                answers,
                medicines=entity_names(tracker, "MEDICINE"),
                conditions=entity_names(tracker, "CONDITION"),
            )
            if meaning.kind == INTERRUPT:
                return []
            updates = dict(meaning.updates)
            if meaning.kind in (CORRECTION, RESET):
                kind = HINT_CORRECTED if meaning.kind == CORRECTION else HINT_RESET
                updates[HINT_SLOT] = f"{kind}:{meaning.slot}"
            elif meaning.kind == UNCLEAR:
                updates[HINT_SLOT] = HINT_UNCLEAR
            elif meaning.kind == WHY:
                updates[HINT_SLOT] = HINT_WHY
            elif meaning.kind == RESUME:
                updates[HINT_SLOT] = HINT_RESUME
            if meaning.kind != STOP and any(s in SCREENING_SLOTS for s in updates):
                updates[OUTCOME_SLOT] = None  # answers changed: show the result again
            events = [SlotSet(slot, value) for slot, value in updates.items()]
            answers.update(updates)
        elif requested:
            events = [SlotSet(HINT_SLOT, HINT_RESUME)]
        return events + [SlotSet(REQUESTED_SLOT, screen.next_slot(answers))]


class ActionScreeningSubmit(EscalatingAction, ScreeningAction):
    """Ends the pre-screening: the consultation request (with consent) or the next steps."""

    def name(self) -> str:
        """Action name."""
        return "action_screening_submit"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Stores the consultation request if the patient agreed, and says what happens next.

        Returns:
            The pre-screening slots cleared (and the escalation id of a stored request).
        """
        screen = self.screening()
        kb = self.kb()
        answers = current_answers(tracker)
        result = screen.evaluate(answers)
        restart = {
            "title": screen.message("restart_button", kb.fill),
            "payload": "/start_screening",
        }
        events: List[EventType] = [SlotSet(slot, None) for slot in ALL_SLOTS]
        if answers.get(STOPPED_SLOT):
            text = self.with_safety_reminder(tracker, screen.message("stopped", kb.fill))
            self.send(dispatcher, tracker, text, "stopped", buttons=[restart])
            return events
        if result.outcome == UNDER_AGE:
            suffix = screen.message("under_age_no_contact", kb.fill)
            send_result(self, dispatcher, tracker, result, suffix=suffix, extra_buttons=[restart])
            return events
        contact = answers.get(CONTACT)
        if answers.get(CONSENT) == YES and answers.get(FIRST_NAME) and contact:
            return await self._request(dispatcher, tracker, screen, answers, result) + events
        booking = kb.get("logistics.booking")
        buttons = []
        if booking is not None:
            title = screen.message("booking_button", kb.fill)
            buttons.append({"title": title, "payload": f"/{booking.intent}"})
        text = self.with_safety_reminder(tracker, screen.message("declined", kb.fill))
        self.send(dispatcher, tracker, text, "declined", buttons=buttons)
        return events

    async def _request(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        screen: Screening,
        answers: Dict[str, Any],
        result: Result,
    ) -> List[EventType]:
        kb = self.kb()
        details = {
            "screening": screen.screening_answers(answers),
            "outcome": result.outcome,
            "first_name": answers.get(FIRST_NAME),
            "contact_method": answers.get(CONTACT_METHOD),
            "contact": answers.get(CONTACT),
        }
        escalation = await self.escalate(tracker, CONSULTATION_REASON, NORMAL, details)
        if escalation is None:
            dispatcher.utter_message(
                text=screen.message("request_failed", kb.fill),
                json_message=make_payload(HANDOFF, screening_step="request_failed"),
            )
            return []
        values = {
            "first_name": str(answers.get(FIRST_NAME)),
            "method": str(answers.get(CONTACT_METHOD)),
        }
        if self.clinic_is_open():
            text = screen.message("request_open", kb.fill, **values)
        else:
            text = screen.message(
                "request_closed", kb.fill, next_opening=self.next_opening(), **values
            )
        dispatcher.utter_message(
            text=self.with_safety_reminder(tracker, text),
            json_message=make_payload(
                HANDOFF, escalation_id=escalation.id, screening_step="request"
            ),
        )
        return [SlotSet("escalation_id", escalation.id)]


__all__ = [
    "ActionScreeningStart",
    "ActionScreeningSubmit",
    "ScreeningAction",
    "ValidateScreeningForm",
]
