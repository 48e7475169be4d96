"""NLU evaluation on the held-out set (``make evaluate-nlu``) and the design comparison.

``nlu``: parses every held-out example with the trained model, exactly as the server would
(safety router and fallback included), and prints accuracy, per-intent precision/recall/F1,
the confusion pairs, and how often a wrong topic would have been *answered* (as opposed to
falling back to a clarification). Exits 1 below ``--min-accuracy`` (0.90).

``compare``: trains three NLU-only models on the same data and prints the same figures for
each, so the design choice is measured, not guessed: one intent per topic with this project's
TF-IDF classifier (``config.yml``), one intent per topic with DIET, and one retrieval intent
``faq/<topic>`` with DIET + ResponseSelector.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import yaml

from clinicbot.paths import CONFIG_FILE, DATA_DIR, REPO_ROOT, TESTS_DIR

HELDOUT_FILE = TESTS_DIR / "nlu" / "heldout.yml"
FALLBACK = "nlu_fallback"
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency", "medical_advice"})


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """Reads (text, intent) pairs from a Rasa NLU YAML file.

    Args:
        path: The file.

    Returns:
        The pairs, in file order.
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    pairs = []
    for item in doc.get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        for line in str(item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((line[2:].strip(), str(item["intent"])))
    return pairs


@dataclass
class Scores:
    """Evaluation results."""

    total: int = 0
    correct: int = 0
    fallbacks: int = 0
    wrong_answers: int = 0
    confusions: Counter = field(default_factory=Counter)
    per_intent: Dict[str, Dict[str, float]] = field(default_factory=dict)
    misses: List[Tuple[str, str, str, float]] = field(default_factory=list)
    latencies_ms: List[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of examples whose predicted intent is the expected one."""
        return self.correct / self.total if self.total else 0.0


def score(
    examples: Sequence[Tuple[str, str]],
    predict: Callable[[str], Tuple[str, float]],
) -> Scores:
    """Scores a predictor on labelled examples.

    Args:
        examples: (text, expected intent) pairs.
        predict: Returns (predicted intent, confidence) for a text.

    Returns:
        The scores.
    """
    s = Scores()
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for text, expected in examples:
        start = time.perf_counter()
        predicted, confidence = predict(text)
        s.latencies_ms.append((time.perf_counter() - start) * 1000)
        s.total += 1
        if predicted == expected:
            s.correct += 1
            tp[expected] += 1
            continue
        fn[expected] += 1
        fp[predicted] += 1
        s.confusions[(expected, predicted)] += 1
        s.misses.append((text, expected, predicted, confidence))
        if predicted == FALLBACK:
            s.fallbacks += 1
        elif predicted not in SAFETY_INTENTS:
            s.wrong_answers += 1
    for intent in sorted(set(tp) | set(fn) | set(fp)):
        if intent == FALLBACK:
            continue
        p = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        r = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        s.per_intent[intent] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "support": tp[intent] + fn[intent],
        }
    return s


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a list of numbers; 0 for an empty list."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def print_report(title: str, s: Scores, max_misses: int = 40) -> None:
    """Prints a report.

    Args:
        title: Heading.
        s: Scores.
        max_misses: How many misclassified examples to list.
    """
    print(f"\n=== {title} ===")
    print(f"{'intent':45s} {'prec':>6s} {'recall':>6s} {'f1':>6s} {'n':>4s}")
    for intent, m in s.per_intent.items():
        print(
            f"{intent:45s} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f} "
            f"{int(m['support']):4d}"
        )
    print("\nConfusion pairs (expected -> predicted: count):")
    for (expected, predicted), n in s.confusions.most_common(25):
        print(f"  {expected} -> {predicted}: {n}")
    print(f"\nMisclassified examples (first {max_misses}):")
    for text, expected, predicted, conf in s.misses[:max_misses]:
        print(f"  [{expected} -> {predicted} {conf:.2f}] {text}")
    print(
        f"\nExamples: {s.total}  accuracy: {s.accuracy:.3f}  "
        f"fell back (asked to rephrase): {s.fallbacks}  answered a wrong topic: {s.wrong_answers}"
    )
    print(
        f"Parse latency: p50 {percentile(s.latencies_ms, 0.5):.1f} ms, "
        f"p95 {percentile(s.latencies_ms, 0.95):.1f} ms"
    )


def model_predictor(model_path: Path) -> Callable[[str], Tuple[str, float]]:
    """Loads a trained Rasa model and returns a parse function.

    Args:
        model_path: Model archive.

    Returns:
        Function mapping text to (intent, confidence); for retrieval-intent models the
        ResponseSelector's ``faq/<topic>`` choice is mapped back to ``kb_<topic>``.
    """
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def predict(text: str) -> Tuple[str, float]:
        result: Dict[str, Any] = loop.run_until_complete(agent.parse_message(text))
        intent = result.get("intent") or {}
        name = intent.get("name") or FALLBACK
        confidence = float(intent.get("confidence") or 0.0)
        if name == "faq":
            selector = (result.get("response_selector") or {}).get("faq") or {}
            response = selector.get("response") or {}
            key = response.get("intent_response_key") or ""
            name = "kb_" + key.split("/", 1)[1] if "/" in key else FALLBACK
            confidence = float(response.get("confidence") or 0.0)
        return name, confidence

    return predict


def run_nlu(min_accuracy: float, heldout: Path) -> int:
    """Evaluates the current model on the held-out file.

    Args:
        min_accuracy: Failing threshold.
        heldout: Held-out NLU file.

    Returns:
        Exit code.
    """
    from clinicbot.run import current_model

    model = current_model()
    if model is None:
        print("No current model: run `make train` first.")
        return 1
    examples = load_examples(heldout)
    s = score(examples, model_predictor(model))
    print_report(
        f"Held-out NLU evaluation ({heldout.relative_to(REPO_ROOT)}, model {model.name})", s
    )
    if s.accuracy < min_accuracy:
        print(f"FAIL: intent accuracy {s.accuracy:.3f} is below {min_accuracy:.2f}")
        return 1
    print(f"OK: intent accuracy {s.accuracy:.3f} >= {min_accuracy:.2f}")
    return 0


#: Epochs for the DIET and ResponseSelector variants (training accuracy plateaus well before).
DIET_EPOCHS = 50


def diet_config(retrieval: bool) -> Dict[str, Any]:
    """The project's config with DIET (and optionally a ResponseSelector) as classifier.

    The tokenizer, safety components, entity extraction, fallback, gate and router are the
    project's own; only the intent classifier and the features DIET needs differ.

    Args:
        retrieval: Add a ResponseSelector for the retrieval intent ``faq``.

    Returns:
        The config mapping.
    """
    with CONFIG_FILE.open(encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    pipeline: List[Dict[str, Any]] = []
    for comp in config["pipeline"]:
        if comp["name"].endswith("TfidfIntentClassifier"):
            pipeline += [
                {"name": "RegexFeaturizer"},
                {"name": "LexicalSyntacticFeaturizer"},
                {"name": "CountVectorsFeaturizer"},
                {
                    "name": "CountVectorsFeaturizer",
                    "analyzer": "char_wb",
                    "min_ngram": 1,
                    "max_ngram": 4,
                },
                {
                    "name": "DIETClassifier",
                    "epochs": DIET_EPOCHS,
                    "entity_recognition": False,
                    "constrain_similarities": True,
                    "random_seed": 42,
                },
            ]
            if retrieval:
                pipeline.append(
                    {
                        "name": "ResponseSelector",
                        "epochs": DIET_EPOCHS,
                        "retrieval_intent": "faq",
                        "constrain_similarities": True,
                        "random_seed": 42,
                    }
                )
        else:
            pipeline.append(comp)
    config["pipeline"] = pipeline
    return config


def write_variant(workdir: Path, name: str, retrieval: bool) -> Tuple[Path, Path]:
    """Writes a DIET-based variant's config and (for retrieval) its training data.

    For the retrieval variant every ``kb_<topic>`` intent becomes ``faq/<topic>`` with a
    response ``utter_faq/<topic>`` (the ResponseSelector only needs distinct labels).

    Args:
        workdir: Scratch folder.
        name: Variant name (file prefix).
        retrieval: Whether to build the retrieval-intent variant.

    Returns:
        (data folder, config file).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / f"config-{name}.yml"
    with config_file.open("w", encoding="utf-8") as fh:
        yaml.safe_dump(diet_config(retrieval), fh, sort_keys=False)
    if not retrieval:
        return DATA_DIR, config_file
    data_dir = workdir / f"data-{name}"
    data_dir.mkdir()
    nlu: List[Dict[str, Any]] = []
    responses: Dict[str, List[Dict[str, str]]] = {}
    for path in sorted(DATA_DIR.rglob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for item in doc.get("nlu") or []:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            intent = str(item["intent"])
            if intent.startswith("kb_"):
                key = intent[3:]
                nlu.append({"intent": f"faq/{key}", "examples": item["examples"]})
                responses[f"utter_faq/{key}"] = [{"text": key.replace("_", " ")}]
            else:
                nlu.append(item)
    with (data_dir / "nlu.yml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump({"version": "3.1", "nlu": nlu, "responses": responses}, fh, sort_keys=False)
    return data_dir, config_file


def _train_nlu(config: Path, data: Path, out: Path, name: str) -> Tuple[Path, float]:
    start = time.monotonic()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(data),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return out / f"{name}.tar.gz", time.monotonic() - start


def run_compare(heldout: Path) -> int:
    """Trains and evaluates both designs on the held-out file.

    Args:
        heldout: Held-out NLU file.

    Returns:
        Exit code (0).
    """
    examples = load_examples(heldout)
    work = Path(tempfile.mkdtemp(prefix="nlu-compare-"))
    try:
        results = {}
        variants = [
            ("per topic, TF-IDF (config.yml)", None),
            ("per topic, DIET", False),
            ("retrieval, DIET+RS", True),
        ]
        for index, (title, retrieval) in enumerate(variants):
            print(f"Training NLU model: {title} ...", flush=True)
            if retrieval is None:
                data, config = DATA_DIR, CONFIG_FILE
            else:
                data, config = write_variant(work / f"v{index}", f"v{index}", retrieval)
            model, secs = _train_nlu(config, data, work, f"v{index}")
            results[title] = (score(examples, model_predictor(model)), secs)
        for title, (s, _) in results.items():
            print_report(title, s, max_misses=10)
        print("\n=== Summary ===")
        for title, (s, secs) in results.items():
            print(
                f"{title:32s} accuracy {s.accuracy:.3f}  "
                f"wrong topic answered {s.wrong_answers:3d}  "
                f"fell back {s.fallbacks:3d}  train {secs:5.0f} s  "
                f"parse p95 {percentile(s.latencies_ms, 0.95):.1f} ms"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line.

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["nlu", "compare"])
    parser.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    args = parser.parse_args(argv)
    if args.mode == "nlu":
        return run_nlu(args.min_accuracy, args.heldout)
    return run_compare(args.heldout)


if __name__ == "__main__":
    raise SystemExit(main())
