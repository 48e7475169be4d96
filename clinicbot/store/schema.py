"""The clinic database's tables, as they are after every migration: the one declaration.

The stores build their queries from these tables (escalations, staff, console sessions, audit
log, the insights tables and the SMS/WhatsApp channel's tables). The tables are *created* by the
Alembic revisions in ``clinicbot/store/alembic_env/versions/`` (:func:`clinicbot.store.migrations.
migrate`), never from this module. When you change a table here, add a revision in the same
change (``python -m clinicbot.store.migrations revision "what changed"`` writes one from the
difference); ``tests/store/test_schema_drift.py`` fails while the two disagree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

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
    text,
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


def serial_id() -> Column:
    """A table's ``id`` primary key, numbered by the database.

    Returns:
        The column.
    """
    return Column("id", Integer, primary_key=True, autoincrement=True)


def cascade_key(name: str, length: int, parent: str) -> Column:
    """A required key to a parent row; the row is deleted along with its parent.

    Args:
        name: The column's name.
        length: The key's length (the parent column's).
        parent: The parent column, ``table.column``.

    Returns:
        The column.
    """
    return Column(name, String(length), ForeignKey(parent, ondelete="CASCADE"), nullable=False)


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
    # How the urgent staff alert went (None: none was attempted).
    Column("alert_status", String(16)),
    Column("alert_detail", String(300)),
    Column("alert_at", UTCDateTime),
)
Index("ix_escalations_conversation", escalations.c.conversation_id)
Index(
    "ix_escalations_queue", escalations.c.status, escalations.c.priority, escalations.c.created_at
)
_ACTIVE = "status IN ('open', 'claimed')"
# At most one open or claimed escalation per conversation (open_or_join relies on it).
Index(
    "ux_escalations_active_conversation",
    escalations.c.conversation_id,
    unique=True,
    sqlite_where=text(_ACTIVE),
    postgresql_where=text(_ACTIVE),
)

escalation_reasons = Table(
    "escalation_reasons",
    metadata,
    serial_id(),
    cascade_key("escalation_id", 16, "escalations.id"),
    Column("reason", String(64), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)
Index("ix_escalation_reasons_reason", escalation_reasons.c.reason)
Index("ix_escalation_reasons_escalation", escalation_reasons.c.escalation_id)

escalation_notes = Table(
    "escalation_notes",
    metadata,
    serial_id(),
    cascade_key("escalation_id", 16, "escalations.id"),
    Column("author", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("delivered", Boolean),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_escalation_notes_escalation", escalation_notes.c.escalation_id)

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
    serial_id(),
    cascade_key("username", 64, "staff_users.username"),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_staff_recovery_codes_username", staff_recovery_codes.c.username)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    cascade_key("username", 64, "staff_users.username"),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)
Index("ix_console_sessions_username", console_sessions.c.username)

audit_log = Table(
    "audit_log",
    metadata,
    serial_id(),
    Column("ts", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("escalation_id", String(16)),
    Column("detail", JSON),
)
Index("ix_audit_log_ts", audit_log.c.ts)
Index("ix_audit_log_escalation", audit_log.c.escalation_id)

# ------------------------------------------------------------------ insights (clinicbot.insights)

answer_feedback = Table(
    "answer_feedback",
    metadata,
    serial_id(),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("kb_id", String(120), nullable=False),
    # Identifies the answer inside the conversation (its tracker timestamp).
    Column("answer_key", String(64), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index(
    "ux_answer_feedback_answer",
    answer_feedback.c.conversation_id,
    answer_feedback.c.answer_key,
    unique=True,
)
Index("ix_answer_feedback_created", answer_feedback.c.created_at)

insights_daily = Table(
    "insights_daily",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("metric", String(40), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("count", Integer, nullable=False),
)

insights_conversations = Table(
    "insights_conversations",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("first_day", String(10), nullable=False),
)

insights_state = Table(
    "insights_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

review_items = Table(
    "review_items",
    metadata,
    serial_id(),
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
    Column("labeled_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index(
    "ux_review_items_message", review_items.c.conversation_id, review_items.c.event_ts, unique=True
)
Index("ix_review_items_status", review_items.c.status, review_items.c.event_ts)

# ------------------------------------------- SMS/WhatsApp channel state (clinicbot.store.sms)

sms_settings = Table(
    "sms_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

sms_contacts = Table(
    "sms_contacts",
    metadata,
    Column("pseudonym", String(40), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_inbound_at", UTCDateTime),
    Column("opted_out_at", UTCDateTime),
)

sms_consent_events = Table(
    "sms_consent_events",
    metadata,
    serial_id(),
    cascade_key("pseudonym", 40, "sms_contacts.pseudonym"),
    Column("event", String(16), nullable=False),
    Column("keyword", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_sms_consent_events_pseudonym", sms_consent_events.c.pseudonym)

sms_inbound_messages = Table(
    "sms_inbound_messages",
    metadata,
    Column("message_sid", String(64), primary_key=True),
    Column("pseudonym", String(40), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # The default marks rows from before processing states were recorded as processed.
    Column("state", String(16), nullable=False, server_default="processed"),
    Column("body", Text),
    Column("owner", String(32)),
    Column("claimed_at", UTCDateTime),
    Column("processed_at", UTCDateTime),
)
Index("ix_sms_inbound_messages_received_at", sms_inbound_messages.c.received_at)
Index(
    "ix_sms_inbound_messages_state",
    sms_inbound_messages.c.state,
    sms_inbound_messages.c.received_at,
)

sms_options = Table(
    "sms_options",
    metadata,
    Column("pseudonym", String(40), primary_key=True),
    Column("options", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
