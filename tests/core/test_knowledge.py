"""The knowledge base as shipped, and the loader's handling of bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from clinicbot.kb_validate import (
    SHARED_TOPICS,
    VENDORED_TOPICS,
    domain_intents,
    nlu_intents,
    required_topics,
    validate,
)
from clinicbot.knowledge import ClinicConfig, KnowledgeBase, KnowledgeError, intent_for
from clinicbot.paths import KNOWLEDGE_DIR


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def test_shipped_knowledge_base_is_valid(kb: KnowledgeBase) -> None:
    report = validate(kb, required_topics(), nlu_intents() | domain_intents())
    assert report.errors == []


def test_vendored_topics_match_shared_copy() -> None:
    if not SHARED_TOPICS.exists():
        pytest.skip("../shared is not beside this checkout")
    assert yaml.safe_load(SHARED_TOPICS.read_text()) == yaml.safe_load(VENDORED_TOPICS.read_text())


def test_every_required_topic_has_cited_answer(kb: KnowledgeBase) -> None:
    for topic in required_topics():
        entry = kb.get(topic)
        assert entry is not None, topic
        if not entry.clinic_specific:
            assert kb.citations(entry), topic


def test_answers_never_repeat_the_clinics_discredited_claims(kb: KnowledgeBase) -> None:
    banned = ["yang 2016", "ghasemi 2015", "tian 2017", "absection", "increases glutamate"]
    for entry in kb.entries.values():
        text = (entry.answer + entry.sms).lower()
        for phrase in banned:
            assert phrase not in text, (entry.id, phrase)
        assert "nmda neurotransmitter" not in text


def test_clinic_facts_are_filled_in_not_hard_coded(kb: KnowledgeBase) -> None:
    cost = kb.get("logistics.cost_insurance")
    assert cost is not None
    assert "{" in cost.answer  # uses placeholders
    rendered = kb.render(cost)
    assert "{" not in rendered
    assert kb.clinic.placeholders()["price_infusion"] in rendered or "$" in rendered


def test_intent_naming_round_trip(kb: KnowledgeBase) -> None:
    assert intent_for("safety.side_effects") == "kb_safety_side_effects"
    entry = kb.by_intent("kb_safety_side_effects")
    assert entry is not None and entry.id == "safety.side_effects"


def _copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    target.mkdir()
    for path in KNOWLEDGE_DIR.glob("*.yml"):
        (target / path.name).write_text(path.read_text())
    return target


def _edit_entry(folder: Path, topic: str, **changes: object) -> None:
    area = topic.split(".")[0]
    path = folder / f"{area}.yml"
    doc = yaml.safe_load(path.read_text())
    for entry in doc["entries"]:
        if entry["id"] == topic:
            entry.update(changes)
    path.write_text(yaml.safe_dump(doc))


def _errors(folder: Path, today: dt.date = dt.date(2026, 11, 28)) -> list[str]:
    kb = KnowledgeBase.load(folder)
    return validate(kb, required_topics(), nlu_intents() | domain_intents(), today=today).errors


def test_validator_reports_entry_without_sources(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_entry(folder, "safety.side_effects", sources=[])
    assert any("safety.side_effects: has no sources" in e for e in _errors(folder))


def test_validator_reports_unknown_related_topic(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_entry(folder, "safety.side_effects", related=["safety.no_such_topic"])
    assert any("no_such_topic" in e for e in _errors(folder))


def test_validator_reports_stale_review(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_entry(folder, "safety.side_effects", last_reviewed="2020-01-01")
    assert any("review is" in e and "safety.side_effects" in e for e in _errors(folder))


def test_validator_reports_missing_required_topic(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    path = folder / "logistics.yml"
    doc = yaml.safe_load(path.read_text())
    doc["entries"] = [e for e in doc["entries"] if e["id"] != "logistics.privacy"]
    path.write_text(yaml.safe_dump(doc))
    errors = _errors(folder)
    assert any("missing required topic: logistics.privacy" in e for e in errors)
    assert any("intent kb_logistics_privacy has no knowledge-base entry" in e for e in errors)


def test_validator_reports_unknown_placeholder(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    _edit_entry(folder, "logistics.booking", sms="Call {clinic_fax} to book.")
    assert any("clinic_fax" in e for e in _errors(folder))


def test_validator_reports_entry_no_intent_reaches(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    path = folder / "process.yml"
    doc = yaml.safe_load(path.read_text())
    extra = dict(doc["entries"][0], id="process.orphan_topic", related=[], followups={})
    doc["entries"].append(extra)
    path.write_text(yaml.safe_dump(doc))
    assert any("process.orphan_topic: no intent reaches it" in e for e in _errors(folder))


def test_validator_cli_exit_codes(tmp_path: Path) -> None:
    from clinicbot.kb_validate import main

    assert main([]) == 0
    folder = _copy_kb(tmp_path)
    _edit_entry(folder, "safety.side_effects", sources=["R999"])
    assert main(["--knowledge", str(folder)]) == 1


def test_loader_rejects_malformed_yaml(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    (folder / "safety.yml").write_text("entries: [unclosed")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        KnowledgeBase.load(folder)


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    folder = _copy_kb(tmp_path)
    path = folder / "safety.yml"
    doc = yaml.safe_load(path.read_text())
    doc["entries"].append(doc["entries"][0])
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="duplicate"):
        KnowledgeBase.load(folder)


def test_opening_hours() -> None:
    clinic = ClinicConfig({"timezone": "America/New_York", "hours": {"monday": ["08:00", "18:00"]}})
    monday_noon = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc)  # 12:00 in NY
    sunday = dt.datetime(2026, 11, 29, 17, 0, tzinfo=dt.timezone.utc)
    assert clinic.is_open(monday_noon)
    assert not clinic.is_open(sunday)
    opening = clinic.next_opening(sunday)
    assert opening is not None and opening.weekday() == 0 and opening.hour == 8
    assert clinic.hours_text().startswith("Mon 8 AM-6 PM; Tue-Sun closed")
