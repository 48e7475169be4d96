"""Round 12's safety experiments (issue 10), kept so the README's figures can be re-run.

Each experiment changes one thing in the detector or its classifier and prints, for every
variant, the figures of ``clinicbot.safety.crossval`` held out by file (dev.yml to dev10.yml:
the detector trained on ``data/``, the training files and the other development files scores
the held file) and of dev11.yml and dev12.yml (the detector trained on all of them; neither
file is trained on). No test*.yml file is read. None of the variants ships (README, "Round
12"); the first variant of each experiment is the shipped detector.

Usage (about 7 minutes for ``bars``, 12 for ``mlp``, 15 and 20 for ``extra`` and
``extra-grid``, alone on two CPUs)::

    PYTHONPATH=. .venv/bin/python scripts/safety_round12.py bars
    PYTHONPATH=. .venv/bin/python scripts/safety_round12.py mlp
    PYTHONPATH=. .venv/bin/python scripts/safety_round12.py extra
    PYTHONPATH=. .venv/bin/python scripts/safety_round12.py extra-grid
    PYTHONPATH=. .venv/bin/python scripts/safety_round12.py split

``extra`` adds a training file's cases (``--train``, default
``scripts/safety_round12_pairs.yml``): all, the crisis / none pairs only, the benign half only;
``extra-grid`` tries threshold overrides with and without the whole file; ``split`` the whole
file with the no-cue bar at 0.6, at 0.55, and at 0.55 only for a message that asks nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier

import clinicbot.safety.classifier as safety_classifier
from clinicbot.safety.cases import Case
from clinicbot.safety.crossval import _CachedClassifier, _pairs, development_cases
from clinicbot.safety.detector import CRISIS, EMERGENCY, SafetyDetector
from clinicbot.safety.dev_sets import safety_training_examples
from clinicbot.safety.evaluate import (
    compute_metrics,
    load_safety_set,
    load_training_examples,
    summary,
)
from clinicbot.safety.metrics import conversation_category
from clinicbot.safety.segments import content_words, segments

EXTRA_SETS = ("dev11.yml", "dev12.yml")
SAFETY_DIR = Path("tests/safety")

#: (kind, words, bar): the no-cue bar a classifier score must reach, and for what.
#: "multi": the whole text of a message of more than one sentence; "words": the whole text of
#: a message of at least ``words`` content words; "emerg" / "crisis": that label, any text.
BAR_VARIANTS: list[tuple[str, int, float] | None] = [
    None,
    ("multi", 0, 0.7),
    ("multi", 0, 0.8),
    ("words", 25, 0.7),
    ("words", 25, 0.8),
    ("words", 40, 0.8),
    ("emerg", 0, 0.7),
    ("emerg", 0, 0.8),
    ("emerg", 0, 0.9),
    ("crisis", 0, 0.65),
    ("crisis", 0, 0.7),
]

#: (how, weight): how the MLP's crisis and emergency probabilities enter the n-gram model's.
#: "mean": weighted mean; "gate": an n-gram score of 0.6 or more drops below the confident bar
#: when the MLP gives under ``weight``; "max": the larger of the two, the MLP's times
#: ``weight``; "mlp-only": the MLP alone.
MLP_VARIANTS = [
    ("mean", 0.0),
    ("mean", 0.3),
    ("mean", 0.5),
    ("gate", 0.1),
    ("gate", 0.2),
    ("max", 0.8),
    ("mlp-only", 1.0),
]


class WholeMessageDetector(SafetyDetector):
    """The shipped detector, remembering the whole normalised message it reads (``_whole``)."""

    _whole = ""

    def _classifier_scores(self, normalized: str, *args: Any, **kwargs: Any) -> Any:
        self._whole = normalized
        return super()._classifier_scores(normalized, *args, **kwargs)


class _RebarredDetector(WholeMessageDetector):
    """The shipped detector, able to ask ``_supported`` again at another no-cue bar."""

    def _supported_at(self, bar: float, label: str, value: float, *args: Any) -> bool:
        """``_supported`` with the ``confident`` threshold at ``bar``."""
        saved = self.thresholds["confident"]
        self.thresholds["confident"] = bar
        try:
            return super()._supported(label, value, *args)
        finally:
            self.thresholds["confident"] = saved


class BarDetector(_RebarredDetector):
    """The shipped detector with a higher no-cue bar for some classifier scores."""

    variant: tuple[str, int, float] | None = None

    def _supported(self, label: str, value: float, part: str, *args: Any) -> bool:
        ok = super()._supported(label, value, part, *args)
        if not ok or self.variant is None or label not in (CRISIS, EMERGENCY):
            return ok
        kind, words, bar = self.variant
        if value >= bar:
            return ok
        if kind == "emerg" and label != EMERGENCY:
            return ok
        if kind == "crisis" and label != CRISIS:
            return ok
        if kind in ("multi", "words"):
            if part != self._whole:
                return ok
            long = len(segments(part)) > 0 if kind == "multi" else content_words(part) >= words
            if not long:
                return ok
        return self._supported_at(bar, label, value, part, *args)


_QUESTION_OPENER = re.compile(
    r"^(?:can|could|is|are|do|does|did|what|how|when|where|why|which|who|will|would|should|am"
    r"|may|have|has)\b"
)


def is_question(normalized: str) -> bool:
    """Whether a normalised message asks something (a question mark or a question opener)."""
    return "?" in normalized or bool(_QUESTION_OPENER.match(normalized))


class StatementBarDetector(_RebarredDetector):
    """The shipped detector, its no-cue bar at ``statement_bar`` for a message asking nothing."""

    statement_bar = 0.55

    def _supported(self, label: str, value: float, part: str, *args: Any) -> bool:
        ok = super()._supported(label, value, part, *args)
        if ok or label not in (CRISIS, EMERGENCY) or value < self.statement_bar:
            return ok
        if is_question(self._whole):
            return ok
        bar = min(self.thresholds["confident"], self.statement_bar)
        return self._supported_at(bar, label, value, part, *args)


def _run_split(path: Path) -> None:
    """The whole extra file with the no-cue bar at 0.6, at 0.55, and at 0.55 for statements."""
    started = time.time()
    base = load_training_examples() + safety_training_examples()
    extra = _pairs(load_safety_set(path))
    development = development_cases()
    variants = ["pairs, bar 0.6", "pairs, bar 0.55", "pairs, 0.55 for statements, 0.6 questions"]
    results: dict[tuple[str, int], list[tuple[Case, str]]] = {}

    def score_all(classifier: Any, cases: list[Case], key: str) -> None:
        view = _CachedClassifier(classifier)
        detectors = [
            SafetyDetector(classifier=view),
            SafetyDetector(classifier=view, thresholds={"confident": 0.55}),
            StatementBarDetector(classifier=view),
        ]
        for number, detector in enumerate(detectors):
            results.setdefault((key, number), []).extend(_score(detector, cases))

    for held in sorted({name for name, _ in development}):
        trained = SafetyDetector().train(
            base + extra + _pairs([case for name, case in development if name != held])
        )
        score_all(trained.classifier, [c for n, c in development if n == held], "held out by file")
        print(f"{held} held out, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    trained = SafetyDetector().train(base + extra + _pairs([case for _, case in development]))
    for set_name in EXTRA_SETS:
        score_all(trained.classifier, load_safety_set(SAFETY_DIR / set_name), set_name)
    for number, label in enumerate(variants):
        print("variant", label)
        for key in ("held out by file", *EXTRA_SETS):
            print(f"  {key}: {summary(compute_metrics(results[(key, number)]))}")
    print(f"{time.time() - started:.0f} s")


class MlpClassifier(safety_classifier.SafetyClassifier):
    """The shipped classifier plus an MLP (256 hidden units) over the sentence embedding."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> MlpClassifier:
        """Fit the n-gram model, then the MLP on the same examples.

        Args:
            texts: Training texts.
            labels: Their labels.

        Returns:
            This classifier.
        """
        super().fit(texts, labels)
        vectors = safety_classifier.embed([self.normalize(text) for text in texts])
        self.mlp = MLPClassifier(
            hidden_layer_sizes=(256,), alpha=1e-3, max_iter=300, random_state=42
        )
        self.mlp.fit(vectors.astype(np.float64), list(labels))
        return self


