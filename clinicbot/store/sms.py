"""Durable state of the SMS/WhatsApp channel (Twilio), in the clinic database.

Part of the store, not of the channel: :mod:`clinicbot.channels.twilio` uses it, and it knows
nothing of channels (the numbered options are kept as plain title/payload pairs).

Tables (declared in :mod:`clinicbot.store.schema`, created by the Alembic revisions):

``sms_settings``
    Channel secrets generated on first use (the pseudonym key when ``TWILIO_PSEUDONYM_KEY`` is
    not set).
``sms_contacts``
    Pseudonym -> phone number and channel (``sms``/``whatsapp``), with the opt-out state. The
    pseudonym is the Rasa sender id; the phone number never leaves this table except to address
    a message (and for signed-in staff, through :meth:`SmsStore.contact`).
``sms_consent_events``
    Every opt-out and opt-in, with its time and keyword (the carrier-compliance record).
``sms_inbound_messages``
    One row per Twilio ``MessageSid`` (primary key): inserting it first is how a retried
    webhook is recognised and answered only once. The row also records
    the processing state (``claimed`` until the bot's turn was handled, then ``processed``)
    and, while claimed, the message body, so that a message whose processing was cut short by
    a crash is processed at the next start (:meth:`SmsStore.take_over_unprocessed`). The
    body is cleared as soon as the message is processed (or expires).
``sms_options``
    The numbered options most recently offered in a conversation (latest only), so that a reply
    of "2" can be turned into that button's payload.

All methods are synchronous and short (one small transaction each).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from clinicbot.store.db import get_engine, write_transaction
from clinicbot.store.migrations import migrate
from clinicbot.store.schema import (
    sms_consent_events,
    sms_contacts,
    sms_inbound_messages,
    sms_options,
    sms_settings,
    utcnow,
)

PSEUDONYM_KEY_SETTING = "pseudonym_key"
#: Processing states of an inbound message.
CLAIMED = "claimed"
PROCESSED = "processed"
EXPIRED = "expired"


def ensure_schema(engine: Engine) -> None:
    """Brings the database up to date, including this channel's tables (idempotent).

    Args:
        engine: The clinic database.
    """
    migrate(engine)


class OptionLike(Protocol):
    """Anything with an option's title and payload (the channel's ``sms_format.Option``)."""

    @property
    def title(self) -> str:
        """What the patient read."""

    @property
    def payload(self) -> str:
        """What the option's number stands for."""


class StoredOption(NamedTuple):
    """A numbered option as stored.

    Attributes:
        title: What the patient read.
        payload: What a reply with the option's number stands for.
    """

    title: str
    payload: str


@dataclass(frozen=True)
class Contact:
    """Where a pseudonymous conversation is delivered.

    Attributes:
        pseudonym: Rasa sender id (``sms-...`` or ``wa-...``).
        channel: ``sms`` or ``whatsapp``.
        address: The patient's number in E.164 form, without the ``whatsapp:`` prefix.
        opted_out_at: When the patient opted out (``None`` when they may be messaged).
    """

    pseudonym: str
    channel: str
    address: str
    opted_out_at: datetime | None

    @property
    def opted_out(self) -> bool:
        """Whether no message may be sent to this contact."""
        return self.opted_out_at is not None

    def __repr__(self) -> str:
        """Leaves the phone number out of reprs (and so out of logs and tracebacks)."""
        return f"Contact({self.pseudonym!r}, {self.channel!r}, opted_out={self.opted_out})"


@dataclass(frozen=True)
class PendingMessage:
    """An inbound message that was claimed but never processed.

    Attributes:
        message_sid: Twilio's ``MessageSid``.
        pseudonym: The conversation.
        body: The message text as received (``None`` if it was not stored).
        received_at: When the webhook received it.
    """

    message_sid: str
    pseudonym: str
    body: str | None
    received_at: datetime

    def __repr__(self) -> str:
        """Leaves the message text out of reprs (and so out of logs and tracebacks)."""
        return f"PendingMessage({self.message_sid!r}, {self.pseudonym!r})"


