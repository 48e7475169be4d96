"""Threshold choice by grouped cross-validation on the training data (never an evaluation set)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from clinicbot.evaluation.cases import SAFETY_INTENTS, load_examples
from clinicbot.paths import CONFIG_FILE, DATA_DIR

# --- threshold choice by cross-validation on the training data ---------------------------------

#: Utility of an outcome when choosing thresholds: a right answer is worth 1, a confident wrong
#: answer costs 3 (the issue's first concern), a clarification that offers the right topic is
#: worth 0.5, and "did you mean" buttons next to a right answer cost 0.1 (clutter).
UTILITY = {"right": 1.0, "confident_wrong": -3.0, "clarify_offered": 0.5, "hedged_right": -0.1}
#: File groups for cross-validation: each group is predicted by a model trained on the others,
#: so the thresholds are chosen on phrasings written apart from the training phrasings.
CV_GROUPS = ("kb_", "augment_", "augment2_", "realstyle_", "out_of_scope")


def _cv_group(path: Path) -> str:
    # Later rounds of real-style data (realstyle2_, realstyle3_ ...) belong to the same group.
    name = re.sub(r"^realstyle\d+_", "realstyle_", path.name)
    return next((g for g in CV_GROUPS if name.startswith(g)), "other")


def cross_validated_rankings(
    c_values: Sequence[float],
) -> Dict[float, List[Tuple[str, List[Tuple[str, float]]]]]:
    """Rankings of every training example by a classifier trained without its file group.

    Args:
        c_values: Regularisation strengths to try.

    Returns:
        For each C: (label, ranking without the safety intents) per predicted example.
    """
    from clinicbot.components.intent_classifier import intent_text_classifier

    grouped: Dict[str, List[Tuple[str, str]]] = {}
    for path in sorted(DATA_DIR.rglob("*.yml")):
        grouped.setdefault(_cv_group(path), []).extend(load_examples(path))
    out: Dict[float, List[Tuple[str, List[Tuple[str, float]]]]] = {}
    for c in c_values:
        rows: List[Tuple[str, List[Tuple[str, float]]]] = []
        for group in CV_GROUPS:
            test = [(t, i) for t, i in grouped.get(group, []) if i not in SAFETY_INTENTS]
            train = [pair for g, pairs in grouped.items() if g != group for pair in pairs]
            if not test:
                continue
            clf = intent_text_classifier(c).fit([t for t, _ in train], [i for _, i in train])
            for (_, label), probs in zip(
                test, clf.predict_proba_many([t for t, _ in test]), strict=True
            ):
                ranked = sorted(probs.items(), key=lambda kv: -kv[1])
                rows.append((label, [(n, p) for n, p in ranked if n not in SAFETY_INTENTS]))
        out[c] = rows
    return out


def calibration_utility(
    rows: Sequence[Tuple[str, List[Tuple[str, float]]]],
    fallback_threshold: float,
    alternative_min: float,
    hedge_below: float = 0.0,
) -> Tuple[float, Dict[str, int]]:
    """Mean utility (``UTILITY``) of a threshold choice on cross-validated rankings.

    The decision is the pipeline's: below ``fallback_threshold`` a clarification offers the
    best topics, otherwise the top intent is answered with "did you mean" buttons
    (``clinicbot.components.calibration.offered_topics``: runner-ups at or above
    ``alternative_min``, or, below ``hedge_below``, as many topics as a clarification offers).

    Args:
        rows: (label, ranking) pairs.
        fallback_threshold: FallbackClassifier threshold.
        alternative_min: AnswerCalibration's ``alternative_min_confidence``.
        hedge_below: AnswerCalibration's ``hedge_below`` (upper edge of the middle band).

    Returns:
        (mean utility, outcome counts).
    """
    from clinicbot.components.calibration import FALLBACK_INTENT, offered_topics

    config = {
        "alternative_min_confidence": alternative_min,
        "max_alternatives": 2,
        "clarify_topics": 3,
        "hedge_below": hedge_below,
    }
    counts: Counter = Counter()
    for label, ranking in rows:
        top, confidence = ranking[0]
        items = [{"name": n, "confidence": p} for n, p in ranking]
        if confidence < fallback_threshold:
            offered = offered_topics(FALLBACK_INTENT, items, config)
            counts["clarify_offered" if label in offered else "clarify_other"] += 1
            continue
        offered = offered_topics(top, items, config)
        if top == label:
            counts["hedged_right" if offered else "right"] += 1
        elif label in offered:
            counts["hedged_wrong"] += 1
        else:
            counts["confident_wrong"] += 1
    value = (
        UTILITY["right"] * (counts["right"] + counts["hedged_right"])
        + UTILITY["confident_wrong"] * counts["confident_wrong"]
        + UTILITY["clarify_offered"] * counts["clarify_offered"]
        + UTILITY["hedged_right"] * counts["hedged_right"]
    )
    return value / max(1, len(rows)), dict(counts)


#: The grid searched by ``calibrate``: wide enough that the choice is not at an edge.
FALLBACK_GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
ALTERNATIVE_GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)
#: Upper edges of the middle band (0: none); a band only counts above the fallback threshold.
HEDGE_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def run_calibrate() -> int:
    """Chooses the thresholds by grouped cross-validation (at config.yml's C) and prints them.

    Returns:
        Exit code (0).
    """
    with CONFIG_FILE.open(encoding="utf-8") as fh:
        pipeline = yaml.safe_load(fh)["pipeline"]
    c_values = [
        float(c.get("C", 30.0)) for c in pipeline if c["name"].endswith("TfidfIntentClassifier")
    ]
    print("Cross-validating by file group (each group predicted by the others) ...", flush=True)
    results = []
    for c, rows in cross_validated_rankings(c_values).items():
        for fallback in FALLBACK_GRID:
            for alternative in ALTERNATIVE_GRID:
                for hedge in HEDGE_GRID:
                    if hedge and hedge <= fallback:
                        continue
                    value, counts = calibration_utility(rows, fallback, alternative, hedge)
                    results.append((value, c, fallback, alternative, hedge, counts, len(rows)))
    results.sort(key=lambda r: -r[0])
    print(f"{'utility':>8s} {'C':>6s} {'fallback':>8s} {'alt_min':>8s} {'hedge':>6s}  outcomes")
    for value, c, fallback, alternative, hedge, counts, n in results[:15]:
        print(
            f"{value:8.3f} {c:6.0f} {fallback:8.2f} {alternative:8.3f} {hedge:6.2f}  "
            f"{counts} of {n}"
        )
    value, c, fallback, alternative, hedge, _, _ = results[0]
    edges = []
    if fallback in (FALLBACK_GRID[0], FALLBACK_GRID[-1]):
        edges.append("fallback")
    if alternative in (ALTERNATIVE_GRID[0], ALTERNATIVE_GRID[-1]):
        edges.append("alternative_min_confidence")
    if hedge == HEDGE_GRID[-1]:
        edges.append("hedge_below")
    print(
        f"\nChosen: C {c:g}, FallbackClassifier threshold {fallback:g}, AnswerCalibration "
        f"alternative_min_confidence {alternative:g}, hedge_below {hedge:g} "
        f"(utility {value:.3f}); at the grid's edge: {', '.join(edges) or 'none'}"
    )
    return 0
