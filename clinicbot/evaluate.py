"""NLU evaluation (``make evaluate-nlu``) and the design comparison (``make compare-nlu``).

``nlu`` scores the trained model the way a patient meets it. The headline set is
``../shared/data/real-faq-dev.yml``: real questions from other clinics' public FAQ pages plus
everyday requests that have nothing to do with the clinic, labelled with a topic id (``also`` =
a second topic that is equally right). Every question is parsed by the trained Rasa model (safety
router, fallback, vocabulary gate included) and then sent through the project's own rules,
domain responses and actions (``action_answer_topic``, ``action_clarify``), so the figures
describe the reply: an answered topic (and any "did you mean" buttons), a clarification with
which buttons, the out-of-scope reply, or something else. It prints

* **right topic**: the answer's topic is the labelled topic or its ``also`` (an everyday
  request counts when it gets the out-of-scope reply);
* **confident wrong answers**: a knowledge-base answer to another topic with no button for the
  right one (a wrong answer that offers the right topic as "did you mean" is counted apart);
* **clarify rate** and, for the in-scope questions that were clarified, how often the right topic
  was one of the buttons;
* per-topic recall and a confusion-matrix picture (``results/nlu-real-confusion.png``).

The second figure is intent accuracy on ``tests/nlu/heldout.yml``. The command exits 1 when a
figure misses its goal (``GOALS``). Nothing here chooses a threshold: they are chosen by
cross-validation on the training data (``clinicbot.nlu_gate``), never on these sets.

``compare`` trains the candidate designs on the same data and scores each on the real set at a
matched clarify rate (see ``run_compare``).

``model_parser`` and ``model_predictor`` are the public loaders of a trained model (used by the
tests and by other evaluations): text in, Rasa parse result or (intent, confidence) out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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

from clinicbot.paths import CONFIG_FILE, DATA_DIR, DOMAIN_FILE, REPO_ROOT, TESTS_DIR

HELDOUT_FILE = TESTS_DIR / "nlu" / "heldout.yml"
#: Real questions from other clinics' FAQ pages (kept outside the project, never trained on).
REAL_DEV_FILE = REPO_ROOT.parent / "shared" / "data" / "real-faq-dev.yml"
RESULTS_DIR = REPO_ROOT / "results"
RULES_FILE = DATA_DIR / "rules.yml"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency", "medical_advice"})

#: The goals of issue 11 (``make evaluate-nlu`` fails below them).
GOALS: Dict[str, float] = {
    "min_right": 0.90,
    "max_confident_wrong": 0.05,
    "min_offered": 0.50,
    "min_heldout": 0.904,
}


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


def model_parser(model_path: Path) -> Callable[[str], Dict[str, Any]]:
    """Loads a trained Rasa model and returns its parse function.

    Args:
        model_path: Model archive.

    Returns:
        Function mapping a text to Rasa's parse result (``intent``, ``intent_ranking``,
        ``entities``, ``safety`` ...), exactly what the server would hand to the dialogue.
    """
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug logs hold the message text: keep them off.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> Dict[str, Any]:
        return dict(loop.run_until_complete(agent.parse_message(text)))

    return parse


def model_predictor(model_path: Path) -> Callable[[str], Tuple[str, float]]:
    """Loads a trained Rasa model and returns a predict function (stable public API).

    Args:
        model_path: Model archive.

    Returns:
        Function mapping text to (intent, confidence); for retrieval-intent models the
        ResponseSelector's ``faq/<topic>`` choice is mapped back to ``kb_<topic>``.
    """
    parse = model_parser(model_path)

    def predict(text: str) -> Tuple[str, float]:
        result = parse(text)
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


# --- the real set ------------------------------------------------------------------------------


def topic_intent(topic_id: str) -> str:
    """The intent that answers a knowledge-base topic id (``out_of_scope`` stays itself)."""
    if topic_id == OUT_OF_SCOPE:
        return OUT_OF_SCOPE
    return "kb_" + topic_id.replace(".", "_")


@dataclass(frozen=True)
class Case:
    """One labelled real question.

    Attributes:
        text: The question.
        labels: Intents that are right answers, the main topic first (then ``also``).
    """

    text: str
    labels: Tuple[str, ...]

    @property
    def primary(self) -> str:
        """The main label."""
        return self.labels[0]

    @property
    def in_scope(self) -> bool:
        """Whether the question has a knowledge-base topic (not an everyday request)."""
        return self.primary != OUT_OF_SCOPE


def load_cases(path: Path) -> List[Case]:
    """Reads a ``cases:`` file (``text``, ``topic``, optional ``also``) as in real-faq-dev.yml.

    Args:
        path: The file.

    Returns:
        The cases, in file order.

    Raises:
        ValueError: If the file does not hold a list of cases with a text and a topic each.
    """
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    items = doc.get("cases") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a top-level 'cases' list")
    cases = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("text") or not item.get("topic"):
            raise ValueError(f"{path}: case {index} needs a text and a topic")
        labels = [topic_intent(str(item["topic"]))]
        also = item.get("also")
        for extra in also if isinstance(also, list) else [also] if also else []:
            labels.append(topic_intent(str(extra)))
        cases.append(Case(str(item["text"]), tuple(labels)))
    return cases


# --- leakage -----------------------------------------------------------------------------------

#: Training examples at least this similar to an evaluation example count as leaked.
LEAK_SIMILARITY = 0.75
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_for_leaks(text: str) -> str:
    """Lower case, every run of other characters one space (for the similarity check)."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def near_duplicates(
    training: Sequence[str], evaluation: Sequence[str], threshold: float = LEAK_SIMILARITY
) -> List[Tuple[str, str, float]]:
    """Training texts within ``threshold`` similarity of an evaluation text.

    Similarity is ``difflib.SequenceMatcher.ratio`` on normalised text. RapidFuzz's
    ``fuzz.ratio`` (twice the longest common subsequence over the total length) is never below
    difflib's ratio, so it picks the candidate pairs for all pairs at once in C, and only those
    are compared with difflib.

    Args:
        training: Training texts.
        evaluation: Evaluation texts.
        threshold: Similarity at or above which a pair is reported.

    Returns:
        (training text, evaluation text, similarity) triples, most similar first.
    """
    import difflib

    import numpy as np
    from rapidfuzz import fuzz, process

    train_norm = [normalise_for_leaks(t) for t in training]
    eval_norm = [normalise_for_leaks(t) for t in evaluation]
    if not train_norm or not eval_norm:
        return []
    bound = process.cdist(
        train_norm, eval_norm, scorer=fuzz.ratio, score_cutoff=threshold * 100 - 1e-6, workers=1
    )
    found: List[Tuple[str, str, float]] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for i, j in zip(*np.nonzero(bound), strict=True):
        matcher.set_seqs(train_norm[i], eval_norm[j])
        ratio = matcher.ratio()
        if ratio >= threshold:
            found.append((training[i], evaluation[j], ratio))
    return sorted(found, key=lambda item: -item[2])


