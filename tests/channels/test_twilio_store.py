"""Durable state of the Twilio channel (clinicbot.channels.twilio_store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from clinicbot.channels.sms_format import Option
from clinicbot.channels.twilio_store import TwilioStore, ensure_schema
from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.migrations import applied_versions, registered


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    yield url
    dispose_engine(url)


@pytest.fixture
def store(db_url: str) -> TwilioStore:
    return TwilioStore.from_url(db_url)


def test_schema_is_migration_100_and_idempotent(db_url: str) -> None:
    engine = get_engine(db_url)
    ensure_schema(engine)
    ensure_schema(engine)
    assert 100 in applied_versions(engine)
    assert 100 in [m.version for m in registered(["clinicbot.channels.twilio_store"])]
    tables = set(inspect(engine).get_table_names())
    assert {
        "sms_settings",
        "sms_contacts",
        "sms_consent_events",
        "sms_inbound_messages",
        "sms_options",
    } <= tables


def test_claim_message_is_true_once(store: TwilioStore, db_url: str) -> None:
    assert store.claim_message("SM1", "sms-a")
    assert not store.claim_message("SM1", "sms-a")
    assert not TwilioStore.from_url(db_url).claim_message("SM1", "sms-a")  # durable
    assert store.claim_message("SM2", "sms-a")


def test_pseudonym_key_is_generated_once_and_persisted(store: TwilioStore, db_url: str) -> None:
    key = store.pseudonym_key()
    assert len(key) == 64
    assert store.pseudonym_key() == key
    assert TwilioStore.from_url(db_url).pseudonym_key() == key


def test_setting_keeps_the_first_value(store: TwilioStore) -> None:
    assert store.setting("x") is None
    assert store.setting("x", lambda: "first") == "first"
    assert store.setting("x", lambda: "second") == "first"


def test_contact_and_opt_out_record(store: TwilioStore) -> None:
    contact = store.record_inbound("sms-a", "sms", "+15550100001")
    assert not contact.opted_out
    assert "+1555" not in repr(contact)
    assert store.set_opted_out("sms-a", True, "STOP")
    assert not store.set_opted_out("sms-a", True, "STOP")  # already opted out
    again = store.record_inbound("sms-a", "sms", "+15550100001")
    assert again.opted_out and again.opted_out_at is not None
    assert store.set_opted_out("sms-a", False, "START")
    contact_now = store.contact("sms-a")
    assert contact_now is not None and not contact_now.opted_out
    events = store.consent_events("sms-a")
    assert [(e, k) for e, k, _ in events] == [("opt_out", "STOP"), ("opt_in", "START")]
    assert all(at.tzinfo is not None for _, _, at in events)
    assert store.contact("sms-unknown") is None
    assert not store.set_opted_out("sms-unknown", True, "STOP")


def test_options_keep_the_latest_only(store: TwilioStore) -> None:
    first = [Option("Cost", "/cost"), Option("Staff", "/staff")]
    store.save_options("sms-a", first)
    assert store.options("sms-a") == first
    store.save_options("sms-a", [Option("Hours", "/hours")])
    assert store.options("sms-a") == [Option("Hours", "/hours")]
    store.save_options("sms-a", [])
    assert store.options("sms-a") == []
    assert store.options("sms-b") == []
