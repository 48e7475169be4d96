"""Alembic migrations: applied once, safe from several processes, legacy databases adopted."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from clinicbot.store import migrations
from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.migrations import (
    BASELINE,
    LEGACY_VERSIONS,
    MigrationError,
    alembic_config,
    current_version,
    head_revision,
    migrate,
)
from clinicbot.store.schema import metadata

LEGACY_DUMP = Path(__file__).parent / "data" / "legacy_runner_v101.sql"


def all_revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_fresh_database_gets_every_revision_once(raw_engine: Engine) -> None:
    assert current_version(raw_engine) is None
    assert migrate(raw_engine) == all_revisions()
    assert all_revisions()[0] == BASELINE
    assert current_version(raw_engine) == head_revision()
    assert tables(raw_engine) == set(metadata.tables) | {"alembic_version"}
    assert migrate(raw_engine) == []
    assert migrate(raw_engine) == []


def test_revisions_form_one_line(raw_engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [head_revision()]
    assert script.get_base() == BASELINE


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert tables(engine) == {"alembic_version"}
    assert migrate(engine) == all_revisions()


def test_concurrent_migrate_calls_apply_each_revision_once(raw_engine: Engine) -> None:
    errors: list[BaseException] = []
    results: list[list[str]] = []

    def run() -> None:
        try:
            results.append(migrate(raw_engine))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(r for applied in results for r in applied) == sorted(all_revisions())
    assert current_version(raw_engine) == head_revision()


def test_a_failing_revision_is_rolled_back(
    raw_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upgrade = command.upgrade

    def upgrade_then_fail(config: object, revision: str) -> None:
        real_upgrade(config, revision)  # type: ignore[arg-type]
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations.command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError, match="boom"):
        migrate(raw_engine)
    assert tables(raw_engine) <= {"alembic_version"}  # nothing of the half-done upgrade stays
    assert current_version(raw_engine) is None
    monkeypatch.setattr(migrations.command, "upgrade", real_upgrade)
    assert migrate(raw_engine) == all_revisions()


# ------------------------------------------------------------------ databases of the old runner


@pytest.fixture
def legacy_sqlite(tmp_path: Path) -> Engine:
    """A SQLite file as the earlier migration runner left it, with a few rows."""
    path = tmp_path / "var" / "clinic.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as raw:
        raw.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
    url = f"sqlite:///{path}"
    yield get_engine(url)
    dispose_engine(url)


def test_a_legacy_database_is_adopted_with_its_rows(legacy_sqlite: Engine) -> None:
    from clinicbot.store.escalations import EscalationStore
    from clinicbot.store.sms import SmsStore
    from clinicbot.store.staff import StaffStore

    assert "schema_migrations" in tables(legacy_sqlite)
    assert migrate(legacy_sqlite) == all_revisions()[1:]  # the baseline is stamped, not run
    assert current_version(legacy_sqlite) == head_revision()
    assert "schema_migrations" not in tables(legacy_sqlite)
    escalation = EscalationStore(legacy_sqlite).get("E1")
    assert escalation is not None and escalation.conversation_id == "conv-1"
    assert [u.username for u in StaffStore(legacy_sqlite).list_users()] == ["nurse1"]
    assert SmsStore(legacy_sqlite).message_state("SM1") == ("processed", None)
    assert migrate(legacy_sqlite) == []


def test_a_half_migrated_legacy_database_is_refused_untouched(legacy_sqlite: Engine) -> None:
    with legacy_sqlite.begin() as conn:
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 101"))
    with pytest.raises(MigrationError, match="missing \\[101\\]"):
        migrate(legacy_sqlite)
    assert "alembic_version" not in tables(legacy_sqlite)
    with legacy_sqlite.connect() as conn:
        versions = set(conn.execute(text("SELECT version FROM schema_migrations")).scalars())
    assert versions == LEGACY_VERSIONS - {101}


def test_adoption_on_this_database(raw_engine: Engine) -> None:
    """SQLite and PostgreSQL: a baseline schema recorded by the old runner is stamped, kept."""
    migrate(raw_engine)
    with raw_engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)"))
        for version in sorted(LEGACY_VERSIONS):
            conn.execute(text("INSERT INTO schema_migrations VALUES (:v)"), {"v": version})
        conn.execute(
            text(
                "INSERT INTO staff_users (username, display_name, password_hash, role,"
                " failed_attempts, disabled, created_at, updated_at) VALUES ('kim', 'Kim', 'x',"
                " 'staff', 0, false, '2026-11-30 10:00:00', '2026-11-30 10:00:00')"
            )
        )
    assert migrate(raw_engine) == all_revisions()[1:]
    assert current_version(raw_engine) == head_revision()
    assert "schema_migrations" not in tables(raw_engine)
    with raw_engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM staff_users")).scalars().all() == ["kim"]
