"""The text classifier's lean prediction path gives scikit-learn's probabilities, bit for bit.

``TfidfTextClassifier`` predicts through ``_FastPredictor`` (the same arithmetic without
scikit-learn's per-call checks; README "Scale-out"). These tests train both classifiers the
project ships (intent: the safety normaliser; safety: the normaliser and the meaning markers)
on part of the real training data and compare every probability with scikit-learn's own
``predict_proba`` on all of it, plus hostile inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from clinicbot.components.intent_classifier import intent_text_classifier
from clinicbot.components.text_classifier import TfidfTextClassifier, _FastPredictor
from clinicbot.evaluation.cases import training_texts
from clinicbot.safety.classifier import SafetyClassifier
from clinicbot.safety.dev_sets import dev_training_examples

ODD = ["", "   ", "\U0001f48a\U0001f48a\U0001f48a", "x" * 20_000, "a", "?!?!", "I I I I I I"]


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    return training_texts() + dev_training_examples()


def _sklearn(classifier: TfidfTextClassifier, texts: list[str]) -> Any:
    normalized = [classifier.normalize(text) for text in texts]
    return classifier._model.predict_proba(classifier._features(normalized))


def _lean(classifier: TfidfTextClassifier, texts: list[str]) -> Any:
    rows = classifier.predict_proba_many(texts)
    assert isinstance(classifier._fast, _FastPredictor)  # the lean path answered
    return np.array([[row[label] for label in classifier.classes] for row in rows])


@pytest.mark.parametrize("kind", ["intent", "safety"])
def test_lean_path_gives_the_same_probabilities(kind: str, pairs: list[tuple[str, str]]) -> None:
    if kind == "intent":
        sample = [(t, i) for t, i in pairs[::10] if not i.startswith("safety_dev")]
        classifier: TfidfTextClassifier = intent_text_classifier(30.0)
    else:
        labels = {"safety_crisis": "crisis", "safety_emergency": "emergency"}
        labels["medical_advice"] = "advice"
        sample = [(t, labels.get(i, "none")) for t, i in pairs[::5]]
        classifier = SafetyClassifier(embedding_weight=0.0)  # the n-grams' own lean path
    classifier.fit([t for t, _ in sample], [i for _, i in sample])
    texts = [t for t, _ in pairs] + ODD
    expected = _sklearn(classifier, texts)
    got = _lean(classifier, texts)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected), float(np.abs(got - expected).max())


def test_lean_path_does_not_call_scikit_learn() -> None:
    texts = ["i want to die", "what are your hours", "how much is it", "where do i park"]
    classifier = intent_text_classifier(30.0).fit(texts, ["crisis", "hours", "price", "parking"])

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("scikit-learn's predict_proba was called")

    classifier._model.predict_proba = refuse
    assert classifier.predict_proba("how much is an infusion")


def test_two_label_classifier_keeps_scikit_learns_path() -> None:
    texts = ["i want to die", "what are your hours", "i will end it", "where do i park"]
    classifier = TfidfTextClassifier().fit(texts, ["crisis", "none", "crisis", "none"])
    probabilities = classifier.predict_proba("when are you open")
    assert classifier._fast is False
    expected = classifier._model.predict_proba(classifier._features(["when are you open"]))[0]
    assert [probabilities[c] for c in classifier.classes] == list(expected)
