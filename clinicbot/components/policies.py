"""Dialogue policies that run in the Rasa server and need neither training nor the action server.

``SafetyInterruptsLoopPolicy``: a crisis or emergency interrupts an active form at once. While a
form (Rasa "loop") is active, Rasa runs the form before any rule: the form first calls its
validation action on the action server, and only if that rejects the message do the
``condition: active_loop`` rules answer it. So with the action server down, a crisis message in
the middle of the eligibility pre-screening would get no reply at all. This policy removes that
dependency: while a loop is active and the latest message has a safety intent, it predicts, one
step at a time, the safety response (``utter_crisis`` / ``utter_emergency``, domain responses),
``action_escalate_urgent`` (best effort) and ``action_deactivate_loop`` (a Rasa default action),
as "no user" predictions, which is how RulePolicy predicts the loop itself; with a higher
priority this policy wins. The sequence is the same as the rules in ``data/rules.yml``, so
conversation tests hold with or without it. Outside loops it has no opinion.

``SafetyContextPolicy``: the message right after an emergency reply gets it again, and the
message right after a crisis reply does when it has a risk signal of its own, unless it
explains itself away or only acknowledges the reply (``clinicbot.components.safety_followup``;
not while staff hold the conversation); and a veiled message right after a distress message
gets the crisis reply.
The detector judges one message at a time; this policy reads the ``safety`` verdicts of the
patient's previous and latest messages from the tracker (their parse data) and, when
``clinicbot.components.safety_context.contextual_risk`` says crisis and the latest intent is not
already a safety intent, predicts the crisis rule's sequence: ``utter_crisis`` (a domain response;
``ClinicNLG`` sends the graded text that also asks directly about suicide), then
``action_escalate_urgent`` (best effort, urgent outbox when it fails), ``action_deactivate_loop``
inside a form, and ``action_listen``. Everything but the escalation runs inside the Rasa server,
so it works with the action server down. Outside forms and staff holds, a personal decision
asked about the medicine the previous message named ("i take vyvanse", then "so skip it
tomorrow?") gets the refusal, ``utter_refusal``, then ``action_listen``
(``clinicbot.components.advice_followup``); the refusal's "yes" rule then offers a clinician.

``StaffHoldPolicy`` keeps the bot quiet while clinic staff hold a conversation. Rasa's own
``ConversationPaused`` silences everything, crisis messages included. This policy instead
predicts ``action_listen`` (say nothing) while the ``handoff_active`` slot is set, except for
the intents listed in ``pass_through_intents`` (crisis and emergency), which the rules still
answer at once.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.components.advice_followup import advice_follow_up
from clinicbot.components.safety_context import contextual_risk
from clinicbot.components.safety_followup import urgent_follow_up
from clinicbot.safety.labels import EMERGENCY


def latest_intent(tracker: DialogueStateTracker) -> str | None:
    """The intent name of the patient's latest message (``None`` without one).

    Args:
        tracker: The conversation.

    Returns:
        The intent name, or None.
    """
    latest = tracker.latest_message
    return (latest.intent or {}).get("name") if latest else None


def user_messages(tracker: DialogueStateTracker, count: int = 2) -> list[UserUttered]:
    """The patient's latest ``count`` messages, latest first.

    Args:
        tracker: The conversation.
        count: How many to return at most.

    Returns:
        ``UserUttered`` events, latest first (fewer at the start of a conversation).
    """
    found: list[UserUttered] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            found.append(event)
            if len(found) >= count:
                break
    return found


def actions_since_latest_message(tracker: DialogueStateTracker) -> list[str]:
    """Names of the actions run since the patient's latest message, oldest first.

    Args:
        tracker: The conversation.

    Returns:
        Action names (empty right after the message).
    """
    names: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            names.append(event.action_name)
    return list(reversed(names))


class FixedActionPolicy(Policy, abc.ABC):
    """A policy with nothing to learn that predicts one action, or has no opinion.

    Subclasses implement ``next_action``; the prediction gives that action confidence 1
    (a "no user" prediction when ``no_user_prediction`` is set, as RulePolicy's loop
    predictions are).
    """

    #: Whether the prediction is marked "no user" (Rasa then keeps the loop's own turn).
    no_user_prediction: ClassVar[bool] = False

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; returns the resource."""
        return self._resource

    @abc.abstractmethod
    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The action to predict, or None when the policy has no opinion."""

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predicts ``next_action`` with confidence 1, or nothing.

        Args:
            tracker: The conversation.
            domain: The model's domain.
            rule_only_data: Unused.
            **kwargs: Unused.

        Returns:
            The prediction (all zeros when the policy has no opinion or the action is not in
            the domain).
        """
        probabilities = self._default_predictions(domain)
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=self.no_user_prediction)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SafetyInterruptsLoopPolicy(FixedActionPolicy):
    """Answers a crisis or emergency inside an active form without running the form."""

    no_user_prediction: ClassVar[bool] = True

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration (priority above RulePolicy and StaffHoldPolicy)."""
        return {
            "priority": 8,
            "responses": {
                "safety_crisis": "utter_crisis",
                "safety_emergency": "utter_emergency",
            },
            "then": ["action_escalate_urgent", ACTION_DEACTIVATE_LOOP_NAME],
        }

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The next action of the safety sequence, or None when this policy has no opinion.

        Args:
            tracker: The conversation.

        Returns:
            An action name, or None.
        """
        if not tracker.active_loop_name:
            return None
        response = self.config["responses"].get(latest_intent(tracker))
        if not response:
            return None
        sequence = [response, *self.config["then"]]
        done = actions_since_latest_message(tracker)
        if len(done) < len(sequence) and done == sequence[: len(done)]:
            return str(sequence[len(done)])
        return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SafetyContextPolicy(FixedActionPolicy):
    """Urgent replies that need the previous message as well as the latest one.

    The message right after an urgent reply may get it again (``safety_followup.urgent_follow_up``:
    after an emergency, or after a crisis with a risk signal of its own), and a veiled
    message right after a distress message gets the crisis reply
    (``safety_context.contextual_risk``); each with the urgent escalation. Otherwise, outside
    forms and staff holds, a personal decision asked about the medicine the previous message
    named gets the refusal (``advice_followup.advice_follow_up``), which offers a clinician.
    """

    no_user_prediction: ClassVar[bool] = True

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration (priority above every other policy)."""
        return {
            "priority": 9,
            "response": "utter_crisis",
            "emergency_response": "utter_emergency",
            "advice_response": "utter_refusal",
            "then": ["action_escalate_urgent"],
            "staff_hold_slot": "handoff_active",
            "safety_intents": ["safety_crisis", "safety_emergency"],
        }

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The next action of the crisis sequence, or None when this policy has no opinion.

        Args:
            tracker: The conversation.

        Returns:
            An action name, or None.
        """
        messages = user_messages(tracker, 2)
        if len(messages) < 2 or latest_intent(tracker) in self.config["safety_intents"]:
            return None
        latest, previous = messages
        # While staff hold the conversation they answer follow-ups themselves.
        held = bool(tracker.get_slot(self.config["staff_hold_slot"]))
        kind = (
            None
            if held
            else urgent_follow_up(
                (previous.intent or {}).get("name"),
                latest_intent(tracker),
                latest.text,
                latest.parse_data.get("safety"),
            )
        ) or contextual_risk(previous.parse_data.get("safety"), latest.parse_data.get("safety"))
        sequence: list[str] = []
        if kind:
            response = self.config["emergency_response"] if kind == EMERGENCY else None
            sequence = [str(response or self.config["response"]), *self.config["then"]]
            if tracker.active_loop_name:
                sequence.append(ACTION_DEACTIVATE_LOOP_NAME)
            sequence.append(ACTION_LISTEN_NAME)
        elif (
            not held
            and not tracker.active_loop_name
            and advice_follow_up(
                previous.text,
                latest_intent(tracker),
                latest.text,
                latest.parse_data.get("safety"),
            )
        ):
            sequence = [str(self.config["advice_response"]), ACTION_LISTEN_NAME]
        done = actions_since_latest_message(tracker)
        if sequence and len(done) < len(sequence) and done == sequence[: len(done)]:
            return sequence[len(done)]
        return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class StaffHoldPolicy(FixedActionPolicy):
    """Predicts ``action_listen`` for patient messages while staff hold the conversation."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration (priority above RulePolicy's 6)."""
        return {
            "priority": 7,
            "slot": "handoff_active",
            "pass_through_intents": ["safety_crisis", "safety_emergency"],
        }

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """``action_listen`` after a patient message while staff hold the conversation.

        Args:
            tracker: The conversation.

        Returns:
            ``action_listen`` while held (crisis and emergency pass through), otherwise None.
        """
        held = bool(tracker.get_slot(self.config["slot"]))
        if (
            held
            and tracker.latest_action_name == ACTION_LISTEN_NAME
            and latest_intent(tracker) not in self.config["pass_through_intents"]
        ):
            return ACTION_LISTEN_NAME
        return None
