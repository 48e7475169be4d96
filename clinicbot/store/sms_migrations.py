"""Migrations of the SMS/WhatsApp tables (versions 100-199), frozen once shipped.

Registered with :mod:`clinicbot.store.migrations` (listed in its ``MIGRATION_MODULES``); the
tables' current shape and the code that uses them are in :mod:`clinicbot.store.sms`. Importing
this module only registers the migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

from clinicbot.store.migrations import add_column, register


@register(100, "sms/whatsapp channel: contacts, consent, inbound dedup, options, settings")
def _v100_sms_channel(conn: Connection) -> None:
    md = MetaData()
    Table(
        "sms_settings",
        md,
        Column("name", String(64), primary_key=True),
        Column("value", Text, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    Table(
        "sms_contacts",
        md,
        Column("pseudonym", String(40), primary_key=True),
        Column("channel", String(16), nullable=False),
        Column("address", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("last_inbound_at", DateTime),
        Column("opted_out_at", DateTime),
    )
    consent = Table(
        "sms_consent_events",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "pseudonym",
            String(40),
            ForeignKey("sms_contacts.pseudonym", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("event", String(16), nullable=False),
        Column("keyword", String(32), nullable=False),
        Column("at", DateTime, nullable=False),
    )
    Index("ix_sms_consent_events_pseudonym", consent.c.pseudonym)
    inbound = Table(
        "sms_inbound_messages",
        md,
        Column("message_sid", String(64), primary_key=True),
        Column("pseudonym", String(40), nullable=False),
        Column("received_at", DateTime, nullable=False),
    )
    Index("ix_sms_inbound_messages_received_at", inbound.c.received_at)
    Table(
        "sms_options",
        md,
        Column("pseudonym", String(40), primary_key=True),
        Column("options", Text, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    )
    md.create_all(conn)


@register(101, "sms inbound messages: claim state and body until processed (at-least-once)")
def _v101_inbound_processing_state(conn: Connection) -> None:
    # Rows from before were answered already: they become "processed".
    table = "sms_inbound_messages"
    add_column(conn, table, Column("state", String(16), nullable=False, server_default="processed"))
    add_column(conn, table, Column("body", Text))
    add_column(conn, table, Column("owner", String(32)))
    add_column(conn, table, Column("claimed_at", DateTime))
    add_column(conn, table, Column("processed_at", DateTime))
    md = MetaData()
    inbound = Table(
        table,
        md,
        Column("message_sid", String(64), primary_key=True),
        Column("state", String(16)),
        Column("received_at", DateTime),
    )
    Index("ix_sms_inbound_messages_state", inbound.c.state, inbound.c.received_at).create(conn)
