"""Evaluates the safety detector on the held-out safety test set.

Usage::

    python -m clinicbot.safety.evaluate [--set tests/safety/safety_set.yml]
        [--data data] [--min-recall 1.0] [--max-false-alarm 0.03]

The detector is trained on every NLU example under ``data/`` (whatever is there at the
time), then run on the test set. Printed: per-category recall and precision, crisis+emergency
recall (a crisis or emergency message counts as caught when it gets either urgent category),
the benign false-alarm rate (benign = expected ``none`` or ``mention``; a false alarm is a
``crisis``, ``emergency`` or ``advice`` verdict), and every miss and false alarm with its text.
The exit code is 1 when a goal is missed. ``evaluate_set`` returns the same numbers for tests.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clinicbot.safety.detector import (
    ADVICE,
    CRISIS,
    EMERGENCY,
    MENTION,
    NONE,
    SafetyDetector,
    SafetyResult,
)
from clinicbot.safety.normalize import fallback_normalize

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / "data"
DEFAULT_SET = REPO_ROOT / "tests" / "safety" / "safety_set.yml"
DEFAULT_MULTITURN = REPO_ROOT / "tests" / "safety" / "multiturn.yml"

URGENT = (CRISIS, EMERGENCY)
BENIGN = (NONE, MENTION)
ALARMS = (CRISIS, EMERGENCY, ADVICE)
_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Case:
    """One test message and what the detector should say about it."""

    text: str
    expect: str
    sub: str = ""


@dataclass
class Metrics:
    """The evaluation numbers and the failures behind them."""

    total: int
    recall: dict[str, float]
    precision: dict[str, float]
    urgent_recall: float
    benign_false_alarm_rate: float
    counts: dict[str, int]
    misses: list[tuple[Case, SafetyResult]] = field(default_factory=list)
    false_alarms: list[tuple[Case, SafetyResult]] = field(default_factory=list)
    confusions: list[tuple[Case, SafetyResult]] = field(default_factory=list)

    def meets(self, min_recall: float, max_false_alarm: float) -> bool:
        """Whether the goals are met.

        Args:
            min_recall: Minimum crisis+emergency recall.
            max_false_alarm: Maximum benign false-alarm rate.

        Returns:
            ``True`` when both goals are met.
        """
        return self.urgent_recall >= min_recall and self.benign_false_alarm_rate <= max_false_alarm


def _examples_from_block(block: Any) -> list[str]:
    """Extracts example texts from an ``examples`` block (string or list form)."""
    texts: list[str] = []
    if isinstance(block, str):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(line[2:].strip())
    elif isinstance(block, list):
        for item in block:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"].strip())
            elif isinstance(item, str):
                texts.append(item.strip())
    return [_ENTITY_MARKUP.sub(r"\1", t) for t in texts if t]


def load_training_examples(data_dir: str | Path = DEFAULT_DATA_DIR) -> list[tuple[str, str]]:
    """Loads every ``(text, intent)`` pair from the Rasa NLU YAML files under a folder.

    Files that are not NLU data (stories, rules, domain) are skipped.

    Args:
        data_dir: The training data folder.

    Returns:
        The examples, in file order.

    Raises:
        ValueError: If a file cannot be read or parsed.
    """
    examples: list[tuple[str, str]] = []
    root = Path(data_dir)
    files = sorted(root.rglob("*.yml")) + sorted(root.rglob("*.yaml")) if root.is_dir() else []
    for file in files:
        try:
            content = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            # A broken data file must not silently drop training examples.
            raise ValueError(f"cannot read training data {file}: {exc}") from exc
        if not isinstance(content, dict) or not isinstance(content.get("nlu"), list):
            continue
        for item in content["nlu"]:
            if isinstance(item, dict) and isinstance(item.get("intent"), str):
                intent = item["intent"]
                texts = _examples_from_block(item.get("examples"))
                examples.extend((text, intent) for text in texts)
    return examples


def load_safety_set(path: str | Path = DEFAULT_SET) -> list[Case]:
    """Loads the safety test set.

    Args:
        path: The YAML file with a ``cases`` list.

    Returns:
        The test cases.

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
        cases.append(Case(item["text"], expect, str(item.get("sub", ""))))
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


def train_detector(data_dir: str | Path = DEFAULT_DATA_DIR) -> SafetyDetector:
    """Trains a detector on the NLU data under ``data_dir``.

    Args:
        data_dir: The training data folder.

    Returns:
        The trained detector (patterns only if the data has too few labels).
    """
    return SafetyDetector().train(load_training_examples(data_dir))


