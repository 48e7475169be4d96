"""The safety classifier's second reader: a regression over sentence embeddings, blended."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

from clinicbot.components import sentence_encoder
from clinicbot.components.text_classifier import ClassifierFormatError, TfidfTextClassifier
from clinicbot.safety import classifier as classifier_module
from clinicbot.safety.classifier import SafetyClassifier
from clinicbot.safety.features import with_markers
from clinicbot.safety.normalize import normalize

_EXAMPLES = {
    "crisis": [
        "i want to end my life",
        "i don't want to be alive anymore",
        "thinking about killing myself tonight",
        "everyone would be better off without me",
        "i have pills saved up to take all at once",
        "i wrote goodbye letters to my kids",
    ],
    "emergency": [
        "my chest hurts and my left arm is numb",
        "he took a handful of pills and won't wake up",
        "i can't breathe properly and my lips are blue",
        "she drank a bottle of wine with her sleeping pills",
        "i haven't been able to pee all day and it hurts",
        "he's shaking on the floor and not answering",
    ],
    "advice": [
        "should i take a lower dose of my lexapro",
        "can i skip my lithium before the infusion",
        "is it ok for me to double my lozenge tonight",
        "should i stop my xanax before the appointment",
        "can i keep breastfeeding during my treatment",
        "should i take two of my pills instead of one",
    ],
    "none": [
        "how much does a session cost",
        "where do i park for my appointment",
        "do you take insurance",
        "what does ketamine feel like during treatment",
        "can someone drive me home afterwards",
        "how long does an infusion last",
    ],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for examples in _EXAMPLES.values() for t in examples]
    labels = [label for label, examples in _EXAMPLES.items() for _ in examples]
    return texts, labels


@pytest.fixture(scope="module")
def trained() -> SafetyClassifier:
    texts, labels = _data()
    return SafetyClassifier(embedding_weight=0.5).fit(texts, labels)


def test_advice_is_the_weighted_mean_of_both_readers_and_the_rest_the_ngrams(
    trained: SafetyClassifier,
) -> None:
    texts, labels = _data()
    grams = TfidfTextClassifier(normalize=normalize, word_input=with_markers).fit(texts, labels)
    probe = ["could i halve my sertraline this week", "what time do you open"]
    blended = trained.predict_proba_many(probe)
    ngram = grams.predict_proba_many(probe)
    embedded = trained.embedding_probabilities([normalize(t) for t in probe])
    assert embedded is not None
    assert trained.labels == ("advice",)
    for n, row in enumerate(blended):
        for column, label in enumerate(trained.classes):
            if label == "advice":
                expected = 0.5 * ngram[n][label] + 0.5 * float(embedded[n, column])
                assert row[label] != pytest.approx(ngram[n][label], abs=1e-6)
            else:
                expected = ngram[n][label]
            assert row[label] == pytest.approx(expected, abs=1e-12)


def test_the_embedding_reads_a_wording_no_training_text_shares(
    trained: SafetyClassifier,
) -> None:
    """No content word of the probe is in the advice examples; the embedding still leans advice."""
    probe = normalize("would it be wise to cut back on my sertraline")
    embedded = trained.embedding_probabilities([probe])
    assert embedded is not None
    column = trained.classes.index("advice")
    assert int(np.argmax(embedded[0])) == column


def test_weight_zero_is_the_ngram_classifier_alone() -> None:
    texts, labels = _data()
    alone = SafetyClassifier(embedding_weight=0.0).fit(texts, labels)
    grams = TfidfTextClassifier(normalize=normalize, word_input=with_markers).fit(texts, labels)
    assert not alone.uses_embeddings
    assert "embedding" not in alone.to_dict()
    probe = "i feel like nobody would miss me"
    assert alone.predict_proba(probe) == grams.predict_proba(probe)


def test_persisted_classifier_predicts_the_same(trained: SafetyClassifier) -> None:
    data = json.loads(json.dumps(trained.to_dict()))
    assert data["embedding"]["weight"] == 0.5
    loaded = SafetyClassifier.from_dict(data)
    probe = ["i'm done with all of it", "how do i book", "chest is tight and i'm dizzy"]
    for before, after in zip(
        trained.predict_proba_many(probe), loaded.predict_proba_many(probe), strict=True
    ):
        assert before.keys() == after.keys()
        for label in before:
            assert after[label] == pytest.approx(before[label], abs=1e-12)


def test_a_file_without_the_embedding_part_loads_as_ngrams_only(
    trained: SafetyClassifier,
) -> None:
    """A model trained before round 9 keeps its n-gram probabilities."""
    data = trained.to_dict()
    del data["embedding"]
    loaded = SafetyClassifier.from_dict(data)
    assert not loaded.uses_embeddings
    grams = TfidfTextClassifier.from_dict(data, normalize=normalize, word_input=with_markers)
    assert loaded.predict_proba("i can't go on") == grams.predict_proba("i can't go on")


@pytest.mark.parametrize(
    "change",
    [
        {"weight": 1.5},
        {"labels": "advice"},
        {"classes": ["advice", "crisis", "emergency", "other"]},
        {"coef": [[0.0] * 10] * 4},
        {"intercept": [float("nan")] * 4},
        {"coef": "not a matrix"},
    ],
)
def test_a_malformed_embedding_part_is_refused(
    trained: SafetyClassifier, change: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(trained.to_dict()))
    data["embedding"].update(change)
    with pytest.raises(ClassifierFormatError):
        SafetyClassifier.from_dict(data)


def test_without_the_encoder_the_ngrams_answer_alone_and_it_is_logged(
    trained: SafetyClassifier,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The crisis path must not go down because the model files went missing."""
    data = trained.to_dict()
    grams = TfidfTextClassifier.from_dict(data, normalize=normalize, word_input=with_markers)

    def missing() -> None:
        raise sentence_encoder.EncoderUnavailable("model files missing")

    monkeypatch.setattr(classifier_module, "_cache", OrderedDict())
    monkeypatch.setattr(classifier_module, "_encoder_failed", False)
    monkeypatch.setattr(sentence_encoder, "shared_encoder", missing)
    loaded = SafetyClassifier.from_dict(data)
    probe = "i took all my pills an hour ago"
    with caplog.at_level(logging.ERROR, logger="clinicbot.safety.classifier"):
        assert loaded.predict_proba(probe) == grams.predict_proba(probe)
    assert "Sentence encoder unavailable" in caplog.text
    # and it keeps answering without trying the encoder again on every message
    assert loaded.predict_proba("hello") == grams.predict_proba("hello")
