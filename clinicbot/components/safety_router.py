"""The safety router: a safety verdict becomes the intent the dialogue rules act on.

``SafetyRouter`` (placed last, after the intent classifier, ``FallbackClassifier`` and the
vocabulary gate) turns the verdict of ``SafetyDetectorComponent`` into the intent:

=========  =================  =================================  =====================
detector   classifier intent  resulting intent                   safety_flag entity
=========  =================  =================================  =====================
crisis     any (fallback too) safety_crisis, 1.0, ranked first   value ``crisis``
emergency  any (fallback too) safety_emergency, 1.0, first       value ``emergency``
advice     any (fallback too) medical_advice, 1.0, first         none
mention    any                unchanged (KB answer + resources)  none
none       safety_crisis      kept if confidence >= 0.85 and     none
                              the detector supports it, else
                              nlu_fallback + resources shown
none       safety_emergency   (same as safety_crisis)            none
mention    safety_crisis or   nlu_fallback + resources shown     none
           safety_emergency
none       medical_advice     kept if confidence >= 0.85, else   none
                              the next non-safety intent
none       anything else      unchanged                          none
=========  =================  =================================  =====================

"The detector supports it" (``safety_context.supports_classifier_guess``): the intent
classifier's own crisis or emergency guess stands only when the detector did not explain the
risk words away (a ``mention`` verdict: negated, told as past or as information; or the
writer says they are safe: "to be clear I'm not going to hurt myself, I just want to know about
side effects") and has a risk signal of its own (its classifier's probability of the same label
at least ``GUESS_MIN_SCORE``, or a crisis marker such as absence or farewell). Otherwise the
guess takes the uncertain path: ``nlu_fallback`` with ``safety["uncertain"]`` set, so the
patient is asked to rephrase and shown the crisis resources (recall first, without an alarm).

The classifier's own ranking is kept after the safety intent. ``safety_flag`` spans the whole
message (``start`` 0, ``end`` = length of the text) with ``extractor`` ``SafetyRouter`` and
``confidence_entity`` 1.0; it is added only when the *detector* says crisis or emergency (the
domain fills the sticky ``safety_flag`` slot from it, so a guess of the intent classifier alone
gets the crisis reply but does not lock the conversation in safe mode).

The router requires ``SafetyDetectorComponent`` and an intent classifier before it
(``required_components``, checked by ``clinicbot.components.pipeline_check``). It does not
rely on that alone: a message that reaches it without a ``safety`` verdict gets one from the
detector's patterns. ``process`` never raises (if the patterns fail too, category ``none`` with
reason ``error``). Nothing that is logged contains message text (it is health data): only
categories and subcategories.
"""

from __future__ import annotations

import logging
from typing import Any, List, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
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

from clinicbot.components.base import ConfiguredComponent
from clinicbot.components.safety_context import supports_classifier_guess
from clinicbot.components.safety_detector import SAFETY_KEY, SafetyDetectorComponent, error_result
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.labels import ADVICE, CRISIS, EMERGENCY

logger = logging.getLogger(__name__)

SAFETY_ENTITY = "safety_flag"
ROUTER_NAME = "SafetyRouter"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyRouter(ConfiguredComponent):
    """Overrides the intent with the safety intent (see the module's decision table)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """The detector's verdict and an intent classifier's ranking come first."""
        return [SafetyDetectorComponent, IntentClassifier]

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

    #: The detector's patterns, built on first use for a message without a verdict.
    _fallback_detector: SafetyDetector | None = None

    @property
    def _intents(self) -> dict[str, str]:
        """The intent of each safety category (from the configuration)."""
        return {
            CRISIS: str(self.config["crisis_intent"]),
            EMERGENCY: str(self.config["emergency_intent"]),
            ADVICE: str(self.config["advice_intent"]),
        }

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
            verdict = error_result()
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

        At or above ``classifier_only_min_confidence`` it stands (recall first), a crisis or
        emergency guess only when the detector supports it (``supports_classifier_guess``).
        Otherwise a crisis or emergency guess becomes ``nlu_fallback`` (the bot asks the patient to
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
        category = by_intent[name]
        if confidence >= float(self.config["classifier_only_min_confidence"]) and (
            category == ADVICE or supports_classifier_guess(verdict, category)
        ):
            return
        ranking = [
            dict(e)
            for e in (message.get(INTENT_RANKING_KEY) or [])
            if isinstance(e, dict) and e.get(INTENT_NAME_KEY) not in by_intent
        ]
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

        A confident one (``classifier_only_min_confidence``; a crisis or emergency one only
        when the detector supports it) becomes the intent (recall first, without the sticky
        ``safety_flag``); otherwise a likely crisis or emergency
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
        if confidence >= float(self.config["classifier_only_min_confidence"]) and (
            category == ADVICE or supports_classifier_guess(verdict, category)
        ):
            ranking = [e for e in (message.get(INTENT_RANKING_KEY) or []) if e is not best]
            message.set(INTENT, dict(best), add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(best), *ranking], add_to_output=True)
            logger.info("safety route: classifier-only %s kept", category)
        elif category in (CRISIS, EMERGENCY) and confidence >= float(
            self.config["uncertain_min_confidence"]
        ):
            message.set(SAFETY_KEY, {**verdict, "uncertain": category}, add_to_output=True)

    def _add_flag(self, message: Message, value: str) -> None:
        """Adds (or replaces) the ``safety_flag`` entity spanning the whole message."""
        text = message.get(TEXT) or ""
        entity_name = str(self.config["entity"])
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
