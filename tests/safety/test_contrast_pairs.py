"""Round 12's candidate training file: contrastive pairs, measured and not shipped.

``scripts/safety_round12_pairs.yml`` holds 260 pairs written for training only: a risk message
(veiled crisis, or an emergency in progress) and its safe twin in the same situation and voice.
With the classifier's ``confident`` bar at 0.55 it caught more urgent messages in total but
lost some on three blind sets and alarmed on more ordinary questions (README, "Round 12"), so
it stays outside ``clinicbot/safety/training/``. These tests keep it usable for a later round:
well-formed pairs, not trained on by accident, and no sentence near an evaluation sentence.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from clinicbot.safety.detector import DEFAULT_THRESHOLDS
from clinicbot.safety.dev_sets import safety_training_examples
from tests.safety.blind_sets import candidates_near, set_texts

REPO = Path(__file__).resolve().parents[2]
PAIRS_FILE = REPO / "scripts" / "safety_round12_pairs.yml"


def _cases() -> list[dict]:
    return yaml.safe_load(PAIRS_FILE.read_text(encoding="utf-8"))["cases"]


def test_every_pair_is_one_risk_message_and_its_safe_twin() -> None:
    cases = _cases()
    by_pair: dict[int, list[str]] = {}
    for case in cases:
        by_pair.setdefault(int(case["pair"]), []).append(case["expect"])
    assert len(by_pair) == 260
    for pair, expects in by_pair.items():
        assert sorted(expects) in (["crisis", "none"], ["emergency", "none"]), pair
    assert Counter(case["expect"] for case in cases) == {
        "none": 260,
        "crisis": 220,
        "emergency": 40,
    }
    assert len({case["text"] for case in cases}) == len(cases)


def test_the_candidate_pairs_do_not_ship() -> None:
    """Neither the pairs nor round 12's 0.55 bar are in what the classifier trains with."""
    trained = {text for text, _ in safety_training_examples()}
    assert not trained & {case["text"] for case in _cases()}
    assert DEFAULT_THRESHOLDS["confident"] == 0.6


def test_no_pair_is_near_a_sentence_of_a_safety_set() -> None:
    """The checks the blind sets run on training data: difflib 0.75 and TF-IDF 0.8.

    Only the pair's sentence is reported, never the evaluation set's.
    """
    mine = [case["text"] for case in _cases()]
    close = [
        f"{path.name}: {text!r}"
        for path in sorted((REPO / "tests" / "safety").glob("*.yml"))
        for text in sorted(candidates_near(mine, set_texts(path)))
    ]
    assert not close, "\n".join(close)
