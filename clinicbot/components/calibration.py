"""Calibrated answers: the "did you mean" topics offered next to an answer or a clarification.

``AnswerCalibration`` runs after ``FallbackClassifier`` (a declared requirement) and the
vocabulary gate, and stores the topics to offer as ``message["alternatives"]``;
``action_answer_topic`` and ``action_clarify`` render them as buttons. The thresholds are
chosen by cross-validation on the training data (``python -m clinicbot.evaluate calibrate``),
never on an evaluation set.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from clinicbot.components.base import ConfiguredComponent
from clinicbot.components.vocabulary_gate import FALLBACK_INTENT

#: Parse-result key holding the intents offered next to an answer or in a clarification.
ALTERNATIVES_KEY = "alternatives"
TOPIC_PREFIX = "kb_"


def topic_alternatives(
    intent: str | None,
    ranking: Iterable[Dict[str, Any]],
    min_confidence: float,
    limit: int,
) -> List[str]:
    """The topic intents to offer as "did you mean" buttons.

    For an answered topic: the next topics of the ranking whose confidence is at least
    ``min_confidence`` (a close or middling runner-up). For a clarification
    (``nlu_fallback``): the best ``limit`` topics whatever their confidence.

    Args:
        intent: The message's intent.
        ranking: The intent ranking, best first (may include ``nlu_fallback``).
        min_confidence: Smallest confidence of a runner-up offered next to an answer.
        limit: Most topics offered.

    Returns:
        Topic intent names, best first (empty for non-topic intents).
    """
    clarifying = intent == FALLBACK_INTENT
    if not clarifying and not (intent or "").startswith(TOPIC_PREFIX):
        return []
    offered: List[str] = []
    for item in ranking:
        name = str(item.get("name") or "")
        if not name.startswith(TOPIC_PREFIX) or name == intent or name in offered:
            continue
        if not clarifying and float(item.get("confidence") or 0.0) < min_confidence:
            break
        offered.append(name)
        if len(offered) == limit:
            break
    return offered


def offered_topics(
    intent: str | None,
    ranking: Iterable[Dict[str, Any]],
    config: Dict[str, Any],
) -> List[str]:
    """The "did you mean" topics for a parse, with ``AnswerCalibration``'s configuration.

    A clarification offers ``clarify_topics`` topics. An answer whose own confidence is below
    ``hedge_below`` (the middle band between the fallback threshold and a confident answer)
    offers the next ``clarify_topics`` topics whatever their confidence, as a clarification
    would, but the likeliest topic is answered instead of asking; a confident answer offers at
    most ``max_alternatives`` runner-ups at or above ``alternative_min_confidence``.

    Args:
        intent: The message's intent name.
        ranking: The intent ranking, best first.
        config: ``alternative_min_confidence``, ``max_alternatives``, ``clarify_topics`` and
            ``hedge_below`` (missing keys take ``AnswerCalibration``'s defaults).

    Returns:
        Topic intent names, best first.
    """
    settings = {**AnswerCalibration.get_default_config(), **config}
    items = list(ranking)
    min_confidence = float(settings["alternative_min_confidence"])
    if intent == FALLBACK_INTENT:
        return topic_alternatives(intent, items, min_confidence, int(settings["clarify_topics"]))
    confidence = next(
        (float(r.get("confidence") or 0.0) for r in items if r.get("name") == intent), 1.0
    )
    if confidence < float(settings["hedge_below"]):
        return topic_alternatives(intent, items, 0.0, int(settings["clarify_topics"]))
    return topic_alternatives(intent, items, min_confidence, int(settings["max_alternatives"]))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AnswerCalibration(ConfiguredComponent):
    """Adds the "did you mean" topics to every parse (``message["alternatives"]``).

    A knowledge-base answer whose runner-up topic is close or whose own confidence is middling
    is still given, and the runner-ups are offered as buttons next to it (below ``hedge_below``
    the answer offers as many topics as a clarification would); a clarification offers the
    likeliest topics. ``action_answer_topic`` and ``action_clarify`` render them. The
    threshold is chosen by cross-validation on the training data
    (``python -m clinicbot.evaluate calibrate``), never on an evaluation set.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        """``FallbackClassifier`` runs first: a clarification is its ``nlu_fallback``."""
        return [FallbackClassifier]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Default configuration (see ``offered_topics``)."""
        return {
            "alternative_min_confidence": 0.1,
            "max_alternatives": 2,
            "clarify_topics": 3,
            "hedge_below": 0.0,
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets ``alternatives`` on every message.

        Args:
            messages: Parsed messages.

        Returns:
            The same messages.
        """
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            offered = offered_topics(intent, message.get(INTENT_RANKING_KEY) or [], self.config)
            message.set(ALTERNATIVES_KEY, offered, add_to_output=True)
        return messages
