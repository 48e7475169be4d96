"""``make evaluate-nlu``: the real set (headline) and the held-out set, printed and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from clinicbot.evaluation.cases import FALLBACK, RESULTS_DIR, Case, load_cases, load_examples
from clinicbot.evaluation.patient import model_parser, score_real
from clinicbot.evaluation.scoring import PatientView, RealScores, Scores, score
from clinicbot.evaluation.stats import percentile
from clinicbot.paths import REPO_ROOT

#: The goals of issue 11 (``make evaluate-nlu`` fails below them).
GOALS: Dict[str, float] = {
    "min_right": 0.90,
    "max_confident_wrong": 0.05,
    "min_offered": 0.50,
    "min_heldout": 0.904,
}


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


def _seen(case: Case, view: PatientView) -> str:
    if RealScores.is_right(case, view):
        return case.primary
    if view.kind == "answer" and view.topic:
        return view.topic
    return view.kind


def print_real_report(title: str, s: RealScores, max_rows: int = 60) -> None:
    """Prints the real-set report.

    Args:
        title: Heading.
        s: Scores.
        max_rows: How many wrong answers and clarifications to list.
    """
    print(f"\n=== {title} ===")
    print(f"{'topic':45s} {'recall':>6s} {'n':>4s}")
    for label, (right, n) in s.per_topic().items():
        print(f"{label:45s} {right / n:6.2f} {n:4d}")
    print(f"\nConfident wrong answers (first {max_rows}):")
    shown = 0
    for case, view in s.rows:
        if s.is_confident_wrong(case, view) and shown < max_rows:
            shown += 1
            print(f"  [{case.primary} -> {view.topic} +{list(view.offered)}] {case.text}")
    print(f"\nClarifications without a right button (first {max_rows}):")
    shown = 0
    for case, view in s.rows:
        if view.kind == "clarify" and case.in_scope and not set(view.offered) & set(case.labels):
            if shown < max_rows:
                shown += 1
                print(f"  [{case.primary} -> {list(view.offered)}] {case.text}")
    print(f"\nOther replies to in-scope questions (first {max_rows}):")
    shown = 0
    for case, view in s.rows:
        if case.in_scope and view.kind not in ("answer", "clarify") and shown < max_rows:
            shown += 1
            print(f"  [{case.primary} -> {view.kind}] {case.text}")
    print(
        f"\nCases: {s.total}  right topic: {s.accuracy:.3f} ({s.right})  "
        f"confident wrong answers: {s.confident_wrong_rate:.3f} ({s.confident_wrong})  "
        f"wrong answers incl. hedged: {s.wrong_answers}\n"
        f"clarify rate: {s.clarify_rate:.3f} ({s.clarified})  right topic offered in "
        f"{s.offered_right} of {s.clarified_in_scope} in-scope clarifications "
        f"({s.offered_rate:.2f})  in-scope questions sent to out-of-scope: {s.turned_away}"
    )


def save_confusion_png(s: RealScores, path: Path) -> Path:
    """Draws what the patient saw against the label, as a PNG.

    Rows are the main labels; columns are the answered topics plus ``clarify``,
    ``out_of_scope`` and any other reply kind (a right answer through ``also`` is drawn on the
    diagonal).

    Args:
        s: Scores.
        path: Output file (its folder is created).

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = sorted({case.primary for case, _ in s.rows})
    seen = {_seen(case, view) for case, view in s.rows}
    cols = rows + sorted(seen - set(rows))
    grid = np.zeros((len(rows), len(cols)), dtype=int)
    for case, view in s.rows:
        grid[rows.index(case.primary), cols.index(_seen(case, view))] += 1
    fig, ax = plt.subplots(figsize=(0.32 * len(cols) + 4, 0.32 * len(rows) + 3))
    ax.imshow(grid, cmap="Blues")
    short = [c.replace("kb_", "") for c in cols]
    ax.set_xticks(range(len(cols)), short, rotation=90, fontsize=7)
    ax.set_yticks(range(len(rows)), [r.replace("kb_", "") for r in rows], fontsize=7)
    for i in range(len(rows)):
        for j in range(len(cols)):
            if grid[i, j]:
                color = "white" if grid[i, j] > grid.max() / 2 else "black"
                ax.text(j, i, str(grid[i, j]), ha="center", va="center", fontsize=6, color=color)
    ax.set_xlabel("what the patient saw")
    ax.set_ylabel("labelled topic")
    ax.set_title(f"Real FAQ questions: right topic {s.accuracy:.3f} of {s.total}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_nlu(real: Path, heldout: Path, goals: Dict[str, float], model: Path | None = None) -> int:
    """Evaluates the current model on the real set (headline) and the held-out set.

    Args:
        real: The real-questions file (``cases:`` format).
        heldout: Held-out NLU file.
        goals: Thresholds (see ``GOALS``).
        model: Model archive (default: the current model of ``make train``).

    Returns:
        Exit code: 0 when every goal is met, 1 otherwise.
    """
    from clinicbot.run import current_model

    model = model or current_model()
    if model is None:
        print("No current model: run `make train` first.")
        return 1
    if not real.is_file():
        print(f"Real-question set not found: {real} (pass --real PATH).")
        return 1
    parse = model_parser(model)
    failures: List[str] = []

    real_scores = score_real(load_cases(real), parse)
    print_real_report(f"Real FAQ questions ({real.name}, model {model.name})", real_scores)
    png = save_confusion_png(real_scores, RESULTS_DIR / "nlu-real-confusion.png")
    print(f"Confusion matrix: {png.relative_to(REPO_ROOT)}")

    def predict(text: str) -> Tuple[str, float]:
        intent = parse(text).get("intent") or {}
        return str(intent.get("name") or FALLBACK), float(intent.get("confidence") or 0.0)

    held = score(load_examples(heldout), predict)
    print_report(f"Held-out NLU set ({heldout.name})", held, max_misses=25)

    print("\n=== Summary ===")
    checks = [
        ("real: right topic", real_scores.accuracy, ">=", goals["min_right"]),
        (
            "real: confident wrong answers",
            real_scores.confident_wrong_rate,
            "<=",
            goals["max_confident_wrong"],
        ),
        (
            "real: right topic offered in clarifications",
            real_scores.offered_rate,
            ">=",
            goals["min_offered"],
        ),
        ("held-out: intent accuracy", held.accuracy, ">=", goals["min_heldout"]),
    ]
    print(f"real: clarify rate {real_scores.clarify_rate:.3f}")
    for name, value, op, goal in checks:
        ok = value >= goal if op == ">=" else value <= goal
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {value:.3f} (goal {op} {goal:.3f})")
        if not ok:
            failures.append(name)
    return 1 if failures else 0
