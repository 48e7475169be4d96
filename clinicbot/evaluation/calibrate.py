"""Threshold choice by grouped cross-validation on the training data (never an evaluation set).

``python -m clinicbot.evaluate calibrate`` chooses the ``FallbackClassifier`` threshold and
``AnswerCalibration``'s ``alternative_min_confidence`` and ``hedge_below`` for what issue 11's
goals ask (``clinicbot.evaluation.report.GOALS``), each reply scored as ``make evaluate-nlu``
scores it (``clinicbot.evaluation.scoring.RealScores``):

* the most **right answers**: the right topic answered, or an everyday request sent to the
  out-of-scope reply; a clarification is never a right answer, even when it offers the right
  topic as a button;
* **constraints**: confident wrong answers (a wrong topic answered with no button for the
  right one) at most ``GOALS["max_confident_wrong"]``, and the right topic offered in at least
  ``GOALS["min_offered"]`` of the in-scope clarifications;
* between settings with as many right answers: the fewest answers carrying "did you mean"
  buttons (clutter), then the fewest confident wrong answers, then the higher fallback
  threshold.

The rankings are cross-validated by file: every training file lies wholly in one of ``FOLDS``
folds, and each fold is predicted by a classifier trained on the other folds (with the
vocabulary gate built from their words), so the thresholds meet phrasings written apart from
the ones the classifier learnt, while every fold's classifier, like the shipped one, has seen
every kind of training data. Only intents the real set is labelled with are scored (topics,
follow-up intents as their default topic, and ``out_of_scope``); greetings, screening and
safety examples are trained on, not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

from clinicbot.evaluation.cases import OUT_OF_SCOPE, Case, load_examples
from clinicbot.evaluation.fast import (
    FOLLOWUP_TOPICS,
    Ranking,
    decide,
    fit_rankings,
    pipeline_settings,
)
from clinicbot.evaluation.scoring import PatientView, RealScores, ReplyRates
from clinicbot.paths import DATA_DIR

#: Number of folds; every training file lies wholly in one of them.
FOLDS = 5
#: The grid searched by ``calibrate`` (0 fallback: clarify only through the vocabulary gate;
#: a runner-up threshold of 1: no runner-up buttons; ``hedge_below`` 0: no middle band).
FALLBACK_GRID = tuple(round(0.05 * i, 2) for i in range(17))  # 0.0 ... 0.8
ALTERNATIVE_GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)
HEDGE_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class CvRow:
    """One cross-validated training example.

    Attributes:
        label: The intent scored as right (a topic intent or ``out_of_scope``).
        ranking: The ranking of a classifier that never saw the example's file (no safety
            intents), best first.
        known_ratio: Share of the example's words known to that classifier's vocabulary gate
            (None for a text without words: the gate does not apply).
    """

    label: str
    ranking: Ranking
    known_ratio: float | None = 1.0


@dataclass(frozen=True)
class Setting:
    """A threshold setting (``FallbackClassifier`` and ``AnswerCalibration``)."""

    fallback: float
    alternative_min: float
    hedge_below: float = 0.0


@dataclass(frozen=True)
class Outcome(ReplyRates):
    """What patients would see under one setting, counted as ``make evaluate-nlu`` counts.

    Attributes:
        setting: The thresholds.
        total: Examples scored.
        right: Right topic answered (or out-of-scope reply to an everyday request).
        confident_wrong: Wrong topic answered with no button for the right one.
        clarified: Clarifications.
        clarified_in_scope: Clarifications of in-scope examples.
        offered_right: In-scope clarifications offering the right topic.
        with_buttons: Answers shown with "did you mean" buttons.
    """

    setting: Setting
    total: int
    right: int
    confident_wrong: int
    clarified: int
    clarified_in_scope: int
    offered_right: int
    with_buttons: int

    def meets(self, goals: Mapping[str, float]) -> bool:
        """Whether the constraints of ``goals`` (confident wrong, offered) hold."""
        return (
            self.confident_wrong_rate <= goals["max_confident_wrong"]
            and self.offered_rate >= goals["min_offered"]
        )


def scored_label(intent: str) -> str | None:
    """The label an example is scored against (None: trained on, not scored).

    Args:
        intent: The example's intent.

    Returns:
        The topic intent (follow-up intents as their default topic), ``out_of_scope``, or None.
    """
    intent = FOLLOWUP_TOPICS.get(intent, intent)
    return intent if intent.startswith("kb_") or intent == OUT_OF_SCOPE else None


def file_folds(sizes: Mapping[str, int], folds: int = FOLDS) -> Dict[str, int]:
    """Assigns each training file wholly to a fold, the largest first to the smallest fold.

    Args:
        sizes: File name to number of examples.
        folds: Number of folds.

    Returns:
        File name to fold index (deterministic for the same files).
    """
    totals = [0] * folds
    out: Dict[str, int] = {}
    for name, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = min(range(folds), key=lambda i: (totals[i], i))
        out[name] = fold
        totals[fold] += n
    return out


def cross_validated_rows(c: float, folds: int = FOLDS, data_dir: Path = DATA_DIR) -> List[CvRow]:
    """Every scored training example ranked by a classifier trained without its fold.

    Args:
        c: Regularisation strength of the intent classifier.
        folds: Number of folds (files are never split).
        data_dir: The training data.

    Returns:
        One row per scored example.
    """
    from clinicbot.components.vocabulary_gate import Vocabulary, words

    files = {
        path.relative_to(data_dir).as_posix(): load_examples(path)
        for path in sorted(data_dir.rglob("*.yml"))
    }
    assignment = file_folds({name: len(pairs) for name, pairs in files.items()}, folds)
    rows: List[CvRow] = []
    for fold in range(folds):
        train = [p for name, pairs in files.items() if assignment[name] != fold for p in pairs]
        test = [
            (text, label)
            for name, pairs in files.items()
            if assignment[name] == fold
            for text, intent in pairs
            if (label := scored_label(intent)) is not None
        ]
        if not test:
            continue
        vocabulary = Vocabulary(w for t, _ in train for w in words(t))
        rankings = fit_rankings(train, [t for t, _ in test], c)
        for (text, label), ranking in zip(test, rankings, strict=True):
            rows.append(CvRow(label, ranking, vocabulary.known_ratio(text)))
    return rows


def _counts(rows: Iterable[Tuple[str, PatientView]]) -> Dict[str, int]:
    scores = RealScores([(Case("", (label,)), view) for label, view in rows])
    return {
        "total": scores.total,
        "right": scores.right,
        "confident_wrong": scores.confident_wrong,
        "clarified": scores.clarified,
        "clarified_in_scope": scores.clarified_in_scope,
        "offered_right": scores.offered_right,
        "with_buttons": sum(1 for _, v in scores.rows if v.kind == "answer" and v.offered),
    }


def outcome(
    rows: Sequence[CvRow],
    setting: Setting,
    calibration: Mapping[str, Any] | None = None,
    min_known_ratio: float = 0.5,
) -> Outcome:
    """What patients would see under one setting (the pipeline's decision, ``decide``).

    Args:
        rows: Cross-validated rows.
        setting: The thresholds.
        calibration: The rest of ``AnswerCalibration``'s configuration (``max_alternatives``,
            ``clarify_topics``).
        min_known_ratio: The vocabulary gate's threshold.

    Returns:
        The counts.
    """
    config = {
        **(calibration or {}),
        "alternative_min_confidence": setting.alternative_min,
        "hedge_below": setting.hedge_below,
    }
    views = [
        (row.label, decide(row.ranking, setting.fallback, config, row.known_ratio, min_known_ratio))
        for row in rows
    ]
    return Outcome(setting, **_counts(views))


def grid_outcomes(
    rows: Sequence[CvRow],
    settings: Sequence[Setting],
    calibration: Mapping[str, Any] | None = None,
    min_known_ratio: float = 0.5,
) -> List[Outcome]:
    """``outcome`` for many settings at once (the same counts, computed per regime).

    Under any setting an example gets one of three replies: a clarification (vocabulary gate,
    or top confidence below the fallback threshold), an answer in the middle band (below
    ``hedge_below``), or a plain answer, whose buttons depend on the runner-up threshold only.
    Each reply is decided once per example, then counted for every setting with numpy.

    Args:
        rows: Cross-validated rows.
        settings: The settings to score.
        calibration: As for ``outcome``.
        min_known_ratio: The vocabulary gate's threshold.

    Returns:
        One outcome per setting, in order.
    """
    import numpy as np

    base = dict(calibration or {})
    keys = (
        "right",
        "confident_wrong",
        "clarified",
        "clarified_in_scope",
        "offered_right",
        "with_buttons",
    )

    def flags(views: List[Tuple[str, PatientView]]) -> Any:
        return np.array(
            [[_counts([pair])[k] for k in keys] for pair in views], dtype=np.int64
        ).reshape(len(views), len(keys))

    def views_for(fallback: float, alt: float, hedge: float) -> List[Tuple[str, PatientView]]:
        config = {**base, "alternative_min_confidence": alt, "hedge_below": hedge}
        return [(r.label, decide(r.ranking, fallback, config)) for r in rows]

    top = np.array([r.ranking[0][1] if r.ranking else 0.0 for r in rows])
    gated = np.array([r.known_ratio is not None and r.known_ratio < min_known_ratio for r in rows])
    clarify_flags = flags(views_for(2.0, 0.0, 0.0))
    hedged_flags = flags(views_for(-1.0, 0.0, 2.0))
    plain_flags = {
        alt: flags(views_for(-1.0, alt, 0.0))
        for alt in sorted({s.alternative_min for s in settings})
    }
    out = []
    for s in settings:
        clar = gated | (top < s.fallback)
        hedged = ~clar & (top < s.hedge_below)
        plain = ~clar & ~hedged
        totals = (
            clarify_flags[clar].sum(axis=0)
            + hedged_flags[hedged].sum(axis=0)
            + plain_flags[s.alternative_min][plain].sum(axis=0)
        )
        counts = {k: int(v) for k, v in zip(keys, totals, strict=True)}
        out.append(Outcome(s, len(rows), **counts))
    return out


def _preference(o: Outcome) -> Tuple[int, int, int, float]:
    return (-o.right, o.with_buttons, o.confident_wrong, -o.setting.fallback)


def choose(outcomes: Sequence[Outcome], goals: Mapping[str, float]) -> Tuple[Outcome, bool]:
    """The setting with the most right answers among those meeting the constraints.

    Args:
        outcomes: Scored settings.
        goals: ``max_confident_wrong`` and ``min_offered`` (``GOALS``).

    Returns:
        (the chosen outcome, whether it meets the constraints); when none does, the setting
        with the fewest confident wrong answers.
    """
    feasible = [o for o in outcomes if o.meets(goals)]
    if feasible:
        return min(feasible, key=_preference), True
    return min(outcomes, key=lambda o: (o.confident_wrong, _preference(o))), False


def default_grid() -> List[Setting]:
    """Every setting of the grid (a middle band only above the fallback threshold)."""
    return [
        Setting(f, a, h)
        for f in FALLBACK_GRID
        for a in ALTERNATIVE_GRID
        for h in HEDGE_GRID
        if not h or h > f
    ]


def _row(o: Outcome) -> str:
    s = o.setting
    return (
        f"{s.fallback:8.2f} {s.alternative_min:8.3f} {s.hedge_below:6.2f} {o.accuracy:7.3f} "
        f"{o.confident_wrong_rate:7.3f} {o.clarify_rate:7.3f} {o.offered_rate:7.2f} "
        f"{o.with_buttons / max(1, o.total):7.3f}"
    )


def run_calibrate() -> int:
    """Chooses the thresholds by cross-validation by file (at config.yml's C) and prints them.

    Returns:
        Exit code: 0, or 1 when no setting of the grid meets the constraints.
    """
    from clinicbot.evaluation.report import GOALS

    settings = pipeline_settings()
    calibration = {k: settings["calibration"][k] for k in ("max_alternatives", "clarify_topics")}
    print(f"Cross-validating by file ({FOLDS} folds, C {settings['C']:g}) ...", flush=True)
    rows = cross_validated_rows(float(settings["C"]))
    outcomes = grid_outcomes(rows, default_grid(), calibration, settings["min_known_ratio"])
    chosen, feasible = choose(outcomes, GOALS)
    header = (
        f"{'fallback':>8s} {'alt_min':>8s} {'hedge':>6s} {'right':>7s} {'c.wrong':>7s} "
        f"{'clarify':>7s} {'offered':>7s} {'buttons':>7s}"
    )
    print(
        f"{len(rows)} training examples scored; constraints: confident wrong <= "
        f"{GOALS['max_confident_wrong']:g}, offered >= {GOALS['min_offered']:g}\n"
        "Best setting at each fallback threshold (* meets the constraints):"
    )
    print("  " + header)
    for fallback in FALLBACK_GRID:
        at = [o for o in outcomes if o.setting.fallback == fallback]
        ok = [o for o in at if o.meets(GOALS)]
        best = min(ok, key=_preference) if ok else min(at, key=lambda o: o.confident_wrong)
        print(f"{'*' if ok else ' '} {_row(best)}")
    current = Setting(
        float(settings["fallback"]),
        float(settings["calibration"]["alternative_min_confidence"]),
        float(settings["calibration"].get("hedge_below") or 0.0),
    )
    print("\nconfig.yml now:\n  " + header)
    print(f"{'*' if (o := outcome(rows, current, calibration)).meets(GOALS) else ' '} {_row(o)}")
    s = chosen.setting
    edge = (
        " (at the grid's top edge: widen FALLBACK_GRID)" if s.fallback == FALLBACK_GRID[-1] else ""
    )
    verdict = "meets the constraints" if feasible else "NO setting meets the constraints"
    print(
        f"\nChosen ({verdict}): FallbackClassifier threshold {s.fallback:g}, AnswerCalibration "
        f"alternative_min_confidence {s.alternative_min:g}, hedge_below {s.hedge_below:g}: "
        f"right {chosen.accuracy:.3f}, confident wrong {chosen.confident_wrong_rate:.3f}, "
        f"clarify {chosen.clarify_rate:.3f}, offered {chosen.offered_rate:.2f}{edge}"
    )
    return 0 if feasible else 1
