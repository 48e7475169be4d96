"""Shared logic of the clinic's actions (abstract, so the SDK does not register it).

The rasa-sdk executor instantiates every non-abstract ``Action`` subclass under ``actions/``
with no arguments: nothing here does I/O at import time or keeps per-conversation state.
"""

from __future__ import annotations

import abc
import functools
import inspect
import logging
from typing import Any, Callable, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from clinicbot.knowledge import KnowledgeBase, default_knowledge_base

#: The types of rasa-sdk's ``Action.run(dispatcher, tracker, domain) -> events``, named once so
#: every action's ``run`` fits one line: the dispatcher sends messages back, the tracker is the
#: conversation, the domain is the project's domain; the events (slot updates ...) are returned.
Dispatcher = CollectingDispatcher
Events = List[EventType]
__all__ = ["ClinicAction", "Dispatcher", "DomainDict", "Events", "SMS_CHANNELS"]

#: Channels that only carry plain text and get the short SMS answers.
SMS_CHANNELS = frozenset({"twilio"})

logger = logging.getLogger(__name__)


def _guarded(run: Callable[..., Any], action_name: Callable[[Any], str]) -> Callable[..., Any]:
    """Wraps an action's ``run``: an exception is logged by class name only, never raised.

    rasa-sdk answers an exception with HTTP 500, and Rasa then logs the whole request: the
    tracker, with the patient's messages. Here the patient gets the safe failure reply (with
    911/988) and the log gets the action's name and the exception's class, nothing else.
    """

    @functools.wraps(run)
    async def wrapper(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            result = run(self, dispatcher, tracker, domain)
            if inspect.isawaitable(result):
                result = await result
            return list(result or [])
        except Exception as exc:  # noqa: BLE001 - see the docstring
            logger.error("action %s failed: %s", action_name(self), type(exc).__name__)
            from clinicbot.channels.common import failure_message
            from clinicbot.nlg import clinic_values

            failure = failure_message(clinic_values().get("clinic_phone", ""))
            dispatcher.utter_message(text=failure["text"], json_message=failure["custom"])
            return []

    wrapper.clinic_guarded = True  # type: ignore[attr-defined]
    return wrapper


class ClinicAction(Action, abc.ABC):
    """Base class: knowledge-base access and facts about the conversation.

    Every subclass's ``run`` (``async def run(self, dispatcher: Dispatcher, tracker: Tracker,
    domain: DomainDict) -> Events``, the arguments as in rasa-sdk) is wrapped so that an
    exception never escapes to rasa-sdk (see :func:`_guarded`).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Guards the ``run`` each subclass defines."""
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "clinic_guarded", False):
            cls.run = _guarded(run, lambda self: self.name())  # type: ignore[method-assign]

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
