"""Versioned migrations: applied once, in order, each in its own transaction; extensible."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Column as Col
from sqlalchemy import MetaData, String, Table, inspect, text
from sqlalchemy.engine import Connection, Engine

from clinicbot.store import migrations
from clinicbot.store.migrations import (
    MigrationError,
    add_migration,
    applied_versions,
    current_version,
    migrate,
    pending,
    register,
    registered,
)

CORE_TABLES = {
    "schema_migrations",
    "escalations",
    "escalation_reasons",
    "escalation_notes",
    "staff_users",
    "console_sessions",
    "audit_log",
}


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets a test register migrations without leaking them into other tests."""
    monkeypatch.setattr(migrations, "_REGISTRY", dict(migrations._REGISTRY))
    monkeypatch.setattr(migrations, "MIGRATION_MODULES", list(migrations.MIGRATION_MODULES))


def all_versions() -> list[int]:
    """Every registered version (other modules add theirs through MIGRATION_MODULES)."""
    return [m.version for m in registered()]


def test_fresh_database_gets_every_core_table(raw_engine: Engine) -> None:
    versions = all_versions()
    assert versions[0] == 1 and versions == sorted(versions)
    assert current_version(raw_engine) == 0
    assert [m.version for m in pending(raw_engine)] == versions
    assert migrate(raw_engine) == versions
    assert CORE_TABLES <= set(inspect(raw_engine).get_table_names())
    assert current_version(raw_engine) == versions[-1]
    assert pending(raw_engine) == []


def test_migrate_is_idempotent(raw_engine: Engine) -> None:
    migrate(raw_engine)
    assert migrate(raw_engine) == []
    assert migrate(raw_engine) == []
    with raw_engine.connect() as conn:
        rows = conn.execute(text("SELECT version, name FROM schema_migrations")).all()
    assert sorted(r[0] for r in rows) == all_versions() and all(r[1] for r in rows)


def test_new_migrations_run_in_version_order(raw_engine: Engine, isolated_registry: None) -> None:
    migrate(raw_engine)
    order: list[int] = []

    @register(9205, "second")
    def _second(conn: Connection) -> None:
        order.append(9205)

    @register(9105, "first")
    def _first(conn: Connection) -> None:
        order.append(9105)
        md = MetaData()
        Table("ext_state", md, Col("key", String(10), primary_key=True))
        md.create_all(conn)

    assert migrate(raw_engine) == [9105, 9205]
    assert order == [9105, 9205]
    assert "ext_state" in inspect(raw_engine).get_table_names()
    assert current_version(raw_engine) == 9205
    assert applied_versions(raw_engine) == [*all_versions()]
    assert migrate(raw_engine) == []


def test_a_failing_migration_is_rolled_back_and_not_recorded(
    raw_engine: Engine, isolated_registry: None
) -> None:
    @register(9150, "half done")
    def _broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(raw_engine)
    assert 1 in applied_versions(raw_engine)  # earlier migrations stay applied
    assert 9150 not in applied_versions(raw_engine)
    assert "half_done" not in inspect(raw_engine).get_table_names()


def test_target_stops_early(raw_engine: Engine, isolated_registry: None) -> None:
    add_migration(9300, "later", lambda conn: None)
    assert migrate(raw_engine, target=1) == [1]
    assert migrate(raw_engine) == all_versions()[1:]
    assert current_version(raw_engine) == 9300


def test_duplicate_versions_are_refused(isolated_registry: None) -> None:
    def one(conn: Connection) -> None:
        return None

    def two(conn: Connection) -> None:
        return None

    add_migration(9400, "one", one)
    add_migration(9400, "one again", one)  # the same function again: harmless
    with pytest.raises(MigrationError):
        add_migration(9400, "two", two)
    with pytest.raises(MigrationError):
        add_migration(0, "zero", one)


def test_other_modules_register_through_modules_list(
    raw_engine: Engine, isolated_registry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clinic_ext_migrations.py").write_text(
        "from sqlalchemy import Column, MetaData, String, Table\n"
        "from clinicbot.store.migrations import register\n"
        "@register(9110, 'extension table')\n"
        "def _v9110(conn):\n"
        "    md = MetaData()\n"
        "    Table('ext_table', md, Column('k', String(5), primary_key=True))\n"
        "    md.create_all(conn)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # Imported afresh for each database the test runs on (its decorator must run again).
    monkeypatch.delitem(sys.modules, "clinic_ext_migrations", raising=False)
    migrations.MIGRATION_MODULES.append("clinic_ext_migrations")
    assert migrate(raw_engine) == all_versions()
    assert all_versions()[-1] == 9110
    assert "ext_table" in inspect(raw_engine).get_table_names()


def test_concurrent_migrate_calls_apply_each_version_once(raw_engine: Engine) -> None:
    errors: list[BaseException] = []
    results: list[list[int]] = []

    def run() -> None:
        try:
            results.append(migrate(raw_engine))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(v for r in results for v in r) == all_versions()
    assert applied_versions(raw_engine) == all_versions()


def test_v2_adds_the_alert_outcome_to_existing_escalations(raw_engine: Engine) -> None:
    from clinicbot.store.escalations import EscalationStore

    migrate(raw_engine, target=1)
    with raw_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO escalations (id, conversation_id, channel, reason, priority, status,"
                " transcript, kb_topics, details, created_at, updated_at) VALUES ('E-2345AB',"
                " 'c1', 'rest', 'crisis', 'urgent', 'open', '[]', '[]', '{}',"
                " '2026-12-01 10:00:00.000000', '2026-12-01 10:00:00.000000')"
            )
        )
    assert 2 in migrate(raw_engine)
    columns = {c["name"] for c in inspect(raw_engine).get_columns("escalations")}
    assert {"alert_status", "alert_detail", "alert_at"} <= columns
    store = EscalationStore(raw_engine)
    before = store.get("E-2345AB")
    assert before is not None and before.alert_status is None and before.alert_detail == ""
    store.record_alert("E-2345AB", "failed", "webhook: HTTP 500; email: TimeoutError")
    after = store.get("E-2345AB")
    assert after is not None and after.alert_status == "failed"
    assert after.alert_detail == "webhook: HTTP 500; email: TimeoutError"
    assert after.alert_at is not None and after.reason == "crisis"
    with pytest.raises(ValueError):
        store.record_alert("E-2345AB", "maybe")
