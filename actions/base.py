"""Shared logic of the clinic's actions (abstract, so the SDK does not register it).

The rasa-sdk executor instantiates every non-abstract ``Action`` subclass under ``actions/``
with no arguments: nothing here does I/O at import time or keeps per-conversation state.
"""

from __future__ import annotations

import abc
from typing import List

from rasa_sdk import Action, Tracker

from clinicbot.knowledge import KnowledgeBase, default_knowledge_base

#: Channels that only carry plain text and get the short SMS answers.
SMS_CHANNELS = frozenset({"twilio"})


class ClinicAction(Action, abc.ABC):
    """Base class: knowledge-base access and facts about the conversation."""

    @abc.abstractmethod
    def name(self) -> str:
        """Returns the action name used in the domain."""

    @staticmethod
    def kb() -> KnowledgeBase:
        """The knowledge base (loaded once per process)."""
        return default_knowledge_base()

    @staticmethod
    def is_sms(tracker: Tracker) -> bool:
        """Whether the patient writes from a plain-text channel (SMS/WhatsApp)."""
        return tracker.get_latest_input_channel() in SMS_CHANNELS

    @staticmethod
    def in_safe_mode(tracker: Tracker) -> bool:
        """Whether a crisis or emergency happened in this conversation (until staff clear it)."""
        return bool(tracker.get_slot("safety_flag"))

    @staticmethod
    def safety_category(tracker: Tracker) -> str | None:
        """The safety detector's category for the latest message, if any."""
        safety = tracker.latest_message.get("safety") or {}
        return safety.get("category") if isinstance(safety, dict) else None

    @staticmethod
    def entity_values(tracker: Tracker, entity: str) -> List[str]:
        """Distinct values of an entity in the latest message, in order."""
        values: List[str] = []
        for ent in tracker.latest_message.get("entities") or []:
            value = ent.get("value")
            if ent.get("entity") == entity and isinstance(value, str) and value not in values:
                values.append(value)
        return values
