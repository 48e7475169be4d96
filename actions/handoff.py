"""Hand-offs to clinic staff: escalations with transcript, honest "what happens next" texts."""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import functools
import logging
from typing import Any, Dict, List, Set

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ClinicAction, Dispatcher, DomainDict, Events
from clinicbot.payload import HANDOFF, make_payload
from clinicbot.settings import load_settings
from clinicbot.transcript import kb_topics_used, transcript_from_events

logger = logging.getLogger(__name__)

#: Notification tasks in flight (kept referenced so they finish; see ``notify_in_background``).
_PENDING: Set[asyncio.Task[Any]] = set()

NORMAL = "normal"
URGENT = "urgent"


@functools.lru_cache(maxsize=1)
def escalation_store() -> Any:
    """Opens (once per process) the escalation store, migrating the database if needed."""
    from clinicbot.store.db import get_engine
    from clinicbot.store.escalations import EscalationStore
    from clinicbot.store.migrations import migrate

    engine = get_engine(load_settings().db_url)
    migrate(engine)
    return EscalationStore(engine)


def notify_in_background(escalation: Any) -> None:
    """Notifies staff of an urgent escalation without delaying the patient's reply.

    Further urgent escalations within ``NOTIFY_COALESCE_SECONDS`` of an alert are summarised
    in one notification at the end of that window (:class:`clinicbot.notify.AlertCoalescer`).

    Args:
        escalation: The stored escalation.
    """
    from clinicbot.notify import alert_coalescer

    async def _notify() -> None:
        try:
            # Retried with backoff; the outcome is recorded on the escalation (console).
            settings = load_settings()
            coalescer = alert_coalescer(settings.notify_coalesce_seconds)
            result = await coalescer.alert(escalation, settings, escalation_store())
            if result is not None and not result.ok:
                logger.error("Urgent notification incomplete for %s", escalation.id)
        except Exception:  # noqa: BLE001 - logged; the escalation is in the queue anyway
            logger.exception("Urgent notification failed for %s", escalation.id)

    task = asyncio.get_running_loop().create_task(_notify())
    _PENDING.add(task)
    task.add_done_callback(_PENDING.discard)


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the patient message before the latest one, if any."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest:
                return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            seen_latest = True
    return None


def next_opening_text(when: dt.datetime | None) -> str:
    """Formats the clinic's next opening for a patient (e.g. ``Monday at 8 AM``)."""
    if when is None:
        return "as soon as possible"
    hour = when.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")
    return f"{when.strftime('%A')} at {hour}"


class EscalatingAction(ClinicAction, abc.ABC):
    """Creates or joins a staff escalation for the conversation."""

    async def escalate(
        self,
        tracker: Tracker,
        reason: str,
        priority: str,
        details: Dict[str, Any] | None = None,
    ) -> Any | None:
        """Stores the escalation (off the event loop) and notifies staff when urgent.

        Args:
            tracker: The conversation.
            reason: Reason code (``patient_request``, ``crisis``, ...).
            priority: ``urgent`` or ``normal``.
            details: Structured extras shown to staff.

        Returns:
            The escalation, or None if the store could not be reached (logged).
        """
        transcript = transcript_from_events(tracker.events)
        channel = tracker.get_latest_input_channel() or "unknown"
        try:
            escalation = await asyncio.to_thread(
                escalation_store().open_or_join,
                tracker.sender_id,
                channel,
                reason,
                priority,
                transcript,
                kb_topics_used(transcript),
                details,
            )
        except Exception as exc:  # noqa: BLE001 - the patient's reply must not fail
            # Only the error class: a database traceback can quote the stored transcript.
            logger.error(
                "Could not store an escalation (reason %s): %s", reason, type(exc).__name__
            )
            return None
        if getattr(escalation, "needs_urgent_notification", priority == URGENT):
            notify_in_background(escalation)
        return escalation

    def clinic_is_open(self) -> bool:
        """Whether the clinic is open now."""
        return self.kb().clinic.is_open(dt.datetime.now(dt.timezone.utc))

    def next_opening(self) -> str:
        """When the clinic opens next, for a patient."""
        return next_opening_text(self.kb().clinic.next_opening(dt.datetime.now(dt.timezone.utc)))

    async def hand_to_staff(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        reason: str,
        details: Dict[str, Any] | None = None,
    ) -> List[EventType]:
        """Opens a normal escalation, tells the patient what happens next, quiets the bot.

        Args:
            dispatcher: Sends messages back.
            tracker: The conversation.
            reason: Reason code.
            details: Structured extras shown to staff.

        Returns:
            Slot updates.
        """
        escalation = await self.escalate(tracker, reason, NORMAL, details)
        if escalation is None:
            dispatcher.utter_message(
                text=self.kb().message("handoff_failed"), json_message=make_payload(HANDOFF)
            )
            return []
        payload = make_payload(HANDOFF, escalation_id=escalation.id)
        if self.clinic_is_open():
            text = self.kb().message("handoff_open")
        else:
            text = self.kb().message("handoff_closed", next_opening=self.next_opening())
        dispatcher.utter_message(text=text, json_message=payload)
        return [
            SlotSet("escalation_id", escalation.id),
            SlotSet("handoff_active", True),
            SlotSet("fallback_count", 0.0),
        ]


class ActionEscalate(EscalatingAction):
    """The patient asked for a person (or accepted a clinician's follow-up)."""

    def name(self) -> str:
        """Action name."""
        return "action_escalate"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Hands the conversation to staff with the fitting reason.

        Returns:
            Slot updates.
        """
        reason = (
            "medical_question"
            if previous_user_intent(tracker) == "medical_advice"
            else "patient_request"
        )
        return await self.hand_to_staff(dispatcher, tracker, reason)


class ActionEscalateUrgent(EscalatingAction):
    """After the crisis or emergency text: alert staff urgently (best effort)."""

    def name(self) -> str:
        """Action name."""
        return "action_escalate_urgent"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Opens or joins an urgent escalation and says when staff will see it.

        The crisis/emergency text itself was already sent by a domain response; if this
        action fails, that text has still reached the patient.

        Returns:
            Slot updates (the escalation id).
        """
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        # The context policy sends the emergency reply to a follow-up whose intent is ordinary.
        emergency = intent == "safety_emergency" or tracker.latest_action_name == "utter_emergency"
        kind = "emergency" if emergency else "crisis"
        safety = tracker.latest_message.get("safety") or {}
        details = {"safety_subcategory": safety.get("subcategory")} if safety else None
        escalation = await self.escalate(tracker, kind, URGENT, details)
        if escalation is None:
            return []
        payload = make_payload(kind, escalation_id=escalation.id)
        if self.clinic_is_open():
            text = self.kb().message("urgent_alerted_open")
        else:
            text = self.kb().message("urgent_alerted_closed", next_opening=self.next_opening())
        dispatcher.utter_message(text=text, json_message=payload)
        return [SlotSet("escalation_id", escalation.id)]
