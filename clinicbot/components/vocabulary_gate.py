"""NLU component: messages made mostly of words never seen in training fall back.

Intent classifiers are often confidently wrong on text unlike anything they were trained on
("xyzzy plugh frobnicate" scored 0.9+ for one topic in our tests), so a confidence threshold
alone cannot catch it. This gate learns the training vocabulary and, when fewer than
``min_known_ratio`` of a message's words are known (a word within one typo of a known word
counts as known), replaces the intent with ``nlu_fallback`` so the bot asks to rephrase
instead of answering the wrong topic. It runs before the safety router, which still
overrides it for crisis, emergency and advice messages. The vocabulary is persisted as a JSON
list of words (``JsonPersistedComponent``); without one the gate does nothing. It declares no
``required_components``: Rasa checks a trainable component's requirements against the training
graph, where only tokenizers and featurizers run before it, so "after the intent classifier"
cannot be declared there (``config.yml`` keeps that order).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, Iterable, List, Set

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.base import JsonPersistedComponent

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
class VocabularyGate(JsonPersistedComponent):
    """Falls back on messages whose words are mostly unknown (see module docstring)."""

    state_file: ClassVar[str] = VOCAB_FILE

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Default configuration."""
        return {"min_known_ratio": 0.5}

    def __init__(
        self,
        config: Dict[str, Any] | None,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """Creates the gate (``vocabulary``: an already learned one, if any)."""
        super().__init__(config, model_storage, resource)
        self.vocabulary = vocabulary or Vocabulary(())

    def fit(self, training_data: TrainingData) -> None:
        """Learns the vocabulary of the training examples.

        Args:
            training_data: NLU training data.
        """
        known: Set[str] = set()
        for example in training_data.training_examples:
            known.update(words(example.get(TEXT) or ""))
        self.vocabulary = Vocabulary(known)

    def state(self) -> Any:
        """The known words, sorted."""
        return sorted(self.vocabulary.known)

    def restore(self, state: Any) -> None:
        """Rebuilds the vocabulary (an empty one disables the gate)."""
        if not isinstance(state, list) or not all(isinstance(w, str) for w in state):
            raise ValueError("the vocabulary must be a list of words")
        self.vocabulary = Vocabulary(state)

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
