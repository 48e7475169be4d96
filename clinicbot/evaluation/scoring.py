"""Scoring: intent accuracy, and what a patient sees judged against the labels."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Sequence, Tuple

from clinicbot.evaluation.cases import FALLBACK, OUT_OF_SCOPE, SAFETY_INTENTS, Case
from clinicbot.evaluation.stats import label_scores


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

    Per-intent precision, recall and F1 are ``clinicbot.evaluation.stats.label_scores`` (0 when
    undefined); the fallback is not scored as an intent.

    Args:
        examples: (text, expected intent) pairs.
        predict: Returns (predicted intent, confidence) for a text.

    Returns:
        The scores.
    """
    s = Scores()
    expected_labels: List[str] = []
    predicted_labels: List[str] = []
    for text, expected in examples:
        start = time.perf_counter()
        predicted, confidence = predict(text)
        s.latencies_ms.append((time.perf_counter() - start) * 1000)
        s.total += 1
        expected_labels.append(expected)
        predicted_labels.append(predicted)
        if predicted == expected:
            s.correct += 1
            continue
        s.confusions[(expected, predicted)] += 1
        s.misses.append((text, expected, predicted, confidence))
        if predicted == FALLBACK:
            s.fallbacks += 1
        elif predicted not in SAFETY_INTENTS:
            s.wrong_answers += 1
    intents = sorted((set(expected_labels) | set(predicted_labels)) - {FALLBACK})
    for intent, m in label_scores(expected_labels, predicted_labels, intents).items():
        s.per_intent[str(intent)] = {
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "support": m.support,
        }
    return s


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


class ReplyRates:
    """The shares ``make evaluate-nlu`` reports, from counts a subclass provides.

    Used by the scores of a set (:class:`RealScores`) and by calibration's counted outcomes
    (``clinicbot.evaluation.calibrate.Outcome``), so both define the rates the same way.
    """

    if TYPE_CHECKING:

        @property
        def total(self) -> int: ...  # noqa: D102

        @property
        def right(self) -> int: ...  # noqa: D102

        @property
        def confident_wrong(self) -> int: ...  # noqa: D102

        @property
        def clarified(self) -> int: ...  # noqa: D102

        @property
        def clarified_in_scope(self) -> int: ...  # noqa: D102

        @property
        def offered_right(self) -> int: ...  # noqa: D102

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


@dataclass
class RealScores(ReplyRates):
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

    def per_topic(self) -> Dict[str, Tuple[int, int]]:
        """Main label to (right, total)."""
        out: Dict[str, List[int]] = {}
        for case, view in self.rows:
            counts = out.setdefault(case.primary, [0, 0])
            counts[0] += int(self.is_right(case, view))
            counts[1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}
