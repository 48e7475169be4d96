"""The project's one definition of percentiles, precision, recall and F1.

Every evaluation and benchmark reads its figures from here, so a p95 or an F1 means the same
thing in ``make bench``, ``make evaluate-nlu``, ``make evaluate-safety`` and
``python -m clinicbot.entity_eval``:

* ``percentile``: numpy's default (linear interpolation between the closest ranks), so the
  50th percentile is ``statistics.median``; 0 for no values. (The staff console's insights
  take their medians with ``statistics.median``, the same figure, so the web server does not
  import numpy and scikit-learn for them.)
* ``label_scores``: precision, recall and F1 of each label of single-label predictions, by
  ``sklearn.metrics.precision_recall_fscore_support``; ``zero_division`` is the value of a
  ratio with nothing to divide by (nothing predicted, or nothing expected, with that label).
* ``set_scores``: micro-averaged precision, recall and F1 of predicted sets (each item's
  expected and found members), by the same sklearn function on binarized sets.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label (or of a micro average), and its support.

    Attributes:
        precision: Right predictions of the label over all its predictions.
        recall: Right predictions of the label over everything expected with it.
        f1: Harmonic mean of precision and recall.
        support: How many items (or set members) expect the label.
    """

    precision: float
    recall: float
    f1: float
    support: int


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (``q`` in 0..1) with linear interpolation, numpy's default.

    Args:
        values: The numbers (any order).
        q: The quantile, 0.5 for the median, 0.95 for the 95th percentile.

    Returns:
        The percentile, or 0.0 for no values.

    Raises:
        ValueError: When ``q`` is outside 0..1.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside 0..1")
    data = np.asarray(list(values), dtype=float)
    if data.size == 0:
        return 0.0
    return float(np.quantile(data, q))


def label_scores(
    expected: Sequence[Hashable],
    predicted: Sequence[Hashable],
    labels: Sequence[Hashable],
    zero_division: float = 0.0,
) -> dict[Hashable, LabelScore]:
    """Per-label precision, recall and F1 of single-label predictions.

    Args:
        expected: The expected label of each item.
        predicted: The predicted label of each item (same order); labels not in ``labels``
            count against the expected label's recall only.
        labels: The labels to score, in the order returned.
        zero_division: A ratio's value when its denominator is 0.

    Returns:
        Label -> its scores.

    Raises:
        ValueError: When the two sequences differ in length.
    """
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted differ in length")
    if not labels:
        return {}
    # Labels as strings of their position: sklearn wants one comparable type.
    index = {label: str(i) for i, label in enumerate(labels)}
    y_true = [index.get(label, "other") for label in expected]
    y_pred = [index.get(label, "other") for label in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true,
        y_pred,
        labels=[index[label] for label in labels],
        average=None,
        zero_division=zero_division,
    )
    return {
        label: LabelScore(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i, label in enumerate(labels)
    }


def set_scores(
    expected: Sequence[Iterable[Hashable]], predicted: Sequence[Iterable[Hashable]]
) -> LabelScore:
    """Micro-averaged precision, recall and F1 of predicted sets.

    A predicted member is right when the same item expects it. Nothing predicted gives
    precision 0, nothing expected recall 0, except that nothing expected and nothing predicted
    at all scores 1 (sklearn's rule for that case).

    Args:
        expected: Each item's expected members.
        predicted: Each item's found members (same order).

    Returns:
        The micro-averaged scores; support is the number of expected members.

    Raises:
        ValueError: When the two sequences differ in length.
    """
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted differ in length")
    # Members as integers (any hashable members sort then), and -1 that no item has, so the
    # binarizer has a column even when both sides are empty.
    index: dict[Hashable, int] = {}
    y_true = [{index.setdefault(m, len(index)) for m in e} for e in expected]
    y_pred = [{index.setdefault(m, len(index)) for m in p} for p in predicted]
    binarizer = MultiLabelBinarizer().fit([*y_true, *y_pred, {-1}])
    precision, recall, f1, _ = precision_recall_fscore_support(
        binarizer.transform(y_true),
        binarizer.transform(y_pred),
        average="micro",
        zero_division=0,
    )
    return LabelScore(float(precision), float(recall), float(f1), sum(len(s) for s in y_true))

