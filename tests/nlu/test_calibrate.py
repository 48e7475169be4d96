"""Threshold choice (``python -m clinicbot.evaluate calibrate``): scored as issue 11 scores."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from clinicbot.evaluate import (
    GOALS,
    CvRow,
    Outcome,
    Setting,
    choose,
    cross_validated_rows,
    file_folds,
    grid_outcomes,
    outcome,
)
from clinicbot.evaluation.calibrate import default_grid, scored_label

CALIBRATION = {"max_alternatives": 2, "clarify_topics": 3}


def _outcome(
    right: int,
    confident_wrong: int,
    clarified: int = 0,
    offered: int = 0,
    buttons: int = 0,
    fallback: float = 0.3,
) -> Outcome:
    return Outcome(
        Setting(fallback, 0.05),
        100,
        right,
        confident_wrong,
        clarified,
        clarified,
        offered,
        buttons,
    )


def test_a_clarification_is_never_a_right_answer() -> None:
    rows = [CvRow("kb_a", [("kb_a", 0.3), ("kb_b", 0.2)])]
    asked = outcome(rows, Setting(0.4, 0.05), CALIBRATION)
    assert (asked.right, asked.clarified, asked.offered_right) == (0, 1, 1)
    answered = outcome(rows, Setting(0.2, 0.05), CALIBRATION)
    assert (answered.right, answered.clarified) == (1, 0)


def test_a_wrong_answer_offering_the_right_topic_is_not_confidently_wrong() -> None:
    rows = [CvRow("kb_b", [("kb_a", 0.5), ("kb_b", 0.3)])]
    assert outcome(rows, Setting(0.2, 0.4), CALIBRATION).confident_wrong == 1
    hedged = outcome(rows, Setting(0.2, 0.25), CALIBRATION)
    assert (hedged.confident_wrong, hedged.right, hedged.with_buttons) == (0, 0, 1)


def test_the_middle_band_offers_three_topics_next_to_the_answer() -> None:
    rows = [
        CvRow("kb_a", [("kb_a", 0.45), ("kb_b", 0.01)]),  # right but middling
        CvRow("kb_c", [("kb_a", 0.42), ("kb_b", 0.02), ("kb_c", 0.01)]),  # wrong; kb_c third
    ]
    plain = outcome(rows, Setting(0.4, 0.1), CALIBRATION)
    assert (plain.right, plain.confident_wrong, plain.with_buttons) == (1, 1, 0)
    banded = outcome(rows, Setting(0.4, 0.1, hedge_below=0.5), CALIBRATION)
    assert (banded.right, banded.confident_wrong, banded.with_buttons) == (1, 0, 2)


def test_everyday_requests_and_the_vocabulary_gate() -> None:
    rows = [
        CvRow("out_of_scope", [("out_of_scope", 0.6), ("kb_a", 0.3)]),
        CvRow("kb_a", [("kb_a", 0.9)], known_ratio=0.2),  # mostly unknown words: asked
        CvRow("kb_a", [("out_of_scope", 0.7), ("kb_a", 0.2)]),  # turned away: not right
    ]
    result = outcome(rows, Setting(0.4, 0.05), CALIBRATION)
    assert (result.right, result.clarified, result.confident_wrong) == (1, 1, 0)


def test_choice_maximises_right_answers_within_the_constraints() -> None:
    goals = {"max_confident_wrong": 0.05, "min_offered": 0.5}
    too_wrong = _outcome(right=92, confident_wrong=6, fallback=0.1)
    asks_a_lot = _outcome(right=80, confident_wrong=0, clarified=20, offered=20, fallback=0.6)
    answers = _outcome(right=88, confident_wrong=4, clarified=5, offered=4, fallback=0.3)
    cluttered = _outcome(right=88, confident_wrong=3, clarified=5, offered=4, buttons=40)
    poor_buttons = _outcome(right=90, confident_wrong=2, clarified=8, offered=3, fallback=0.2)
    chosen, feasible = choose([too_wrong, asks_a_lot, cluttered, answers, poor_buttons], goals)
    # A clarification offering the right topic is not a right answer: more right answers win
    # over more (even helpful) clarifications, as long as confident wrong stays <= 5% and the
    # clarifications offer the right topic at least half the time.
    assert feasible and chosen is answers


def test_choice_without_a_feasible_setting_keeps_wrong_answers_lowest() -> None:
    goals = {"max_confident_wrong": 0.01, "min_offered": 0.5}
    a = _outcome(right=90, confident_wrong=5)
    b = _outcome(right=70, confident_wrong=2)
    assert choose([a, b], goals) == (b, False)


def test_grid_outcomes_count_as_the_reference_decision() -> None:
    rng = random.Random(7)
    labels = ["kb_a", "kb_b", "kb_c", "kb_d", "out_of_scope", "followup_risks"]
    rows = []
    for _ in range(300):
        weights = [rng.random() ** 3 for _ in labels]
        total = sum(weights)
        ranking = sorted(
            ((n, w / total) for n, w in zip(labels, weights, strict=True)), key=lambda kv: -kv[1]
        )
        label = rng.choice(["kb_a", "kb_b", "kb_c", "out_of_scope", "kb_safety_side_effects"])
        rows.append(CvRow(label, ranking, known_ratio=rng.choice([1.0, 1.0, 0.3, None])))
    settings = [s for s in default_grid() if s.fallback in (0.0, 0.35, 0.6)][::7]
    assert len(settings) > 20
    fast = grid_outcomes(rows, settings, CALIBRATION, 0.5)
    assert fast == [outcome(rows, s, CALIBRATION, 0.5) for s in settings]


def test_files_stay_whole_in_balanced_folds() -> None:
    sizes = {f"f{i}.yml": n for i, n in enumerate([500, 400, 300, 300, 200, 120, 80, 50, 20])}
    folds = file_folds(sizes, 3)
    assert set(folds) == set(sizes) and set(folds.values()) == {0, 1, 2}
    totals = [sum(n for f, n in sizes.items() if folds[f] == k) for k in range(3)]
    assert max(totals) - min(totals) <= max(sizes.values())
    assert file_folds(dict(reversed(list(sizes.items()))), 3) == folds


def test_only_the_real_sets_labels_are_scored() -> None:
    assert scored_label("kb_logistics_booking") == "kb_logistics_booking"
    assert scored_label("out_of_scope") == "out_of_scope"
    assert scored_label("followup_risks") == "kb_safety_side_effects"
    assert scored_label("greet") is None and scored_label("safety_crisis") is None


def test_every_scored_example_is_predicted_once_by_a_model_without_its_file(
    tmp_path: Path,
) -> None:
    def write(name: str, intents: dict[str, list[str]]) -> None:
        body = "".join(
            f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {t}\n" for t in texts)
            for intent, texts in intents.items()
        )
        (tmp_path / name).write_text(f'version: "3.1"\nnlu:\n{body}', encoding="utf-8")

    write("one.yml", {"kb_cost": ["how much is it", "price please"], "greet": ["hello"]})
    write("two.yml", {"kb_cost": ["what does it cost"], "kb_hours": ["when are you open"]})
    write("three.yml", {"kb_hours": ["opening hours", "are you open sunday"]})
    rows = cross_validated_rows(30.0, folds=3, data_dir=tmp_path)
    assert sorted(r.label for r in rows) == ["kb_cost"] * 3 + ["kb_hours"] * 3
    # "three.yml" alone holds a word like "sunday": its model never saw it.
    assert min(r.known_ratio for r in rows) < 1.0


def test_the_goals_are_the_constraints() -> None:
    meets = _outcome(right=50, confident_wrong=5, clarified=10, offered=5)
    assert meets.meets(GOALS)
    assert not _outcome(right=50, confident_wrong=6).meets(GOALS)
    assert not _outcome(right=50, confident_wrong=0, clarified=10, offered=4).meets(GOALS)
    assert meets.confident_wrong_rate == pytest.approx(0.05)
