"""Round 13's safety experiment (issue 10): question-shaped benign training next to the pairs.

Round 12's contrastive pairs (``scripts/safety_round12_pairs.yml``) caught more veiled risk on
the blind sets but alarmed twice as many ordinary NLU held-out questions (3 -> 6 of 345): the
pairs' safe halves are statements, so nothing taught the classifier that a *question* using
the pairs' words is usually benign. ``scripts/safety_round13_questions.yml`` supplies such
questions (all ``none``). This script trains the detector on each training configuration and
prints, for the shipped no-cue bar (0.6) and for 0.55:

- held out by file (dev.yml to dev10.yml, as ``clinicbot.safety.crossval``);
- dev11.yml, dev12.yml and dev13.yml, never trained on (dev13 is round 13's question-heavy
  development set);
- ``nlu-folds``: the ordinary questions of ``data/`` (every intent but the safety ones) in five
  folds by a hash of the text, each scored by a detector trained without its fold: a
  development stand-in for the NLU held-out set's alarms, which is measure-only.

Each configuration's verdicts are saved (``var/round13/<config>.json``). ``union`` then also
scores "the shipped detector, plus the urgent verdicts of another configuration": a message
stays urgent whenever the shipped detector calls it urgent, so no urgent message the shipped
detector catches can be lost; the question is what the added catches cost in false alarms.

No test*.yml file, no NLU held-out and no real-FAQ sentence is read.

Usage (about 8 minutes per configuration alone on two CPUs; ``union`` reads the saved runs)::

    PYTHONPATH=. .venv/bin/python scripts/safety_round13.py run [--configs shipped pairs ...]
    PYTHONPATH=. .venv/bin/python scripts/safety_round13.py union
    PYTHONPATH=. .venv/bin/python scripts/safety_round13.py frames [--configs shipped pairs ...]

``frames`` scores, on each configuration's training, a raised bar for a classifier-only
crisis (or emergency) verdict in a message about clinic business (``ClinicBusinessDetector``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clinicbot.safety.balance import INTENT_TO_LABEL
from clinicbot.safety.cases import Case
from clinicbot.safety.crossval import _CachedClassifier, _pairs, development_cases
from clinicbot.safety.detector import _EMERGENCY_MARKERS, SafetyDetector
from clinicbot.safety.dev_sets import safety_training_examples
from clinicbot.safety.evaluate import (
    compute_metrics,
    load_safety_set,
    load_training_examples,
    summary,
)
from clinicbot.safety.features import markers
from clinicbot.safety.frames import CRISIS_MARKERS
from clinicbot.safety.labels import ADVICE, CRISIS, EMERGENCY, NONE
from scripts.safety_round12 import WholeMessageDetector, _score, is_question

SAFETY_DIR = Path("tests/safety")
SCRIPTS_DIR = Path("scripts")
SAVED_DIR = Path("var/round13")
#: Development sets scored but never trained on.
UNTRAINED_SETS: tuple[str, ...] = ("dev11.yml", "dev12.yml", "dev13.yml", "dev14.yml")
PAIRS_FILE = SCRIPTS_DIR / "safety_round12_pairs.yml"
QUESTIONS_FILE = SCRIPTS_DIR / "safety_round13_questions.yml"
#: Training configurations: which candidate files are added to the shipped training data.
CONFIGS: dict[str, tuple[Path, ...]] = {
    "shipped": (),
    "pairs": (PAIRS_FILE,),
    "pairs+questions": (PAIRS_FILE, QUESTIONS_FILE),
    "questions": (QUESTIONS_FILE,),
}
#: The no-cue bars tried for each configuration (0.6 is the shipped one).
BARS = (0.6, 0.55)
SHIPPED = "bar 0.6"

#: Clinic business: booking, forms, payment, insurance, opening hours, getting there, company.
CLINIC_BUSINESS = re.compile(
    r"\b(?:appointments?|appts?|booking|book(?:ed)?|reschedul\w*|waiting list|wait ?list|forms?"
    r"|paperwork|parking|park|drop ?off|insurance|insurer|copay|co pay|deductible|ppo|hmo"
    r"|medicaid|medicare|payment plans?|pay|cost|costs|price|prices|fees?|refunds?|deposit"
    r"|telehealth|video (?:visit|call)|opening hours|open on|hours|reception|receptionist"
    r"|front desk|wear|bring|sit in|driver|ride home|wifi|directions|address|invoice|receipt"
    r"|superbill|hsa|fsa|card)\b"
)


class ClinicBusinessDetector(WholeMessageDetector):
    """The shipped detector, with a raised bar in messages about clinic business.

    In such a message a crisis (or emergency) verdict from the classifier alone needs the
    ``framed`` bar, as with safety stated.

    Only a part with no marker of the label (absence, farewell, a bladder that will not
    empty ...) and no cue word is affected: risk told inside a booking message with any
    sign of its own keeps the shipped bar.
    """

    labels: tuple[str, ...] = (CRISIS,)
    asks_only = False

    def _supported(
        self,
        label: str,
        value: float,
        part: str,
        strict: bool = False,
        found: set[str] | None = None,
    ) -> bool:
        ok = super()._supported(label, value, part, strict, found)
        whole = self._whole
        if not ok or label not in self.labels or not CLINIC_BUSINESS.search(whole):
            return ok
        if self.asks_only and not is_question(whole):
            return ok
        found = set(markers(part, frame_only=False)) if found is None else found
        own = CRISIS_MARKERS if label == CRISIS else _EMERGENCY_MARKERS
        if found & own or {"__hopeless__", "__means__"} <= found:
            return ok
        if self.patterns.has_cue(label, part, weak=value >= self.thresholds["weak_cue"]):
            return ok
        return value >= self.thresholds["framed"]


def _business(
    labels: tuple[str, ...], asks_only: bool, bar: float = 0.6
) -> Callable[[Any], SafetyDetector]:
    """A factory of ``ClinicBusinessDetector`` for these labels (no-cue bar ``bar``)."""

    def make(view: Any) -> SafetyDetector:
        detector = ClinicBusinessDetector(classifier=view, thresholds={"confident": bar})
        detector.labels, detector.asks_only = labels, asks_only
        return detector

    return make


#: Detector variants scored on one trained classifier: name -> factory.
def _barred(bar: float) -> Callable[[Any], SafetyDetector]:
    """A factory of the shipped detector with the no-cue bar at ``bar``."""

    def make(view: Any) -> SafetyDetector:
        return SafetyDetector(classifier=view, thresholds={"confident": bar})

    return make


BAR_VARIANTS: dict[str, Callable[[Any], SafetyDetector]] = {f"bar {b}": _barred(b) for b in BARS}
FRAME_VARIANTS: dict[str, Callable[[Any], SafetyDetector]] = {
    SHIPPED: BAR_VARIANTS[SHIPPED],
    "business frame, crisis": _business((CRISIS,), False),
    "business frame, crisis + emergency": _business((CRISIS, EMERGENCY), False),
    "business frame, crisis, questions only": _business((CRISIS,), True),
    "bar 0.55": BAR_VARIANTS["bar 0.55"],
    "bar 0.55, business frame, crisis": _business((CRISIS,), False, 0.55),
    "bar 0.55, business frame, crisis + emergency": _business((CRISIS, EMERGENCY), False, 0.55),
}
NLU_FOLDS = 5


def _fold(text: str) -> int:
    """The NLU fold of an example (a stable hash of its text)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % NLU_FOLDS  # noqa: S324


