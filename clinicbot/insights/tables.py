"""Current shape of the insights tables (created by migration 4 in clinicbot.store.migrations)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, MetaData, String, Table, Text

from clinicbot.store.schema import UTCDateTime

metadata = MetaData()

answer_feedback = Table(
    "answer_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("kb_id", String(120), nullable=False),
    Column("answer_key", String(64), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

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
    Column("labeled_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
