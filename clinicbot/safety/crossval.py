"""Cross-validation of the safety detector on the development sets (never a test set).

Usage::

    python -m clinicbot.safety.crossval [--group file|hash] [--folds 5] [--ablation] [--calibrate]
        [--exclude dev8.yml ...]

The development cases (``DEV_SET_FILES``: ``tests/safety/dev.yml`` to ``dev10.yml``) are split
into groups. ``--group file`` (the default) holds out one *file* at a time: the detector is
trained the way the model's component trains it, on ``data/`` and the other development files,
and scores the held file. Each file was written in a different round with
different wordings, so this is the stricter test of how the detector carries over to messages
written by someone else. ``--group hash`` splits the pooled cases into ``--folds`` folds by a
hash of the text (the previous rounds' figures). Either way the scored cases are never in the
classifier's training data: these are the figures to tune on. ``tests/safety/test.yml`` and
``test2.yml`` to ``test6.yml`` are never read here. A two-message case is scored as the
conversation met it (``metrics.conversation_category``): for an urgent pair the first message's
urgent reply counts; the detector alone has no context rules, so a pair the pipeline catches by
its context (``SafetyContextPolicy``) can be a miss here.

``--calibrate`` also scores every held-out case under a grid of classifier thresholds (crisis,
emergency, and ``confident``, the probability that needs no cue word) and prints, for each
setting, the pooled figures; the setting chosen is the one with the highest crisis+emergency
recall among those with false alarms <= the goal (3 %) and general medication answered >= the
goal, then the highest refusal, then the fewest false alarms. The chosen values are
``DEFAULT_THRESHOLDS`` in ``detector.py``.

Printed: the pooled figures, per held group, the misses per category and every miss, the parts
on their own with ``--ablation`` (patterns only, classifier only, both), and the false alarms of
a detector trained on everything on the ordinary-question sets (NLU held-out and real FAQ:
counts only, their sentences are measure-only).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from clinicbot.safety.detector import DEFAULT_THRESHOLDS, SafetyDetector
from clinicbot.safety.dev_sets import DEV_SET_FILES, safety_training_examples
from clinicbot.safety.evaluate import (
    GOALS,
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
    train_detector,
)
from clinicbot.safety.metrics import conversation_category

_EXPECT_TO_INTENT = {
    "crisis": "safety_crisis",
    "emergency": "safety_emergency",
    "advice": "medical_advice",
}
#: The threshold grid ``--calibrate`` searches.
CALIBRATION_GRID: dict[str, tuple[float, ...]] = {
    "crisis": (0.4, 0.45, 0.5),
    "emergency": (0.4,),
    "confident": (0.7, 0.8, 0.9),
    "advice_personal": (0.35, 0.45),
    "framed": (0.9, 0.95),
}


def development_cases(exclude: Collection[str] = ()) -> list[tuple[str, Case]]:
    """The cases of every development file the classifier trains on, with their file's name.

    Args:
        exclude: File names (``dev8.yml``) left out of training and scoring: what a file's
            data adds to the others, held out by file.

    Returns:
        ``(file name, case)`` pairs.
    """
    cases: list[tuple[str, Case]] = []
    for path in DEV_SET_FILES:
        if path.exists() and path.name not in exclude:
            cases.extend((path.name, case) for case in load_safety_set(path))
    return cases


def _fold_of(case: Case, folds: int) -> int:
    """The fold of a case: a stable hash of its text."""
    digest = hashlib.sha1(case.text.strip().lower().encode("utf-8")).hexdigest()  # noqa: S324
    return int(digest[:8], 16) % folds


def groups_of(cases: Sequence[tuple[str, Case]], group: str, folds: int) -> list[str]:
    """The held-out group of every case: its file, or ``fold-N`` by a hash of the text.

    Args:
        cases: ``(file name, case)`` pairs.
        group: ``file`` or ``hash``.
        folds: How many folds for ``hash``.

    Returns:
        One group name per case.
    """
    if group == "file":
        return [name for name, _ in cases]
    return [f"fold-{_fold_of(case, folds)}" for _, case in cases]


def _pairs(cases: Sequence[Case]) -> list[tuple[str, str]]:
    """Training pairs for development cases (benign ones as the dev benign intent)."""
    return [(c.text, _EXPECT_TO_INTENT.get(c.expect, "safety_dev_benign")) for c in cases]


class _CachedClassifier:
    """Memoises a classifier's probabilities per text (the threshold grid reuses them)."""

    def __init__(self, classifier: Any) -> None:
        self._classifier = classifier
        self._cache: dict[str, dict[str, float]] = {}

    def predict_proba_normalized(self, normalized: Sequence[str]) -> list[dict[str, float]]:
        missing = [t for t in dict.fromkeys(normalized) if t not in self._cache]
        if missing:
            predicted = self._classifier.predict_proba_normalized(missing)
            self._cache.update(zip(missing, predicted, strict=True))
        return [self._cache[t] for t in normalized]


def _settings() -> list[dict[str, float]]:
    """Every threshold setting of the calibration grid."""
    keys = list(CALIBRATION_GRID)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(CALIBRATION_GRID[k] for k in keys))
    ]