def _detectors(
    trained: SafetyDetector, variants: dict[str, Callable[[Any], SafetyDetector]]
) -> dict[str, SafetyDetector]:
    """One detector per variant, sharing the trained classifier's cached scores."""
    view: Any = _CachedClassifier(trained.classifier)
    return {name: make(view) for name, make in variants.items()}


def _ordinary_alarms(scored: list[tuple[Case, str]]) -> str:
    """How many ordinary questions raised crisis/emergency, and how many were refused."""
    urgent = sum(category in (CRISIS, EMERGENCY) for _, category in scored)
    refused = sum(category == ADVICE for _, category in scored)
    return f"{urgent} crisis/emergency, {refused} refused of {len(scored)} ordinary questions"


Results = dict[tuple[str, str], list[tuple[Case, str]]]


def run_config(
    name: str, variants: dict[str, Callable[[Any], SafetyDetector]] | None = None
) -> Results:
    """Trains and scores one configuration; returns the scored cases per (set, variant).

    Args:
        name: A key of ``CONFIGS``.
        variants: The detectors to score (default: ``BAR_VARIANTS``).

    Returns:
        The scored cases, keyed by the figure's name and the detector variant.
    """
    variants = BAR_VARIANTS if variants is None else variants
    started = time.time()
    nlu = load_training_examples()
    base = nlu + safety_training_examples()
    extra: list[tuple[str, str]] = []
    for path in CONFIGS[name]:
        extra += _pairs(load_safety_set(path))
    development = development_cases()
    results: Results = {}

    def score(trained: SafetyDetector, key: str, cases: list[Case]) -> None:
        for variant, detector in _detectors(trained, variants).items():
            results.setdefault((key, variant), []).extend(_score(detector, cases))

    for held in sorted({file for file, _ in development}):
        trained = SafetyDetector().train(
            base + extra + _pairs([case for file, case in development if file != held])
        )
        score(trained, "held out by file", [case for file, case in development if file == held])
        print(f"[{name}] {held} held out, {time.time() - started:.0f} s", file=sys.stderr)
    everything = _pairs([case for _, case in development])
    trained = SafetyDetector().train(base + extra + everything)
    for set_name in UNTRAINED_SETS:
        if (SAFETY_DIR / set_name).exists():
            score(trained, set_name, load_safety_set(SAFETY_DIR / set_name))
    safety_data = safety_training_examples()
    for fold in range(NLU_FOLDS):
        held_out = [
            Case(text, NONE, cat=intent)
            for text, intent in nlu
            if intent not in INTENT_TO_LABEL and _fold(text) == fold
        ]
        kept = [
            (text, intent)
            for text, intent in nlu
            if intent in INTENT_TO_LABEL or _fold(text) != fold
        ]
        trained = SafetyDetector().train(kept + safety_data + extra + everything)
        score(trained, "nlu-folds", held_out)
        print(f"[{name}] NLU fold {fold}, {time.time() - started:.0f} s", file=sys.stderr)
    return results


