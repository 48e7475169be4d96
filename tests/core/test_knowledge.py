"""The knowledge base as shipped, and the loader's handling of bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from clinicbot.kb_validate import (
    SHARED_TOPICS,
    VENDORED_TOPICS,
    required_topics,
    validate,
)
from clinicbot.kb_wiring import domain_intents, nlu_intents
from clinicbot.knowledge import ClinicConfig, KnowledgeBase, KnowledgeError, intent_for
from clinicbot.paths import KNOWLEDGE_DIR
from tests.fixtures.knowledge import copy_knowledge, edit_entry


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


def _errors(folder: Path, today: dt.date = dt.date(2026, 11, 28)) -> list[str]:
    kb = KnowledgeBase.load(folder)
    return validate(kb, required_topics(), nlu_intents() | domain_intents(), today=today).errors


def test_validator_reports_entry_without_sources(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "safety.side_effects", sources=[])
    assert any("safety.side_effects: has no sources" in e for e in _errors(folder))


def test_validator_reports_unknown_related_topic(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "safety.side_effects", related=["safety.no_such_topic"])
    assert any("no_such_topic" in e for e in _errors(folder))


def test_validator_reports_stale_review(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "safety.side_effects", last_reviewed="2020-01-01")
    assert any("review is" in e and "safety.side_effects" in e for e in _errors(folder))


def test_validator_reports_missing_required_topic(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    path = folder / "logistics.yml"
    doc = yaml.safe_load(path.read_text())
    doc["entries"] = [e for e in doc["entries"] if e["id"] != "logistics.privacy"]
    path.write_text(yaml.safe_dump(doc))
    errors = _errors(folder)
    assert any("missing required topic: logistics.privacy" in e for e in errors)
    assert any("intent kb_logistics_privacy has no knowledge-base entry" in e for e in errors)


def test_validator_reports_unknown_placeholder(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "logistics.booking", sms="Call {clinic_fax} to book.")
    assert any("clinic_fax" in e for e in _errors(folder))


def test_validator_reports_entry_no_intent_reaches(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    path = folder / "process.yml"
    doc = yaml.safe_load(path.read_text())
    extra = dict(doc["entries"][0], id="process.orphan_topic", related=[], followups={})
    doc["entries"].append(extra)
    path.write_text(yaml.safe_dump(doc))
    assert any("process.orphan_topic: no intent reaches it" in e for e in _errors(folder))


def test_validator_cli_exit_codes(tmp_path: Path) -> None:
    from clinicbot.kb_validate import main

    assert main([]) == 0
    folder = copy_knowledge(tmp_path / "knowledge")
    edit_entry(folder, "safety.side_effects", sources=["R999"])
    assert main(["--knowledge", str(folder)]) == 1


def test_loader_rejects_malformed_yaml(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
    (folder / "safety.yml").write_text("entries: [unclosed")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        KnowledgeBase.load(folder)


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "knowledge")
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


# --------------------------------------------------------------------------- issue 12 content


def _text(kb: KnowledgeBase, topic: str) -> str:
    entry = kb.get(topic)
    assert entry is not None, topic
    return kb.render(entry) + "\n" + kb.render(entry, sms=True)


def test_no_answer_implies_iv_ketamine_is_approved_for_depression(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        text = (entry.answer + " " + entry.sms).lower()
        assert "apart from depression" not in text, entry.id
        assert "other than depression is off-label" not in text, entry.id
    for topic in ("safety.fda_status", "eligibility.who_is_candidate"):
        assert "off-label" in _text(kb, topic)
    assert "depression included" in _text(kb, "eligibility.who_is_candidate")


def test_contraindications_follow_the_ketamine_injection_label(kb: KnowledgeBase) -> None:
    text = _text(kb, "eligibility.contraindications")
    assert "rather than official US rules" not in text
    assert "ketamine injection" in text and "not under control rules it out" in text
    entry = kb.get("eligibility.contraindications")
    assert entry is not None and "R31" in entry.sources
    rules = (KNOWLEDGE_DIR / "screening_rules.yml").read_text()
    assert "not a formal US contraindication" not in rules


def test_efficacy_is_framed_with_comparisons_and_honest_limits(kb: KnowledgeBase) -> None:
    onset = _text(kb, "mechanism.onset_and_duration")
    assert "midazolam" in onset and "salt water" in onset
    assert "about half responded" not in onset
    assert "people who had responded" in onset or "In people who responded" in onset
    evidence = _text(kb, "mechanism.evidence_depression")
    assert "most carefully blinded" not in evidence.lower()
    assert "could tell which treatment" in evidence  # blinding failed
    assert "not worse than ECT" in evidence and "ECT worked better" in evidence


def test_suicidal_thoughts_entry_follows_the_spravato_limitations(kb: KnowledgeBase) -> None:
    text = _text(kb, "mechanism.suicidal_thoughts_evidence")
    assert "has not been shown to prevent suicide" in text
    assert "reduce suicidal thoughts" in text
    assert "988" in text and "911" in text


def test_relapse_topic_gives_988_911_and_the_clinic(kb: KnowledgeBase) -> None:
    entry = kb.get("safety.relapse_support")
    assert entry is not None and entry.intent == "kb_safety_relapse_support"
    for text in (kb.render(entry), kb.render(entry, sms=True)):
        assert "988" in text and "911" in text
        assert kb.clinic.placeholders()["clinic_phone"] in text


def test_monitoring_names_breathing_oximeter_prescriber_and_the_iv_period(
    kb: KnowledgeBase,
) -> None:
    text = _text(kb, "safety.monitoring")
    for needle in ("breathing", "pulse oximeter", "prescriber", "at least two hours"):
        assert needle in text, needle
    assert kb.clinic.placeholders()["iv_observation"] in text


def test_blood_pressure_time_course_is_attributed_to_spravato(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        for paragraph in kb.render(entry).split("\n"):
            for sentence in paragraph.split(". "):
                if "40 minutes after" in sentence and "blood pressure" in sentence.lower():
                    assert "Spravato" in sentence, (entry.id, sentence)
    assert "8 to 19 in 100" in _text(kb, "safety.side_effects")


def test_long_term_risks_include_liver_and_dependence(kb: KnowledgeBase) -> None:
    text = _text(kb, "safety.long_term_risks")
    assert "liver" in text and "depend" in text and "yellow skin or eyes" in text
    assert "R31" in kb.entries["safety.long_term_risks"].sources


def test_bipolar_depression_has_content(kb: KnowledgeBase) -> None:
    text = _text(kb, "mechanism.evidence_other_conditions")
    assert "Bipolar depression" in text and "mania" in text
    assert {"R51", "R52"} <= set(kb.entries["mechanism.evidence_other_conditions"].sources)


def test_series_answer_states_progress_review_and_unused_sessions(kb: KnowledgeBase) -> None:
    values = kb.clinic.placeholders()
    text = _text(kb, "process.number_of_sessions")
    assert values["progress_review"] in text and values["unused_sessions"] in text
    assert values["after_hours"] in _text(kb, "safety.recovery_after_session")


def test_preparation_has_no_blanket_keep_taking_advice(kb: KnowledgeBase) -> None:
    text = _text(kb, "process.preparation")
    assert "Keep taking your medicines" not in text
    assert "which of your medicines to take on the day" in text
    assert "2 hours" in text and "30 minutes" in text


def test_minor_items_drug_tests_pregnancy_and_therapy(kb: KnowledgeBase) -> None:
    assert "Medical Review Officer" in _text(kb, "safety.drug_tests_and_detection")
    assert "birth control" in _text(kb, "safety.pregnancy_breastfeeding")
    therapy = _text(kb, "process.integration_therapy")
    assert "ketamine-assisted psychotherapy (KAP)" in therapy and "integration" in therapy


def test_citations_are_complete(kb: KnowledgeBase) -> None:
    refs = kb.references
    assert "25(5):339-349" in refs["R9"] and "Neuropsychopharmacology" in refs["R9"]
    assert "21 January 2025" in refs["R12"]
    assert "2023" in refs["R29"] and "Tran K, MacDougall D" in refs["R29"]
    assert refs["R30"].startswith("Ionescu DF") and "24(1):22-31" in refs["R30"]
    assert "revised 10/2024" in refs["R31"]


def test_patient_texts_use_us_spelling(kb: KnowledgeBase) -> None:
    british = ("behaviour", "anaesthe", "hospitalis", "itemis", "authoris", "judgement", "favour")
    texts = [kb.render(e) + kb.render(e, sms=True) for e in kb.entries.values()]
    texts += [str(v) for v in kb.clinic.placeholders().values()]
    texts += [(KNOWLEDGE_DIR / f).read_text() for f in ("screening_rules.yml", "clinic.yml")]
    for text in texts:
        for word in british:
            assert word not in text.lower(), word


def test_every_entry_has_review_notes(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        assert entry.review_notes, entry.id
