"""The declared tables (clinicbot.store.schema) and the migrated database agree.

Alembic's own comparison (what ``revision --autogenerate`` would write) finds nothing: no table,
column, type, nullability, server default, index or foreign key that one side has and the other
lacks. Runs on SQLite and on PostgreSQL (when its server binaries are installed).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, String
from sqlalchemy.engine import Engine

from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.migrations import migrate
from clinicbot.store.schema import metadata

LEGACY_DUMP = Path(__file__).parent / "data" / "legacy_runner_v101.sql"


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_models_and_migrated_database_agree(engine: Engine) -> None:
    assert differences(engine) == []


def test_a_legacy_database_after_adoption_agrees(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    with sqlite3.connect(path) as raw:
        raw.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
    url = f"sqlite:///{path}"
    try:
        engine = get_engine(url)
        migrate(engine)
        assert differences(engine) == []
    finally:
        dispose_engine(url)


def test_the_check_sees_a_column_the_revisions_lack(engine: Engine) -> None:
    """The comparison is not vacuous: a column declared but never migrated is reported."""
    table = metadata.tables["audit_log"]
    extra = Column("drift_probe", String(8))
    table.append_column(extra)
    try:
        found = differences(engine)
    finally:
        table._columns.remove(extra)  # noqa: SLF001 - undo the probe
    assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "audit_log", "drift_probe")]
