"""Evaluation sets and training data: labelled cases, NLU example files, constants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import yaml

from clinicbot.paths import DATA_DIR, REPO_ROOT, TESTS_DIR
from clinicbot.training_data import read_examples

HELDOUT_FILE = TESTS_DIR / "nlu" / "heldout.yml"
#: Real questions from other clinics' FAQ pages (kept outside the project, never trained on).
REAL_DEV_FILE = REPO_ROOT.parent / "shared" / "data" / "real-faq-dev.yml"
RESULTS_DIR = REPO_ROOT / "results"
RULES_FILE = DATA_DIR / "rules.yml"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency", "medical_advice"})


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """Reads (text, intent) pairs from a Rasa NLU YAML file (Rasa's loader, entity markup removed).

    Args:
        path: The file.

    Returns:
        The pairs, in file order.
    """
    return read_examples(path)


# --- the real set ------------------------------------------------------------------------------


def topic_intent(topic_id: str) -> str:
    """The intent that answers a knowledge-base topic id (``out_of_scope`` stays itself)."""
    if topic_id == OUT_OF_SCOPE:
        return OUT_OF_SCOPE
    return "kb_" + topic_id.replace(".", "_")


@dataclass(frozen=True)
class Case:
    """One labelled real question.

    Attributes:
        text: The question.
        labels: Intents that are right answers, the main topic first (then ``also``).
    """

    text: str
    labels: Tuple[str, ...]

    @property
    def primary(self) -> str:
        """The main label."""
        return self.labels[0]

    @property
    def in_scope(self) -> bool:
        """Whether the question has a knowledge-base topic (not an everyday request)."""
        return self.primary != OUT_OF_SCOPE


def load_cases(path: Path) -> List[Case]:
    """Reads a ``cases:`` file (``text``, ``topic``, optional ``also``) as in real-faq-dev.yml.

    Args:
        path: The file.

    Returns:
        The cases, in file order.

    Raises:
        ValueError: If the file does not hold a list of cases with a text and a topic each.
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    items = doc.get("cases") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a top-level 'cases' list")
    cases = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("text") or not item.get("topic"):
            raise ValueError(f"{path}: case {index} needs a text and a topic")
        labels = [topic_intent(str(item["topic"]))]
        also = item.get("also")
        for extra in also if isinstance(also, list) else [also] if also else []:
            labels.append(topic_intent(str(extra)))
        cases.append(Case(str(item["text"]), tuple(labels)))
    return cases


def training_texts(data_dir: Path = DATA_DIR) -> List[Tuple[str, str]]:
    """Every (text, intent) training example under ``data/``."""
    pairs: List[Tuple[str, str]] = []
    for path in sorted(data_dir.rglob("*.yml")):
        pairs.extend(load_examples(path))
    return pairs
