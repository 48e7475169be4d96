"""Dialogue policy: a crisis or emergency interrupts an active form at once, in the Rasa server.

While a form (Rasa "loop") is active, Rasa runs the form before any rule: the form first calls
its validation action on the action server, and only if that rejects the message do the
``condition: active_loop`` rules answer it. So with the action server down, a crisis message
in the middle of the eligibility pre-screening would get no reply at all.

This policy removes that dependency. While a loop is active and the latest message has a
safety intent, it predicts, one step at a time, the safety response (``utter_crisis`` /
``utter_emergency``, domain responses), ``action_escalate_urgent`` (best effort) and
``action_deactivate_loop`` (a Rasa default action). It predicts them as "no user" predictions,
which is how RulePolicy predicts the loop itself; with a higher priority this policy wins.
The sequence is the same as the rules in ``data/rules.yml``, so conversation tests hold with
or without this policy. Outside loops it has no opinion.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


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


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SafetyInterruptsLoopPolicy(Policy):
    """Answers a crisis or emergency inside an active form without running the form."""

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

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; returns the resource."""
        return self._resource

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The next action of the safety sequence, or None when this policy has no opinion.

        Args:
            tracker: The conversation.

        Returns:
            An action name, or None.
        """
        if not tracker.active_loop_name:
            return None
        latest = tracker.latest_message
        intent = (latest.intent or {}).get("name") if latest else None
        response = self.config["responses"].get(intent)
        if not response:
            return None
        sequence = [response, *self.config["then"]]
        done = actions_since_latest_message(tracker)
        if len(done) < len(sequence) and done == sequence[: len(done)]:
            return sequence[len(done)]
        return None

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predicts the next step of the safety sequence while a loop is active.

        Args:
            tracker: The conversation.
            domain: The model's domain.
            rule_only_data: Unused.
            **kwargs: Unused.

        Returns:
            The next safety action with confidence 1 (as a "no user" prediction, like
            RulePolicy's loop prediction), otherwise no opinion.
        """
        probabilities = self._default_predictions(domain)
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
