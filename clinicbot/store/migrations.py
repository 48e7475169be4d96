"""Schema migrations of the clinic database, with Alembic.

The tables are declared once, in :mod:`clinicbot.store.schema`; the revisions that create and
change them are in ``clinicbot/store/alembic_env/versions/`` (the first, ``0001``, creates the whole
schema as it was when Alembic took over). :func:`migrate` brings a database to the newest
revision; every service calls it at start-up and ``python -m clinicbot.console migrate`` runs it
by hand. It is safe from several processes at once: everything happens in one transaction that
holds SQLite's write lock (``BEGIN IMMEDIATE``) or a PostgreSQL advisory lock, so a second caller
waits and then finds nothing to do.

Databases created by the earlier migration runner (a ``schema_migrations`` table with versions
1-4, 100 and 101, which is exactly revision ``0001``) are adopted in place: stamped at ``0001``
in the same transaction, their ``schema_migrations`` table dropped, no row touched.

To change the schema: edit :mod:`clinicbot.store.schema`, then write the revision from the
difference and review it::

    .venv/bin/python -m clinicbot.store.migrations revision "escalations: add a due date"

``tests/store/test_schema_drift.py`` fails while the declared tables and the migrated database
disagree (SQLite, and PostgreSQL when its server binaries are installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from clinicbot.store.db import dispose_engine, get_engine, write_transaction

#: The Alembic environment (env.py, script template, versions/).
SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic_env"
#: The revision that creates the schema the earlier migration runner left (versions 1-101).
BASELINE = "0001"
#: Versions the earlier runner recorded once a database had reached the baseline's schema.
LEGACY_VERSIONS = frozenset({1, 2, 3, 4, 100, 101})
#: Key of the PostgreSQL advisory lock that serialises concurrent ``migrate()`` calls.
_PG_LOCK_KEY = 7_311_604_201


class MigrationError(RuntimeError):
    """Raised when a database cannot be migrated safely (for example a half-migrated legacy one)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Returns the Alembic configuration of the clinic database.

    Args:
        connection: The connection the revisions run on (inside a transaction), if any.

    Returns:
        A configuration pointing at ``clinicbot/store/alembic_env``.
    """
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Returns the newest revision id.

    Returns:
        The id of the head revision (for example ``"0001"``).
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the baseline always exists
        raise MigrationError("no revisions in clinicbot/store/alembic_env/versions")
    return head


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _adopt_legacy(conn: Connection) -> bool:
    """Stamps a database of the earlier migration runner at the baseline (same transaction)."""
    tables = set(inspect(conn).get_table_names())
    if "schema_migrations" not in tables or "alembic_version" in tables:
        return False
    applied = set(conn.execute(text("SELECT version FROM schema_migrations")).scalars())
    missing = sorted(LEGACY_VERSIONS - applied)
    unknown = sorted(applied - LEGACY_VERSIONS)
    if missing or unknown:
        raise MigrationError(
            "this database was migrated by the earlier runner but is not at its last version "
            f"(missing {missing}, unknown {unknown}); run `python -m clinicbot.console migrate` "
            "of the release that created it first, then this one"
        )
    script = ScriptDirectory.from_config(alembic_config())
    MigrationContext.configure(conn).stamp(script, BASELINE)
    conn.execute(text("DROP TABLE schema_migrations"))
    return True


def migrate(engine: Engine) -> list[str]:
    """Brings the database to the newest revision (idempotent; safe from several processes).

    Args:
        engine: The clinic database.

    Returns:
        The revisions applied by this call, oldest first (empty when it was up to date). A
        legacy database adopted at the baseline counts as having had nothing applied.

    Raises:
        MigrationError: If a legacy database is only partly migrated.
    """
    script = ScriptDirectory.from_config(alembic_config())
    with write_transaction(engine) as conn:
        _lock(conn)
        _adopt_legacy(conn)
        before = _revision(conn)
        if before == script.get_current_head():
            return []
        command.upgrade(alembic_config(conn), "head")
    pending = script.iterate_revisions("head", before or "base")
    return [rev.revision for rev in reversed(list(pending))]


def current_version(engine: Engine) -> str | None:
    """Returns the database's current revision.

    Args:
        engine: The clinic database.

    Returns:
        The revision id, or None for a database never migrated with Alembic.
    """
    with engine.connect() as conn:
        return _revision(conn)


def write_revision(message: str) -> Path:
    """Writes a new revision from the difference between the schema module and the head.

    The difference is taken against a scratch SQLite database migrated to the head; review the
    file (and test it on PostgreSQL) before committing it.

    Args:
        message: What the revision changes.

    Returns:
        The new revision file (with empty ``upgrade``/``downgrade`` when nothing changed).
    """
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/draft.db"
        engine = get_engine(url)
        try:
            migrate(engine)
            number = int(head_revision()) + 1
            with engine.begin() as conn:
                result = command.revision(
                    alembic_config(conn), message, autogenerate=True, rev_id=f"{number:04d}"
                )
        finally:
            dispose_engine(url)
    if result is None or isinstance(result, list):  # pragma: no cover - one head, one script
        raise MigrationError("alembic wrote no single revision")
    return Path(result.path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``revision MESSAGE`` writes a revision, ``head`` prints the newest id.

    Args:
        argv: Arguments (default: the process's).

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m clinicbot.store.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("head", help="print the newest revision id")
    rev = sub.add_parser("revision", help="write a revision from the schema module's changes")
    rev.add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "head":
        print(head_revision())
    else:
        print(write_revision(args.message))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
