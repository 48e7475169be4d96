"""Durable state of the SMS/WhatsApp channel (clinicbot.store.sms)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text

from clinicbot.channels.sms_format import Option
from clinicbot.paths import REPO_ROOT
from clinicbot.store.db import get_engine
from clinicbot.store.migrations import current_version, head_revision
from clinicbot.store.sms import SmsStore, StoredOption, ensure_schema


@pytest.fixture
def db_url(sqlite_db_url: str) -> str:
    """SQLite only: the SMS store's own state, not the engines, is under test."""
    return sqlite_db_url


@pytest.fixture
def store(db_url: str) -> SmsStore:
    return SmsStore.from_url(db_url)


def test_schema_is_migrated_and_idempotent(db_url: str) -> None:
    engine = get_engine(db_url)
    ensure_schema(engine)
    ensure_schema(engine)
    assert current_version(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {
        "sms_settings",
        "sms_contacts",
        "sms_consent_events",
        "sms_inbound_messages",
        "sms_options",
    } <= tables


def test_claim_message_is_true_once(store: SmsStore, db_url: str) -> None:
    assert store.claim_message("SM1", "sms-a")
    assert not store.claim_message("SM1", "sms-a")
    assert not SmsStore.from_url(db_url).claim_message("SM1", "sms-a")  # durable
    assert store.claim_message("SM2", "sms-a")


NOW = timedelta(0)
DAY = timedelta(days=1)


def test_a_claim_stays_pending_until_processed(store: SmsStore) -> None:
    assert store.claim_message("SM1", "sms-a", "i feel unsafe", owner="dead")
    assert store.message_state("SM1") == ("claimed", "i feel unsafe")
    # Another process (a restart) takes it over once, with its text.
    taken, expired = store.take_over_unprocessed("new", NOW, DAY)
    assert [(m.message_sid, m.pseudonym, m.body) for m in taken] == [
        ("SM1", "sms-a", "i feel unsafe")
    ]
    assert expired == 0 and "i feel unsafe" not in repr(taken)
    assert store.take_over_unprocessed("new", NOW, DAY)[0] == []  # its own claim now
    assert store.take_over_unprocessed("third", NOW, DAY)[0] != []  # new owned it, not done
    store.mark_processed("SM1")
    assert store.message_state("SM1") == ("processed", None)  # the text is gone
    assert store.take_over_unprocessed("fourth", NOW, DAY) == ([], 0)


def test_young_claims_are_left_to_their_owner(store: SmsStore) -> None:
    store.claim_message("SM1", "sms-a", "hello", owner="live")
    assert store.take_over_unprocessed("other", timedelta(seconds=60), DAY) == ([], 0)
    assert store.message_state("SM1") == ("claimed", "hello")


def test_old_claims_expire_instead_of_being_answered(store: SmsStore) -> None:
    store.claim_message("SMold", "sms-a", "from yesterday", owner="dead")
    store.claim_message("SMnew", "sms-a", "just now", owner="dead")
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE sms_inbound_messages SET received_at = '2020-01-01 00:00:00.000000'"
                " WHERE message_sid = 'SMold'"
            )
        )
    taken, expired = store.take_over_unprocessed("new", NOW, DAY)
    assert [m.message_sid for m in taken] == ["SMnew"] and expired == 1
    assert store.message_state("SMold") == ("expired", None)


def test_messages_stored_without_a_state_count_as_processed(db_url: str) -> None:
    """Rows written before processing states existed (the column's default) stay answered."""
    engine = get_engine(db_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sms_inbound_messages (message_sid, pseudonym, received_at)"
                " VALUES ('SMbefore', 'sms-a', '2026-12-01 10:00:00.000000')"
            )
        )
    store = SmsStore(engine)
    assert store.message_state("SMbefore") == ("processed", None)
    assert store.take_over_unprocessed("new", NOW, DAY * 3650) == ([], 0)
    assert not store.claim_message("SMbefore", "sms-a")  # still deduplicated


def test_pseudonym_key_is_generated_once_and_persisted(store: SmsStore, db_url: str) -> None:
    key = store.pseudonym_key()
    assert len(key) == 64
    assert store.pseudonym_key() == key
    assert SmsStore.from_url(db_url).pseudonym_key() == key


def test_setting_keeps_the_first_value(store: SmsStore) -> None:
    assert store.setting("x") is None
    assert store.setting("x", lambda: "first") == "first"
    assert store.setting("x", lambda: "second") == "first"


def test_contact_and_opt_out_record(store: SmsStore) -> None:
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


def test_options_keep_the_latest_only(store: SmsStore) -> None:
    first = [Option("Cost", "/cost"), Option("Staff", "/staff")]
    store.save_options("sms-a", first)
    assert store.options("sms-a") == [
        StoredOption("Cost", "/cost"),
        StoredOption("Staff", "/staff"),
    ]
    store.save_options("sms-a", [StoredOption("Hours", "/hours")])
    assert store.options("sms-a") == [StoredOption("Hours", "/hours")]
    store.save_options("sms-a", [])
    assert store.options("sms-a") == []
    assert store.options("sms-b") == []


def test_the_store_does_not_import_channels() -> None:
    """The SMS tables are part of the store: migrating never loads a channel module."""
    code = (
        "import sys, clinicbot.store.migrations, clinicbot.store.schema, clinicbot.store.sms\n"
        "loaded = sorted(n for n in sys.modules if n.startswith('clinicbot.channels'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)