def training_texts(data_dir: Path = DATA_DIR) -> List[Tuple[str, str]]:
    """Every (text, intent) training example under ``data/``."""
    pairs: List[Tuple[str, str]] = []
    for path in sorted(data_dir.rglob("*.yml")):
        pairs.extend(load_examples(path))
    return pairs


# --- what the patient sees -------------------------------------------------------------------

#: Reply kinds of the custom actions the evaluation does not run.
OTHER_ACTION_KINDS = {
    "action_escalate": "handoff",
    "action_escalate_urgent": "handoff",
    "action_screening_start": "screening",
}


@dataclass(frozen=True)
class PatientView:
    """What the patient would see for one message.

    Attributes:
        kind: The reply kind of the reply contract (``answer``, ``clarify``, ``out_of_scope``,
            ``refusal`` ...).
        topic: Intent of the answered knowledge-base topic (answers only).
        offered: Intents offered as choices: a clarification's topic buttons, or the
            "did you mean" buttons of an answer given with a close runner-up.
    """

    kind: str
    topic: str | None = None
    offered: Tuple[str, ...] = ()


def rule_actions(rules_file: Path = RULES_FILE) -> Dict[str, str]:
    """The first action the unconditional rules run for each intent.

    Args:
        rules_file: ``data/rules.yml``.

    Returns:
        Intent name to action name.
    """
    with rules_file.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    mapping: Dict[str, str] = {}
    for rule in doc.get("rules") or []:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) < 2 or "action" not in steps[1]:
            continue
        first = steps[0]
        if "intent" in first:
            intents = [first["intent"]]
        else:
            intents = [s["intent"] for s in first.get("or") or [] if "intent" in s]
        for intent in intents:
            mapping.setdefault(str(intent), str(steps[1]["action"]))
    return mapping


