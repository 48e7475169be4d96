"""The one definition of percentiles and precision/recall/F1 (clinicbot.evaluation.stats)."""

from __future__ import annotations

import random
import statistics

import pytest

from clinicbot.evaluation.scoring import score
from clinicbot.evaluation.stats import LabelScore, label_scores, percentile, set_scores
from clinicbot.safety.cases import Case
from clinicbot.safety.metrics import compute_metrics


def test_percentile_interpolates_between_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0.5) == 2.5
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 4.0
    assert percentile(range(1, 21), 0.95) == pytest.approx(19.05)
    assert percentile([7.0], 0.95) == 7.0


def test_percentile_is_the_median_and_the_inclusive_quantile_of_statistics() -> None:
    rng = random.Random(13)
    for n in (2, 3, 10, 101, 400):
        values = [rng.uniform(0, 500) for _ in range(n)]
        assert percentile(values, 0.5) == pytest.approx(statistics.median(values))
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        assert percentile(values, 0.95) == pytest.approx(cuts[94])
        assert percentile(values, 0.05) == pytest.approx(cuts[4])


def test_percentile_of_nothing_is_zero_and_bad_quantiles_are_refused() -> None:
    assert percentile([], 0.95) == 0.0
    with pytest.raises(ValueError):
        percentile([1.0], 95)
    with pytest.raises(ValueError):
        percentile([1.0], -0.1)


def test_label_scores_on_known_predictions() -> None:
    expected = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "x", "a"]
    scores = label_scores(expected, predicted, ["a", "b", "c"])
    # a: 2 right of 3 predicted, 2 of 3 expected; b: 1 of 2 predicted, 1 of 2 expected;
    # c: never predicted, 1 expected; "x" (not scored) counts against b's recall only.
    assert scores["a"] == LabelScore(2 / 3, 2 / 3, 2 / 3, 3)
    assert scores["b"] == LabelScore(0.5, 0.5, 0.5, 2)
    assert scores["c"] == LabelScore(0.0, 0.0, 0.0, 1)
    assert list(scores) == ["a", "b", "c"]


def test_label_scores_f1_is_the_harmonic_mean() -> None:
    scores = label_scores(["a", "a", "a", "a", "b"], ["a", "b", "b", "b", "b"], ["a", "b"])
    assert scores["a"].precision == 1.0 and scores["a"].recall == 0.25
    assert scores["a"].f1 == pytest.approx(2 * 1.0 * 0.25 / 1.25)
    b = scores["b"]
    assert (b.precision, b.recall, b.support) == (0.25, 1.0, 1)
    assert b.f1 == pytest.approx(0.4)


def test_label_scores_zero_division_is_the_callers_choice() -> None:
    expected, predicted = ["a", "a"], ["a", "a"]
    assert label_scores(expected, predicted, ["a", "b"])["b"] == LabelScore(0.0, 0.0, 0.0, 0)
    unused = label_scores(expected, predicted, ["a", "b"], zero_division=1.0)["b"]
    assert (unused.precision, unused.recall, unused.support) == (1.0, 1.0, 0)
    with pytest.raises(ValueError):
        label_scores(["a"], ["a", "b"], ["a"])
    assert label_scores(["a"], ["a"], []) == {}


def test_set_scores_micro_average() -> None:
    expected = [{"x", "y"}, {"z"}, set()]
    predicted = [{"x"}, {"z", "w"}, {"v"}]
    s = set_scores(expected, predicted)
    # 2 right of 4 found, 2 of 3 expected.
    assert (s.precision, s.recall, s.support) == (0.5, 2 / 3, 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # Nothing expected and nothing found is perfect (sklearn's rule); one side empty is 0.
    assert set_scores([set(), set()], [set(), set()]) == LabelScore(1.0, 1.0, 1.0, 0)
    assert set_scores([{"x"}], [set()]) == LabelScore(0.0, 0.0, 0.0, 1)
    assert set_scores([set()], [{"x"}]) == LabelScore(0.0, 0.0, 0.0, 0)
    # Members of any hashable type, mixed.
    assert set_scores([{("A", "b"), "c"}], [{("A", "b"), 1}]).precision == 0.5
    with pytest.raises(ValueError):
        set_scores([set()], [])


def test_intent_scores_per_intent_come_from_the_one_definition() -> None:
    answers = {"q1": "a", "q2": "b", "q3": "nlu_fallback", "q4": "a"}
    examples = [("q1", "a"), ("q2", "a"), ("q3", "a"), ("q4", "b")]
    s = score(examples, lambda text: (answers[text], 0.9))
    assert set(s.per_intent) == {"a", "b"}  # the fallback is not an intent
    assert s.per_intent["a"] == pytest.approx(
        {"precision": 0.5, "recall": 1 / 3, "f1": 0.4, "support": 3}
    )
    assert s.per_intent["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert (s.correct, s.fallbacks, s.wrong_answers) == (1, 1, 2)


def test_safety_group_precision_and_recall_come_from_the_one_definition() -> None:
    cases = [
        (Case("c1", "crisis"), "crisis"),
        (Case("c2", "crisis"), "emergency"),
        (Case("e1", "emergency"), "emergency"),
        (Case("n1", "none"), "mention"),
        (Case("n2", "mention"), "crisis"),
        (Case("n3", "none"), "none"),
    ]
    m = compute_metrics(cases)
    assert m.recall == {"crisis": 0.5, "emergency": 1.0, "advice": 1.0, "benign": 2 / 3}
    assert m.precision == {"crisis": 0.5, "emergency": 0.5, "advice": 1.0, "benign": 1.0}
    assert m.counts == {"crisis": 2, "emergency": 1, "advice": 0, "benign": 3}
