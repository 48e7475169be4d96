"""The trained-detector cache of the tests (tests.fixtures.trained): hits, misses, invalidation."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.safety.detector import SafetyDetector
from tests.fixtures import trained
from tests.fixtures.trained import PREFIX, cached_detector, training_digest

EXAMPLES = [
    ("i want to die", "safety_crisis"),
    ("i keep thinking about ending my life", "safety_crisis"),
    ("i took all my pills", "safety_emergency"),
    ("he passed out and will not wake up", "safety_emergency"),
    ("how much ketamine should i take", "medical_advice"),
    ("should i stop my zoloft first", "medical_advice"),
    ("what are your opening hours", "kb_logistics_hours_location"),
    ("how much does an infusion cost", "kb_logistics_cost_insurance"),
]
TEXTS = ["i want to end it all", "what time do you open", "can i skip my dose", "pills"]


def _probabilities(detector: SafetyDetector) -> list[dict[str, float]]:
    assert detector.classifier is not None
    return detector.classifier.predict_proba_many(TEXTS)


def _refuse_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: SafetyDetector, examples: object) -> SafetyDetector:
        raise AssertionError("trained although cached")

    monkeypatch.setattr(SafetyDetector, "train", refuse)


def test_a_hit_predicts_exactly_like_fresh_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = _probabilities(SafetyDetector().train(EXAMPLES))
    first = cached_detector(EXAMPLES, tmp_path)
    [cached] = tmp_path.glob(f"{PREFIX}*.json")
    assert cached.name == f"{PREFIX}{training_digest(EXAMPLES)}.json"
    _refuse_training(monkeypatch)
    second = cached_detector(EXAMPLES, tmp_path)
    assert _probabilities(first) == _probabilities(second) == fresh


def test_other_examples_train_again_and_replace_the_file(tmp_path: Path) -> None:
    cached_detector(EXAMPLES, tmp_path)
    changed = [*EXAMPLES, ("where do i park", "kb_logistics_hours_location")]
    assert training_digest(changed) != training_digest(EXAMPLES)
    detector = cached_detector(changed, tmp_path)
    assert _probabilities(detector) == _probabilities(SafetyDetector().train(changed))
    assert [p.name for p in tmp_path.glob(f"{PREFIX}*.json")] == [
        f"{PREFIX}{training_digest(changed)}.json"
    ]


def test_a_code_change_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "features.py"
    code.write_text("A = 1\n", encoding="utf-8")
    monkeypatch.setattr(trained, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(trained, "TRAINING_CODE", (code,))
    before = training_digest(EXAMPLES)
    code.write_text("A = 2\n", encoding="utf-8")
    assert training_digest(EXAMPLES) != before


def test_the_real_key_covers_the_safety_package() -> None:
    names = {p.name for p in trained._code_files()}
    assert {"classifier.py", "normalize.py", "text_classifier.py", "lexicon.yml"} <= names


def test_an_unreadable_cache_file_is_trained_again(tmp_path: Path) -> None:
    path = tmp_path / f"{PREFIX}{training_digest(EXAMPLES)}.json"
    path.write_text("{ not json", encoding="utf-8")
    detector = cached_detector(EXAMPLES, tmp_path)
    assert _probabilities(detector) == _probabilities(SafetyDetector().train(EXAMPLES))
    assert path.read_text(encoding="utf-8").startswith("{")
    assert "not json" not in path.read_text(encoding="utf-8")


def test_one_label_is_patterns_only_and_not_cached(tmp_path: Path) -> None:
    detector = cached_detector([("hello", "greet"), ("hi", "greet")], tmp_path)
    assert detector.classifier is None
    assert not list(tmp_path.iterdir())
