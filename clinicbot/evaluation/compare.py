"""``make compare-nlu``: candidate designs on the real set at a matched clarify rate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from clinicbot.evaluation.cases import FALLBACK, SAFETY_INTENTS, Case, load_cases, training_texts
from clinicbot.evaluation.fast import Ranking, decide, fit_rankings, pipeline_settings
from clinicbot.evaluation.patient import model_parser
from clinicbot.evaluation.scoring import RealScores
from clinicbot.paths import CONFIG_FILE, DATA_DIR, REPO_ROOT

#: DIET epochs in the comparison: modest, so it finishes on two shared cores (its training
#: accuracy plateaus well before).
DIET_EPOCHS = 30
#: Areas of the two-stage design: the first part of ``kb_<area>_<topic>``; every other
#: intent (out_of_scope, small talk, follow-ups ...) is the area ``general``.
AREAS = ("mechanism", "safety", "eligibility", "process", "logistics")


def _area(intent: str) -> str:
    parts = intent.split("_")
    return parts[1] if intent.startswith("kb_") and parts[1] in AREAS else "general"


def variant_config(classifier: str) -> Dict[str, Any]:
    """The project's config with another intent classifier in place of the TF-IDF one.

    The tokenizer, safety components, entity extraction, fallback, gate, calibration and router
    are the project's own; only the intent classifier and the features it needs differ.

    Args:
        classifier: ``diet`` or ``logreg`` (Rasa's built-in LogisticRegressionClassifier).

    Returns:
        The config mapping.
    """
    with CONFIG_FILE.open(encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    features: List[Dict[str, Any]] = [
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    ]
    if classifier == "diet":
        replacement = [
            {"name": "RegexFeaturizer"},
            {"name": "LexicalSyntacticFeaturizer"},
            *features,
            {
                "name": "DIETClassifier",
                "epochs": DIET_EPOCHS,
                "entity_recognition": False,
                "constrain_similarities": True,
                "random_seed": 42,
            },
        ]
    else:
        replacement = [*features, {"name": "LogisticRegressionClassifier", "max_iter": 500}]
    pipeline: List[Dict[str, Any]] = []
    for comp in config["pipeline"]:
        pipeline += replacement if comp["name"].endswith("TfidfIntentClassifier") else [comp]
    config["pipeline"] = pipeline
    return config


def _train_nlu(config: Path, out: Path, name: str) -> Tuple[Path, float]:
    start = time.monotonic()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(DATA_DIR),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        stdout=subprocess.DEVNULL,
    )
    return out / f"{name}.tar.gz", time.monotonic() - start


def rasa_rankings(model: Path, texts: Sequence[str]) -> List[Ranking]:
    """The intent classifier's ranking for each text through a trained Rasa model.

    ``nlu_fallback`` and the safety intents are left out, so every design is judged on its
    own ranking and the same decision rule (``matched_decisions``).

    Args:
        model: Model archive.
        texts: Messages.

    Returns:
        One ranking per text, best first.
    """
    parse = model_parser(model)
    out = []
    for text in texts:
        ranking = parse(text).get("intent_ranking") or []
        out.append(
            [
                (str(r["name"]), float(r["confidence"]))
                for r in ranking
                if r.get("name") not in SAFETY_INTENTS and r.get("name") != FALLBACK
            ]
        )
    return out


def two_stage_rankings(
    training: Sequence[Tuple[str, str]], texts: Sequence[str], c: float
) -> List[Ranking]:
    """Area-then-topic: P(topic) = P(area) x P(topic | area), each a TF-IDF classifier.

    Args:
        training: (text, intent) pairs.
        texts: Messages.
        c: Regularisation strength of every classifier.

    Returns:
        One ranking per text.
    """
    from clinicbot.components.intent_classifier import intent_text_classifier

    pairs = [(t, i) for t, i in training if i not in SAFETY_INTENTS]
    area_clf = intent_text_classifier(c).fit([t for t, _ in pairs], [_area(i) for _, i in pairs])
    topic_clfs: Dict[str, Any] = {}
    for area in set(_area(i) for _, i in pairs):
        sub = [(t, i) for t, i in pairs if _area(i) == area]
        if len({i for _, i in sub}) > 1:
            topic_clfs[area] = intent_text_classifier(c).fit(
                [t for t, _ in sub], [i for _, i in sub]
            )
        else:
            topic_clfs[area] = sub[0][1]
    area_probs = area_clf.predict_proba_many(list(texts))
    per_area = {
        area: clf.predict_proba_many(list(texts)) if not isinstance(clf, str) else None
        for area, clf in topic_clfs.items()
    }
    out: List[Ranking] = []
    for index, probs in enumerate(area_probs):
        scores: Dict[str, float] = {}
        for area, p_area in probs.items():
            topic_probs = per_area[area]
            if topic_probs is None:
                scores[str(topic_clfs[area])] = p_area
            else:
                for intent, p in topic_probs[index].items():
                    scores[intent] = p_area * p
        out.append(sorted(scores.items(), key=lambda kv: -kv[1]))
    return out


def example_bank_rankings(
    training: Sequence[Tuple[str, str]], texts: Sequence[str], k: int = 10
) -> List[Ranking]:
    """Nearest-neighbour example bank: the k most similar training examples vote.

    Similarity is the cosine of TF-IDF character (2-5) and word (1-2) n-grams of the
    normalised text, as in the project's classifier; each neighbour votes with its
    similarity squared, and the votes are normalised into confidences.

    Args:
        training: (text, intent) pairs.
        texts: Messages.
        k: Neighbours.

    Returns:
        One ranking per text.
    """
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as l2

    from clinicbot.safety.normalize import normalize

    pairs = [(normalize(t), i) for t, i in training if i not in SAFETY_INTENTS]
    vectorizers = [
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    ]
    bank = l2(hstack([v.fit_transform([t for t, _ in pairs]) for v in vectorizers]).tocsr())
    queries = l2(hstack([v.transform([normalize(t) for t in texts]) for v in vectorizers]).tocsr())
    similarity = (queries @ bank.T).toarray()
    labels = [i for _, i in pairs]
    out: List[Ranking] = []
    for row in similarity:
        votes: Dict[str, float] = {}
        for j in np.argsort(-row)[:k]:
            votes[labels[j]] = votes.get(labels[j], 0.0) + float(row[j]) ** 2
        total = sum(votes.values()) or 1.0
        out.append(sorted(((n, v / total) for n, v in votes.items()), key=lambda kv: -kv[1]))
    return out


def _quantile_threshold(rankings: Sequence[Ranking], rate: float) -> float:
    """The top confidence below which ``rate`` of the rankings fall (0 for a zero rate)."""
    if rate <= 0:
        return 0.0
    tops = sorted(r[0][1] if r else 0.0 for r in rankings)
    cut = int(round(rate * len(tops)))
    return tops[cut] if cut < len(tops) else 1.01


def matched_decisions(
    cases: Sequence[Case],
    rankings: Sequence[Ranking],
    clarify_rate: float,
    alt_min: float | Dict[str, Any],
    hedge_rate: float = 0.0,
) -> Dict[str, float]:
    """Scores rankings at a given clarify rate with the pipeline's decision rule.

    The confidence threshold is set so that ``clarify_rate`` of the cases fall back (the
    comparison is at a matched fallback rate, not at each design's own threshold), and the
    middle band (answers offering as many topics as a clarification) so that ``hedge_rate`` of
    the cases fall below it; otherwise the decision is ``clinicbot.evaluation.fast.decide``
    (``clinicbot.components.calibration.offered_topics``), and the outcome is scored as
    ``make evaluate-nlu`` scores a reply.

    Args:
        cases: Labelled cases.
        rankings: One ranking per case.
        clarify_rate: Share of cases to clarify.
        alt_min: Smallest runner-up confidence offered next to an answer, or
            AnswerCalibration's whole configuration.
        hedge_rate: Share of cases below the middle band's upper edge (0: no band).

    Returns:
        right, confident_wrong, clarify and offered rates, the threshold and the band's edge.
    """
    calibration: Dict[str, Any] = (
        dict(alt_min) if isinstance(alt_min, dict) else {"alternative_min_confidence": alt_min}
    )
    threshold = _quantile_threshold(rankings, clarify_rate)
    calibration["hedge_below"] = _quantile_threshold(rankings, hedge_rate)
    scores = RealScores()
    for case, ranking in zip(cases, rankings, strict=True):
        scores.rows.append((case, decide(ranking, threshold, calibration)))
    return {
        "right": scores.accuracy,
        "confident_wrong": scores.confident_wrong_rate,
        "clarify": scores.clarify_rate,
        "offered": scores.offered_rate,
        "threshold": threshold,
        "hedge_below": float(calibration["hedge_below"]),
    }


def run_compare(real: Path, designs: Sequence[str]) -> int:
    """Trains the designs on ``data/`` and compares them on the real set at a matched rate.

    Designs: ``tfidf`` (this project's pipeline, ``config.yml``), ``logreg`` (Rasa's
    LogisticRegressionClassifier on count features), ``diet`` (Rasa's DIET), all trained by
    ``rasa train nlu`` and parsed by the full pipeline; ``two_stage`` (area, then topic) and
    ``bank`` (nearest-neighbour example bank) are scikit-learn models trained on the same
    examples; ``tfidf`` uses the current trained model when there is one (same NLU), and
    ``tfidf_fast`` is the same classifier trained in process. Every design's own ranking goes
    through the same decision rule at the clarify rate (and middle-band rate) of the first
    design at the shipped thresholds, with the shipped calibration.

    Args:
        real: The real-questions file.
        designs: Which designs to run.

    Returns:
        Exit code (0).
    """
    from clinicbot.run import current_model

    cases = load_cases(real)
    texts = [case.text for case in cases]
    training = training_texts()
    settings = pipeline_settings()
    c_value = float(settings["C"])
    calibration: Dict[str, Any] = settings["calibration"]
    threshold = float(settings["fallback"])
    hedge_below = float(calibration["hedge_below"])
    work = Path(tempfile.mkdtemp(prefix="nlu-compare-"))
    rate: float | None = None
    hedge_rate = 0.0
    try:
        for design in designs:
            print(f"Training and scoring: {design} ...", flush=True)
            start = time.monotonic()
            shipped = current_model() if design == "tfidf" else None
            if shipped is not None:
                # The shipped model's NLU is exactly what `rasa train nlu` on config.yml gives.
                seconds = 0.0
                ranks = rasa_rankings(shipped, texts)
            elif design in ("tfidf", "logreg", "diet"):
                config = CONFIG_FILE
                if design != "tfidf":
                    config = work / f"config-{design}.yml"
                    with config.open("w", encoding="utf-8") as fh:
                        yaml.safe_dump(variant_config(design), fh, sort_keys=False)
                model, _ = _train_nlu(config, work, design)
                seconds = time.monotonic() - start
                ranks = rasa_rankings(model, texts)
            elif design == "tfidf_fast":
                ranks = fit_rankings(training, texts, c_value)
                seconds = time.monotonic() - start
            elif design == "two_stage":
                ranks = two_stage_rankings(training, texts, c_value)
                seconds = time.monotonic() - start
            elif design == "bank":
                ranks = example_bank_rankings(training, texts)
                seconds = time.monotonic() - start
            else:
                raise ValueError(f"unknown design {design!r}")
            if rate is None:
                # The first design sets the clarify rate, at the shipped fallback threshold.
                rate = sum(1 for r in ranks if not r or r[0][1] < threshold) / len(cases)
                hedge_rate = sum(1 for r in ranks if not r or r[0][1] < hedge_below) / len(cases)
                print(
                    f"\n=== {real.name}: {len(cases)} cases; clarify rate matched to {rate:.3f} "
                    f"({design} at its threshold {threshold:g}), middle band to "
                    f"{max(0.0, hedge_rate - rate):.3f} (below {hedge_below:g}); "
                    f"calibration {calibration} ==="
                )
                print(
                    f"{'design':10s} {'right':>6s} {'conf.wrong':>10s} {'clarify':>7s} "
                    f"{'offered':>7s} {'thresh':>6s} {'band':>6s} {'train s':>7s}"
                )
            m = matched_decisions(cases, ranks, rate, calibration, hedge_rate)
            print(
                f"{design:10s} {m['right']:6.3f} {m['confident_wrong']:10.3f} "
                f"{m['clarify']:7.3f} {m['offered']:7.2f} {m['threshold']:6.2f} "
                f"{m['hedge_below']:6.2f} {seconds:7.0f}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0
