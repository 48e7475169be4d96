"""Versioned schema migrations for the clinic database.

A migration is a function that receives a SQLAlchemy connection inside an open transaction and
changes the schema (or data). Each one is registered under a unique integer version with
:func:`register`; :func:`migrate` applies every registered migration that the database has not
recorded yet, in version order, each in its own transaction, and records it in the
``schema_migrations`` table. Running it again does nothing, so every service may call it at
start-up.

Convention for other modules (SMS channel state, consultation requests, ...):

* Each module owns a block of versions: 1-99 ``clinicbot.store`` (this file), 100-199 the SMS
  channel state (``clinicbot.store.sms_migrations``), 200-299 consultation requests; a new
  module takes the next free hundred.
* Write the migration in your own module, frozen: create tables from a ``MetaData`` local to the
  function (never from :mod:`clinicbot.store.schema` or your current models, which change
  later), and never edit a migration once it has shipped; add a new version instead.
* Register it with the decorator, and add your module's dotted name to
  :data:`MIGRATION_MODULES` so that :func:`migrate` imports it (or pass it in ``modules=``)::

      from clinicbot.store.migrations import register

      @register(100, "sms conversation state")
      def _sms_state_v100(conn: Connection) -> None:
          md = MetaData()
          Table("sms_state", md, Column("phone_hash", String(64), primary_key=True), ...)
          md.create_all(conn)

* Importing a module that registers migrations must have no other side effect.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from clinicbot.store.db import write_transaction
from clinicbot.store.schema import UTCDateTime, utcnow

MigrationFunc = Callable[[Connection], None]
F = TypeVar("F", bound=MigrationFunc)

#: Modules that :func:`migrate` imports so their ``@register`` decorators run. Append yours.
MIGRATION_MODULES: list[str] = [
    "clinicbot.store.migrations",
    "clinicbot.store.sms_migrations",
]

#: Key of the PostgreSQL advisory lock that serialises concurrent ``migrate()`` calls.
_PG_LOCK_KEY = 7_311_604_201

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _meta,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)


class MigrationError(RuntimeError):
    """Raised for an inconsistent migration registry (for example a duplicate version)."""


@dataclass(frozen=True)
class Migration:
    """One registered migration.

    Attributes:
        version: Unique, positive version number; migrations run in ascending order.
        name: Short human-readable description.
        apply: Function changing the schema through the given connection.
    """

    version: int
    name: str
    apply: MigrationFunc

    @property
    def origin(self) -> str:
        """Dotted name of the function, used to detect conflicting registrations."""
        return f"{self.apply.__module__}.{self.apply.__qualname__}"


_REGISTRY: dict[int, Migration] = {}


def add_migration(version: int, name: str, func: MigrationFunc) -> Migration:
    """Registers a migration function under a version.

    Registering the same function again (a module imported twice) is harmless.

    Args:
        version: Unique positive version.
        name: Description.
        func: The migration; receives a connection inside a transaction.

    Returns:
        The registered migration.

    Raises:
        MigrationError: If the version is not positive or already taken by another function.
    """
    if not isinstance(version, int) or version <= 0:
        raise MigrationError(f"migration version must be a positive int, got {version!r}")
    migration = Migration(version, name, func)
    existing = _REGISTRY.get(version)
    if existing is not None and existing.origin != migration.origin:
        raise MigrationError(
            f"migration version {version} is registered twice: {existing.origin} and "
            f"{migration.origin}"
        )
    _REGISTRY[version] = migration
    return migration


def register(version: int, name: str) -> Callable[[F], F]:
    """Decorator registering a migration function.

    Args:
        version: Unique positive version (see the module docstring for version blocks).
        name: Description.

    Returns:
        A decorator that registers the function and returns it unchanged.
    """

    def decorator(func: F) -> F:
        add_migration(version, name, func)
        return func

    return decorator


def registered(modules: Iterable[str] = ()) -> list[Migration]:
    """Lists the known migrations in the order they run.

    Args:
        modules: Extra modules to import first (besides :data:`MIGRATION_MODULES`).

    Returns:
        The migrations sorted by version.
    """
    for module in [*MIGRATION_MODULES, *modules]:
        importlib.import_module(module)
    return [_REGISTRY[v] for v in sorted(_REGISTRY)]


def add_column(conn: Connection, table: str, column: Column) -> None:  # type: ignore[type-arg]
    """Adds a nullable column to an existing table (SQLite and PostgreSQL alike).

    For use inside migrations: the column's type is written in the connection's dialect.

    Args:
        conn: The migration's connection.
        table: Table name (a constant of the migration, never user input).
        column: The column (name and type; nullable, or with a string ``server_default``).
    """
    coltype = column.type.compile(dialect=conn.dialect)
    default = ""
    if column.server_default is not None:
        value = str(column.server_default.arg).replace("'", "''")  # type: ignore[attr-defined]
        default = f" DEFAULT '{value}'" + ("" if column.nullable else " NOT NULL")
    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column.name} {coltype}{default}"))


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _ensure_table(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        _lock(conn)
        schema_migrations.create(conn, checkfirst=True)


def applied_versions(engine: Engine) -> list[int]:
    """Lists the versions recorded in ``schema_migrations``.

    Args:
        engine: The database.

    Returns:
        Applied versions in ascending order (empty for a new database).
    """
    if not inspect(engine).has_table("schema_migrations"):
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(schema_migrations.c.version)).scalars().all()
    return sorted(int(v) for v in rows)


def current_version(engine: Engine) -> int:
    """Returns the highest applied migration version.

    Args:
        engine: The database.

    Returns:
        The version, or 0 for a database that was never migrated.
    """
    versions = applied_versions(engine)
    return versions[-1] if versions else 0


def pending(engine: Engine, modules: Iterable[str] = ()) -> list[Migration]:
    """Lists the registered migrations the database has not applied.

    Args:
        engine: The database.
        modules: Extra modules registering migrations.

    Returns:
        Pending migrations in the order :func:`migrate` would run them.
    """
    done = set(applied_versions(engine))
    return [m for m in registered(modules) if m.version not in done]


def migrate(engine: Engine, modules: Iterable[str] = (), target: int | None = None) -> list[int]:
    """Applies the missing migrations, each in its own transaction.

    Safe to call from several processes at once: on SQLite each migration's transaction holds
    the write lock, on PostgreSQL an advisory lock; a migration another process applied in the
    meantime is skipped.

    Args:
        engine: The database.
        modules: Extra modules registering migrations (besides :data:`MIGRATION_MODULES`).
        target: Apply only versions up to this one (tests use it).

    Returns:
        The versions applied by this call (empty when the database was up to date).
    """
    migrations = registered(modules)
    _ensure_table(engine)
    done = set(applied_versions(engine))
    applied: list[int] = []
    for migration in migrations:
        if migration.version in done or (target is not None and migration.version > target):
            continue
        with write_transaction(engine) as conn:
            _lock(conn)
            already = conn.execute(
                select(schema_migrations.c.version).where(
                    schema_migrations.c.version == migration.version
                )
            ).first()
            if already is not None:
                continue
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=migration.version, name=migration.name, applied_at=utcnow()
                )
            )
        applied.append(migration.version)
    return applied


# --------------------------------------------------------------------------------------------
# clinicbot.store migrations (versions 1-99). Frozen: never edit one that has shipped.
# --------------------------------------------------------------------------------------------

_ACTIVE = "status IN ('open', 'claimed')"


@register(1, "escalations, staff accounts, console sessions, audit log")
def _v1_core_tables(conn: Connection) -> None:
    md = MetaData()
    esc = Table(
        "escalations",
        md,
        Column("id", String(16), primary_key=True),
        Column("conversation_id", String(255), nullable=False),
        Column("channel", String(64), nullable=False),
        Column("reason", String(64), nullable=False),
        Column("priority", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("transcript", JSON, nullable=False),
        Column("kb_topics", JSON, nullable=False),
        Column("details", JSON, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("claimed_by", String(64)),
        Column("claimed_at", DateTime),
        Column("resolved_at", DateTime),
        Column("resolved_by", String(64)),
    )
    Index("ix_escalations_conversation", esc.c.conversation_id)
    Index("ix_escalations_queue", esc.c.status, esc.c.priority, esc.c.created_at)
    # At most one open or claimed escalation per conversation (open_or_join relies on it).
    Index(
        "ux_escalations_active_conversation",
        esc.c.conversation_id,
        unique=True,
        sqlite_where=text(_ACTIVE),
        postgresql_where=text(_ACTIVE),
    )
    reasons = Table(
        "escalation_reasons",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "escalation_id",
            String(16),
            ForeignKey("escalations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("reason", String(64), nullable=False),
        Column("added_at", DateTime, nullable=False),
    )
    Index("ix_escalation_reasons_reason", reasons.c.reason)
    Index("ix_escalation_reasons_escalation", reasons.c.escalation_id)
    notes = Table(
        "escalation_notes",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "escalation_id",
            String(16),
            ForeignKey("escalations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("author", String(64), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("text", Text, nullable=False),
        Column("delivered", Boolean),
        Column("created_at", DateTime, nullable=False),
    )
    Index("ix_escalation_notes_escalation", notes.c.escalation_id)
    Table(
        "staff_users",
        md,
        Column("username", String(64), primary_key=True),
        Column("display_name", String(100), nullable=False),
        Column("password_hash", String(255), nullable=False),
        Column("role", String(16), nullable=False),
        Column("failed_attempts", Integer, nullable=False),
        Column("locked_until", DateTime),
        Column("disabled", Boolean, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("last_login_at", DateTime),
    )
    sessions = Table(
        "console_sessions",
        md,
        Column("token_hash", String(64), primary_key=True),
        Column(
            "username",
            String(64),
            ForeignKey("staff_users.username", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("csrf_token", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("last_seen_at", DateTime, nullable=False),
    )
    Index("ix_console_sessions_username", sessions.c.username)
    audit = Table(
        "audit_log",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("ts", DateTime, nullable=False),
        Column("actor", String(64), nullable=False),
        Column("action", String(64), nullable=False),
        Column("escalation_id", String(16)),
        Column("detail", JSON),
    )
    Index("ix_audit_log_ts", audit.c.ts)
    Index("ix_audit_log_escalation", audit.c.escalation_id)
    md.create_all(conn)


@register(2, "escalations: outcome of the urgent staff alert (sent, partial, failed)")
def _v2_escalation_alert(conn: Connection) -> None:
    for column in (
        Column("alert_status", String(16)),
        Column("alert_detail", String(300)),
        Column("alert_at", DateTime),
    ):
        add_column(conn, "escalations", column)


@register(3, "staff: TOTP second factor and hashed recovery codes")
def _v3_staff_totp(conn: Connection) -> None:
    add_column(conn, "staff_users", Column("totp_secret", String(64)))
    md = MetaData()
    # The users table only as the foreign key's target (it exists already).
    Table("staff_users", md, Column("username", String(64), primary_key=True))
    codes = Table(
        "staff_recovery_codes",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "username",
            String(64),
            ForeignKey("staff_users.username", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("code_hash", String(64), nullable=False),
        Column("used_at", DateTime),
        Column("created_at", DateTime, nullable=False),
    )
    Index("ix_staff_recovery_codes_username", codes.c.username)
    codes.create(conn)


@register(4, "insights: answer feedback, daily aggregates, review inbox")
def _v4_insights(conn: Connection) -> None:
    md = MetaData()
    feedback = Table(
        "answer_feedback",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("conversation_id", String(255), nullable=False),
        Column("channel", String(32), nullable=False),
        Column("kb_id", String(120), nullable=False),
        # Identifies the answer inside the conversation (its tracker timestamp).
        Column("answer_key", String(64), nullable=False),
        Column("helpful", Boolean, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    Index(
        "ux_answer_feedback_answer",
        feedback.c.conversation_id,
        feedback.c.answer_key,
        unique=True,
    )
    Index("ix_answer_feedback_created", feedback.c.created_at)
    Table(
        "insights_daily",
        md,
        Column("day", String(10), primary_key=True),
        Column("channel", String(32), primary_key=True),
        Column("metric", String(40), primary_key=True),
        Column("key", String(120), primary_key=True),
        Column("count", Integer, nullable=False),
    )
    Table(
        "insights_conversations",
        md,
        Column("conversation_id", String(255), primary_key=True),
        Column("channel", String(32), nullable=False),
        Column("first_day", String(10), nullable=False),
    )
    Table(
        "insights_state",
        md,
        Column("name", String(64), primary_key=True),
        Column("value", Integer, nullable=False),
    )
    review = Table(
        "review_items",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("conversation_id", String(255), nullable=False),
        Column("channel", String(32), nullable=False),
        Column("event_ts", String(32), nullable=False),
        Column("day", String(10), nullable=False),
        Column("text", Text, nullable=False),
        Column("group_key", String(200), nullable=False),
        Column("reason", String(32), nullable=False),
        Column("intent", String(120)),
        Column("confidence", Float),
        Column("kb_id", String(120)),
        Column("safety", Boolean, nullable=False),
        Column("status", String(16), nullable=False),
        Column("label", String(120)),
        Column("labeled_by", String(64)),
        Column("labeled_at", DateTime),
        Column("created_at", DateTime, nullable=False),
    )
    Index("ux_review_items_message", review.c.conversation_id, review.c.event_ts, unique=True)
    Index("ix_review_items_status", review.c.status, review.c.event_ts)
    md.create_all(conn)
