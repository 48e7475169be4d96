"""The trained model on the held-out NLU set (never used for training): accuracy >= 0.904.

The leakage check (no training example near an evaluation example) is in the fast suite:
``tests/nlu/test_leakage.py``.
"""

from __future__ import annotations

import pytest

from clinicbot.evaluate import (
    GOALS,
    HELDOUT_FILE,
    load_examples,
    model_predictor,
    print_report,
    score,
)
from clinicbot.run import current_model

pytestmark = pytest.mark.slow


def test_heldout_intent_accuracy_meets_goal() -> None:
    model = current_model()
    if model is None:
        pytest.fail("no current model: `make test` trains one before the slow tests")
    examples = load_examples(HELDOUT_FILE)
    per_topic = {}
    for _, intent in examples:
        per_topic[intent] = per_topic.get(intent, 0) + 1
    assert all(n >= 5 for i, n in per_topic.items() if i.startswith("kb_"))
    scores = score(examples, model_predictor(model))
    print_report("held-out NLU", scores, max_misses=20)
    assert scores.accuracy >= GOALS["min_heldout"]
