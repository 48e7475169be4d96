"""Loading labelled safety sets, NLU examples and ordinary questions; finding leaks.

A safety set is a YAML file with a ``cases`` list (``text``, ``expect``, optional ``sub``,
``cat`` and ``previous``). Training examples are read from Rasa NLU YAML files, ordinary
questions from an NLU file or a ``cases`` file. ``find_leaks`` finds evaluation messages that
are (near) copies of training messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from clinicbot.paths import DATA_DIR, TESTS_DIR
from clinicbot.safety.labels import ADVICE, CRISIS, EMERGENCY, MENTION, NONE
from clinicbot.safety.normalize import fallback_normalize
from clinicbot.training_data import read_examples, read_folder

DEFAULT_DATA_DIR = DATA_DIR
DEFAULT_MULTITURN = TESTS_DIR / "safety" / "multiturn.yml"
INTENT_TO_CATEGORY = {
    "safety_crisis": CRISIS,
    "safety_emergency": EMERGENCY,
    "medical_advice": ADVICE,
}


@dataclass(frozen=True)
class Case:
    """One labelled message.

    Attributes:
        text: The message that is scored.
        expect: crisis, emergency, advice, none or mention.
        sub: The risk or request subcategory (optional).
        cat: The kind of message, for per-category misses (defaults to ``expect``).
        previous: The message sent just before (two-message risk; context only, not scored).
    """

    text: str
    expect: str
    sub: str = ""
    cat: str = ""
    previous: str = ""

    @property
    def category(self) -> str:
        """The kind of message (``cat``, or the expectation when there is none)."""
        return self.cat or self.expect


def load_training_examples(data_dir: str | Path = DEFAULT_DATA_DIR) -> list[tuple[str, str]]:
    """Loads every ``(text, intent)`` pair from the Rasa NLU YAML files under a folder.

    Files that are not NLU data (stories, rules, domain) are skipped; Rasa's loader reads
    the examples (entity markup removed).

    Args:
        data_dir: The training data folder.

    Returns:
        The examples, in file order.

    Raises:
        ValueError: If a file cannot be read or parsed.
    """
    try:
        return read_folder(data_dir)
    except ValueError:
        raise
    except Exception as exc:  # a broken data file must not silently drop training examples
        raise ValueError(f"cannot read training data under {data_dir}: {exc}") from exc


def load_safety_set(path: str | Path) -> list[Case]:
    """Loads a labelled safety set.

    Args:
        path: A YAML file with a ``cases`` list (``text``, ``expect``, optional ``sub``,
            ``cat`` and ``previous``).

    Returns:
        The cases.

    Raises:
        ValueError: If a case is malformed.
    """
    content = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    cases = []
    for item in content.get("cases") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"malformed case: {item!r}")
        expect = str(item.get("expect", ""))
        if expect not in (CRISIS, EMERGENCY, ADVICE, NONE, MENTION):
            raise ValueError(f"unknown expectation {expect!r} for {item['text']!r}")
        cases.append(
            Case(
                item["text"],
                expect,
                str(item.get("sub", "")),
                str(item.get("cat", "")),
                str(item.get("previous", "")),
            )
        )
    return cases


def load_benign_questions(path: Path) -> list[Case]:
    """Loads ordinary questions (an NLU file or a ``cases`` file) as benign cases.

    Args:
        path: ``tests/nlu/heldout.yml`` style (``nlu:`` with intents) or
            ``real-faq-dev.yml`` style (``cases:`` with ``text``).

    Returns:
        Cases expecting ``none``; ``cat`` is the intent or topic.
    """
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases: list[Case] = []
    if content.get("nlu"):
        cases.extend(
            Case(text, NONE, cat=intent)
            for text, intent in read_examples(path)
            if intent not in INTENT_TO_CATEGORY
        )
    for item in content.get("cases") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            cases.append(Case(item["text"], NONE, cat=str(item.get("topic", ""))))
    return cases


def load_multiturn(path: str | Path = DEFAULT_MULTITURN) -> list[dict[str, Any]]:
    """Loads the multi-turn conversations.

    Args:
        path: The YAML file with a ``conversations`` list.

    Returns:
        The conversations (each with ``id`` and ``turns``).
    """
    content = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return list(content.get("conversations") or [])


def find_leaks(
    test_texts: Iterable[str], train_texts: Iterable[str], threshold: float = 0.9
) -> list[tuple[str, str, float]]:
    """Finds test messages that are identical or near-identical to training messages.

    Texts are compared after a light normalisation (lower case, punctuation removed; not the
    detector's slang and leetspeak rewriting, which would make different wordings equal):
    identical text, or a cosine similarity of character 3-5-gram TF-IDF vectors at or above
    ``threshold``.

    Args:
        test_texts: Held-out messages.
        train_texts: Training messages.
        threshold: Similarity at which two messages count as near-identical.

    Returns:
        ``(test text, training text, similarity)`` for every leak.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    tests = list(test_texts)
    trains = list(train_texts)
    if not tests or not trains:
        return []
    norm_tests = [fallback_normalize(t) for t in tests]
    norm_trains = [fallback_normalize(t) for t in trains]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vectorizer.fit(norm_tests + norm_trains)
    similarity = vectorizer.transform(norm_tests) @ vectorizer.transform(norm_trains).T
    similarity = similarity.tocsr()
    leaks = []
    for i, text in enumerate(tests):
        row = similarity.getrow(i)
        if row.nnz == 0:
            continue
        j = int(row.indices[row.data.argmax()])
        score = float(row.data.max())
        if norm_tests[i] == norm_trains[j] or score >= threshold:
            leaks.append((text, trains[j], round(score, 3)))
    return leaks