class PatientSimulator:
    """Turns a parse result into the reply, with the project's rules, responses and actions.

    The knowledge-base answer and the clarification are produced by running the real
    ``action_answer_topic`` and ``action_clarify`` on a fresh conversation; domain responses
    give their kind from their ``custom`` payload.
    """

    def __init__(self) -> None:
        """Loads the rules and the domain and creates the two actions."""
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        from actions.answer import ActionAnswerTopic
        from actions.clarify import ActionClarify

        with DOMAIN_FILE.open(encoding="utf-8") as fh:
            self.domain: Dict[str, Any] = yaml.safe_load(fh) or {}
        self.intent_action = rule_actions()
        self.actions = {a.name(): a for a in (ActionAnswerTopic(), ActionClarify())}
        self._loop = asyncio.new_event_loop()

    def _response_kind(self, name: str) -> str:
        variants = (self.domain.get("responses") or {}).get(name) or [{}]
        custom = variants[0].get("custom") or {}
        return str(custom.get("kind") or "other")

    def view(self, parse: Dict[str, Any]) -> PatientView:
        """The reply to a parsed message in a new conversation.

        Args:
            parse: Rasa's parse result.

        Returns:
            What the patient would see.
        """
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        from clinicbot.payload import CLARIFY, merge_payloads

        intent = (parse.get("intent") or {}).get("name") or FALLBACK
        action_name = self.intent_action.get(intent)
        if action_name is None:
            return PatientView("other")
        if action_name.startswith("utter_"):
            return PatientView(self._response_kind(action_name))
        action = self.actions.get(action_name)
        if action is None:
            return PatientView(OTHER_ACTION_KINDS.get(action_name, "other"))
        latest = {**parse, "text": parse.get("text") or ""}
        tracker = Tracker(
            sender_id="evaluation",
            slots={},
            latest_message=latest,
            events=[{"event": "user", "text": latest["text"], "parse_data": latest}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        self._loop.run_until_complete(action.run(dispatcher, tracker, self.domain))
        payload = merge_payloads([m["custom"] for m in dispatcher.messages if m.get("custom")])
        if payload is None:
            return PatientView("other")
        kind = str(payload.get("kind"))
        topic = topic_intent(str(payload["kb_id"])) if payload.get("kb_id") else None
        if "alternatives" in payload:
            offered = tuple(topic_intent(str(t)) for t in payload.get("alternatives") or [])
        elif kind == CLARIFY:
            offered = tuple(
                str(b.get("payload", ""))[1:]
                for m in dispatcher.messages
                for b in m.get("buttons") or []
                if str(b.get("payload", "")).startswith("/kb_")
            )
        else:
            offered = ()
        return PatientView(kind, topic, offered)


@dataclass
class RealScores:
    """Figures on the real set (see the module docstring for the definitions)."""

    rows: List[Tuple[Case, PatientView]] = field(default_factory=list)

    def _count(self, predicate: Callable[[Case, PatientView], bool]) -> int:
        return sum(1 for case, view in self.rows if predicate(case, view))

    @property
    def total(self) -> int:
        """Number of cases."""
        return len(self.rows)

    @staticmethod
    def is_right(case: Case, view: PatientView) -> bool:
        """Right topic answered, or an everyday request sent to the out-of-scope reply."""
        if not case.in_scope:
            return view.kind == OUT_OF_SCOPE
        return view.kind == "answer" and view.topic in case.labels

    @staticmethod
    def is_wrong_answer(case: Case, view: PatientView) -> bool:
        """A knowledge-base answer to a topic that is not a right one."""
        return view.kind == "answer" and view.topic not in case.labels

    @classmethod
    def is_confident_wrong(cls, case: Case, view: PatientView) -> bool:
        """A wrong answer that does not even offer the right topic as a button."""
        return cls.is_wrong_answer(case, view) and not set(view.offered) & set(case.labels)

    @property
    def right(self) -> int:
        """Cases answered right."""
        return self._count(self.is_right)

    @property
    def wrong_answers(self) -> int:
        """Cases answered with a wrong topic (hedged or not)."""
        return self._count(self.is_wrong_answer)

    @property
    def confident_wrong(self) -> int:
        """Cases answered with a wrong topic and no button for the right one."""
        return self._count(self.is_confident_wrong)

    @property
    def clarified(self) -> int:
        """Cases that got a clarification."""
        return self._count(lambda c, v: v.kind == "clarify")

    @property
    def clarified_in_scope(self) -> int:
        """In-scope cases that got a clarification."""
        return self._count(lambda c, v: v.kind == "clarify" and c.in_scope)

    @property
    def offered_right(self) -> int:
        """In-scope clarifications whose buttons include a right topic."""
        return self._count(
            lambda c, v: v.kind == "clarify" and c.in_scope and bool(set(v.offered) & set(c.labels))
        )

    @property
    def turned_away(self) -> int:
        """In-scope questions that got the out-of-scope reply."""
        return self._count(lambda c, v: c.in_scope and v.kind == OUT_OF_SCOPE)

    @property
    def accuracy(self) -> float:
        """Share answered right."""
        return self.right / self.total if self.total else 0.0

    @property
    def confident_wrong_rate(self) -> float:
        """Share answered confidently wrong."""
        return self.confident_wrong / self.total if self.total else 0.0

    @property
    def clarify_rate(self) -> float:
        """Share clarified."""
        return self.clarified / self.total if self.total else 0.0

    @property
    def offered_rate(self) -> float:
        """Share of in-scope clarifications offering a right topic (1.0 without any)."""
        n = self.clarified_in_scope
        return self.offered_right / n if n else 1.0

    def per_topic(self) -> Dict[str, Tuple[int, int]]:
        """Main label to (right, total)."""
        out: Dict[str, List[int]] = {}
        for case, view in self.rows:
            counts = out.setdefault(case.primary, [0, 0])
            counts[0] += int(self.is_right(case, view))
            counts[1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def score_real(
    cases: Sequence[Case],
    parse: Callable[[str], Dict[str, Any]],
    simulator: PatientSimulator | None = None,
) -> RealScores:
    """Scores a parser on real cases by what the patient would see.

    Args:
        cases: Labelled cases.
        parse: Text to Rasa parse result.
        simulator: Reply simulator (a new one by default).

    Returns:
        The scores.
    """
    simulator = simulator or PatientSimulator()
    scores = RealScores()
    for case in cases:
        scores.rows.append((case, simulator.view(parse(case.text))))
    return scores


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


# --- threshold choice by cross-validation on the training data ---------------------------------

#: Utility of an outcome when choosing thresholds: a right answer is worth 1, a confident wrong
#: answer costs 3 (the issue's first concern), a clarification that offers the right topic is
#: worth 0.5, and "did you mean" buttons next to a right answer cost 0.1 (clutter).
UTILITY = {"right": 1.0, "confident_wrong": -3.0, "clarify_offered": 0.5, "hedged_right": -0.1}
#: File groups for cross-validation: each group is predicted by a model trained on the others,
#: so the thresholds are chosen on phrasings written apart from the training phrasings.
CV_GROUPS = ("kb_", "augment_", "augment2_", "realstyle_", "out_of_scope")


def _cv_group(path: Path) -> str:
    return next((g for g in CV_GROUPS if path.name.startswith(g)), "other")


def cross_validated_rankings(
    c_values: Sequence[float],
) -> Dict[float, List[Tuple[str, List[Tuple[str, float]]]]]:
    """Rankings of every training example by a classifier trained without its file group.

    Args:
        c_values: Regularisation strengths to try.

    Returns:
        For each C: (label, ranking without the safety intents) per predicted example.
    """
    from clinicbot.safety.classifier import TfidfTextClassifier

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
            clf = TfidfTextClassifier({"C": c}).fit([t for t, _ in train], [i for _, i in train])
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
) -> Tuple[float, Dict[str, int]]:
    """Mean utility (``UTILITY``) of a threshold pair on cross-validated rankings.

    The decision is the pipeline's: below ``fallback_threshold`` a clarification offers the
    best topics (``clinicbot.nlu_gate.topic_alternatives``), otherwise the top intent is
    answered with the runner-ups at or above ``alternative_min`` as "did you mean" buttons.

    Args:
        rows: (label, ranking) pairs.
        fallback_threshold: FallbackClassifier threshold.
        alternative_min: AnswerCalibration's ``alternative_min_confidence``.

    Returns:
        (mean utility, outcome counts).
    """
    from clinicbot.nlu_gate import FALLBACK_INTENT, topic_alternatives

    counts: Counter = Counter()
    for label, ranking in rows:
        top, confidence = ranking[0]
        items = [{"name": n, "confidence": p} for n, p in ranking]
        if confidence < fallback_threshold:
            offered = topic_alternatives(FALLBACK_INTENT, items, alternative_min, 3)
            counts["clarify_offered" if label in offered else "clarify_other"] += 1
            continue
        offered = topic_alternatives(top, items, alternative_min, 2)
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


def run_calibrate() -> int:
    """Chooses both thresholds by grouped cross-validation (at config.yml's C) and prints them.

    Returns:
        Exit code (0).
    """
    with CONFIG_FILE.open(encoding="utf-8") as fh:
        pipeline = yaml.safe_load(fh)["pipeline"]
    c_values = [
        float(c.get("C", 30.0)) for c in pipeline if c["name"].endswith("TfidfIntentClassifier")
    ]
    fallback_values = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
    alternative_values = (0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)
    print("Cross-validating by file group (each group predicted by the others) ...", flush=True)
    results = []
    for c, rows in cross_validated_rankings(c_values).items():
        for fallback in fallback_values:
            for alternative in alternative_values:
                value, counts = calibration_utility(rows, fallback, alternative)
                results.append((value, c, fallback, alternative, counts, len(rows)))
    results.sort(key=lambda r: -r[0])
    print(f"{'utility':>8s} {'C':>6s} {'fallback':>8s} {'alt_min':>8s}  outcomes")
    for value, c, fallback, alternative, counts, n in results[:10]:
        print(f"{value:8.3f} {c:6.0f} {fallback:8.2f} {alternative:8.2f}  {counts} of {n}")
    value, c, fallback, alternative, _, _ = results[0]
    print(
        f"\nChosen: C {c:g}, FallbackClassifier threshold {fallback:g}, "
        f"AnswerCalibration alternative_min_confidence {alternative:g} (utility {value:.3f})"
    )
    return 0


#: DIET epochs in the comparison: modest, so it finishes on two shared cores (its training
#: accuracy plateaus well before).
DIET_EPOCHS = 30
#: Areas of the two-stage design: the first part of ``kb_<area>_<topic>``; every other
#: intent (out_of_scope, small talk, follow-ups ...) is the area ``general``.
AREAS = ("mechanism", "safety", "eligibility", "process", "logistics")

Ranking = List[Tuple[str, float]]


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
    from clinicbot.safety.classifier import TfidfTextClassifier

    pairs = [(t, i) for t, i in training if i not in SAFETY_INTENTS]
    area_clf = TfidfTextClassifier({"C": c}).fit(
        [t for t, _ in pairs], [_area(i) for _, i in pairs]
    )
    topic_clfs: Dict[str, Any] = {}
    for area in set(_area(i) for _, i in pairs):
        sub = [(t, i) for t, i in pairs if _area(i) == area]
        if len({i for _, i in sub}) > 1:
            topic_clfs[area] = TfidfTextClassifier({"C": c}).fit(
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


#: Intents whose reply answers a topic in a new conversation (rules + follow-up defaults).
FOLLOWUP_TOPICS = {
    "followup_duration": "kb_mechanism_onset_and_duration",
    "followup_risks": "kb_safety_side_effects",
}


def matched_decisions(
    cases: Sequence[Case], rankings: Sequence[Ranking], clarify_rate: float, alt_min: float
) -> Dict[str, float]:
    """Scores rankings at a given clarify rate with the pipeline's decision rule.

    The confidence threshold is set so that ``clarify_rate`` of the cases fall back (the
    comparison is at a matched fallback rate, not at each design's own threshold); answers
    offer runner-ups at or above ``alt_min`` (``clinicbot.nlu_gate.topic_alternatives``).

    Args:
        cases: Labelled cases.
        rankings: One ranking per case.
        clarify_rate: Share of cases to clarify.
        alt_min: Smallest runner-up confidence offered next to an answer.

    Returns:
        right, confident_wrong, clarify and offered rates, and the threshold used.
    """
    from clinicbot.nlu_gate import FALLBACK_INTENT, topic_alternatives

    tops = sorted(r[0][1] if r else 0.0 for r in rankings)
    cut = int(round(clarify_rate * len(tops)))
    threshold = tops[cut] if cut < len(tops) else 1.01
    right = wrong = clarified = offered_right = 0
    for case, ranking in zip(cases, rankings, strict=True):
        items: List[Dict[str, Any]] = [
            {"name": FOLLOWUP_TOPICS.get(n, n), "confidence": p} for n, p in ranking
        ]
        if not ranking or ranking[0][1] < threshold:
            clarified += 1
            offered = topic_alternatives(FALLBACK_INTENT, items, alt_min, 3)
            offered_right += int(case.in_scope and bool(set(offered) & set(case.labels)))
            continue
        top = str(items[0]["name"])
        if top in case.labels:
            right += 1
        elif top.startswith("kb_"):
            offered = topic_alternatives(top, items, alt_min, 2)
            wrong += int(not set(offered) & set(case.labels))
    n = len(cases) or 1
    return {
        "right": right / n,
        "confident_wrong": wrong / n,
        "clarify": clarified / n,
        "offered": offered_right / max(1, clarified),
        "threshold": threshold,
    }


def run_compare(real: Path, designs: Sequence[str]) -> int:
    """Trains the designs on ``data/`` and compares them on the real set at a matched rate.

    Designs: ``tfidf`` (this project's pipeline, ``config.yml``), ``logreg`` (Rasa's
    LogisticRegressionClassifier on count features), ``diet`` (Rasa's DIET), all trained by
    ``rasa train nlu`` and parsed by the full pipeline; ``two_stage`` (area, then topic) and
    ``bank`` (nearest-neighbour example bank) are scikit-learn models trained on the same
    examples; ``tfidf`` uses the current trained model when there is one (same NLU). Every
    design's own ranking goes through the same decision rule at the clarify rate of the first
    design (at the shipped fallback threshold), with the shipped calibration threshold.

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
    with CONFIG_FILE.open(encoding="utf-8") as fh:
        pipeline = yaml.safe_load(fh)["pipeline"]
    settings = {c["name"].rsplit(".", 1)[-1]: c for c in pipeline}
    c_value = float(settings["TfidfIntentClassifier"].get("C", 30.0))
    alt_min = float(settings["AnswerCalibration"].get("alternative_min_confidence", 0.1))
    threshold = float(settings["FallbackClassifier"].get("threshold", 0.2))
    work = Path(tempfile.mkdtemp(prefix="nlu-compare-"))
    rate: float | None = None
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
                print(
                    f"\n=== {real.name}: {len(cases)} cases; clarify rate matched to {rate:.3f} "
                    f"({design} at its threshold {threshold:g}); runner-ups offered at "
                    f">= {alt_min:g} ==="
                )
                print(
                    f"{'design':10s} {'right':>6s} {'conf.wrong':>10s} {'clarify':>7s} "
                    f"{'offered':>7s} {'thresh':>6s} {'train s':>7s}"
                )
            m = matched_decisions(cases, ranks, rate, alt_min)
            print(
                f"{design:10s} {m['right']:6.3f} {m['confident_wrong']:10.3f} "
                f"{m['clarify']:7.3f} {m['offered']:7.2f} {m['threshold']:6.2f} {seconds:7.0f}",
                flush=True,
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
    parser.add_argument("mode", choices=["nlu", "compare", "calibrate"])
    parser.add_argument("--real", type=Path, default=REAL_DEV_FILE)
    parser.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--model", type=Path, default=None, help="nlu: model archive")
    parser.add_argument("--min-right", type=float, default=GOALS["min_right"])
    parser.add_argument("--max-confident-wrong", type=float, default=GOALS["max_confident_wrong"])
    parser.add_argument("--min-offered", type=float, default=GOALS["min_offered"])
    parser.add_argument("--min-heldout", type=float, default=GOALS["min_heldout"])
    parser.add_argument(
        "--designs",
        nargs="+",
        default=["tfidf", "logreg", "two_stage", "bank", "diet"],
        help="compare: designs to train and score",
    )
    args = parser.parse_args(argv)
    if args.mode == "nlu":
        goals = {
            "min_right": args.min_right,
            "max_confident_wrong": args.max_confident_wrong,
            "min_offered": args.min_offered,
            "min_heldout": args.min_heldout,
        }
        return run_nlu(args.real, args.heldout, goals, args.model)
    if args.mode == "calibrate":
        return run_calibrate()
    return run_compare(args.real, args.designs)


if __name__ == "__main__":
    raise SystemExit(main())
