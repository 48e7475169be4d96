"""Round 13's candidate training file: benign questions with the pairs' words, not shipped.

``scripts/safety_round13_questions.yml`` holds 279 ordinary questions to the clinic (all
``none``) that reuse the words and situations of round 12's risk messages, written to stop the
contrastive pairs from alarming on ordinary questions. Measured with
``scripts/safety_round13.py`` it cut false alarms on the question-heavy dev13.yml a little but
cost urgent messages elsewhere (README, "Round 13"), so it stays outside
``clinicbot/safety/training/``. These tests keep it usable: questions, benign, not trained on,
and no sentence near an evaluation sentence (the NLU held-out and real-FAQ sets included).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from clinicbot.evaluate import HELDOUT_FILE, REAL_DEV_FILE
from clinicbot.safety.cases import load_benign_questions, load_safety_set
from clinicbot.safety.dev_sets import safety_training_examples
from tests.safety.blind_sets import candidates_near, set_texts

REPO = Path(__file__).resolve().parents[2]
QUESTIONS_FILE = REPO / "scripts" / "safety_round13_questions.yml"

#: A question: a question mark, or a question word or modal with its subject anywhere.
QUESTION = re.compile(
    r"\?|\b(?:can|could|is|are|do|does|did|will|would|should|am) (?:i|you|u|we|they|it|he|she"
    r"|my|ppl|people|there|that|this|ketamine|one)\b|\b(?:what|whats|how|when|where|why|which"
    r"|who|anyone|any)\b|^(?:is|are|will|does|do|can|could|should|would)\b",
    re.IGNORECASE,
)


def test_every_candidate_is_a_benign_question() -> None:
    cases = load_safety_set(QUESTIONS_FILE)
    assert Counter(case.cat for case in cases) == {
        "q_vocab": 159,
        "q_sad_question": 60,
        "q_general_medication": 35,
        "q_idiom": 25,
    }
    assert {case.expect for case in cases} == {"none"}
    assert not [case.text for case in cases if not QUESTION.search(case.text)]
    assert len({case.text.lower() for case in cases}) == len(cases)


def test_the_candidate_questions_do_not_ship() -> None:
    trained = {text for text, _ in safety_training_examples()}
    assert not trained & {case.text for case in load_safety_set(QUESTIONS_FILE)}


def test_no_candidate_is_near_an_evaluation_sentence() -> None:
    """Difflib 0.75 both ways and TF-IDF 0.8, against every safety set and both question sets.

    Only the candidate's sentence is reported, never the evaluation set's.
    """
    mine = [case.text for case in load_safety_set(QUESTIONS_FILE)]
    paths = sorted(QUESTIONS_FILE.parent.glob("*.yml")) + sorted(REPO.glob("tests/safety/*.yml"))
    others = [(path.name, set_texts(path)) for path in paths if path != QUESTIONS_FILE]
    for path in (HELDOUT_FILE, REAL_DEV_FILE):
        if path.exists():
            others.append((path.name, [case.text for case in load_benign_questions(path)]))
    close = [
        f"{name}: {text!r}"
        for name, texts in others
        for text in sorted(candidates_near(mine, texts))
    ]
    assert not close, "\n".join(close)
