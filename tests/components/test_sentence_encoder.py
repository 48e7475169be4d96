"""The NumPy sentence encoder (all-MiniLM-L6-v2 from its PyPI package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from clinicbot.components import sentence_encoder
from clinicbot.components.sentence_encoder import (
    DIMENSIONS,
    MAX_TOKENS,
    EncoderUnavailable,
    SentenceEncoder,
    WordPieceTokenizer,
    model_dir,
    shared_encoder,
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return shared_encoder()


def test_similarities_match_the_models_published_example(encoder: SentenceEncoder) -> None:
    """sentence-transformers' quick-start prints these cosine similarities for this model.

    (sbert.net, "Quickstart": 0.6660 weather/sunny, 0.1046 weather/stadium, 0.1411
    sunny/stadium.) A wrong layer order, activation, pooling or tokenisation moves them.
    """
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    similarities = vectors @ vectors.T
    assert similarities[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarities[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarities[1, 2] == pytest.approx(0.1411, abs=5e-4)


def test_vectors_are_unit_length_and_independent_of_the_batch(encoder: SentenceEncoder) -> None:
    texts = ["i can't do this anymore", "what does a session cost?", "ok", ""]
    together = encoder.encode(texts, batch_size=4)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    assert together.shape == (4, DIMENSIONS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_a_new_wording_lands_nearer_its_meaning_than_a_shared_word(
    encoder: SentenceEncoder,
) -> None:
    """What the n-grams cannot do: no shared content word, still the nearer meaning."""
    burden, paraphrase, same_word = encoder.encode(
        [
            "everyone would be better off without me",
            "my family would manage fine if i was gone",
            "my family would like to know the price",
        ]
    )
    assert float(burden @ paraphrase) > float(burden @ same_word) + 0.1


def test_basic_tokens_split_punctuation_lower_case_and_strip_accents() -> None:
    assert WordPieceTokenizer.basic_tokens("Héllo,  WORLD!!\tcafé\u200b") == [
        "hello",
        ",",
        "world",
        "!",
        "!",
        "cafe",
    ]


def test_word_pieces_follow_bert(encoder: SentenceEncoder) -> None:
    tokenizer = encoder.tokenizer
    ids = {v: k for k, v in tokenizer.ids.items()}
    assert [ids[i] for i in tokenizer.word_pieces("unaffable")] == ["una", "##ffa", "##ble"]
    assert tokenizer.word_pieces("x" * 101) == [tokenizer.unknown]


def test_long_and_hostile_texts_are_cut_not_refused(encoder: SentenceEncoder) -> None:
    ids = encoder.tokenizer.encode("word " * 5000)
    assert len(ids) == MAX_TOKENS
    assert ids[0] == encoder.tokenizer.cls and ids[-1] == encoder.tokenizer.sep
    vectors = encoder.encode(["word " * 5000, "\x00\ufffd" * 50, "🙂" * 300, "死" * 40])
    assert np.all(np.isfinite(vectors))


def test_other_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n", encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"\x08" + b"\x00" * 7 + b"{}")
    with pytest.raises(EncoderUnavailable, match="not the expected model file"):
        SentenceEncoder(tmp_path)


def test_missing_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="missing"):
        SentenceEncoder(tmp_path)


def test_a_missing_package_says_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EncoderUnavailable, match="make install"):
        model_dir()


def test_the_package_is_found_without_importing_it() -> None:
    import sys

    folder = model_dir()
    assert (folder / "model.safetensors").is_file()
    assert sentence_encoder.PACKAGE not in sys.modules