class SmsStore:
    """Reads and writes the channel's tables.

    Args:
        engine: The clinic database (its schema brought up to date by :func:`ensure_schema`).
    """

    def __init__(self, engine: Engine) -> None:
        """Keeps the engine."""
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> SmsStore:
        """Opens the store of a database URL and applies pending migrations.

        Args:
            url: SQLAlchemy URL (``CLINIC_DB_URL``).

        Returns:
            The store.
        """
        engine = get_engine(url)
        ensure_schema(engine)
        return cls(engine)

    # ------------------------------------------------------------------ settings

    def setting(self, name: str, create: Callable[[], str] | None = None) -> str | None:
        """Returns a stored setting, creating it on first use.

        Two processes creating it at once both end up with the value stored first.

        Args:
            name: Setting name.
            create: Makes the value when there is none; ``None`` only reads.

        Returns:
            The value, or ``None`` when absent and ``create`` is ``None``.
        """
        query = select(sms_settings.c.value).where(sms_settings.c.name == name)
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        if value is not None or create is None:
            return value
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sms_settings.insert().values(name=name, value=create(), created_at=utcnow())
                )
        except IntegrityError:
            pass  # Another process stored it first; read theirs.
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def pseudonym_key(self) -> str:
        """Returns the persisted pseudonym key, generating a random one on first use."""
        key = self.setting(PSEUDONYM_KEY_SETTING, lambda: secrets.token_hex(32))
        assert key is not None  # setting() with create never returns None
        return key

    # ------------------------------------------------------------------ inbound dedup

    def claim_message(
        self, message_sid: str, pseudonym: str, body: str | None = None, owner: str = ""
    ) -> bool:
        """Records an inbound message as claimed (not yet processed); tells whether it is new.

        Args:
            message_sid: Twilio's ``MessageSid``.
            pseudonym: The conversation it belongs to.
            body: The message text, kept until :meth:`mark_processed` so that a crash before
                then does not lose it.
            owner: Id of the process handling it (see :meth:`take_over_unprocessed`).

        Returns:
            True the first time a ``MessageSid`` is seen, False for a retry of it.
        """
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sms_inbound_messages.insert().values(
                        message_sid=message_sid,
                        pseudonym=pseudonym,
                        received_at=now,
                        state=CLAIMED,
                        body=body,
                        owner=owner[:32] or None,
                        claimed_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def mark_processed(self, message_sid: str) -> None:
        """Records that a claimed message was handled, and forgets its text.

        Args:
            message_sid: Twilio's ``MessageSid``.
        """
        with self.engine.begin() as conn:
            conn.execute(
                sms_inbound_messages.update()
                .where(sms_inbound_messages.c.message_sid == message_sid)
                .where(sms_inbound_messages.c.state == CLAIMED)
                .values(state=PROCESSED, body=None, processed_at=utcnow())
            )

    def message_state(self, message_sid: str) -> tuple[str, str | None] | None:
        """The processing state of an inbound message and its stored body (tests, support).

        Args:
            message_sid: Twilio's ``MessageSid``.

        Returns:
            ``(state, body)``, or ``None`` for an unknown message.
        """
        query = select(sms_inbound_messages.c.state, sms_inbound_messages.c.body).where(
            sms_inbound_messages.c.message_sid == message_sid
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row.state, row.body)

    def take_over_unprocessed(
        self, owner: str, min_age: timedelta, max_age: timedelta, limit: int = 100
    ) -> tuple[list[PendingMessage], int]:
        """Takes over messages another (crashed) process claimed but never processed.

        Claims older than ``max_age`` are expired instead (their text is cleared): answering
        them that late would confuse more than help. A claim younger than ``min_age`` may still
        be in the hands of a live process and is left alone. Each message is taken by one
        caller only, even when several processes start at once.

        Args:
            owner: Id of the calling process; its own claims are never returned.
            min_age: Leave claims younger than this.
            max_age: Expire claims older than this.
            limit: Most messages returned per call (oldest first).

        Returns:
            The messages now owned by ``owner``, and how many expired.
        """
        now = utcnow()
        inbound = sms_inbound_messages
        owner = owner[:32]
        with self.engine.begin() as conn:
            expired = conn.execute(
                inbound.update()
                .where(inbound.c.state == CLAIMED)
                .where(inbound.c.received_at < now - max_age)
                .values(state=EXPIRED, body=None, processed_at=now)
            ).rowcount
        query = (
            select(inbound)
            .where(inbound.c.state == CLAIMED)
            .where(inbound.c.received_at >= now - max_age)
            .where(inbound.c.claimed_at <= now - min_age)
            .where((inbound.c.owner.is_(None)) | (inbound.c.owner != owner))
            .order_by(inbound.c.received_at)
            .limit(limit)
        )
        taken: list[PendingMessage] = []
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            same_owner = (
                inbound.c.owner.is_(None) if row.owner is None else inbound.c.owner == row.owner
            )
            with self.engine.begin() as conn:
                won = conn.execute(
                    inbound.update()
                    .where(inbound.c.message_sid == row.message_sid)
                    .where(inbound.c.state == CLAIMED)
                    .where(same_owner)
                    .values(owner=owner, claimed_at=now)
                ).rowcount
            if won:
                taken.append(
                    PendingMessage(row.message_sid, row.pseudonym, row.body, row.received_at)
                )
        return taken, int(expired or 0)

    # ------------------------------------------------------------------ contacts & consent

    def record_inbound(self, pseudonym: str, channel: str, address: str) -> Contact:
        """Creates or refreshes the contact of an inbound message.

        Args:
            pseudonym: The conversation's pseudonym.
            channel: ``sms`` or ``whatsapp``.
            address: The sender's number (without ``whatsapp:``).

        Returns:
            The contact, with its current opt-out state.
        """
        now = utcnow()
        with write_transaction(self.engine) as conn:
            updated = conn.execute(
                sms_contacts.update()
                .where(sms_contacts.c.pseudonym == pseudonym)
                .values(channel=channel, address=address, last_inbound_at=now)
            ).rowcount
            if not updated:
                conn.execute(
                    sms_contacts.insert().values(
                        pseudonym=pseudonym,
                        channel=channel,
                        address=address,
                        created_at=now,
                        last_inbound_at=now,
                    )
                )
        contact = self.contact(pseudonym)
        assert contact is not None  # written just above
        return contact

    def contact(self, pseudonym: str) -> Contact | None:
        """Looks a conversation's contact up (the output channel; signed-in staff only).

        Args:
            pseudonym: The conversation's pseudonym (Rasa sender id).

        Returns:
            The contact, or ``None`` for an unknown pseudonym.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sms_contacts).where(sms_contacts.c.pseudonym == pseudonym)
            ).first()
        if row is None:
            return None
        return Contact(row.pseudonym, row.channel, row.address, row.opted_out_at)

    def set_opted_out(self, pseudonym: str, opted_out: bool, keyword: str) -> bool:
        """Records an opt-out (STOP) or opt-in (START).

        Args:
            pseudonym: The conversation's pseudonym (its contact must exist).
            opted_out: True to opt out, False to opt back in.
            keyword: The keyword that did it (kept in the consent record).

        Returns:
            True when the state changed, False when it already was so.
        """
        now = utcnow()
        with write_transaction(self.engine) as conn:
            current = conn.execute(
                select(sms_contacts.c.opted_out_at).where(sms_contacts.c.pseudonym == pseudonym)
            ).first()
            if current is None or (current.opted_out_at is not None) == opted_out:
                return False
            conn.execute(
                sms_contacts.update()
                .where(sms_contacts.c.pseudonym == pseudonym)
                .values(opted_out_at=now if opted_out else None)
            )
            conn.execute(
                sms_consent_events.insert().values(
                    pseudonym=pseudonym,
                    event="opt_out" if opted_out else "opt_in",
                    keyword=keyword[:32],
                    at=now,
                )
            )
        return True

    def consent_events(self, pseudonym: str) -> list[tuple[str, str, datetime]]:
        """Lists a conversation's opt-outs and opt-ins, oldest first.

        Args:
            pseudonym: The conversation's pseudonym.

        Returns:
            ``(event, keyword, at)`` tuples.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sms_consent_events)
                .where(sms_consent_events.c.pseudonym == pseudonym)
                .order_by(sms_consent_events.c.id)
            ).all()
        return [(r.event, r.keyword, r.at) for r in rows]

    # ------------------------------------------------------------------ numbered options

    def save_options(self, pseudonym: str, options: Sequence[OptionLike]) -> None:
        """Remembers the options just offered (replacing older ones; none clears them).

        Args:
            pseudonym: The conversation's pseudonym.
            options: The options, in their numbered order.
        """
        data = json.dumps([{"title": o.title, "payload": o.payload} for o in options])
        with write_transaction(self.engine) as conn:
            conn.execute(sms_options.delete().where(sms_options.c.pseudonym == pseudonym))
            if options:
                conn.execute(
                    sms_options.insert().values(
                        pseudonym=pseudonym, options=data, updated_at=utcnow()
                    )
                )

    def options(self, pseudonym: str) -> list[StoredOption]:
        """Returns the options most recently offered in a conversation.

        Args:
            pseudonym: The conversation's pseudonym.

        Returns:
            The options (empty when the last turn offered none).
        """
        with self.engine.connect() as conn:
            data = conn.execute(
                select(sms_options.c.options).where(sms_options.c.pseudonym == pseudonym)
            ).scalar()
        if not data:
            return []
        return [StoredOption(str(o["title"]), str(o["payload"])) for o in json.loads(data)]
