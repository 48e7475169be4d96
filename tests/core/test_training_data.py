"""Every reader of NLU examples is Rasa's loader: entity markup comes back as plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.evaluate import load_examples
from clinicbot.safety.cases import load_benign_questions, load_training_examples
from clinicbot.training_data import read_examples, read_folder

NLU = """version: "3.1"
nlu:
- intent: kb_safety_drug_interactions
  examples: |
    - can I take [aspirin](MEDICINE) before my session
    - is [aspirin]{"entity": "MEDICINE"} ok with ketamine
- intent: greet
  examples: |
    - hello there
"""

EXPECTED = [
    ("can I take aspirin before my session", "kb_safety_drug_interactions"),
    ("is aspirin ok with ketamine", "kb_safety_drug_interactions"),
    ("hello there", "greet"),
]


@pytest.fixture()
def nlu_dir(tmp_path: Path) -> Path:
    (tmp_path / "nlu.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "rules.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")
    return tmp_path


def test_entity_markup_is_plain_text_for_every_reader(nlu_dir: Path) -> None:
    path = nlu_dir / "nlu.yml"
    assert read_examples(path) == EXPECTED
    assert load_examples(path) == EXPECTED  # evaluation, insights
    assert load_training_examples(nlu_dir) == EXPECTED  # safety training, vocabulary gate
    benign = load_benign_questions(path)
    assert [(c.text, c.category) for c in benign] == EXPECTED
    assert read_folder(nlu_dir) == EXPECTED  # the rules file is skipped


def test_an_edited_file_is_read_again(nlu_dir: Path) -> None:
    path = nlu_dir / "nlu.yml"
    assert len(read_examples(path)) == 3
    path.write_text(NLU + "    - good morning to you\n", encoding="utf-8")
    assert read_examples(path)[-1] == ("good morning to you", "greet")


def test_broken_nlu_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    broken = "version: \"3.1\"\nnlu:\n- intent: greet\n  examples: [unclosed\n"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match="nlu.yml"):
        read_examples(path)