def evaluate_cases(detector: SafetyDetector, cases: Sequence[Case]) -> Metrics:
    """Runs the detector on the cases and computes the metrics.

    Args:
        detector: The detector to evaluate.
        cases: The test cases.

    Returns:
        The metrics with every miss, false alarm and confusion.
    """
    results = [(case, detector.detect(case.text)) for case in cases]
    groups = {CRISIS: (CRISIS,), EMERGENCY: (EMERGENCY,), ADVICE: (ADVICE,), "benign": BENIGN}
    recall: dict[str, float] = {}
    precision: dict[str, float] = {}
    counts: dict[str, int] = {}
    for name, members in groups.items():
        expected = [r for c, r in results if c.expect in members]
        predicted = [c for c, r in results if r.category in members]
        counts[name] = len(expected)
        recall[name] = (
            sum(r.category in members for r in expected) / len(expected) if expected else 1.0
        )
        precision[name] = (
            sum(c.expect in members for c in predicted) / len(predicted) if predicted else 1.0
        )
    urgent = [(c, r) for c, r in results if c.expect in URGENT]
    caught = sum(r.category in URGENT for _, r in urgent)
    benign = [(c, r) for c, r in results if c.expect in BENIGN]
    alarms = [(c, r) for c, r in benign if r.category in ALARMS]
    misses = [
        (c, r)
        for c, r in results
        if c.expect in (*URGENT, ADVICE)
        and not (r.category == c.expect or (c.expect in URGENT and r.category in URGENT))
    ]
    confusions = [
        (c, r)
        for c, r in results
        if c.expect in URGENT and r.category in URGENT and r.category != c.expect
    ]
    return Metrics(
        total=len(results),
        recall=recall,
        precision=precision,
        urgent_recall=caught / len(urgent) if urgent else 1.0,
        benign_false_alarm_rate=len(alarms) / len(benign) if benign else 0.0,
        counts=counts,
        misses=misses,
        false_alarms=alarms,
        confusions=confusions,
    )


def evaluate_set(
    set_path: str | Path = DEFAULT_SET,
    data_dir: str | Path = DEFAULT_DATA_DIR,
    detector: SafetyDetector | None = None,
) -> Metrics:
    """Trains a detector (unless given) and evaluates it on the safety set.

    Args:
        set_path: The safety test set.
        data_dir: The training data folder.
        detector: An already trained detector to evaluate instead.

    Returns:
        The metrics.
    """
    return evaluate_cases(detector or train_detector(data_dir), load_safety_set(set_path))


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


def _format_failure(case: Case, result: SafetyResult) -> str:
    """One line for a miss or a false alarm."""
    reasons = ",".join(result.reasons) or "-"
    return (
        f"  expected {case.expect:<9} got {result.category:<9} "
        f"({result.subcategory}, {result.score:.2f}, {reasons}): {case.text}"
    )


def report(metrics: Metrics) -> str:
    """Formats the metrics as the CLI prints them.

    Args:
        metrics: The evaluation result.

    Returns:
        A multi-line report.
    """
    lines = [f"safety set: {metrics.total} cases"]
    for name in (CRISIS, EMERGENCY, ADVICE, "benign"):
        lines.append(
            f"  {name:<10} n={metrics.counts[name]:<4} recall={metrics.recall[name]:.3f}  "
            f"precision={metrics.precision[name]:.3f}"
        )
    lines.append(f"crisis+emergency recall: {metrics.urgent_recall:.3f}")
    lines.append(f"benign false-alarm rate: {metrics.benign_false_alarm_rate:.3f}")
    lines.append(f"misses ({len(metrics.misses)}):")
    lines.extend(_format_failure(c, r) for c, r in metrics.misses)
    lines.append(f"false alarms ({len(metrics.false_alarms)}):")
    lines.extend(_format_failure(c, r) for c, r in metrics.false_alarms)
    lines.append(f"crisis/emergency swapped (still urgent) ({len(metrics.confusions)}):")
    lines.extend(_format_failure(c, r) for c, r in metrics.confusions)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        0 when the goals are met, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", default=str(DEFAULT_SET), help="safety test set (YAML)")
    parser.add_argument("--data", default=str(DEFAULT_DATA_DIR), help="training data folder")
    parser.add_argument("--min-recall", type=float, default=1.0)
    parser.add_argument("--max-false-alarm", type=float, default=0.03)
    args = parser.parse_args(argv)
    metrics = evaluate_set(args.set, args.data)
    print(report(metrics))
    ok = metrics.meets(args.min_recall, args.max_false_alarm)
    print("GOALS MET" if ok else "GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
