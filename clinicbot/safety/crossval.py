"""Cross-validation of the safety detector on the development sets (never the test set).

Usage::

    python -m clinicbot.safety.crossval [--folds 5] [--ablation]

The development cases (``tests/safety/dev.yml`` and ``tests/safety/dev2.yml``) are split into
``folds`` stratified folds (a fixed order by a hash of the text, so every run is the same).
For each fold a detector is trained the way the model's component trains it, on ``data/`` and
the development cases of the *other* folds, and it scores the held fold. The scored fold is
therefore never in the classifier's training data: these are the figures to tune on.
``tests/safety/test.yml`` is never read here.

Printed: the pooled figures over all folds (crisis+emergency recall, false alarms, refusal,
general medication answered), the misses per category and every miss of the development set,
and the false alarms of a detector trained on everything on the ordinary-question sets
(NLU held-out and real FAQ; the detector alone, without the router).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence

from clinicbot.safety.components import DEV_SET_FILES, dev_training_examples
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.evaluate import (
    Case,
    benign_report,
    benign_sets,
    compute_metrics,
    evaluate_cases,
    load_benign_questions,
    load_safety_set,
    load_training_examples,
    report,
    summary,
)

_EXPECT_TO_INTENT = {
    "crisis": "safety_crisis",
    "emergency": "safety_emergency",
    "advice": "medical_advice",
}


def development_cases() -> list[Case]:
    """The cases of every development file the classifier trains on."""
    cases: list[Case] = []
    for path in DEV_SET_FILES:
        if path.exists():
            cases.extend(load_safety_set(path))
    return cases


def _fold_of(case: Case, folds: int) -> int:
    """The fold of a case: a stable hash of its text."""
    digest = hashlib.sha1(case.text.strip().lower().encode("utf-8")).hexdigest()  # noqa: S324
    return int(digest[:8], 16) % folds


def _pairs(cases: Sequence[Case]) -> list[tuple[str, str]]:
    """Training pairs for development cases (benign ones as the dev benign intent)."""
    return [(c.text, _EXPECT_TO_INTENT.get(c.expect, "safety_dev_benign")) for c in cases]


def cross_validate(
    cases: Sequence[Case], folds: int = 5, ablation: bool = False
) -> dict[str, list[tuple[Case, str]]]:
    """Scores every case with a detector that did not train on it.

    Args:
        cases: The development cases.
        folds: How many folds.
        ablation: Also score the classifier alone and the patterns alone.

    Returns:
        ``{part: [(case, category)]}`` for ``patterns + classifier`` (and, with ``ablation``,
        ``classifier only`` and ``patterns only``).
    """
    base = load_training_examples()
    results: dict[str, list[tuple[Case, str]]] = {"patterns + classifier": []}
    if ablation:
        results["classifier only"] = []
        results["patterns only"] = []
    for fold in range(folds):
        held = [c for c in cases if _fold_of(c, folds) == fold]
        train = [c for c in cases if _fold_of(c, folds) != fold]
        detector = SafetyDetector().train(base + _pairs(train))
        for case in held:
            results["patterns + classifier"].append((case, detector.detect(case.text).category))
            if ablation:
                results["classifier only"].append(
                    (case, detector.detect_classifier_only(case.text).category)
                )
                results["patterns only"].append(
                    (case, detector.detect_patterns_only(case.text).category)
                )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        0 (the figures are for tuning; the goals are checked on the test set).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--max-rows", type=int, default=200)
    args = parser.parse_args(argv)
    cases = development_cases()
    results = cross_validate(cases, max(2, args.folds), args.ablation)
    title = f"development sets, {args.folds}-fold cross-validation, detector alone"
    print(report(compute_metrics(results["patterns + classifier"]), title, args.max_rows))
    for part, pairs in results.items():
        print(f"  {part:<22} {summary(compute_metrics(pairs))}")
    detector = SafetyDetector().train(load_training_examples() + dev_training_examples())
    for name, path in benign_sets():
        metrics = evaluate_cases(detector, load_benign_questions(path))
        print(benign_report(metrics, f"{name} ({path.name}), detector trained on all dev data"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
