"""A generic text classifier: TF-IDF n-grams and a logistic regression, persisted as JSON.

Two TF-IDF vectorisers, character n-grams inside word boundaries (2-5) and word n-grams
(1-2), feed a class-balanced logistic regression over any labels. The text is first passed
through a preprocessing function given by the user (``normalize``), and the word vectoriser
may read more than the text (``word_input``, e.g. marker tokens): the intent classifier
(``clinicbot.components.intent_classifier``) passes the safety normaliser, the safety
detector (``clinicbot.safety.classifier``) the normaliser and its meaning markers.

Persistence never uses pickle or joblib (unpickling a model file can run arbitrary code; Rasa
3.6.21 patched exactly such a hole). ``to_dict`` gives plain JSON data: the vectoriser
parameters, vocabularies and idf weights, and the regression's coefficients, intercepts and
classes. ``from_dict`` validates that data and rebuilds the scikit-learn objects from it, so a
loaded classifier predicts exactly what the trained one did. The preprocessing functions are
code, not state: whoever loads a classifier passes the same ones it was trained with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from clinicbot.components.json_state import StateFormatError, read_json, write_json

MODEL_FILE = "text_classifier.json"
FORMAT = "clinicbot-text-classifier"
FORMAT_VERSION = 1

#: Parameters both vectorisers share.
_SHARED_VECTORIZER_PARAMS: dict[str, Any] = {
    "min_df": 1,
    "sublinear_tf": True,
    "lowercase": True,
    "norm": "l2",
    "use_idf": True,
    "smooth_idf": True,
    "dtype": "float64",
}
_VECTORIZER_PARAMS: dict[str, dict[str, Any]] = {
    "char": {"analyzer": "char_wb", "ngram_range": [2, 5], **_SHARED_VECTORIZER_PARAMS},
    "word": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        **_SHARED_VECTORIZER_PARAMS,
        "token_pattern": r"(?u)\b\w+\b",
    },
}
#: The only vectoriser parameters a persisted file may set (no callables, no preprocessor).
_ALLOWED_VECTORIZER_KEYS = set(_VECTORIZER_PARAMS["word"])
_REGRESSION_PARAMS: dict[str, Any] = {
    "C": 10.0,
    "class_weight": "balanced",
    "max_iter": 2000,
    "solver": "lbfgs",
    "multi_class": "auto",
    "random_state": 42,
}


_T = TypeVar("_T", bound="TfidfTextClassifier")


class ClassifierFormatError(StateFormatError):
    """Raised when a persisted classifier file is missing, malformed or inconsistent."""


def _same(text: str) -> str:
    """The text unchanged (the default preprocessing)."""
    return text


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


class _FastPredictor:
    """``predict_proba`` of the fitted vectorisers and regression without scikit-learn's overhead.

    For one short message, ``TfidfVectorizer.transform`` and ``predict_proba`` spend most of
    their time on input checks, not on arithmetic: ``check_is_fitted`` reads ``idf_``, which
    sums the whole idf diagonal matrix on every call, and each step builds and validates
    scipy matrices. Here the idf vector, the analysers and the transposed weights are taken
    once, and each text is counted, weighted and scored with the same floating-point
    operations in the same order as scikit-learn 1.1 and scipy (counts ``log(c) + 1`` times
    idf, each row's l2 norm summed over its terms from the highest index down as scipy's
    product leaves them, character terms before word terms, the weights accumulated in that
    order from zero, then the intercept and ``softmax``), so the probabilities are the same
    numbers (``tests/components/test_text_classifier_fast.py`` compares them bit for bit on
    the training data). Only the configuration both classifiers use is handled (sublinear
    tf, idf, l2 norm, multinomial regression); :meth:`build` returns None for anything else
    and the caller keeps scikit-learn's path.
    """

    def __init__(self, parts: list[tuple[Any, dict[str, int], np.ndarray]], model: Any) -> None:
        self.parts = parts
        offsets, total = [], 0
        for _analyzer, vocabulary, _idf in parts:
            offsets.append(total)
            total += len(vocabulary)
        self.offsets = offsets
        self.weights = np.ascontiguousarray(np.asarray(model.coef_, dtype=np.float64).T)
        self.intercept = np.asarray(model.intercept_, dtype=np.float64)

    @classmethod
    def build(cls, vectorizers: dict[str, Any], model: Any) -> _FastPredictor | None:
        """The lean predictor for these fitted objects, or None when it does not apply."""
        parts = []
        for name in ("char", "word"):
            vectorizer = vectorizers.get(name)
            if vectorizer is None or not (
                vectorizer.sublinear_tf
                and vectorizer.use_idf
                and vectorizer.norm == "l2"
                and not vectorizer.binary
                and vectorizer.dtype in (np.float64, "float64")
            ):
                return None
            idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, idf))
        classes = getattr(model, "classes_", ())
        multinomial = model.multi_class == "multinomial" or (
            model.multi_class == "auto" and model.solver != "liblinear"
        )
        if len(classes) <= 2 or not multinomial:
            return None
        return cls(parts, model)

    def _row(self, part: int, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices (highest first) and tf-idf values of one text in one vectoriser."""
        analyzer, vocabulary, idf = self.parts[part]
        counts: dict[int, int] = {}
        for feature in analyzer(text):
            index = vocabulary.get(feature)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        indices = np.array(sorted(counts, reverse=True), dtype=np.intp)
        values = np.array([counts[i] for i in indices.tolist()], dtype=np.float64)
        np.log(values, values)
        values += 1
        values = values * idf[indices]
        if len(values):
            norm = np.add.accumulate(values * values)[-1]
            if norm != 0.0:
                values /= np.sqrt(norm)
        return indices + self.offsets[part], values

    def predict_proba(self, inputs: list[Sequence[str]]) -> np.ndarray:
        """Probabilities per text, as ``LogisticRegression.predict_proba`` gives them.

        Args:
            inputs: For each vectoriser (character, word), what it reads of every text.

        Returns:
            An array of shape (texts, classes).
        """
        from sklearn.utils.extmath import softmax

        count = len(inputs[0])
        scores = np.zeros((count, len(self.intercept)), dtype=np.float64)
        for row in range(count):
            pieces = [self._row(part, inputs[part][row]) for part in range(len(self.parts))]
            indices = np.concatenate([p[0] for p in pieces])
            if len(indices):
                values = np.concatenate([p[1] for p in pieces])
                products = self.weights[indices] * values[:, None]
                scores[row] = np.add.accumulate(products, axis=0)[-1]
        scores += self.intercept
        return softmax(scores, copy=False)


