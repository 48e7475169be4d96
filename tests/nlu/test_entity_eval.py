"""The entity evaluation's scorer and set (clinicbot/entity_eval.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.entity_eval import (
    ENTITY_SET,
    TYPES,
    canonical,
    load_cases,
    regex_training_data,
    score,
    term_pattern,
)
from clinicbot.knowledge import Lexicon


def test_values_map_to_canonical_names_and_other_entities_are_ignored(lexicon: Lexicon) -> None:
    entities = [
        {"entity": "MEDICINE", "value": "Zoloft"},
        {"entity": "MEDICINE", "value": "sertraline"},
        {"entity": "CONDITION", "value": "trd"},
        {"entity": "SUBSTANCE", "value": "kombucha"},
        {"entity": "safety_flag", "value": "crisis"},
    ]
    assert canonical(entities, lexicon) == {
        "MEDICINE": frozenset({"sertraline"}),
        "CONDITION": frozenset({"depression"}),
        "SUBSTANCE": frozenset({"kombucha"}),
    }


def test_precision_recall_and_f1_per_type_and_overall() -> None:
    expected = [
        {"MEDICINE": frozenset({"sertraline", "bupropion"})},
        {"CONDITION": frozenset({"PTSD"})},
        {},
    ]
    predicted = [
        {"MEDICINE": frozenset({"sertraline"})},  # one of two medicines found
        {"CONDITION": frozenset({"PTSD"}), "SUBSTANCE": frozenset({"alcohol"})},  # one extra
        {"CONDITION": frozenset({"depression"})},  # a false alarm
    ]
    scores = score(expected, predicted)
    assert scores["MEDICINE"].precision == 1.0 and scores["MEDICINE"].recall == 0.5
    assert scores["MEDICINE"].support == 2
    assert scores["CONDITION"].precision == 0.5 and scores["CONDITION"].recall == 1.0
    assert scores["SUBSTANCE"].precision == 0.0 and scores["SUBSTANCE"].support == 0
    overall = scores["ALL"]
    assert (overall.precision, overall.recall) == (0.5, 2 / 3)
    assert overall.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_a_name_under_the_wrong_type_is_a_miss_and_a_false_alarm() -> None:
    scores = score([{"MEDICINE": frozenset({"x"})}], [{"CONDITION": frozenset({"x"})}])
    assert scores["ALL"].precision == 0.0 and scores["ALL"].recall == 0.0


def test_the_set_names_only_lexicon_terms_and_has_negatives(lexicon: Lexicon) -> None:
    cases = load_cases()
    assert len(cases) >= 80
    assert sum(1 for c in cases if not any(c.expected.values())) >= 10
    for case in cases:
        for label, names in case.expected.items():
            assert label in TYPES
            for name in names:
                term = lexicon.lookup(name)
                assert term is not None and term.name == name, (case.text, name)


def test_a_malformed_set_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "entities.yml"
    bad.write_text("messages:\n  - text: hi\n    entities: {DRUG: [x]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="entities must be a mapping"):
        load_cases(bad)
    bad.write_text("messages: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non-empty"):
        load_cases(bad)
    assert ENTITY_SET.exists()


def test_the_term_pattern_prefers_the_longest_name(lexicon: Lexicon) -> None:
    pattern, labels = term_pattern(lexicon)
    found = [m.group(0) for m in pattern.finditer("My Bipolar Depression and zoloft, not zolofts")]
    assert found == ["Bipolar Depression", "zoloft"]
    assert labels["bipolar depression"] == "CONDITION" and labels["zoloft"] == "MEDICINE"


def test_the_regex_variant_data_has_annotations_tables_and_synonyms(
    tmp_path: Path, lexicon: Lexicon
) -> None:
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: ask\n    examples: |\n'
        "      - can I take Zoloft with it\n      - how much does it cost\n",
        encoding="utf-8",
    )
    data = regex_training_data(lexicon, tmp_path)
    annotated = {m.get("text"): m.get("entities") for m in data.training_examples}
    assert annotated["can I take Zoloft with it"] == [
        {"start": 11, "end": 17, "value": "Zoloft", "entity": "MEDICINE"}
    ]
    assert not annotated["how much does it cost"]
    tables = {t["name"]: t["elements"] for t in data.lookup_tables}
    assert set(tables) == set(TYPES)
    lengths = [len(e) for e in tables["CONDITION"]]
    assert lengths == sorted(lengths, reverse=True)
    assert data.entity_synonyms["zoloft"] == "sertraline"