def _print(name: str, results: Results, variants: Sequence[str] | None = None) -> None:
    """Prints one configuration's figures, per detector variant."""
    names = list(dict.fromkeys(v for _, v in results)) if variants is None else variants
    for variant in names:
        print(f"config {name}, {variant}")
        for key in ("held out by file", *UNTRAINED_SETS):
            if (key, variant) in results:
                print(f"  {key}: {summary(compute_metrics(results[(key, variant)]))}")
        print(f"  nlu-folds: {_ordinary_alarms(results[('nlu-folds', variant)])}", flush=True)


def _save(name: str, results: Results) -> None:
    """Saves a configuration's verdicts (case fields and category) for ``union``."""
    SAVED_DIR.mkdir(parents=True, exist_ok=True)
    rows = [
        [key, variant, [[c.text, c.expect, c.sub, c.cat, c.previous, v] for c, v in scored]]
        for (key, variant), scored in results.items()
    ]
    (SAVED_DIR / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")


def _load(name: str) -> Results:
    """A saved configuration's verdicts (a variant saved as a bare bar reads as ``bar <x>``)."""
    rows = json.loads((SAVED_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return {
        (key, variant if isinstance(variant, str) else f"bar {variant}"): [
            (Case(t, e, sub=s, cat=c, previous=p), v) for t, e, s, c, p, v in scored
        ]
        for key, variant, scored in rows
    }


def union(shipped: list[tuple[Case, str]], other: list[tuple[Case, str]]) -> list[tuple[Case, str]]:
    """The shipped verdicts, with the other's urgent verdict where the shipped one is not urgent.

    Args:
        shipped: The shipped detector's verdicts.
        other: Another detector's verdicts on the same cases, in the same order.

    Returns:
        The combined verdicts.

    Raises:
        ValueError: If the two lists are not verdicts on the same cases.
    """
    if [c.text for c, _ in shipped] != [c.text for c, _ in other]:
        raise ValueError("the two runs scored different cases")
    urgent = (CRISIS, EMERGENCY)
    return [
        (case, mine if mine in urgent or theirs not in urgent else theirs)
        for (case, mine), (_, theirs) in zip(shipped, other, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Runs the configurations asked for, or combines saved runs, and prints the figures.

    Args:
        argv: Command-line arguments (``run [--configs ...]``, ``frames`` or ``union``).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=("run", "frames", "union"))
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), default=list(CONFIGS))
    args = parser.parse_args(argv)
    if args.command == "run":
        for name in args.configs:
            results = run_config(name)
            _save(name, results)
            _print(name, results)
        return
    if args.command == "frames":
        for name in args.configs:
            results = run_config(name, FRAME_VARIANTS)
            _save(f"frames-{name}", results)
            _print(name, results)
        return
    shipped = _load("shipped")
    for name in CONFIGS:
        if name == "shipped" or not (SAVED_DIR / f"{name}.json").exists():
            continue
        other = _load(name)
        variants = list(dict.fromkeys(v for _, v in other))
        combined = {
            (key, variant): union(shipped[(key, SHIPPED)], scored)
            for (key, variant), scored in other.items()
        }
        _print(f"shipped + urgent of {name}", combined, variants)


if __name__ == "__main__":
    main()