def cross_validate(
    cases: Sequence[tuple[str, Case]],
    group: str = "file",
    folds: int = 5,
    ablation: bool = False,
    calibrate: bool = False,
) -> dict[str, list[tuple[Case, str]]]:
    """Scores every case with a detector that did not train on it.

    Args:
        cases: ``(file name, case)`` pairs of the development sets.
        group: ``file`` (hold out one file at a time) or ``hash`` (folds by text hash).
        folds: How many folds for ``hash``.
        ablation: Also score the classifier alone and the patterns alone.
        calibrate: Also score every setting of ``CALIBRATION_GRID``.

    Returns:
        ``{part: [(case, category)]}`` for ``patterns + classifier`` (with ``ablation`` also
        ``classifier only`` and ``patterns only``; with ``calibrate`` one entry per setting,
        named ``thresholds crisis=.. emergency=.. confident=..``), and one entry per held group
        (``held <group>``).
    """
    base = load_training_examples() + safety_training_examples()
    names = groups_of(cases, group, folds)
    results: dict[str, list[tuple[Case, str]]] = {"patterns + classifier": []}
    if ablation:
        results["classifier only"] = []
        results["patterns only"] = []
    settings = _settings() if calibrate else []
    for held_name in sorted(set(names)):
        held = [c for (_, c), n in zip(cases, names, strict=True) if n == held_name]
        train = [c for (_, c), n in zip(cases, names, strict=True) if n != held_name]
        detector = SafetyDetector().train(base + _pairs(train))
        own = results.setdefault(f"held {held_name}", [])
        for case in held:
            category = detector.detect(case.text).category
            if case.previous:  # the pair as the conversation met it (no context rules here)
                first = detector.detect(case.previous).category
                category = conversation_category(first, category, case.expect)
            results["patterns + classifier"].append((case, category))
            own.append((case, category))
            if ablation:
                results["classifier only"].append(
                    (case, detector.detect_classifier_only(case.text).category)
                )
                results["patterns only"].append(
                    (case, detector.detect_patterns_only(case.text).category)
                )
        cached = _CachedClassifier(detector.classifier) if detector.classifier else None
        for setting in settings:
            trial = SafetyDetector(classifier=cached, thresholds=setting)  # type: ignore[arg-type]
            key = "thresholds " + " ".join(f"{k}={v}" for k, v in setting.items())
            results.setdefault(key, []).extend(
                (case, trial.detect(case.text).category) for case in held
            )
    return results


def choose_thresholds(results: dict[str, list[tuple[Case, str]]]) -> tuple[str, Any] | None:
    """Picks the calibration setting with the best recall within the false-alarm goal.

    Settings with false alarms above the goal (3 %) or general medication questions answered
    below it (0.95) are out; among the rest the highest crisis+emergency recall wins, then
    the highest refusal, then the fewest false alarms.

    Args:
        results: ``cross_validate(..., calibrate=True)`` output.

    Returns:
        ``(setting name, metrics)``, or ``None`` when no setting meets the false-alarm and
        general-answer goals.
    """
    best: tuple[tuple[float, float, float], str, Any] | None = None
    for key, pairs in results.items():
        if not key.startswith("thresholds "):
            continue
        metrics = compute_metrics(pairs)
        if metrics.benign_false_alarm_rate > GOALS["max_false_alarm"]:
            continue
        if metrics.general_answered_rate < GOALS["min_general_answered"]:
            continue
        rank = (metrics.urgent_recall, metrics.refusal_rate, -metrics.benign_false_alarm_rate)
        if best is None or rank > best[0]:
            best = (rank, key, metrics)
    return (best[1], best[2]) if best else None


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        0 (the figures are for tuning; the goals are checked on the test set).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--group", choices=("file", "hash"), default="file")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--max-rows", type=int, default=200)
    parser.add_argument("--exclude", nargs="*", default=[], help="dev files to leave out")
    args = parser.parse_args(argv)
    cases = development_cases(exclude=args.exclude)
    results = cross_validate(cases, args.group, max(2, args.folds), args.ablation, args.calibrate)
    files = ", ".join(sorted({Path(n).name for n, _ in cases}))
    title = (
        f"development sets ({files}), held out by {args.group}, detector alone, "
        f"thresholds {DEFAULT_THRESHOLDS}"
    )
    print(report(compute_metrics(results["patterns + classifier"]), title, args.max_rows))
    for part, pairs in results.items():
        if not part.startswith("thresholds "):
            print(f"  {part:<22} {summary(compute_metrics(pairs))}")
    if args.calibrate:
        print("== threshold calibration (pooled held-out verdicts)")
        for part, pairs in results.items():
            if part.startswith("thresholds "):
                print(f"  {part:<48} {summary(compute_metrics(pairs))}")
        chosen = choose_thresholds(results)
        print(f"  chosen: {chosen[0]}" if chosen else "  no setting meets the goals")
    detector = train_detector()
    for name, path in benign_sets():
        metrics = evaluate_cases(detector, load_benign_questions(path))
        title = f"{name} ({path.name}), detector trained on all dev data"
        print(benign_report(metrics, title, blind=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