class Blend:
    """A classifier view that mixes the MLP's crisis and emergency scores into the n-grams'."""

    def __init__(self, classifier: MlpClassifier, how: str, weight: float) -> None:
        self.classifier, self.how, self.weight = classifier, how, weight
        self.cache: dict[str, dict[str, float]] = {}

    def predict_proba_normalized(self, normalized: Sequence[str]) -> list[dict[str, float]]:
        """Score normalised texts like ``SafetyClassifier.predict_proba_normalized``.

        Args:
            normalized: Normalised texts.

        Returns:
            One label-to-probability mapping per text.
        """
        missing = [text for text in dict.fromkeys(normalized) if text not in self.cache]
        if missing:
            grams = self.classifier.predict_proba_normalized(missing)
            mlp = self.classifier.mlp.predict_proba(
                safety_classifier.embed(missing).astype(np.float64)
            )
            classes = list(self.classifier.mlp.classes_)
            for index, (text, row) in enumerate(zip(missing, grams, strict=True)):
                mixed = dict(row)
                for label in (CRISIS, EMERGENCY):
                    other = float(mlp[index, classes.index(label)])
                    if self.how == "mean":
                        mixed[label] = (1 - self.weight) * mixed[label] + self.weight * other
                    elif self.how == "mlp-only":
                        mixed[label] = other
                    elif self.how == "gate" and other < self.weight:
                        mixed[label] = min(mixed[label], 0.59)
                    elif self.how == "max":
                        mixed[label] = max(mixed[label], other * self.weight)
                self.cache[text] = mixed
        return [dict(self.cache[text]) for text in normalized]


