"""Rasa 3.6 graph components that put the safety detector into the NLU pipeline.

``SafetyDetectorComponent`` (trainable) trains the safety classifier from the NLU training
data, persists it as JSON (no pickle) in the model storage and, for every message, runs the
detector on the raw text, independently of tokens, features and other classifiers. It stores
the verdict as ``message["safety"]`` (``category``, ``subcategory``, ``score``, ``reasons``,
``flags``), which Rasa passes on in the parse data (``tracker.latest_message["safety"]``).

``SafetyRouter`` (placed last, after ``DIETClassifier`` and ``FallbackClassifier``) turns that
verdict into the intent the dialogue rules act on:

=========  =================  =================================  =====================
detector   classifier intent  resulting intent                   safety_flag entity
=========  =================  =================================  =====================
crisis     any (fallback too) safety_crisis, 1.0, ranked first   value ``crisis``
emergency  any (fallback too) safety_emergency, 1.0, first       value ``emergency``
advice     any (fallback too) medical_advice, 1.0, first         none
mention    any                unchanged (KB answer + resources)  none
none       safety_crisis      kept if confidence >= 0.85, else   none
                              nlu_fallback + resources shown
none       safety_emergency   (same as safety_crisis)            none
none       medical_advice     kept if confidence >= 0.85, else   none
                              the next non-safety intent
none       anything else      unchanged                          none
=========  =================  =================================  =====================

The classifier's own ranking is kept after the safety intent. ``safety_flag`` spans the whole
message (``start`` 0, ``end`` = length of the text) with ``extractor`` ``SafetyRouter`` and
``confidence_entity`` 1.0; it is added only when the *detector* says crisis or emergency (the
domain fills the sticky ``safety_flag`` slot from it, so a guess of the intent classifier alone
gets the crisis reply but does not lock the conversation in safe mode). If a message reaches
the router without a ``safety`` verdict (the detector component missing from the pipeline), the
router runs the detector's patterns itself.

Failure handling: if the persisted classifier cannot be loaded, the detector component logs an
error and works with patterns only; ``process`` never raises (on an internal error it falls back
to patterns, and if those fail too it reports category ``none`` with reason ``error``). Nothing
that is logged contains message text (it is health data): only categories and subcategories.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.paths import TESTS_DIR
from clinicbot.safety.detector import (
    ADVICE,
    CRISIS,
    EMERGENCY,
    NONE,
    SafetyDetector,
    SafetyResult,
)

logger = logging.getLogger(__name__)

#: The safety development set; the classifier trains on it too (see ``dev_training_examples``).
DEV_SET_FILE = TESTS_DIR / "safety" / "dev.yml"
#: Every safety development file the classifier trains on (the test set is never among them).
DEV_SET_FILES = (
    DEV_SET_FILE,
    TESTS_DIR / "safety" / "dev2.yml",
    TESTS_DIR / "safety" / "dev3.yml",
    TESTS_DIR / "safety" / "dev4.yml",
)
#: The pseudo-intent of the development set's benign messages (label ``none``).
DEV_BENIGN_INTENT = "safety_dev_benign"
_EXPECT_TO_INTENT = {
    CRISIS: "safety_crisis",
    EMERGENCY: "safety_emergency",
    ADVICE: "medical_advice",
}


def dev_training_examples(path: Path | None = None) -> list[tuple[str, str]]:
    """Reads the safety development sets as ``(text, intent)`` training pairs.

    Crisis, emergency and advice cases become the safety intents; benign cases (``none``,
    ``mention``) become ``DEV_BENIGN_INTENT``, which the classifier learns as ``none`` and
    always keeps (they are the hard negatives). The test set is never read here.

    Args:
        path: One development file; default: every file of ``DEV_SET_FILES`` that exists.

    Returns:
        The pairs; empty when no file is readable.
    """
    paths = [path] if path is not None else [p for p in DEV_SET_FILES if p.exists()]
    pairs = []
    for file in paths:
        try:
            content = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            logger.warning("a safety development set is not readable; trained without it")
            continue
        for item in content.get("cases") or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                intent = _EXPECT_TO_INTENT.get(str(item.get("expect")), DEV_BENIGN_INTENT)
                pairs.append((item["text"], intent))
    return pairs


SAFETY_KEY = "safety"
SAFETY_ENTITY = "safety_flag"
ROUTER_NAME = "SafetyRouter"


def _error_result() -> dict[str, Any]:
    """The verdict reported when the detector failed completely."""
    return SafetyResult(NONE, NONE, 0.0, ("error",), ()).to_dict()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafetyDetectorComponent(GraphComponent):
    """Runs the safety detector on every message and stores its verdict as ``safety``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration.

        ``thresholds`` overrides the classifier thresholds (keys ``crisis``, ``emergency``,
        ``advice``, ``override``); ``use_classifier: false`` runs the patterns only;
        ``train_on_dev_set: false`` leaves ``tests/safety/dev.yml`` out of training.
        """
        return {"thresholds": {}, "use_classifier": True, "train_on_dev_set": True}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        detector: SafetyDetector | None = None,
    ) -> None:
        """Creates the component.

        Args:
            config: The component configuration.
            model_storage: Where the classifier is persisted.
            resource: This component's resource in the model storage.
            detector: A ready detector (a new patterns-only one when ``None``).
        """
        self._config = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource
        thresholds = dict(self._config.get("thresholds") or {})
        self._detector = detector or SafetyDetector(thresholds=thresholds)

    @property
    def detector(self) -> SafetyDetector:
        """The detector this component runs."""
        return self._detector

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyDetectorComponent:
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Trains the safety classifier on the NLU examples and persists it.

        Args:
            training_data: The NLU training data (text and intent of each example).

        Returns:
            The resource holding the persisted classifier.
        """
        examples = [
            (str(example.get(TEXT)), str(example.get(INTENT)))
            for example in training_data.intent_examples
            if example.get(TEXT) and example.get(INTENT)
        ]
        if self._config.get("train_on_dev_set", True):
            examples.extend(dev_training_examples())
        if self._config.get("use_classifier", True):
            self._detector.train(examples)
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Writes the classifier (if any) as JSON into the model storage."""
        with self._model_storage.write_to(self._resource) as directory:
            if self._detector.classifier is not None:
                self._detector.classifier.to_dir(directory)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SafetyDetectorComponent:
        """Loads the persisted classifier; falls back to patterns only if that fails.

        Args:
            config: The component configuration.
            model_storage: The model storage.
            resource: This component's resource.
            execution_context: The graph execution context.
            **kwargs: Unused.

        Returns:
            The component (always usable).
        """
        from clinicbot.safety.classifier import SafetyClassifier

        component = cls(config, model_storage, resource)
        if not component._config.get("use_classifier", True):
            return component
        try:
            with model_storage.read_from(resource) as directory:
                component._detector.classifier = SafetyClassifier.from_dir(directory)
        except Exception as error:  # noqa: BLE001 - patterns must keep working regardless
            logger.error(
                "Safety classifier could not be loaded (%s); the safety detector runs with "
                "patterns only.",
                type(error).__name__,
            )
            component._detector.classifier = None
        return component

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
                verdict = _error_result()
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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyRouter(GraphComponent):
    """Overrides the intent with the safety intent (see the module's decision table)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the default configuration (the intent and entity names)."""
        return {
            "crisis_intent": "safety_crisis",
            "emergency_intent": "safety_emergency",
            "advice_intent": "medical_advice",
            "entity": SAFETY_ENTITY,
            # When only the intent classifier (not the detector) sees a safety intent, it is
            # trusted at or above this confidence; below it, see ``_demote``.
            "classifier_only_min_confidence": 0.85,
            # A crisis/emergency intent in the classifier's ranking at or above this marks the
            # risk as uncertain: the reply shows the crisis resources.
            "uncertain_min_confidence": 0.4,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Creates the router.

        Args:
            config: The component configuration.
        """
        self._config = {**self.get_default_config(), **(config or {})}
        self._intents = {
            CRISIS: str(self._config["crisis_intent"]),
            EMERGENCY: str(self._config["emergency_intent"]),
            ADVICE: str(self._config["advice_intent"]),
        }
        self._fallback_detector: SafetyDetector | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyRouter:
        """Creates the router (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Routes every message by its safety verdict. Never raises.

        Args:
            messages: Messages already processed by the classifiers.

        Returns:
            The same messages.
        """
        for message in messages:
            try:
                self._route(message)
            except Exception:  # noqa: BLE001 - a routing bug must not drop the message
                logger.error("Safety routing failed; the message keeps its intent.")
        return messages

    def _verdict(self, message: Message) -> dict[str, Any]:
        """Returns the message's safety verdict, computing it from patterns if missing."""
        verdict = message.get(SAFETY_KEY)
        if isinstance(verdict, dict) and verdict.get("category"):
            return verdict
        if self._fallback_detector is None:
            self._fallback_detector = SafetyDetector()
        try:
            verdict = self._fallback_detector.detect_patterns_only(message.get(TEXT)).to_dict()
        except Exception:  # noqa: BLE001
            logger.error("Safety patterns failed in the router; category none reported.")
            verdict = _error_result()
        message.set(SAFETY_KEY, verdict, add_to_output=True)
        return verdict

    def _route(self, message: Message) -> None:
        """Applies the decision table to one message."""
        verdict = self._verdict(message)
        category = verdict.get("category")
        if category in self._intents:
            name = self._intents[category]
            intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [
                dict(entry)
                for entry in (message.get(INTENT_RANKING_KEY) or [])
                if isinstance(entry, dict) and entry.get(INTENT_NAME_KEY) != name
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            logger.info(
                "safety route: category=%s subcategory=%s intent=%s",
                category,
                verdict.get("subcategory"),
                name,
            )
        else:
            self._demote(message, verdict)
        if category in (CRISIS, EMERGENCY):
            self._add_flag(message, str(category))

    def _demote(self, message: Message, verdict: dict[str, Any]) -> None:
        """Handles a safety intent that only the intent classifier predicted.

        At or above ``classifier_only_min_confidence`` it stands (recall first). Below it, a
        crisis or emergency guess becomes ``nlu_fallback`` (the bot asks the patient to
        rephrase and, because ``safety["uncertain"]`` is set, shows the crisis resources), and
        an advice guess gives way to the classifier's next non-safety intent.
        """
        by_intent = {v: k for k, v in self._intents.items()}
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        if name not in by_intent:
            self._from_ranking(message, verdict, by_intent)
            return
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if confidence >= float(self._config["classifier_only_min_confidence"]):
            return
        ranking = [
            dict(e)
            for e in (message.get(INTENT_RANKING_KEY) or [])
            if isinstance(e, dict) and e.get(INTENT_NAME_KEY) not in by_intent
        ]
        category = by_intent[name]
        if category == ADVICE and ranking and ranking[0].get(INTENT_NAME_KEY) != "nlu_fallback":
            replacement = ranking[0]
        else:
            replacement = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: confidence}
            ranking = [replacement, *ranking]
        if category in (CRISIS, EMERGENCY):
            message.set(SAFETY_KEY, {**verdict, "uncertain": category}, add_to_output=True)
        message.set(INTENT, replacement, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        logger.info("safety route: classifier-only %s demoted", category)

    def _from_ranking(
        self, message: Message, verdict: dict[str, Any], by_intent: dict[str, str]
    ) -> None:
        """Uses safety intents that the classifier ranked but did not choose as top intent.

        A confident one (``classifier_only_min_confidence``) becomes the intent (recall
        first, without the sticky ``safety_flag``); a likely crisis or emergency
        (``uncertain_min_confidence``) is recorded as ``safety["uncertain"]`` so the reply
        shows the crisis resources.
        """
        candidates = [
            e
            for e in (message.get(INTENT_RANKING_KEY) or [])
            if isinstance(e, dict) and e.get(INTENT_NAME_KEY) in by_intent
        ]
        if not candidates:
            return
        best = max(candidates, key=lambda e: float(e.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
        confidence = float(best.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        category = by_intent[str(best[INTENT_NAME_KEY])]
        if confidence >= float(self._config["classifier_only_min_confidence"]):
            ranking = [e for e in (message.get(INTENT_RANKING_KEY) or []) if e is not best]
            message.set(INTENT, dict(best), add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(best), *ranking], add_to_output=True)
            logger.info("safety route: classifier-only %s kept", category)
        elif category in (CRISIS, EMERGENCY) and confidence >= float(
            self._config["uncertain_min_confidence"]
        ):
            message.set(SAFETY_KEY, {**verdict, "uncertain": category}, add_to_output=True)

    def _add_flag(self, message: Message, value: str) -> None:
        """Adds (or replaces) the ``safety_flag`` entity spanning the whole message."""
        text = message.get(TEXT) or ""
        entity_name = str(self._config["entity"])
        entities = [
            entity
            for entity in (message.get(ENTITIES) or [])
            if not (isinstance(entity, dict) and entity.get(ENTITY_ATTRIBUTE_TYPE) == entity_name)
        ]
        entities.append(
            {
                ENTITY_ATTRIBUTE_TYPE: entity_name,
                ENTITY_ATTRIBUTE_VALUE: value,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text) if isinstance(text, str) else 0,
                EXTRACTOR: ROUTER_NAME,
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: 1.0,
            }
        )
        message.set(ENTITIES, entities, add_to_output=True)
