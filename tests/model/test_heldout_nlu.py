"""The trained model on the held-out NLU set (never used for training): accuracy >= 0.90."""

from __future__ import annotations

import pytest

from clinicbot.evaluate import HELDOUT_FILE, load_examples, model_predictor, print_report, score
from clinicbot.paths import DATA_DIR
from clinicbot.run import current_model

pytestmark = pytest.mark.slow


def test_heldout_examples_are_not_in_training_data() -> None:
    training = set()
    for path in DATA_DIR.rglob("*.yml"):
        training |= {text.lower().strip() for text, _ in load_examples(path)}
    heldout = {text.lower().strip() for text, _ in load_examples(HELDOUT_FILE)}
    assert not heldout & training


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
    assert scores.accuracy >= 0.90
