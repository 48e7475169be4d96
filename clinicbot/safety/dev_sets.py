"""The safety development sets the safety classifier trains on (never the test sets).

``dev_training_examples`` turns every file of ``DEV_SET_FILES`` into ``(text, intent)`` pairs
for ``SafetyDetectorComponent`` (``clinicbot.components.safety_detector``), the
cross-validation (``clinicbot.safety.crossval``) and the evaluation's detector
(``clinicbot.safety.evaluate``). Adding a development file here makes the classifier train on
it; ``clinicbot.run.MODEL_INPUTS`` must list it too, so the model is retrained when it changes.

``follow_up_training_pairs`` reads the two-message pairs of ``FOLLOW_UP_SET_FILES`` (dev15 to
dev17, round 19) for the follow-up reader (``clinicbot.safety.follow_up_reader``) alone: the
safety classifier does not train on them, and ``MODEL_INPUTS`` lists them.

``safety_training_examples`` reads the safety classifier's own training files
(``TRAINING_DIR``, ``clinicbot/safety/training/*.yml``, same case format): sentences written as
training data only, never scored, and not Rasa NLU data (the intent classifier does not see
them). Round 8's ``everyday_statements.yml`` holds first-person statements with no risk (an
ordinary day, sadness told without hopelessness, venting, a session told calmly): the crisis
examples are nearly all first-person statements and the benign ones mostly questions, so
without them the classifier read "a statement about my life" as crisis. ``MODEL_INPUTS``
covers the folder (it lies under ``clinicbot/safety``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from clinicbot.paths import PACKAGE_DIR, TESTS_DIR
from clinicbot.safety.labels import ADVICE, CRISIS, EMERGENCY

logger = logging.getLogger(__name__)

#: The safety development set; the classifier trains on it too (see ``dev_training_examples``).
DEV_SET_FILE = TESTS_DIR / "safety" / "dev.yml"
#: Every safety development file the classifier trains on (the test set is never among them).
DEV_SET_FILES = (
    DEV_SET_FILE,
    TESTS_DIR / "safety" / "dev2.yml",
    TESTS_DIR / "safety" / "dev3.yml",
    TESTS_DIR / "safety" / "dev4.yml",
    TESTS_DIR / "safety" / "dev5.yml",
    TESTS_DIR / "safety" / "dev6.yml",
    TESTS_DIR / "safety" / "dev9.yml",
    TESTS_DIR / "safety" / "dev7.yml",
    TESTS_DIR / "safety" / "dev8.yml",
    TESTS_DIR / "safety" / "dev10.yml",
)
#: The two-message development sets whose second messages the follow-up reader trains on
#: (round 19, ``clinicbot.safety.follow_up_reader``): advice pairs positive, general questions
#: and logistics negative. The safety classifier itself does not train on them.
FOLLOW_UP_SET_FILES = (
    TESTS_DIR / "safety" / "dev15.yml",
    TESTS_DIR / "safety" / "dev16.yml",
    TESTS_DIR / "safety" / "dev17.yml",
)
#: The safety classifier's own training files (never scored; see the module docstring).
TRAINING_DIR = PACKAGE_DIR / "safety" / "training"
#: The pseudo-intent of the development set's benign messages (label ``none``).
DEV_BENIGN_INTENT = "safety_dev_benign"
_EXPECT_TO_INTENT = {
    CRISIS: "safety_crisis",
    EMERGENCY: "safety_emergency",
    ADVICE: "medical_advice",
}


def dev_training_examples(path: Path | None = None) -> list[tuple[str, str]]:
    """Reads the safety development sets as ``(text, intent)`` training pairs.

    Crisis, emergency and advice cases become the safety intents; benign cases (``none``,
    ``mention``) become ``DEV_BENIGN_INTENT``, which the classifier learns as ``none`` and
    always keeps (they are the hard negatives). The test set is never read here.

    Args:
        path: One development file; default: every file of ``DEV_SET_FILES`` that exists.

    Returns:
        The pairs; empty when no file is readable.
    """
    paths = [path] if path is not None else [p for p in DEV_SET_FILES if p.exists()]
    return _read_cases(paths)


def safety_training_examples() -> list[tuple[str, str]]:
    """Reads the safety classifier's own training files (``TRAINING_DIR``) as training pairs.

    Returns:
        ``(text, intent)`` pairs as ``dev_training_examples`` makes them; empty without files.
    """
    return _read_cases(sorted(TRAINING_DIR.glob("*.yml")))


def follow_up_training_pairs(
    paths: tuple[Path, ...] = FOLLOW_UP_SET_FILES,
) -> list[tuple[str, bool]]:
    """The second messages of the two-message development pairs, and whether each asks advice.

    Only pairs (cases with an earlier message) labelled advice or none are read: an urgent pair
    gets its urgent reply before any reading of advice.

    Args:
        paths: The development files (default ``FOLLOW_UP_SET_FILES``).

    Returns:
        ``(second message, asks a decision)`` pairs; a file that cannot be read is skipped.
    """
    return [
        (item["text"], item["expect"] == ADVICE)
        for item in _cases(paths)
        if isinstance(item.get("previous"), str)
        and item["previous"].strip()
        and item.get("expect") in (ADVICE, "none")
    ]


def _read_cases(paths: list[Path]) -> list[tuple[str, str]]:
    """The ``(text, intent)`` pairs of safety case files (an unreadable file is skipped)."""
    return [
        (item["text"], _EXPECT_TO_INTENT.get(str(item.get("expect")), DEV_BENIGN_INTENT))
        for item in _cases(paths)
    ]


def _cases(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """The cases (mappings with a text) of safety case files; an unreadable file is skipped."""
    for file in paths:
        try:
            content = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            logger.warning("a safety development set is not readable; trained without it")
            continue
        items = content.get("cases") if isinstance(content, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                yield item
