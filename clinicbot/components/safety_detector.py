"""The safety detector as a Rasa graph component (trainable, JSON-persisted, never raises).

``SafetyDetectorComponent`` trains the safety classifier (``clinicbot.safety.classifier``)
from the NLU training data and the safety development sets (``clinicbot.safety.dev_sets``),
persists it as JSON through ``JsonPersistedComponent`` (no pickle) and, for every message,
runs the detector on the raw text, independently of tokens, features and other classifiers.
It stores the verdict as ``message["safety"]`` (``category``, ``subcategory``, ``score``,
``reasons``, ``flags`` and ``signals``: the message's classifier probabilities, meaning markers
and distress / follow-up flags, see ``clinicbot.components.safety_context``), which Rasa passes
on in the parse data
(``tracker.latest_message["safety"]``); ``SafetyRouter`` turns it into the intent.

Failure handling: if the persisted classifier cannot be loaded, the component logs an error
and works with patterns only; ``process`` never raises (if the detector fails it reports
category ``none`` with reason ``error``). Nothing that is logged contains message text (it is
health data): only categories and subcategories.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.base import JsonPersistedComponent
from clinicbot.components.safety_context import SIGNALS_KEY, message_signals
from clinicbot.components.text_classifier import MODEL_FILE
from clinicbot.safety.detector import SafetyDetector, SafetyResult
from clinicbot.safety.dev_sets import (
    dev_training_examples,
    follow_up_training_pairs,
    safety_training_examples,
)
from clinicbot.safety.labels import NONE

logger = logging.getLogger(__name__)

#: The message key holding the detector's verdict (and the parse-data key).
SAFETY_KEY = "safety"


def error_result() -> dict[str, Any]:
    """The verdict reported when the detector failed completely."""
    return SafetyResult(NONE, NONE, 0.0, ("error",), ()).to_dict()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafetyDetectorComponent(JsonPersistedComponent):
    """Runs the safety detector on every message and stores its verdict as ``safety``."""

    state_file: ClassVar[str] = MODEL_FILE
    #: The patterns must keep working whatever went wrong with the classifier's file.
    load_errors: ClassVar[tuple[type[Exception], ...]] = (Exception,)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration.

        ``thresholds`` overrides the classifier thresholds (keys ``crisis``, ``emergency``,
        ``advice``, ``override``); ``use_classifier: false`` runs the patterns only;
        ``train_on_dev_set: false`` leaves the safety development sets out of training.
        """
        return {"thresholds": {}, "use_classifier": True, "train_on_dev_set": True}

    def __init__(
        self,
        config: dict[str, Any] | None,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        detector: SafetyDetector | None = None,
    ) -> None:
        """Creates the component.

        Args:
            config: The component configuration.
            model_storage: Where the classifier is persisted.
            resource: This component's resource in the model storage.
            detector: A ready detector (a new patterns-only one when ``None``).
        """
        super().__init__(config, model_storage, resource)
        thresholds = dict(self.config.get("thresholds") or {})
        self._detector = detector or SafetyDetector(thresholds=thresholds)

    @property
    def detector(self) -> SafetyDetector:
        """The detector this component runs."""
        return self._detector

    def fit(self, training_data: TrainingData) -> None:
        """Trains the safety classifier on the NLU examples (and the development sets).

        Args:
            training_data: The NLU training data (text and intent of each example).
        """
        examples = [
            (str(example.get(TEXT)), str(example.get(INTENT)))
            for example in training_data.intent_examples
            if example.get(TEXT) and example.get(INTENT)
        ]
        follow_ups = None
        if self.config.get("train_on_dev_set", True):
            examples.extend(dev_training_examples())
            examples.extend(safety_training_examples())
            follow_ups = follow_up_training_pairs()
        if self.config.get("use_classifier", True):
            self._detector.train(examples, follow_ups)

    def state(self) -> Any:
        """The classifier as JSON data (``None``: patterns only, nothing persisted)."""
        classifier = self._detector.classifier
        return None if classifier is None else classifier.to_dict()

    def uses_state(self) -> bool:
        """Whether the classifier is loaded (not with ``use_classifier: false``)."""
        return bool(self.config.get("use_classifier", True))

    def restore(self, state: Any) -> None:
        """Rebuilds the classifier from its JSON data.

        Args:
            state: What ``state`` persisted.
        """
        from clinicbot.safety.classifier import SafetyClassifier

        self._detector.classifier = SafetyClassifier.from_dict(state)

    def state_unavailable(self, error: Exception) -> None:
        """Runs with patterns only (and says so) when the classifier cannot be loaded.

        Args:
            error: What went wrong (only its type is logged).
        """
        logger.error(
            "Safety classifier could not be loaded (%s); the safety detector runs with "
            "patterns only.",
            type(error).__name__,
        )
        self._detector.classifier = None

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets ``safety`` on every message. Never raises.

        Args:
            messages: The messages to process.

        Returns:
            The same messages.
        """
        for message in messages:
            try:
                verdict = self._detector.detect(message.get(TEXT)).to_dict()
            except Exception:  # noqa: BLE001 - detect() never raises; be certain anyway
                logger.error("Safety detector failed; category none reported.")
                verdict = error_result()
            try:
                verdict[SIGNALS_KEY] = message_signals(self._detector, message.get(TEXT))
            except Exception:  # noqa: BLE001 - the verdict stands without its signals
                logger.error("Safety signals failed; the verdict has none.")
            try:
                message.set(SAFETY_KEY, verdict, add_to_output=True)
            except Exception:  # noqa: BLE001
                logger.error("Could not store the safety verdict on the message.")
                continue
            if verdict["category"] != NONE:
                logger.info(
                    "safety verdict: category=%s subcategory=%s",
                    verdict["category"],
                    verdict["subcategory"],
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data unchanged (the verdict is only needed at inference).

        Args:
            training_data: The training data.

        Returns:
            The same training data.
        """
        return training_data
