"""The safety classifier: the generic text classifier with the safety normaliser and markers.

``clinicbot.components.text_classifier.TfidfTextClassifier`` does the learning and the JSON
persistence. Here it reads the *normalised* text (``clinicbot.safety.normalize``: case,
repeated letters, leetspeak, misspellings, slang) and its word vectoriser also reads the
meaning-marker tokens of ``clinicbot.safety.features`` (first person + absence or future,
farewells, negation, safety now, a past time, general framing, a personal decision), so the
regression learns how much each of them weighs next to the words; the character vectoriser
reads the text alone. The labels are ``crisis``, ``emergency``, ``advice`` and ``none``.
"""

from __future__ import annotations

from typing import Any

from clinicbot.components.text_classifier import TfidfTextClassifier
from clinicbot.safety.features import with_markers
from clinicbot.safety.normalize import normalize


class SafetyClassifier(TfidfTextClassifier):
    """TF-IDF n-grams of the normalised text, plus the meaning markers for the word n-grams.

    Args:
        regression_params: Overrides for the logistic-regression parameters.
    """

    def __init__(self, regression_params: dict[str, Any] | None = None) -> None:
        super().__init__(regression_params, normalize=normalize, word_input=with_markers)
