"""Fast development loop: a candidate classifier scored on the real set in seconds.

``python -m clinicbot.evaluate fast`` trains the project's TF-IDF classifier in process on
``data/`` (no ``rasa train``), applies the pipeline's decision (``FallbackClassifier``
threshold, ``VocabularyGate``, ``AnswerCalibration``'s "did you mean" topics, the follow-up
intents' default topics) to its ranking and scores what the patient would see with the same
rules as ``make evaluate-nlu`` (``clinicbot.evaluation.scoring.RealScores``). The safety
detector and the dialogue are not run, so the figures differ a little from the full model's;
confirm with ``make evaluate-nlu`` at milestones. Thresholds default to ``config.yml``'s and can
be overridden to try a candidate (choose the shipped ones with ``calibrate``, never here).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from clinicbot.evaluation.cases import (
    FALLBACK,
    HELDOUT_FILE,
    OUT_OF_SCOPE,
    REAL_DEV_FILE,
    SAFETY_INTENTS,
    Case,
    load_cases,
    load_examples,
    training_texts,
)
from clinicbot.evaluation.scoring import PatientView, RealScores
from clinicbot.paths import CONFIG_FILE

Ranking = List[Tuple[str, float]]

#: Intents whose reply answers a topic in a new conversation (rules + follow-up defaults).
FOLLOWUP_TOPICS = {
    "followup_duration": "kb_mechanism_onset_and_duration",
    "followup_risks": "kb_safety_side_effects",
}


def pipeline_settings(config_file: Path = CONFIG_FILE) -> Dict[str, Any]:
    """The NLU settings of ``config.yml`` the decision uses.

    Args:
        config_file: The Rasa config.

    Returns:
        ``C``, ``fallback`` (FallbackClassifier threshold), ``min_known_ratio`` and
        ``calibration`` (AnswerCalibration's configuration).
    """
    from clinicbot.components.calibration import AnswerCalibration

    with config_file.open(encoding="utf-8") as fh:
        pipeline = yaml.safe_load(fh)["pipeline"]
    by_name = {c["name"].rsplit(".", 1)[-1]: c for c in pipeline}
    calibration = {**AnswerCalibration.get_default_config()}
    calibration.update(
        {k: v for k, v in by_name.get("AnswerCalibration", {}).items() if k != "name"}
    )
    return {
        "C": float(by_name.get("TfidfIntentClassifier", {}).get("C", 30.0)),
        "fallback": float(by_name.get("FallbackClassifier", {}).get("threshold", 0.3)),
        "min_known_ratio": float(by_name.get("VocabularyGate", {}).get("min_known_ratio", 0.5)),
        "calibration": calibration,
    }


def fit_rankings(
    training: Sequence[Tuple[str, str]], texts: Sequence[str], c: float
) -> List[Ranking]:
    """Trains the TF-IDF intent classifier and ranks every text (safety intents left out).

    Args:
        training: (text, intent) pairs.
        texts: Messages to rank.
        c: Regularisation strength.

    Returns:
        One ranking per text, best first.
    """
    from clinicbot.components.intent_classifier import intent_text_classifier

    clf = intent_text_classifier(c).fit([t for t, _ in training], [i for _, i in training])
    out: List[Ranking] = []
    for probs in clf.predict_proba_many(list(texts)):
        ranked = sorted(probs.items(), key=lambda kv: -kv[1])
        out.append([(n, float(p)) for n, p in ranked if n not in SAFETY_INTENTS])
    return out


def decide(
    ranking: Ranking,
    fallback: float,
    calibration: Dict[str, Any],
    known_ratio: float | None = None,
    min_known_ratio: float = 0.5,
) -> PatientView:
    """The reply the pipeline's decision gives a ranking (as the trained model would).

    Args:
        ranking: The classifier's ranking without safety intents, best first.
        fallback: FallbackClassifier threshold.
        calibration: AnswerCalibration's configuration.
        known_ratio: Share of known words (``VocabularyGate``); None skips the gate.
        min_known_ratio: The gate's threshold.

    Returns:
        What the patient would see.
    """
    from clinicbot.components.calibration import FALLBACK_INTENT, offered_topics

    items: List[Dict[str, Any]] = [
        {"name": FOLLOWUP_TOPICS.get(n, n), "confidence": p} for n, p in ranking
    ]
    gated = known_ratio is not None and known_ratio < min_known_ratio
    if not items or gated or float(items[0]["confidence"]) < fallback:
        offered = offered_topics(FALLBACK_INTENT, items, calibration)
        return PatientView("clarify", None, tuple(offered))
    top = str(items[0]["name"])
    if top.startswith("kb_"):
        return PatientView("answer", top, tuple(offered_topics(top, items, calibration)))
    if top == OUT_OF_SCOPE:
        return PatientView(OUT_OF_SCOPE)
    return PatientView("other")


def heldout_accuracy(
    examples: Sequence[Tuple[str, str]], rankings: Sequence[Ranking], fallback: float
) -> float:
    """Intent accuracy (a fallback is a miss) on non-safety held-out examples.

    Args:
        examples: (text, intent) pairs.
        rankings: One ranking per example.
        fallback: FallbackClassifier threshold.

    Returns:
        The accuracy.
    """
    right = total = 0
    for (_, label), ranking in zip(examples, rankings, strict=True):
        if label in SAFETY_INTENTS:
            continue
        total += 1
        top = ranking[0][0] if ranking and ranking[0][1] >= fallback else FALLBACK
        right += int(top == label)
    return right / max(1, total)


def fast_scores(
    cases: Sequence[Case],
    rankings: Sequence[Ranking],
    settings: Dict[str, Any],
    known_ratios: Sequence[float | None] | None = None,
) -> RealScores:
    """Scores rankings of real cases with the pipeline's decision.

    Args:
        cases: Labelled cases.
        rankings: One ranking per case.
        settings: As ``pipeline_settings`` returns.
        known_ratios: Vocabulary gate ratio per case (None: no gate).

    Returns:
        The scores.
    """
    scores = RealScores()
    ratios = known_ratios or [None] * len(cases)
    for case, ranking, ratio in zip(cases, rankings, ratios, strict=True):
        view = decide(
            ranking,
            settings["fallback"],
            settings["calibration"],
            ratio,
            settings["min_known_ratio"],
        )
        scores.rows.append((case, view))
    return scores


def run_fast(
    real: Path = REAL_DEV_FILE,
    heldout: Path = HELDOUT_FILE,
    overrides: Dict[str, Any] | None = None,
    show: int = 0,
) -> int:
    """Trains in process and prints the real-set and held-out figures.

    Args:
        real: Real-questions file.
        heldout: Held-out NLU file.
        overrides: Settings to try instead of config.yml's (``C``, ``fallback``,
            ``min_known_ratio``, or a calibration key).
        show: How many failures to list (0: none).

    Returns:
        Exit code (0).
    """
    from clinicbot.components.vocabulary_gate import Vocabulary, words
    from clinicbot.evaluation.report import print_real_report

    settings = pipeline_settings()
    for key, value in (overrides or {}).items():
        if key in settings["calibration"]:
            settings["calibration"][key] = value
        else:
            settings[key] = value
    start = time.monotonic()
    training = training_texts()
    cases = load_cases(real)
    held = load_examples(heldout)
    texts = [c.text for c in cases] + [t for t, _ in held]
    rankings = fit_rankings(training, texts, float(settings["C"]))
    vocabulary = Vocabulary(w for t, _ in training for w in words(t))
    ratios = [vocabulary.known_ratio(c.text) for c in cases]
    scores = fast_scores(cases, rankings[: len(cases)], settings, ratios)
    held_acc = heldout_accuracy(held, rankings[len(cases) :], float(settings["fallback"]))
    if show:
        print_real_report(f"fast: {real.name}", scores, max_rows=show)
    print(
        f"fast ({len(training)} training examples, {time.monotonic() - start:.0f} s; "
        f"C {settings['C']:g}, fallback {settings['fallback']:g}, calibration "
        f"{settings['calibration']}):\n"
        f"real: right {scores.accuracy:.3f}  confident wrong {scores.confident_wrong_rate:.3f}  "
        f"clarify {scores.clarify_rate:.3f}  offered {scores.offered_rate:.2f}  "
        f"top-1 {top_k(cases, rankings, 1):.3f}  top-3 {top_k(cases, rankings, 3):.3f}\n"
        f"held-out (non-safety): intent accuracy {held_acc:.3f}"
    )
    return 0


def top_k(cases: Sequence[Case], rankings: Sequence[Ranking], k: int) -> float:
    """Share of cases with a right label among the first ``k`` intents of the ranking."""
    hits = 0
    for case, ranking in zip(cases, rankings, strict=False):
        names = [FOLLOWUP_TOPICS.get(n, n) for n, _ in ranking[:k]]
        hits += int(bool(set(names) & set(case.labels)))
    return hits / max(1, len(cases))