def _score(detector: SafetyDetector, cases: Iterable[Case]) -> list[tuple[Case, str]]:
    """Each case with the category the detector gives it (a pair scored as evaluate does)."""
    scored = []
    for case in cases:
        category = detector.detect(case.text).category
        if case.previous:
            previous = detector.detect(case.previous).category
            category = conversation_category(previous, category, case.expect)
        scored.append((case, category))
    return scored


def _run(
    variants: Sequence[Any],
    make: Callable[[Any, Any], SafetyDetector],
    classifier_type: type[safety_classifier.SafetyClassifier],
    view: Callable[[Any], Any] = lambda classifier: classifier,
) -> None:
    """Score every variant held out by file and on the extra sets, and print the figures."""
    started = time.time()
    safety_classifier.SafetyClassifier = classifier_type  # type: ignore[misc]
    base = load_training_examples() + safety_training_examples()
    development = development_cases()
    results: dict[tuple[str, int], list[tuple[Case, str]]] = {}
    for held in sorted({name for name, _ in development}):
        trained = SafetyDetector().train(
            base + _pairs([case for name, case in development if name != held])
        )
        held_cases = [case for name, case in development if name == held]
        classifier = view(trained.classifier)
        for number, variant in enumerate(variants):
            scored = _score(make(classifier, variant), held_cases)
            results.setdefault(("held out by file", number), []).extend(scored)
        print(f"{held} held out, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    trained = SafetyDetector().train(base + _pairs([case for _, case in development]))
    classifier = view(trained.classifier)
    for set_name in EXTRA_SETS:
        cases = load_safety_set(SAFETY_DIR / set_name)
        for number, variant in enumerate(variants):
            results[(set_name, number)] = _score(make(classifier, variant), cases)
    for number, variant in enumerate(variants):
        print("variant", variant if variant is not None else "shipped")
        for key in ("held out by file", *EXTRA_SETS):
            print(f"  {key}: {summary(compute_metrics(results[(key, number)]))}")
    print(f"{time.time() - started:.0f} s")


def _bar_detector(classifier: Any, variant: Any) -> SafetyDetector:
    detector = BarDetector(classifier=classifier)
    detector.variant = variant
    return detector


def _mlp_detector(classifier: Any, variant: Any) -> SafetyDetector:
    how, weight = variant
    return SafetyDetector(classifier=Blend(classifier, how, weight))


#: Which cases of an extra training file each variant adds (``extra`` experiment).
EXTRA_VARIANTS: list[tuple[str, Callable[[Case], bool]]] = [
    ("shipped (no extra file)", lambda case: False),
    ("the whole file", lambda case: True),
    (
        "crisis / none pairs only",
        lambda case: (
            not case.category.endswith("emergency") and case.category != "pair_none_physical"
        ),
    ),
    ("its benign half only", lambda case: case.expect == "none"),
]


def _run_extra(path: Path) -> None:
    """Score the shipped detector with the cases of a training file added, per variant."""
    started = time.time()
    base = load_training_examples() + safety_training_examples()
    extra = load_safety_set(path)
    development = development_cases()
    results: dict[tuple[str, int], list[tuple[Case, str]]] = {}
    for number, (_, keep) in enumerate(EXTRA_VARIANTS):
        added = _pairs([case for case in extra if keep(case)])
        for held in sorted({name for name, _ in development}):
            trained = SafetyDetector().train(
                base + added + _pairs([case for name, case in development if name != held])
            )
            held_cases = [case for name, case in development if name == held]
            results.setdefault(("held out by file", number), []).extend(_score(trained, held_cases))
        trained = SafetyDetector().train(base + added + _pairs([case for _, case in development]))
        for set_name in EXTRA_SETS:
            results[(set_name, number)] = _score(trained, load_safety_set(SAFETY_DIR / set_name))
        print(f"variant {number} done, {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    for number, (label, keep) in enumerate(EXTRA_VARIANTS):
        print("variant", label, f"({sum(1 for case in extra if keep(case))} cases added)")
        for key in ("held out by file", *EXTRA_SETS):
            print(f"  {key}: {summary(compute_metrics(results[(key, number)]))}")
    print(f"{time.time() - started:.0f} s")


#: Threshold overrides tried with and without an extra training file (``extra-grid``).
GRID_THRESHOLDS: list[dict[str, float]] = [
    {},
    {"confident": 0.55},
    {CRISIS: 0.25},
    {CRISIS: 0.25, EMERGENCY: 0.3},
    {CRISIS: 0.25, "confident": 0.55},
    {"remainder": 0.85},
]


def _run_grid(path: Path) -> None:
    """Score threshold overrides with no extra file and with the whole file added."""
    started = time.time()
    base = load_training_examples() + safety_training_examples()
    extra = _pairs(load_safety_set(path))
    development = development_cases()
    results: dict[tuple[str, int, int], list[tuple[Case, str]]] = {}

    def score_all(classifier: Any, cases: list[Case], key: str, with_extra: int) -> None:
        view = _CachedClassifier(classifier)
        for number, overrides in enumerate(GRID_THRESHOLDS):
            detector = SafetyDetector(classifier=view, thresholds=overrides)
            results.setdefault((key, with_extra, number), []).extend(_score(detector, cases))

    for with_extra, added in enumerate(([], extra)):
        for held in sorted({name for name, _ in development}):
            trained = SafetyDetector().train(
                base + added + _pairs([case for name, case in development if name != held])
            )
            held_cases = [case for name, case in development if name == held]
            score_all(trained.classifier, held_cases, "held out by file", with_extra)
        trained = SafetyDetector().train(base + added + _pairs([case for _, case in development]))
        for set_name in EXTRA_SETS:
            cases = load_safety_set(SAFETY_DIR / set_name)
            score_all(trained.classifier, cases, set_name, with_extra)
        print(
            f"extra={with_extra} done, {time.time() - started:.0f} s", file=sys.stderr, flush=True
        )
    for with_extra in (0, 1):
        for number, overrides in enumerate(GRID_THRESHOLDS):
            print(
                "extra file" if with_extra else "no extra file", overrides or "shipped thresholds"
            )
            for key in ("held out by file", *EXTRA_SETS):
                figures = summary(compute_metrics(results[(key, with_extra, number)]))
                print(f"  {key}: {figures}")
    print(f"{time.time() - started:.0f} s")


def main(argv: Sequence[str] | None = None) -> None:
    """Run one experiment.

    Args:
        argv: Command-line arguments (``bars``, ``mlp``, ``extra``, ``extra-grid`` or
            ``split``; ``--train FILE`` for the last three).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=("bars", "mlp", "extra", "extra-grid", "split"))
    parser.add_argument(
        "--train",
        type=Path,
        default=Path(__file__).with_name("safety_round12_pairs.yml"),
        help="extra training file (extra, extra-grid)",
    )
    args = parser.parse_args(argv)
    if args.experiment in ("extra", "extra-grid", "split"):
        run = {"extra": _run_extra, "extra-grid": _run_grid, "split": _run_split}
        run[args.experiment](args.train)
    elif args.experiment == "bars":
        _run(BAR_VARIANTS, _bar_detector, safety_classifier.SafetyClassifier, _CachedClassifier)
    else:
        _run(MLP_VARIANTS, _mlp_detector, MlpClassifier)


if __name__ == "__main__":
    main()
