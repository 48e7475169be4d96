"""The generic text classifier: preprocessing given by its user, round trip through JSON.

Most tests use the safety classifier (the generic one with the safety normaliser and markers),
whose persistence this file checked before the classifier left the safety package.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clinicbot.components.text_classifier import (
    FORMAT,
    MODEL_FILE,
    ClassifierFormatError,
    TfidfTextClassifier,
)
from clinicbot.safety.classifier import SafetyClassifier

TRAIN = [
    ("i want to die", "crisis"),
    ("i keep thinking about killing myself", "crisis"),
    ("how many pills would it take", "crisis"),
    ("my husband hits me", "crisis"),
    ("i took all my pills", "emergency"),
    ("i can't breathe and my chest hurts", "emergency"),
    ("she passed out and won't wake up", "emergency"),
    ("how much ketamine should i take", "advice"),
    ("should i stop my lexapro", "advice"),
    ("can i drink after my infusion tonight", "advice"),
    ("what are your opening hours", "none"),
    ("how much does an infusion cost", "none"),
    ("does insurance cover spravato", "none"),
    ("hello there", "none"),
]
PROBES = [
    "I want to kill myself",
    "i took too much",
    "can i up my dose",
    "where do i park",
    "",
    "\U0001f48a\U0001f48a\U0001f48a",
    "a completely unseen sentence about gardening",
]


@pytest.fixture(scope="module")
def classifier() -> SafetyClassifier:
    texts = [text for text, _ in TRAIN]
    labels = [label for _, label in TRAIN]
    return SafetyClassifier().fit(list(texts), list(labels))


def test_round_trip_matches_in_memory(classifier: SafetyClassifier, tmp_path: Path) -> None:
    classifier.to_dir(tmp_path)
    loaded = SafetyClassifier.from_dir(tmp_path)
    assert loaded.classes == classifier.classes
    for before, after in zip(
        classifier.predict_proba_many(PROBES), loaded.predict_proba_many(PROBES), strict=True
    ):
        assert before.keys() == after.keys()
        np.testing.assert_allclose(
            [before[k] for k in sorted(before)], [after[k] for k in sorted(after)], atol=1e-12
        )


def test_loaded_weights_are_laid_out_for_prediction(
    classifier: SafetyClassifier, tmp_path: Path
) -> None:
    # predict_proba multiplies by coef_.T: scipy copies the whole matrix on every message
    # unless coef_.T is C-contiguous (README "Scale-out": ~9 ms of each turn).
    classifier.to_dir(tmp_path)
    loaded = SafetyClassifier.from_dir(tmp_path)
    assert loaded._model.coef_.T.flags["C_CONTIGUOUS"]


def test_persisted_file_is_plain_json(classifier: SafetyClassifier, tmp_path: Path) -> None:
    file = classifier.to_dir(tmp_path)
    assert file.name == MODEL_FILE
    raw = file.read_bytes()
    assert not raw.startswith(b"\x80"), "pickle protocol header"
    data = json.loads(raw)
    assert data["format"] == FORMAT == "clinicbot-text-classifier"
    assert set(data["vectorizers"]) == {"char", "word"}
    assert data["vectorizers"]["char"]["params"]["analyzer"] == "char_wb"
    assert data["vectorizers"]["char"]["params"]["ngram_range"] == [2, 5]
    assert data["vectorizers"]["word"]["params"]["ngram_range"] == [1, 2]
    assert sorted(data["regression"]["classes"]) == ["advice", "crisis", "emergency", "none"]
    assert list(tmp_path.iterdir()) == [file]


def test_binary_round_trip(tmp_path: Path) -> None:
    clf = SafetyClassifier().fit(
        ["i want to die", "hello", "end my life", "hours?"], ["crisis", "none", "crisis", "none"]
    )
    clf.to_dir(tmp_path)
    loaded = SafetyClassifier.from_dir(tmp_path)
    expected = clf.predict_proba("i want to die")
    assert loaded.predict_proba("i want to die") == pytest.approx(expected)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dir(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "something else"}',
        '{"format": "clinicbot-safety-classifier", "version": 1}',
        '{"format": "clinicbot-text-classifier", "version": 99}',
        '{"format": "clinicbot-text-classifier", "version": 1, "vectorizers": {}}',
    ],
)
def test_malformed_file_raises(tmp_path: Path, content: str) -> None:
    (tmp_path / MODEL_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dir(tmp_path)


def test_tampered_weights_are_rejected(classifier: SafetyClassifier, tmp_path: Path) -> None:
    file = classifier.to_dir(tmp_path)
    data = json.loads(file.read_text(encoding="utf-8"))
    data["regression"]["coef"] = data["regression"]["coef"][:1]
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dir(tmp_path)


def test_unknown_vectorizer_parameter_is_rejected(
    classifier: SafetyClassifier, tmp_path: Path
) -> None:
    file = classifier.to_dir(tmp_path)
    data = json.loads(file.read_text(encoding="utf-8"))
    data["vectorizers"]["char"]["params"]["preprocessor"] = "os.system"
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dir(tmp_path)


def test_nan_is_rejected(classifier: SafetyClassifier, tmp_path: Path) -> None:
    file = classifier.to_dir(tmp_path)
    text = file.read_text(encoding="utf-8").replace('"intercept":[', '"intercept":[NaN,', 1)
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dir(tmp_path)


def test_untrained_classifier_cannot_predict_or_persist(tmp_path: Path) -> None:
    clf = SafetyClassifier()
    assert not clf.is_trained
    with pytest.raises(RuntimeError):
        clf.predict_proba("hello")
    with pytest.raises(RuntimeError):
        clf.to_dir(tmp_path)


def test_fit_validates_input() -> None:
    with pytest.raises(ValueError):
        SafetyClassifier().fit(["a", "b"], ["x"])
    with pytest.raises(ValueError):
        SafetyClassifier().fit(["a", "b"], ["x", "x"])


def _shout(text: str) -> str:
    return text.upper().replace("KMS", "KILL MYSELF")


def test_the_generic_classifier_reads_text_through_its_preprocessing(tmp_path: Path) -> None:
    texts = [text for text, _ in TRAIN]
    labels = [label for _, label in TRAIN]
    plain = TfidfTextClassifier().fit(texts, labels)
    shouting = TfidfTextClassifier(normalize=_shout).fit(texts, labels)
    # lowercase=True in the vectorisers: upper case alone changes nothing, the slang rule does
    assert plain.predict_proba("i want to kms") != shouting.predict_proba("i want to kms")
    assert shouting.predict_proba("i want to kms") == pytest.approx(
        shouting.predict_proba("i want to kill myself")
    )
    shouting.to_dir(tmp_path)
    loaded = TfidfTextClassifier.from_dir(tmp_path, normalize=_shout)
    assert loaded.predict_proba("kms") == pytest.approx(shouting.predict_proba("kms"))


def test_the_safety_classifier_adds_its_markers_to_the_word_ngrams(
    classifier: SafetyClassifier,
) -> None:
    from clinicbot.safety.features import with_markers
    from clinicbot.safety.normalize import normalize

    text = normalize("i won't be around next week, goodbye everyone")
    marked = with_markers(text)
    assert marked != text  # the sentence has markers
    assert classifier._inputs("word", [text]) == [marked]
    assert classifier._inputs("char", [text]) == [text]
    assert TfidfTextClassifier()._inputs("word", [text]) == [text]
