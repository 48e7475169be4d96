"""The safety classifier: TF-IDF n-grams and a logistic regression, persisted as JSON.

The classifier gives the detector recall beyond its patterns. It reads the *normalised* text
(see ``clinicbot.safety.normalize``) through two TF-IDF vectorisers, character n-grams inside
word boundaries (2-5) and word n-grams (1-2), and a class-balanced logistic regression over
the labels ``crisis``, ``emergency``, ``advice`` and ``none``.

Persistence never uses pickle or joblib (unpickling a model file can run arbitrary code; Rasa
3.6.21 patched exactly such a hole). ``to_dir`` writes plain JSON: the vectoriser parameters,
vocabularies and idf weights, and the regression's coefficients, intercepts and classes.
``from_dir`` validates that JSON and rebuilds the scikit-learn objects from it, so a loaded
classifier predicts exactly what the trained one did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from clinicbot.safety.features import with_markers
from clinicbot.safety.normalize import normalize

MODEL_FILE = "safety_classifier.json"
FORMAT_VERSION = 1

_VECTORIZER_PARAMS: dict[str, dict[str, Any]] = {
    "char": {
        "analyzer": "char_wb",
        "ngram_range": [2, 5],
        "min_df": 1,
        "sublinear_tf": True,
        "lowercase": True,
        "norm": "l2",
        "use_idf": True,
        "smooth_idf": True,
        "dtype": "float64",
    },
    "word": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        "min_df": 1,
        "sublinear_tf": True,
        "lowercase": True,
        "norm": "l2",
        "use_idf": True,
        "smooth_idf": True,
        "token_pattern": r"(?u)\b\w+\b",
        "dtype": "float64",
    },
}
_ALLOWED_VECTORIZER_KEYS = {
    "analyzer",
    "ngram_range",
    "min_df",
    "sublinear_tf",
    "lowercase",
    "norm",
    "use_idf",
    "smooth_idf",
    "token_pattern",
    "dtype",
}
_REGRESSION_PARAMS: dict[str, Any] = {
    "C": 10.0,
    "class_weight": "balanced",
    "max_iter": 2000,
    "solver": "lbfgs",
    "multi_class": "auto",
    "random_state": 42,
}


_T = TypeVar("_T", bound="TfidfTextClassifier")


class ClassifierFormatError(ValueError):
    """Raised when a persisted classifier file is missing, malformed or inconsistent."""


def _make_vectorizer(params: dict[str, Any], vocabulary: dict[str, int] | None = None) -> Any:
    """Builds a ``TfidfVectorizer`` from whitelisted JSON parameters."""
    unknown = set(params) - _ALLOWED_VECTORIZER_KEYS
    if unknown:
        raise ClassifierFormatError(f"unknown vectorizer parameters: {sorted(unknown)}")
    kwargs = dict(params)
    kwargs["ngram_range"] = tuple(int(n) for n in kwargs.get("ngram_range", (1, 1)))
    if kwargs.get("dtype", "float64") != "float64":
        raise ClassifierFormatError("only float64 vectorizers are supported")
    kwargs["dtype"] = np.float64
    if vocabulary is not None:
        kwargs["vocabulary"] = vocabulary
    return TfidfVectorizer(**kwargs)


class TfidfTextClassifier:
    """TF-IDF (char_wb 2-5 + word 1-2) and logistic regression over any labels.

    Used for the safety labels (crisis/emergency/advice/none) and, by
    ``clinicbot.nlu_classifier``, for the intents.
    """

    def __init__(self, regression_params: dict[str, Any] | None = None) -> None:
        """Creates an untrained classifier.

        Args:
            regression_params: Overrides for the logistic-regression parameters.
        """
        self.regression_params = {**_REGRESSION_PARAMS, **(regression_params or {})}
        self.vectorizer_params = {k: dict(v) for k, v in _VECTORIZER_PARAMS.items()}
        self._vectorizers: dict[str, Any] = {}
        self._model: Any = None

    @property
    def is_trained(self) -> bool:
        """Whether the classifier can predict."""
        return self._model is not None and bool(self._vectorizers)

    @property
    def classes(self) -> list[str]:
        """The labels the classifier predicts (empty when untrained)."""
        if self._model is None:
            return []
        return [str(c) for c in self._model.classes_]

    def fit(self: _T, texts: Sequence[str], labels: Sequence[str]) -> _T:
        """Trains the classifier.

        Args:
            texts: Raw texts (they are normalised here).
            labels: One label per text.

        Returns:
            The trained classifier itself.

        Raises:
            ValueError: If the inputs differ in length or hold fewer than two labels.
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        if len(set(labels)) < 2:
            raise ValueError("the classifier needs at least two different labels")
        normalized = [normalize(t) for t in texts]
        self._vectorizers = {
            name: _make_vectorizer(params) for name, params in self.vectorizer_params.items()
        }
        features = hstack(
            [
                self._vectorizers[name].fit_transform(self._inputs(name, normalized))
                for name in ("char", "word")
            ]
        ).tocsr()
        self._model = LogisticRegression(**self.regression_params)
        self._model.fit(features, list(labels))
        return self

    def _inputs(self, vectorizer: str, normalized: Sequence[str]) -> Sequence[str]:
        """The texts one vectoriser reads (subclasses may add derived tokens)."""
        return normalized

    def _features(self, normalized: Sequence[str]) -> csr_matrix:
        """Vectorises already normalised texts."""
        return hstack(
            [
                self._vectorizers[name].transform(self._inputs(name, normalized))
                for name in ("char", "word")
            ]
        ).tocsr()

    def predict_proba_normalized(self, normalized: Sequence[str]) -> list[dict[str, float]]:
        """Predicts label probabilities for texts that are already normalised.

        Args:
            normalized: Texts in the form produced by ``normalize``.

        Returns:
            One ``{label: probability}`` mapping per text.

        Raises:
            RuntimeError: If the classifier is not trained.
        """
        if not self.is_trained:
            raise RuntimeError("the safety classifier is not trained")
        if not normalized:
            return []
        probabilities = self._model.predict_proba(self._features(normalized))
        classes = self.classes
        return [
            {label: float(p) for label, p in zip(classes, row, strict=True)}
            for row in probabilities
        ]

    def predict_proba(self, text: str) -> dict[str, float]:
        """Predicts label probabilities for one raw text.

        Args:
            text: The raw message.

        Returns:
            ``{label: probability}`` over the trained labels.
        """
        return self.predict_proba_normalized([normalize(text)])[0]

    def predict_proba_many(self, texts: Iterable[str]) -> list[dict[str, float]]:
        """Predicts label probabilities for several raw texts.

        Args:
            texts: Raw messages.

        Returns:
            One ``{label: probability}`` mapping per text.
        """
        return self.predict_proba_normalized([normalize(t) for t in texts])

    def to_dict(self) -> dict[str, Any]:
        """Serialises the trained classifier to JSON-compatible data.

        Returns:
            The model as plain lists, dicts, strings and numbers.

        Raises:
            RuntimeError: If the classifier is not trained.
        """
        if not self.is_trained:
            raise RuntimeError("the safety classifier is not trained")
        vectorizers = {}
        for name, vectorizer in self._vectorizers.items():
            vectorizers[name] = {
                "params": self.vectorizer_params[name],
                "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()},
                "idf": [float(x) for x in vectorizer.idf_],
            }
        return {
            "format": "clinicbot-safety-classifier",
            "version": FORMAT_VERSION,
            "vectorizers": vectorizers,
            "regression": {
                "params": {k: v for k, v in self.regression_params.items() if k != "class_weight"},
                "classes": self.classes,
                "coef": [[float(x) for x in row] for row in self._model.coef_],
                "intercept": [float(x) for x in self._model.intercept_],
            },
        }

    @classmethod
    def from_dict(cls: type[_T], data: dict[str, Any]) -> _T:
        """Rebuilds a classifier from ``to_dict`` data, validating it.

        Args:
            data: The serialised model.

        Returns:
            A classifier that predicts exactly like the serialised one.

        Raises:
            ClassifierFormatError: If the data is malformed or inconsistent.
        """
        try:
            if data.get("format") != "clinicbot-safety-classifier":
                raise ClassifierFormatError("not a safety classifier file")
            if data.get("version") != FORMAT_VERSION:
                raise ClassifierFormatError(f"unsupported version {data.get('version')!r}")
            classifier = cls()
            total = 0
            for name in ("char", "word"):
                spec = data["vectorizers"][name]
                vocabulary = {str(k): int(v) for k, v in spec["vocabulary"].items()}
                idf = np.asarray(spec["idf"], dtype=np.float64)
                if sorted(vocabulary.values()) != list(range(len(vocabulary))):
                    raise ClassifierFormatError(f"{name} vocabulary indices are not 0..n-1")
                if idf.shape != (len(vocabulary),) or not np.all(np.isfinite(idf)):
                    raise ClassifierFormatError(f"{name} idf does not match its vocabulary")
                vectorizer = _make_vectorizer(dict(spec["params"]), vocabulary)
                vectorizer.idf_ = idf
                classifier._vectorizers[name] = vectorizer
                classifier.vectorizer_params[name] = dict(spec["params"])
                total += len(vocabulary)
            regression = data["regression"]
            classes = [str(c) for c in regression["classes"]]
            coef = np.asarray(regression["coef"], dtype=np.float64)
            intercept = np.asarray(regression["intercept"], dtype=np.float64)
            rows = 1 if len(classes) == 2 else len(classes)
            if len(classes) < 2 or coef.shape != (rows, total) or intercept.shape != (rows,):
                raise ClassifierFormatError("regression shapes do not match the vocabulary")
            if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
                raise ClassifierFormatError("regression weights are not finite")
            params = {
                k: v
                for k, v in dict(regression.get("params", {})).items()
                if k in ("C", "max_iter", "solver", "multi_class", "random_state")
            }
            model = LogisticRegression(**{**_REGRESSION_PARAMS, **params})
            model.classes_ = np.asarray(classes)
            # Column-major: predict_proba multiplies by coef_.T, which scipy copies on every
            # call unless it is contiguous (~9 ms per message; same numbers either way).
            model.coef_ = np.asfortranarray(coef)
            model.intercept_ = intercept
            model.n_features_in_ = total
            model.n_iter_ = np.asarray([0], dtype=np.int32)
            classifier._model = model
            classifier.regression_params.update(params)
            return classifier
        except ClassifierFormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ClassifierFormatError(f"malformed classifier data: {error}") from error

    def to_dir(self, path: str | Path) -> Path:
        """Writes the classifier as JSON into a directory.

        Args:
            path: The directory (created if missing).

        Returns:
            The path of the written file.
        """
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        file = directory / MODEL_FILE
        data = self.to_dict()
        with file.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return file

    @classmethod
    def from_dir(cls: type[_T], path: str | Path) -> _T:
        """Loads a classifier written by ``to_dir``.

        Args:
            path: The directory holding the JSON file.

        Returns:
            The rebuilt classifier.

        Raises:
            ClassifierFormatError: If the file is missing or invalid.
        """
        file = Path(path) / MODEL_FILE
        try:
            with file.open(encoding="utf-8") as handle:
                data = json.load(handle, parse_constant=_reject_constant)
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ClassifierFormatError(f"cannot read {file.name}: {error}") from error
        if not isinstance(data, dict):
            raise ClassifierFormatError("classifier file must hold a JSON object")
        return cls.from_dict(data)


def _reject_constant(name: str) -> float:
    """Rejects NaN and Infinity in JSON (they are not valid weights)."""
    raise ClassifierFormatError(f"invalid number {name} in classifier file")


class SafetyClassifier(TfidfTextClassifier):
    """The safety classifier: the TF-IDF model plus meaning markers for the word vectoriser.

    The word vectoriser reads the normalised text followed by the marker tokens of
    ``clinicbot.safety.features`` (first person + absence or future, farewells, negation,
    safety now, a past time, general framing, a personal decision), so the regression learns
    how much each of them weighs next to the words. The character vectoriser reads the text
    alone.
    """

    def _inputs(self, vectorizer: str, normalized: Sequence[str]) -> Sequence[str]:
        """Adds the marker tokens to what the word vectoriser reads."""
        if vectorizer != "word":
            return normalized
        return [with_markers(text) for text in normalized]
