"""SQLAlchemy engines for the clinic database (SQLite by default, PostgreSQL by URL).

Engines are created on first use and cached per URL; importing this module does nothing.

SQLite engines get WAL journaling, enforced foreign keys, a busy timeout and connections that
may be used from worker threads. Their transactions are started explicitly (``BEGIN``), and
:func:`write_transaction` starts ``BEGIN IMMEDIATE`` so that read-then-write transactions from
two processes (the web server and the action server) queue up instead of failing with
"database is locked".
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

#: Seconds a SQLite connection waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0

_IMMEDIATE = "clinicbot_begin_immediate"
_Record = TypeVar("_Record", bound="DataclassInstance")
_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def is_sqlite(engine: Engine) -> bool:
    """Tells whether an engine talks to SQLite.

    Args:
        engine: The engine.

    Returns:
        True for SQLite.
    """
    return engine.dialect.name == "sqlite"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy (not pysqlite) decide when transactions begin; see the "begin" hook.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in url
    if not in_memory and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {
        "future": True,
        # Error messages must not quote stored values (transcripts, contact details).
        "hide_parameters": True,
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
    }
    if in_memory:
        # One shared connection, otherwise every connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def get_engine(url: str) -> Engine:
    """Returns the engine for a database URL, creating it on first use.

    Args:
        url: SQLAlchemy URL, for example ``sqlite:////srv/clinic/var/clinic.db`` or
            ``postgresql+psycopg2://clinic@db/clinic``.

    Returns:
        The cached engine for that URL (one per URL per process).

    Raises:
        ValueError: If ``url`` is empty.
    """
    if not url:
        raise ValueError("database URL is empty (set CLINIC_DB_URL)")
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _create(url)
            _ENGINES[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Closes and forgets the cached engine of a URL (tests use it to release files).

    Args:
        url: The URL given to :func:`get_engine`.
    """
    with _LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Opens a transaction meant to read and then write.

    On SQLite it starts with ``BEGIN IMMEDIATE`` (takes the write lock up front, waiting up to
    the busy timeout); on other databases it is an ordinary transaction and callers lock rows
    with ``SELECT ... FOR UPDATE``.

    Args:
        engine: The engine.

    Yields:
        A connection inside the transaction; it commits on normal exit and rolls back on error.
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execution_options(**{_IMMEDIATE: True})
        with conn.begin():
            yield conn


def record_from_row(cls: type[_Record], row: Any, **values: Any) -> _Record:
    """Builds a dataclass record from a result row: each field from the column of its name.

    Args:
        cls: The record's dataclass.
        row: A result row; fields without a column of their name keep their defaults.
        **values: Field values used instead of the row's (converted or computed ones).

    Returns:
        The record.
    """
    mapping = row._mapping
    columns = {f.name: mapping[f.name] for f in dataclasses.fields(cls) if f.name in mapping}
    return cls(**{**columns, **values})