class TfidfTextClassifier:
    """TF-IDF (char_wb 2-5 + word 1-2) and logistic regression over any labels.

    Args:
        regression_params: Overrides for the logistic-regression parameters.
        normalize: Preprocessing of every text before both vectorisers (default: none).
        word_input: What the word vectoriser reads of a normalised text (default: the
            normalised text itself).
    """

    def __init__(
        self,
        regression_params: dict[str, Any] | None = None,
        normalize: Callable[[str], str] = _same,
        word_input: Callable[[str], str] = _same,
    ) -> None:
        self.regression_params = {**_REGRESSION_PARAMS, **(regression_params or {})}
        self.vectorizer_params = {k: dict(v) for k, v in _VECTORIZER_PARAMS.items()}
        self.normalize = normalize
        self.word_input = word_input
        self._vectorizers: dict[str, Any] = {}
        self._model: Any = None
        # The lean prediction path (built on first use; False: not applicable, use sklearn).
        self._fast: _FastPredictor | bool | None = None

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
        normalized = [self.normalize(t) for t in texts]
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
        self._fast = None
        return self

    def _inputs(self, vectorizer: str, normalized: Sequence[str]) -> Sequence[str]:
        """The texts one vectoriser reads."""
        if vectorizer != "word" or self.word_input is _same:
            return normalized
        return [self.word_input(text) for text in normalized]

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
            raise RuntimeError("the text classifier is not trained")
        if not normalized:
            return []
        if self._fast is None:
            self._fast = _FastPredictor.build(self._vectorizers, self._model) or False
        if isinstance(self._fast, _FastPredictor):
            probabilities = self._fast.predict_proba(
                [self._inputs(name, normalized) for name in ("char", "word")]
            )
        else:
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
        return self.predict_proba_normalized([self.normalize(text)])[0]

    def predict_proba_many(self, texts: Iterable[str]) -> list[dict[str, float]]:
        """Predicts label probabilities for several raw texts.

        Args:
            texts: Raw messages.

        Returns:
            One ``{label: probability}`` mapping per text.
        """
        return self.predict_proba_normalized([self.normalize(t) for t in texts])

    def to_dict(self) -> dict[str, Any]:
        """Serialises the trained classifier to JSON-compatible data.

        Returns:
            The model as plain lists, dicts, strings and numbers.

        Raises:
            RuntimeError: If the classifier is not trained.
        """
        if not self.is_trained:
            raise RuntimeError("the text classifier is not trained")
        vectorizers = {}
        for name, vectorizer in self._vectorizers.items():
            vectorizers[name] = {
                "params": self.vectorizer_params[name],
                "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()},
                "idf": [float(x) for x in vectorizer.idf_],
            }
        return {
            "format": FORMAT,
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
    def from_dict(cls: type[_T], data: Any, **options: Any) -> _T:
        """Rebuilds a classifier from ``to_dict`` data, validating it.

        Args:
            data: The serialised model.
            **options: Constructor arguments other than the persisted ones (``normalize``,
                ``word_input``: the functions it was trained with).

        Returns:
            A classifier that predicts exactly like the serialised one.

        Raises:
            ClassifierFormatError: If the data is malformed or inconsistent.
        """
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ClassifierFormatError("not a text classifier file")
            if data.get("version") != FORMAT_VERSION:
                raise ClassifierFormatError(f"unsupported version {data.get('version')!r}")
            classifier = cls(**options)
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
        """Writes the classifier as JSON (``MODEL_FILE``) into a directory.

        Args:
            path: The directory (created if missing).

        Returns:
            The path of the written file.
        """
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        return write_json(directory / MODEL_FILE, self.to_dict())

    @classmethod
    def from_dir(cls: type[_T], path: str | Path, **options: Any) -> _T:
        """Loads a classifier written by ``to_dir``.

        Args:
            path: The directory holding the JSON file.
            **options: As for ``from_dict``.

        Returns:
            The rebuilt classifier.

        Raises:
            ClassifierFormatError: If the file is missing or invalid.
        """
        try:
            data = read_json(Path(path) / MODEL_FILE)
        except StateFormatError as error:
            raise ClassifierFormatError(str(error)) from error
        return cls.from_dict(data, **options)
