"""Fallback when the NLU is unsure: ask to rephrase, offer likely topics, then staff."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import Dispatcher, DomainDict, Events
from actions.handoff import EscalatingAction
from clinicbot.components.calibration import ALTERNATIVES_KEY
from clinicbot.knowledge import KnowledgeBase
from clinicbot.payload import CLARIFY, make_payload
from clinicbot.support import SUPPORT_VARIANT, asks_something, low_mood

MAX_TOPIC_BUTTONS = 3
STAFF_BUTTON = {"title": "Talk to staff", "payload": "/request_human"}


def likely_topics(kb: KnowledgeBase, ranking: List[Dict[str, Any]], limit: int) -> List[Any]:
    """The knowledge-base entries of the highest-ranked intents.

    Args:
        kb: Knowledge base.
        ranking: The NLU intent ranking (best first).
        limit: Maximum number of entries.

    Returns:
        Entries, best first.
    """
    entries = []
    for item in ranking:
        entry = kb.by_intent(item.get("name"))
        if entry is not None and entry not in entries:
            entries.append(entry)
        if len(entries) == limit:
            break
    return entries


class ActionClarify(EscalatingAction):
    """Asks to rephrase with the likeliest topics; a second failure in a row goes to staff."""

    def name(self) -> str:
        """Action name."""
        return "action_clarify"

    def _topics(self, tracker: Tracker) -> List[Any]:
        """The topics to offer: the NLU's choice (``AnswerCalibration``), else the ranking."""
        offered = tracker.latest_message.get(ALTERNATIVES_KEY)
        if not offered:
            offered = tracker.latest_message.get("intent_ranking") or []
        else:
            offered = [{"name": name} for name in offered]
        return likely_topics(self.kb(), offered, MAX_TOPIC_BUTTONS)

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Sends the clarification (or the hand-off on the second failure in a row).

        A feeling told without risk (``clinicbot.support.low_mood``) gets the warm reply instead,
        and is not counted as a failure to understand.

        Returns:
            Slot updates (the consecutive-failure counter).
        """
        latest = tracker.latest_message.get("text")
        if low_mood(latest):
            # A feeling told, not a failure to understand: a warm reply that names the team and
            # 988; topics only if a question was asked too; the failure count is left alone.
            topics = [] if not asks_something(latest) else self._topics(tracker)
            buttons = [{"title": e.title, "payload": f"/{e.intent}"} for e in topics]
            dispatcher.utter_message(
                text=self.kb().message("support_low_mood"),
                buttons=buttons + [STAFF_BUTTON],
                json_message=make_payload(
                    CLARIFY, alternatives=[e.id for e in topics], variant=SUPPORT_VARIANT
                ),
            )
            return []
        failures = int(tracker.get_slot("fallback_count") or 0) + 1
        if failures >= 2:
            dispatcher.utter_message(
                text=self.kb().message("clarify_again"), json_message=make_payload(CLARIFY)
            )
            events = await self.hand_to_staff(dispatcher, tracker, "clarification_failed")
            return events + [SlotSet("fallback_count", 0.0)]
        topics = self._topics(tracker)
        buttons = [{"title": e.title, "payload": f"/{e.intent}"} for e in topics]
        text = self.kb().message("clarify")
        safety = tracker.latest_message.get("safety") or {}
        if self.in_safe_mode(tracker) or safety.get("uncertain") in ("crisis", "emergency"):
            text += "\n\n" + self.kb().message("safety_reminder")
        dispatcher.utter_message(
            text=text,
            buttons=buttons + [STAFF_BUTTON],
            json_message=make_payload(CLARIFY, alternatives=[e.id for e in topics]),
        )
        return [SlotSet("fallback_count", float(failures))]
