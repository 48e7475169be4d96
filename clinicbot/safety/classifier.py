"""The safety classifier: TF-IDF n-grams with the meaning markers, blended with a sentence encoder.

``clinicbot.components.text_classifier.TfidfTextClassifier`` does the n-gram learning and the
JSON persistence. Here it reads the *normalised* text (``clinicbot.safety.normalize``: case,
repeated letters, leetspeak, misspellings, slang) and its word vectoriser also reads the
meaning-marker tokens of ``clinicbot.safety.features`` (first person + absence or future,
farewells, negation, safety now, a past time, general framing, a personal decision), so the
regression learns how much each of them weighs next to the words; the character vectoriser
reads the text alone. The labels are ``crisis``, ``emergency``, ``advice`` and ``none``.

Round 9 adds a second reader for personal-advice requests: a logistic regression over the
sentence embedding of the same normalised text (``clinicbot.components.sentence_encoder``,
all-MiniLM-L6-v2). The n-grams know only the words they were trained on; the embedding places
a new wording of a dose, a stop-or-keep or a pregnancy decision near the trained ones. The
advice probability is the weighted mean of both readers' (``EMBEDDING_WEIGHT`` 0.3); the
crisis, emergency and none probabilities stay the n-grams' own, because there, held out by
file, every blend (mean, product, stacked features, weights 0.3 to 0.7, re-calibrated
thresholds) moved along the n-grams' recall / false-alarm curve without improving it (README,
"Round 9"). The detector thresholds each label on its own, so the row need not sum to one.
The embedding regression is persisted with the n-gram model in the same JSON data
(``embedding``: classes, coefficients, intercepts, weight, blended labels). If the encoder
cannot be loaded where a trained model runs, the n-gram probabilities are used alone and the
error is logged once: the safety layer keeps working, with the refusals of round 8.

Round 19 adds ``follow_up``: a reader of the message after one that names a medicine
(``clinicbot.safety.follow_up_reader``), trained by ``SafetyDetector.train`` when it is given the
two-message development pairs and persisted under ``follow_up`` in the same JSON data.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from sklearn.linear_model import LogisticRegression

from clinicbot.components.text_classifier import ClassifierFormatError, TfidfTextClassifier
from clinicbot.safety.features import with_markers
from clinicbot.safety.follow_up_reader import FollowUpReader
from clinicbot.safety.normalize import normalize

logger = logging.getLogger(__name__)

#: Share of the embedding regression in the blended labels (0: n-grams only). Held out by file
#: (dev.yml to dev10.yml), advice blended: 0.3 refused 0.905 -> 0.925 for false alarms 0.059
#: -> 0.061 (0.5: 0.923 / 0.062; 0.7: 0.923 / 0.065); urgent recall unchanged.
EMBEDDING_WEIGHT = 0.3
#: The labels whose probability blends both readers (the others are the n-grams' alone).
EMBEDDING_LABELS: tuple[str, ...] = ("advice",)
#: The embedding regression's parameters (unit-length inputs need a weak penalty).
EMBEDDING_REGRESSION: dict[str, Any] = {
    "C": 10.0,
    "class_weight": "balanced",
    "max_iter": 3000,
    "solver": "lbfgs",
    "random_state": 42,
}
#: Embeddings kept per process, by normalised text (the pipeline scores a message more than
#: once; cross-validation re-reads the same training texts in every fold).
CACHE_SIZE = 32768

_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_encoder_failed = False

_T = TypeVar("_T", bound="SafetyClassifier")


def embed(normalized: Sequence[str]) -> np.ndarray | None:
    """Sentence embeddings of normalised texts (cached), or None if the encoder is unavailable.

    Args:
        normalized: Texts in the form ``normalize`` gives.

    Returns:
        An array of shape (len(normalized), 384), or None when the encoder cannot be loaded.
    """
    global _encoder_failed
    if _encoder_failed:
        return None
    from clinicbot.components.sentence_encoder import EncoderUnavailable, shared_encoder

    found = {t: _cache[t] for t in dict.fromkeys(normalized) if t in _cache}
    missing = [t for t in dict.fromkeys(normalized) if t not in found]
    if missing:
        try:
            vectors = shared_encoder().encode(missing)
        except (EncoderUnavailable, OSError, ValueError, MemoryError) as error:
            _encoder_failed = True
            logger.error(
                "Sentence encoder unavailable (%s: %s); the safety classifier uses its "
                "n-grams alone.",
                type(error).__name__,
                error,
            )
            return None
        for text, vector in zip(missing, vectors, strict=True):
            found[text] = vector
            _cache[text] = vector
            if len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    if not normalized:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([found[text] for text in normalized])


class SafetyClassifier(TfidfTextClassifier):
    """TF-IDF n-grams of the normalised text plus the meaning markers; advice also embedded.

    Args:
        regression_params: Overrides for the n-gram logistic-regression parameters.
        embedding_weight: Share of the embedding regression in the blended labels (0 disables
            it; default ``EMBEDDING_WEIGHT``).
    """

    def __init__(
        self,
        regression_params: dict[str, Any] | None = None,
        embedding_weight: float | None = None,
    ) -> None:
        super().__init__(regression_params, normalize=normalize, word_input=with_markers)
        self.embedding_weight = EMBEDDING_WEIGHT if embedding_weight is None else embedding_weight
        self.labels: tuple[str, ...] = EMBEDDING_LABELS
        self._embedding_model: Any = None
        #: Round 19's reader of a message after a named medicine (``follow_up_reader``); set
        #: by ``SafetyDetector.train`` when it is given the two-message development pairs.
        self.follow_up: FollowUpReader | None = None

    @property
    def uses_embeddings(self) -> bool:
        """Whether a trained embedding regression takes part in the probabilities."""
        return self._embedding_model is not None and self.embedding_weight > 0

    def fit(self: _T, texts: Sequence[str], labels: Sequence[str]) -> _T:
        """Trains the n-gram model and, unless its weight is 0, the embedding regression.

        Args:
            texts: Raw texts (they are normalised here).
            labels: One label per text.

        Returns:
            The trained classifier itself.
        """
        super().fit(texts, labels)
        self._embedding_model = None
        if self.embedding_weight > 0:
            vectors = embed([self.normalize(t) for t in texts])
            if vectors is not None:
                model = LogisticRegression(**EMBEDDING_REGRESSION)
                model.fit(vectors.astype(np.float64), list(labels))
                self._embedding_model = model
        return self

    def embedding_probabilities(self, normalized: Sequence[str]) -> np.ndarray | None:
        """The embedding regression's probabilities (columns in ``classes`` order), or None."""
        if not self.uses_embeddings or not normalized:
            return None
        vectors = embed(normalized)
        if vectors is None:
            return None
        return np.asarray(self._embedding_model.predict_proba(vectors.astype(np.float64)))

    def predict_proba_normalized(self, normalized: Sequence[str]) -> list[dict[str, float]]:
        """Label probabilities for normalised texts, the blended labels' from both readers.

        Args:
            normalized: Texts in the form produced by ``normalize``.

        Returns:
            One ``{label: probability}`` mapping per text.
        """
        grams = super().predict_proba_normalized(normalized)
        embedded = self.embedding_probabilities(normalized)
        if embedded is None:
            return grams
        weight = self.embedding_weight
        blended = [(c, label) for c, label in enumerate(self.classes) if label in self.labels]
        for n, row in enumerate(grams):
            for column, label in blended:
                row[label] = (1.0 - weight) * row[label] + weight * float(embedded[n, column])
        return grams

    def to_dict(self) -> dict[str, Any]:
        """The n-gram model's JSON data, with the embedding regression under ``embedding``.

        Returns:
            JSON-compatible data.
        """
        data = super().to_dict()
        if self._embedding_model is not None:
            model = self._embedding_model
            data["embedding"] = {
                "weight": float(self.embedding_weight),
                "labels": list(self.labels),
                "classes": [str(c) for c in model.classes_],
                "coef": [[float(x) for x in row] for row in model.coef_],
                "intercept": [float(x) for x in model.intercept_],
            }
        reader = None if self.follow_up is None else self.follow_up.to_dict()
        if reader is not None:
            data["follow_up"] = reader
        return data

    def follow_up_probabilities(self, normalized: Sequence[str]) -> list[float] | None:
        """The follow-up reader's probabilities (None without a trained reader or encoder).

        Args:
            normalized: Texts in the form produced by ``normalize``.

        Returns:
            One probability per text that it asks a personal decision, or None.
        """
        if self.follow_up is None:
            return None
        return self.follow_up.probabilities(normalized)

    @classmethod
    def from_dict(cls: type[_T], data: Any, **options: Any) -> _T:
        """Rebuilds the classifier, the embedding regression included when persisted.

        Args:
            data: What ``to_dict`` gave.
            **options: Constructor arguments.

        Returns:
            A classifier that predicts like the serialised one.

        Raises:
            ClassifierFormatError: If the data is malformed or inconsistent.
        """
        classifier = super().from_dict(data, **options)
        reader = data.get("follow_up") if isinstance(data, dict) else None
        if reader is not None:
            classifier.follow_up = FollowUpReader.from_dict(reader)
        spec = data.get("embedding") if isinstance(data, dict) else None
        if spec is None:
            classifier.embedding_weight = 0.0
            return classifier
        try:
            classes = [str(c) for c in spec["classes"]]
            coef = np.asarray(spec["coef"], dtype=np.float64)
            intercept = np.asarray(spec["intercept"], dtype=np.float64)
            weight = float(spec["weight"])
            labels = tuple(spec["labels"])
            if not isinstance(spec["labels"], list) or not all(isinstance(x, str) for x in labels):
                raise TypeError("labels must be a list of strings")
        except (KeyError, TypeError, ValueError) as error:
            raise ClassifierFormatError(f"malformed embedding regression: {error}") from error
        if classes != classifier.classes:
            raise ClassifierFormatError("the embedding regression's labels differ")
        rows = 1 if len(classes) == 2 else len(classes)  # scikit-learn's binary form
        if coef.shape != (rows, 384) or intercept.shape != (rows,):
            raise ClassifierFormatError("embedding regression shapes are wrong")
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise ClassifierFormatError("embedding regression weights are not finite")
        if not 0.0 <= weight <= 1.0:
            raise ClassifierFormatError("embedding weight outside 0..1")
        model = LogisticRegression(**EMBEDDING_REGRESSION)
        model.classes_ = np.asarray(classes)
        model.coef_ = coef
        model.intercept_ = intercept
        model.n_features_in_ = 384
        classifier._embedding_model = model
        classifier.embedding_weight = weight
        classifier.labels = labels
        return classifier
