"""The knowledge-base validator's readability and lexicon rules (issue 12)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from clinicbot.kb_validate import (
    check_lexicon,
    check_readability,
    main,
    readability,
    readability_summary,
    reading_grade,
    required_topics,
    validate,
)
from clinicbot.kb_wiring import (
    RULES_FILE,
    check_domain_texts,
    check_topic_intents,
    domain_intents,
    nlu_intents,
)
from clinicbot.knowledge import KnowledgeBase
from clinicbot.paths import DATA_DIR, DOMAIN_FILE, KNOWLEDGE_DIR
from tests.fixtures.knowledge import copy_knowledge, edit_entry

#: About 60 words of long sentences and long words: far above grade 10.
HARD_ANSWER = (
    "Notwithstanding considerable methodological heterogeneity, contemporaneous randomized "
    "investigations characterizing intravenous racemic ketamine administration demonstrated "
    "statistically significant antidepressant efficacy relative to pharmacologically active "
    "comparators, although generalizability remains questionable considering inconsistent "
    "blinding, heterogeneous inclusion criteria, comparatively abbreviated observational "
    "follow-up intervals and substantial interindividual variability concerning "
    "dissociative phenomenology and hemodynamic perturbations experienced intraoperatively "
    "and postoperatively by participants."
)


def _edit_lexicon(folder: Path, change: Any) -> None:
    path = folder / "lexicon.yml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


def _errors(folder: Path) -> list[str]:
    kb = KnowledgeBase.load(folder)
    intents = nlu_intents() | domain_intents()
    return validate(kb, required_topics(), intents, today=dt.date(2026, 12, 3)).errors


# --------------------------------------------------------------------------- readability


def test_reading_grade_tells_plain_from_dense_text() -> None:
    plain = "Ketamine can make you feel sleepy. Staff watch you. You go home with a friend."
    assert reading_grade(plain) < 6
    assert reading_grade(HARD_ANSWER) > 14


def test_shipped_answers_meet_the_readability_goals() -> None:
    grades = readability(KnowledgeBase.load())
    assert max(grades.values()) <= 10
    assert sum(grades.values()) / len(grades) <= 8
    assert check_readability(grades) == []


def test_validator_reports_an_answer_above_grade_10(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "safety.driving_after", answer=HARD_ANSWER)
    errors = _errors(folder)
    assert any(e.startswith("safety.driving_after: answer reads at grade") for e in errors)


def test_check_readability_reports_a_mean_above_8() -> None:
    errors = check_readability({"a": 9.0, "b": 8.6, "c": 7.0})
    assert len(errors) == 1 and "mean grade of 8.20" in errors[0]
    assert check_readability({"a": 9.0, "b": 7.0}) == []  # mean 8.0 is allowed
    assert check_readability({"a": 10.5})[0].startswith("a: answer reads at grade 10.5")


def test_cli_fails_when_the_mean_limit_is_tighter_than_the_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--max-mean-grade", "3"]) == 1
    out = capsys.readouterr().out
    assert "mean grade of" in out and "Readability (Flesch-Kincaid grade" in out


def test_readability_summary_names_the_hardest_answer() -> None:
    line = readability_summary({"x.a": 6.0, "x.b": 9.5, "x.c": 8.5})
    assert "mean 8.00" in line and "hardest 9.5 (x.b)" in line and "2 above grade 8" in line


# --------------------------------------------------------------------------- lexicon


def test_shipped_lexicon_is_complete() -> None:
    kb = KnowledgeBase.load()
    assert check_lexicon(kb) == []
    kinds = {(t.type, t.kind) for t in kb.lexicon.terms}
    assert ("substance", "alcohol") in kinds and ("substance", "recreational") in kinds
    for kind in ("possible_indication", "caution", "exclusion"):
        assert ("condition", kind) in kinds
    assert kb.lexicon.lookup("cannabis", "medicine") is None
    assert kb.lexicon.lookup("alcohol", "medicine") is None


def test_validator_reports_a_condition_without_kind(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")

    def drop_kind(doc: dict) -> None:
        for item in doc["conditions"]:
            if item["name"] == "schizophrenia":
                del item["kind"]

    _edit_lexicon(folder, drop_kind)
    assert any("condition 'schizophrenia' needs a kind" in e for e in _errors(folder))


def test_validator_reports_a_substance_with_an_unknown_kind(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")

    def medicine_kind(doc: dict) -> None:
        doc["substances"][1]["kind"] = "medicine"

    _edit_lexicon(folder, medicine_kind)
    assert any("substance 'cannabis' needs a kind" in e for e in _errors(folder))


def test_validator_reports_a_kind_without_reviewed_sentence(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    _edit_lexicon(folder, lambda doc: doc["sentences"]["condition"].pop("exclusion"))
    errors = _errors(folder)
    assert any("no reviewed condition sentence for kind 'exclusion'" in e for e in errors)


def test_validator_reports_one_sentence_for_every_condition_kind(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(
        folder,
        "eligibility.who_is_candidate",
        entity_templates={"condition": "You mentioned {condition}. A clinician can tell you."},
    )
    errors = _errors(folder)
    assert any(
        "eligibility.who_is_candidate: entity_templates.condition: one sentence for every kind" in e
        for e in errors
    )


def test_validator_reports_an_entry_missing_a_kind(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(
        folder,
        "mechanism.evidence_other_conditions",
        entity_templates={"condition": {"possible_indication": "You mentioned {condition}."}},
    )
    errors = _errors(folder)
    assert any("no sentence for kind 'exclusion'" in e for e in errors)
    assert any("no sentence for kind 'caution'" in e for e in errors)


def test_validator_reports_an_alias_naming_two_terms(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")

    def clash(doc: dict) -> None:
        doc["medicines"].append({"name": "weedkiller", "aliases": ["weed"]})

    _edit_lexicon(folder, clash)
    assert any("'weed' names both" in e for e in _errors(folder))


def test_validator_reports_a_sentence_that_does_not_name_the_entity(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")

    def nameless(doc: dict) -> None:
        doc["sentences"]["substance"]["alcohol"] = "Please avoid it around sessions."

    _edit_lexicon(folder, nameless)
    assert any("does not name the substance" in e for e in _errors(folder))


def test_validator_reports_lexicon_sentences_without_review(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    _edit_lexicon(folder, lambda doc: doc["sentences"].pop("reviewed_by"))
    assert any("sentences need reviewed_by and last_reviewed" in e for e in _errors(folder))


def test_validator_reports_a_missing_or_long_sms_sentence(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")

    def change(doc: dict) -> None:
        doc["sms_sentences"]["condition"].pop("caution")
        doc["sms_sentences"]["substance"]["alcohol"] = "You mentioned {substance}. " + "x" * 150

    _edit_lexicon(folder, change)
    errors = _errors(folder)
    assert any("sms_sentences.condition.caution: missing" in e for e in errors)
    assert any("sms_sentences.substance.alcohol: longer than 160" in e for e in errors)


# --- topic intents written by hand in domain.yml and data/rules.yml (issue 13) ---------------


def _topic_intents() -> set[str]:
    return {e.intent for e in KnowledgeBase.load(KNOWLEDGE_DIR).entries.values()}


def test_shipped_domain_and_rules_name_every_topic_intent() -> None:
    assert check_topic_intents(_topic_intents()) == []


def test_a_topic_missing_from_the_second_rule_list_is_named(tmp_path: Path) -> None:
    rules = yaml.safe_load(RULES_FILE.read_text())
    topic_rules = [
        r
        for r in rules["rules"]
        if any(
            "or" in s and any(str(i.get("intent", "")).startswith("kb_") for i in s["or"])
            for s in r["steps"]
        )
    ]
    assert len(topic_rules) >= 2
    second = topic_rules[1]
    for step in second["steps"]:
        if "or" in step:
            step["or"] = [i for i in step["or"] if i.get("intent") != "kb_safety_relapse_support"]
    broken = tmp_path / "rules.yml"
    broken.write_text(yaml.safe_dump(rules))
    errors = check_topic_intents(_topic_intents(), rules_file=broken)
    assert errors == [
        f"rules.yml: rule {second['rule']!r} lacks topic intents ['kb_safety_relapse_support']"
    ]


def test_a_topic_missing_from_the_domain_is_named(tmp_path: Path) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text())
    domain["intents"] = [i for i in domain["intents"] if i != "kb_logistics_privacy"]
    broken = tmp_path / "domain.yml"
    broken.write_text(yaml.safe_dump(domain))
    errors = check_topic_intents(_topic_intents(), domain_file=broken)
    assert errors == ["domain.yml: intents list lacks topic intents ['kb_logistics_privacy']"]


def test_validate_kb_command_fails_on_a_broken_rules_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    text = (data / "rules.yml").read_text()
    (data / "rules.yml").write_text(text.replace("          - intent: kb_process_routes\n", "", 1))
    assert main(["--data", str(data)]) == 1
    assert "lacks topic intents ['kb_process_routes']" in capsys.readouterr().out


def test_every_domain_text_reference_resolves() -> None:
    assert check_domain_texts() == []


def test_a_domain_text_reference_with_no_message_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text())
    domain["responses"]["utter_crisis"][0]["text"] = "@no_such_text"
    broken = tmp_path / "domain.yml"
    broken.write_text(yaml.safe_dump(domain))
    errors = check_domain_texts(broken)
    assert errors == [
        "domain.yml: utter_crisis refers to '@no_such_text', "
        "which knowledge/messages.yml does not define"
    ]
    assert main(["--domain", str(broken)]) == 1
    assert "utter_crisis refers to '@no_such_text'" in capsys.readouterr().out
