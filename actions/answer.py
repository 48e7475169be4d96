"""Answers from the knowledge base, including follow-up questions."""

from __future__ import annotations

from typing import Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import ClinicAction, Dispatcher, DomainDict, Events
from clinicbot.components.calibration import ALTERNATIVES_KEY
from clinicbot.knowledge import ENTITY_LABELS, Entry, KnowledgeBase
from clinicbot.payload import ANSWER, CLARIFY, make_payload

#: Follow-up intents, the aspect they ask about, and where they lead without context.
FOLLOWUPS = {
    "followup_duration": ("duration", "mechanism.onset_and_duration"),
    "followup_risks": ("risks", "safety.side_effects"),
    "followup_more": ("more", None),
}
#: Area after whose answers the eligibility pre-screening is offered (issue: "offered ...
#: after eligibility answers; never forced").
SCREENING_OFFER_AREA = "eligibility"


def resolve_followup(kb: KnowledgeBase, intent: str, last_topic: str | None) -> Entry | None:
    """Finds the entry a follow-up question leads to.

    Args:
        kb: Knowledge base.
        intent: The follow-up intent.
        last_topic: The topic answered last, if any.

    Returns:
        The entry to answer with, or None when there is no sensible one.
    """
    aspect, default = FOLLOWUPS[intent]
    last = kb.get(last_topic) if last_topic else None
    target = None
    if last is not None:
        target = last.followups.get(aspect)
        if target is None and aspect == "more" and last.related:
            target = last.related[0]
    if target is None:
        target = default
    if target is None or (last is not None and target == last.id):
        return None
    return kb.get(target)


def alternative_entries(kb: KnowledgeBase, tracker: Tracker, answered: Entry) -> List[Entry]:
    """The "did you mean" entries the NLU offered next to the answered topic.

    Args:
        kb: Knowledge base.
        tracker: The conversation (reads ``alternatives`` of the latest message).
        answered: The entry being answered (never offered again).

    Returns:
        Entries, best first.
    """
    entries: List[Entry] = []
    for name in tracker.latest_message.get(ALTERNATIVES_KEY) or []:
        entry = kb.by_intent(name)
        if entry is not None and entry.id != answered.id and entry not in entries:
            entries.append(entry)
    return entries


class ActionAnswerTopic(ClinicAction):
    """Answers the topic the patient asked about, from the curated knowledge base."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_topic"

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Sends the answer with its citations, related topics and payload.

        Returns:
            Slot updates (last topic, disclaimer shown, fallback counter reset).
        """
        kb = self.kb()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent in FOLLOWUPS:
            entry = resolve_followup(kb, intent, tracker.get_slot("last_topic"))
        else:
            entry = kb.by_intent(intent)
        if entry is None:
            dispatcher.utter_message(text=kb.message("clarify"), json_message=make_payload(CLARIFY))
            return [SlotSet("fallback_count", 0.0)]

        sms = self.is_sms(tracker)
        parts = []
        events: List[EventType] = [
            SlotSet("last_topic", entry.id),
            SlotSet("fallback_count", 0.0),
        ]
        if not tracker.get_slot("disclaimer_shown"):
            parts.append(kb.message("disclaimer_sms" if sms else "disclaimer"))
            events.append(SlotSet("disclaimer_shown", True))
        parts.append(kb.render(entry, sms=sms))
        parts.extend(self._entity_sentences(kb, entry, tracker, sms))
        uncertain = (tracker.latest_message.get("safety") or {}).get("uncertain")
        if self.in_safe_mode(tracker) or self.safety_category(tracker) == "mention" or uncertain:
            parts.append(kb.message("safety_reminder"))

        # A close or middling runner-up (clinicbot.components.calibration.AnswerCalibration) is
        # offered as "did you mean" buttons before the related topics (not on SMS: one short
        # answer).
        alternatives = []
        if not sms and intent not in FOLLOWUPS:
            alternatives = alternative_entries(kb, tracker, entry)
        if alternatives:
            parts.append(kb.message("did_you_mean"))
        buttons = [{"title": e.title, "payload": f"/{e.intent}"} for e in alternatives]
        if not sms:
            buttons += [b for b in self._buttons(kb, entry) if b not in buttons]
        dispatcher.utter_message(
            text="\n\n".join(p for p in parts if p),
            buttons=buttons,
            json_message=make_payload(
                ANSWER,
                kb_id=entry.id,
                sources=kb.citations(entry),
                title=entry.title,
                safe_mode=self.in_safe_mode(tracker),
                alternatives=[e.id for e in alternatives],
            ),
        )
        return events

    def _entity_sentences(
        self, kb: KnowledgeBase, entry: Entry, tracker: Tracker, sms: bool = False
    ) -> List[str]:
        found = {
            entity_type: self.entity_values(tracker, label)
            for entity_type, label in ENTITY_LABELS.items()
        }
        return kb.entity_sentences(entry, found, sms=sms)

    @staticmethod
    def _buttons(kb: KnowledgeBase, entry: Entry) -> List[Dict[str, str]]:
        buttons = []
        if entry.area == SCREENING_OFFER_AREA:
            buttons.append({"title": "Take the 2-minute pre-screen", "payload": "/start_screening"})
        for topic_id in entry.related[:3]:
            related = kb.get(topic_id)
            if related is not None:
                buttons.append({"title": related.title, "payload": f"/{related.intent}"})
        return buttons
