"""Current shape of the clinic tables, used by the stores to build queries.

The tables are *created* by the versioned migrations in :mod:`clinicbot.store.migrations`, never
from this module: a migration freezes the shape it creates, this module describes the shape
after all migrations ran. When a migration changes a table, update the matching definition here
in the same change.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Returns the current time as an aware UTC datetime.

    Returns:
        Now, in UTC, with microseconds.
    """
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):  # type: ignore[type-arg]
    """A timestamp stored as naive UTC and read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Converts an aware datetime to naive UTC before it is stored.

        Args:
            value: The value to store (naive values are taken as UTC).
            dialect: The database dialect.

        Returns:
            The naive UTC datetime.
        """
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Marks a stored timestamp as UTC.

        Args:
            value: The value read from the database.
            dialect: The database dialect.

        Returns:
            The aware UTC datetime.
        """
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


metadata = MetaData()

escalations = Table(
    "escalations",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("transcript", JSON, nullable=False),
    Column("kb_topics", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(64)),
    # Migration 2: how the urgent staff alert went (None: none was attempted).
    Column("alert_status", String(16)),
    Column("alert_detail", String(300)),
    Column("alert_at", UTCDateTime),
)

escalation_reasons = Table(
    "escalation_reasons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "escalation_id",
        String(16),
        ForeignKey("escalations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("reason", String(64), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

escalation_notes = Table(
    "escalation_notes",
    metadata,
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
    Column("created_at", UTCDateTime, nullable=False),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    Column("totp_secret", String(64)),
)

staff_recovery_codes = Table(
    "staff_recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "username",
        String(64),
        ForeignKey("staff_users.username", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "username",
        String(64),
        ForeignKey("staff_users.username", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("escalation_id", String(16)),
    Column("detail", JSON),
)
