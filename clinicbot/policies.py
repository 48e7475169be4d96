"""Dialogue policy that keeps the bot quiet while clinic staff hold a conversation.

Rasa's own ``ConversationPaused`` silences everything, crisis messages included. This policy
instead predicts ``action_listen`` (say nothing) while the ``handoff_active`` slot is set,
except for the intents listed in ``pass_through_intents`` (crisis and emergency), which the
rules still answer at once. It runs in the Rasa server, so it needs no action server.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class StaffHoldPolicy(Policy):
    """Predicts ``action_listen`` for patient messages while staff hold the conversation."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration (priority above RulePolicy's 6)."""
        return {
            "priority": 7,
            "slot": "handoff_active",
            "pass_through_intents": ["safety_crisis", "safety_emergency"],
        }

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; returns the resource."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predicts listening after a patient message while staff hold the conversation.

        Args:
            tracker: The conversation.
            domain: The model's domain.
            rule_only_data: Unused.
            **kwargs: Unused.

        Returns:
            ``action_listen`` with confidence 1 while held, otherwise no opinion.

        """
        probabilities = self._default_predictions(domain)
        held = bool(tracker.get_slot(self.config["slot"]))
        latest = tracker.latest_message
        intent = (latest.intent or {}).get("name") if latest else None
        if (
            held
            and tracker.latest_action_name == ACTION_LISTEN_NAME
            and intent not in self.config["pass_through_intents"]
        ):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
