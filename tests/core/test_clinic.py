"""One cached accessor for the clinic facts: every user sees the same values, bad fields named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clinicbot import clinic
from clinicbot.clinic import ClinicConfig, ClinicConfigError, clinic_facts, reload_clinic_facts
from clinicbot.knowledge import KnowledgeBase, default_knowledge_base
from clinicbot.nlg import clinic_values
from clinicbot.paths import KNOWLEDGE_DIR
from clinicbot.widget import blueprint as widget_bp
from tests.fixtures.knowledge import copy_knowledge

SHIPPED = yaml.safe_load((KNOWLEDGE_DIR / "clinic.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _fresh() -> None:
    reload_clinic_facts()
    yield
    reload_clinic_facts()


def test_the_three_former_readers_get_identical_values() -> None:
    facts = clinic_facts()
    assert clinic_values() == facts.placeholders()  # in-server NLG and channels
    assert default_knowledge_base().clinic.placeholders() == facts.placeholders()
    assert dict(widget_bp.load_clinic()) == dict(facts.raw) == SHIPPED  # widget demo page
    assert clinic_values()["clinic_phone"] == SHIPPED["phone"]


def test_facts_are_parsed_once_and_read_only() -> None:
    assert clinic_facts() is clinic_facts()
    with pytest.raises(TypeError):
        clinic_facts().raw["phone"] = "(555) 999-9999"  # type: ignore[index]
    values = clinic_values()
    values["clinic_phone"] = "changed"
    assert clinic_values()["clinic_phone"] == SHIPPED["phone"]


def test_reload_reads_the_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = dict(SHIPPED, phone="(555) 010-0199")
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(changed), encoding="utf-8")
    assert clinic_values()["clinic_phone"] == SHIPPED["phone"]
    monkeypatch.setattr(clinic, "CLINIC_FILE", path)
    assert clinic_values()["clinic_phone"] == SHIPPED["phone"]  # still cached
    reload_clinic_facts()
    assert clinic_values()["clinic_phone"] == "(555) 010-0199"
    assert widget_bp.load_clinic()["phone"] == "(555) 010-0199"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"hours": {"monday": ["8am", "18:00"]}}, "hours.monday"),
        ({"hours": {"monday": ["18:00", "08:00"]}}, "hours.monday"),
        ({"hours": {"funday": ["08:00", "18:00"]}}, "hours.funday"),
        ({"hours": ["08:00", "18:00"]}, "hours"),
        ({"prices": {"infusion": {"amount": 475}}}, "prices.infusion"),
        ({"phone": ["555", "0142"]}, "phone"),
        ({"minimum_age": "eighteen"}, "minimum_age"),
        ({"providers": "Dr. Sample"}, "providers"),
    ],
)
def test_a_malformed_field_is_a_clear_error_naming_it(
    tmp_path: Path, change: dict, field: str
) -> None:
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(dict(SHIPPED, **change)), encoding="utf-8")
    with pytest.raises(ClinicConfigError, match=rf"clinic\.yml: field '{field}'"):
        ClinicConfig.from_file(path)


def test_malformed_shipped_file_fails_the_accessor_but_crisis_texts_still_go_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(dict(SHIPPED, timezone="Nowhere/At_All")), encoding="utf-8")
    monkeypatch.setattr(clinic, "CLINIC_FILE", path)
    with pytest.raises(ClinicConfigError, match="field 'timezone'"):
        clinic_facts()
    assert clinic_values() == {}  # NLG falls back to generic wording instead of failing


def test_knowledge_base_load_checks_the_clinic_file(tmp_path: Path) -> None:
    copy_knowledge(tmp_path)
    (tmp_path / "clinic.yml").write_text(
        yaml.safe_dump(dict(SHIPPED, hours={"monday": ["08:00"]})), encoding="utf-8"
    )
    with pytest.raises(ClinicConfigError, match="field 'hours.monday'"):
        KnowledgeBase.load(tmp_path)
