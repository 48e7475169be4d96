"""Engines: cached per URL, SQLite pragmas, immediate write transactions, no I/O at import."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from clinicbot.paths import REPO_ROOT
from clinicbot.store.db import dispose_engine, get_engine, record_from_row, write_transaction


@pytest.fixture
def db_url(sqlite_db_url: str) -> str:
    """SQLite only: these tests are about the SQLite engine's own set-up."""
    return sqlite_db_url


def test_engine_is_cached_per_url_and_creates_the_directory(db_url: str, tmp_path: Path) -> None:
    assert not (tmp_path / "var").exists()
    first = get_engine(db_url)
    assert get_engine(db_url) is first
    assert (tmp_path / "var").is_dir()
    other = f"sqlite:///{tmp_path / 'other.db'}"
    try:
        assert get_engine(other) is not first
    finally:
        dispose_engine(other)


def test_sqlite_pragmas(raw_engine: Engine) -> None:
    with raw_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_write_transaction_begins_immediate(raw_engine: Engine) -> None:
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(raw_engine, "before_cursor_execute", listener)
    try:
        with write_transaction(raw_engine) as conn:
            conn.execute(text("SELECT 1"))
        with raw_engine.connect() as conn:
            conn.execute(text("SELECT 2"))
    finally:
        event.remove(raw_engine, "before_cursor_execute", listener)
    assert statements == ["BEGIN IMMEDIATE", "SELECT 1", "BEGIN", "SELECT 2"]


def test_write_transaction_rolls_back_on_error(raw_engine: Engine) -> None:
    with raw_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        with write_transaction(raw_engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with raw_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar() == 0


def test_in_memory_database_is_shared_between_connections() -> None:
    engine = get_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS m (x INTEGER)"))
            conn.execute(text("INSERT INTO m VALUES (7)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT x FROM m")).scalar() == 7
    finally:
        dispose_engine("sqlite://")


def test_importing_the_modules_does_no_io(tmp_path: Path) -> None:
    code = (
        "import clinicbot.store.db as db, clinicbot.store.migrations, clinicbot.store.staff, "
        "clinicbot.store.escalations, clinicbot.store.audit, clinicbot.notify, "
        "clinicbot.console.blueprint, clinicbot.console.cli, clinicbot.web.app\n"
        "assert db._ENGINES == {}, db._ENGINES\n"
    )
    env = {"CLINIC_DB_URL": f"sqlite:///{tmp_path / 'never.db'}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True, timeout=120)
    assert not (tmp_path / "never.db").exists()


@dataclass
class _Record:
    id: int
    name: str
    flag: bool
    note: str = "default"


def test_record_from_row_takes_columns_by_field_name(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        row = conn.execute(text("SELECT 7 AS id, 'x' AS name, 1 AS flag, 'extra' AS other")).one()
    record = record_from_row(_Record, row, flag=True)
    assert record == _Record(id=7, name="x", flag=True)  # a column no field names is ignored
    assert record.note == "default"  # a field without a column keeps its default
    assert record_from_row(_Record, row).flag == 1  # without a value given, the row's
