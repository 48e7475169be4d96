"""NLU component: messages made mostly of words never seen in training fall back.

Intent classifiers are often confidently wrong on text unlike anything they were trained on
("xyzzy plugh frobnicate" scored 0.9+ for one topic in our tests), so a confidence threshold
alone cannot catch it. This gate learns the training vocabulary and, when fewer than
``min_known_ratio`` of a message's words are known (a word within one typo of a known word
counts as known), replaces the intent with ``nlu_fallback`` so the bot asks to rephrase
instead of answering the wrong topic. It runs before the safety router, which still
overrides it for crisis, emergency and advice messages.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, Iterable, List, Set

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

WORD_RE = re.compile(r"[a-z]+")
FALLBACK_INTENT = "nlu_fallback"
VOCAB_FILE = "vocabulary.json"


def words(text: str) -> List[str]:
    """Lower-case alphabetic words of a text."""
    return WORD_RE.findall(text.lower())


def deletions(word: str) -> Set[str]:
    """The word with each single letter removed (for one-typo matching)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Vocabulary:
    """Known words with one-typo tolerance (symmetric single deletions).

    Args:
        known: Words seen in training.
    """

    def __init__(self, known: Iterable[str]) -> None:
        """Indexes the words."""
        self.known = set(known)
        self._deleted: Set[str] = set()
        for word in self.known:
            if len(word) >= 4:
                self._deleted |= deletions(word)

    def knows(self, word: str) -> bool:
        """Whether a word is known, or one insertion, deletion or substitution away."""
        if word in self.known:
            return True
        if len(word) < 4:
            return False
        if word in self._deleted:
            return True
        return any(d in self.known or d in self._deleted for d in deletions(word))

    def known_ratio(self, text: str) -> float | None:
        """Share of a text's words that are known (None for a text without words)."""
        ws = words(text)
        if not ws:
            return None
        return sum(self.knows(w) for w in ws) / len(ws)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class VocabularyGate(GraphComponent):
    """Falls back on messages whose words are mostly unknown (see module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Default configuration."""
        return {"min_known_ratio": 0.5}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """Creates the gate."""
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or Vocabulary(())

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VocabularyGate:
        """Creates an untrained gate."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the vocabulary of the training examples.

        Args:
            training_data: NLU training data.

        Returns:
            The resource holding the vocabulary.
        """
        known: Set[str] = set()
        for example in training_data.training_examples:
            known.update(words(example.get(TEXT) or ""))
        self.vocabulary = Vocabulary(known)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCAB_FILE).write_text(json.dumps(sorted(known)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> VocabularyGate:
        """Loads the trained vocabulary (an empty one disables the gate, with an error log)."""
        try:
            with model_storage.read_from(resource) as directory:
                known = json.loads((directory / VOCAB_FILE).read_text())
            return cls(config, model_storage, resource, Vocabulary(known))
        except (ValueError, OSError):
            logger.error("VocabularyGate: no trained vocabulary; the gate is disabled")
            return cls(config, model_storage, resource)

    def process(self, messages: List[Message]) -> List[Message]:
        """Turns mostly-unknown messages into ``nlu_fallback``.

        Args:
            messages: Parsed messages.

        Returns:
            The same messages.
        """
        if not self.vocabulary.known:
            return messages
        for message in messages:
            ratio = self.vocabulary.known_ratio(message.get(TEXT) or "")
            if ratio is None or ratio >= self.config["min_known_ratio"]:
                continue
            intent = message.get(INTENT) or {}
            if intent.get("name") == FALLBACK_INTENT:
                continue
            fallback = {"name": FALLBACK_INTENT, "confidence": 1.0 - ratio}
            ranking = [fallback] + list(message.get(INTENT_RANKING_KEY) or [])
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


# --- calibrated answers: "did you mean" runner-ups -------------------------------------------

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
class AnswerCalibration(GraphComponent):
    """Adds the "did you mean" topics to every parse (``message["alternatives"]``).

    A knowledge-base answer whose runner-up topic is close or whose own confidence is middling
    is still given, and the runner-ups are offered as buttons next to it (below ``hedge_below``
    the answer offers as many topics as a clarification would); a clarification offers the
    likeliest topics. ``action_answer_topic`` and ``action_clarify`` render them. The
    threshold is chosen by cross-validation on the training data
    (``python -m clinicbot.evaluate calibrate``), never on an evaluation set.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Default configuration (see ``offered_topics``)."""
        return {
            "alternative_min_confidence": 0.1,
            "max_alternatives": 2,
            "clarify_topics": 3,
            "hedge_below": 0.0,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        """Creates the component."""
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerCalibration:
        """Creates the component (nothing to train)."""
        return cls(config)

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
