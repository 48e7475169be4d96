"""What the Twilio input and output channels share: the service, its texts and its locks."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from clinicbot.channels import sms_format
from clinicbot.channels.common import log_id
from clinicbot.channels.sms_format import TurnPart
from clinicbot.channels.sms_text import WHATSAPP, sms_friendly
from clinicbot.channels.twilio.client import TwilioRestClient
from clinicbot.channels.twilio.config import WHATSAPP_PREFIX, TwilioConfig, pseudonym_for
from clinicbot.insights import sms_feedback
from clinicbot.nlg import clinic_values
from clinicbot.store.sms import Contact, SmsStore
from clinicbot.texts import text

logger = logging.getLogger(__name__)


def clinic_contact() -> tuple[str, str]:
    """The clinic's name and phone number.

    Returns:
        ``(name, phone)`` from ``knowledge/clinic.yml`` (loaded once, lazily).
    """
    values = clinic_values()
    return values.get("clinic_name") or "The clinic", values.get("clinic_phone") or ""


def help_text() -> str:
    """The answer to HELP/INFO.

    Returns:
        Clinic name and phone, how to opt out, and the crisis numbers.
    """
    name, phone = clinic_contact()
    if phone:
        return text("sms_help", sms_clinic_name=name, clinic_phone=phone)
    return text("sms_help_no_phone", sms_clinic_name=name)


def welcome_text() -> str:
    """The answer to START/UNSTOP/YES (opt-in).

    Returns:
        A short welcome.
    """
    return text("sms_welcome", sms_clinic_name=clinic_contact()[0])


def whatsapp_stop_text() -> str:
    """The one confirmation a WhatsApp opt-out gets (Twilio confirms SMS opt-outs itself).

    Returns:
        The confirmation.
    """
    return text("whatsapp_stop", sms_clinic_name=clinic_contact()[0])


def media_only_text() -> str:
    """The reply to a picture or voice note without text.

    Returns:
        The request to type the question.
    """
    return text("media_only")


class KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        """Starts with no locks."""
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        """The number of keys currently locked or awaited."""
        return len(self._locks)

    async def run(self, key: str, coro: Awaitable[None]) -> None:
        """Runs a coroutine while holding the key's lock.

        Args:
            key: The key (a conversation pseudonym).
            coro: The work.
        """
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coro
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class TwilioService:
    """What the input and output channels share: settings, database, REST client, tasks.

    The database is opened (and migrated) on first use, not at construction.

    Args:
        config: Channel settings.
        store: Store to use instead of opening ``config.db_url`` (tests).
        client: REST client to use instead of the default one (tests).
    """

    def __init__(
        self,
        config: TwilioConfig,
        store: SmsStore | None = None,
        client: TwilioRestClient | None = None,
    ) -> None:
        """Keeps the collaborators; the database opens on first use."""
        self.config = config
        self._store = store
        self.client = client or TwilioRestClient(config)
        self.locks = KeyedLocks()
        self._tasks: set[asyncio.Task[None]] = set()
        self._fallback_key = ""
        #: Marks this process's claims (a restarted process takes over the old ones).
        self.instance_id = secrets.token_hex(8)
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def store(self) -> SmsStore:
        """The channel's store (opened on first use)."""
        if self._store is None:
            self._store = SmsStore.from_url(self.config.db_url)
        return self._store

    def pseudonym(self, channel: str, address: str) -> str:
        """Returns the conversation id of a number.

        Args:
            channel: ``sms`` or ``whatsapp``.
            address: The number.

        Returns:
            The pseudonym. If the key must come from the database and the database is down,
            a per-process key is used until it is back (the conversation then starts afresh).
        """
        key = self.config.pseudonym_key
        if not key:
            try:
                key = self.store.pseudonym_key()
            except SQLAlchemyError:
                logger.error("twilio: clinic database unavailable; using a temporary pseudonym")
                self._fallback_key = self._fallback_key or secrets.token_hex(32)
                key = self._fallback_key
        return pseudonym_for(key, channel, address)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Runs work in the background, keeping a reference until it finishes.

        Args:
            coro: The work.
        """
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits for all background work (tests; server shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def start_sweeper(self, sweep: Callable[[], Awaitable[int]]) -> None:
        """Runs ``sweep`` now and then every ``redrive_interval`` seconds until stopped.

        Args:
            sweep: Takes over and schedules unprocessed messages; returns how many.
        """
        if self._sweeper is not None and not self._sweeper.done():
            return

        async def loop() -> None:
            while True:
                try:
                    await sweep()
                except SQLAlchemyError:
                    logger.error("twilio: clinic database unavailable; unprocessed messages wait")
                except Exception as exc:  # noqa: BLE001 - the sweeper must keep running
                    logger.error(
                        "twilio: sweep for unprocessed messages failed: %s", type(exc).__name__
                    )
                await asyncio.sleep(self.config.redrive_interval)

        self._sweeper = asyncio.get_running_loop().create_task(loop())

    async def stop_sweeper(self) -> None:
        """Stops the sweeper (server shutdown)."""
        task, self._sweeper = self._sweeper, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _sender(self, channel: str) -> str:
        if channel == WHATSAPP:
            sender = self.config.whatsapp_from
            if sender and not sender.lower().startswith(WHATSAPP_PREFIX):
                sender = WHATSAPP_PREFIX + sender
            return sender
        return self.config.sms_from

    def _current(self, pseudonym: str, known: Contact | None) -> Contact | None:
        """The contact with its opt-out state read now (``known`` if the DB is down)."""
        try:
            return self.store.contact(pseudonym) or known
        except SQLAlchemyError:
            logger.error(
                "twilio: clinic database unavailable; opt-out state of %s unknown",
                log_id(pseudonym),
            )
            return known

    async def send_text(self, contact: Contact, text: str, bypass_opt_out: bool = False) -> bool:
        """Sends one text to a contact unless the contact opted out.

        Args:
            contact: Recipient.
            text: The message.
            bypass_opt_out: Only for the single confirmation of a WhatsApp opt-out.

        Returns:
            True when Twilio accepted it.
        """
        if not bypass_opt_out:
            current = self._current(contact.pseudonym, contact)
            if current is None or current.opted_out:
                logger.warning(
                    "twilio: not messaging opted-out conversation %s", log_id(contact.pseudonym)
                )
                return False
        to = contact.address
        body = text
        if contact.channel == WHATSAPP:
            to = WHATSAPP_PREFIX + to
        else:
            body = sms_friendly(text)
        return await self.client.send(
            to, self._sender(contact.channel), body, log_id(contact.pseudonym)
        )

    async def deliver(
        self, pseudonym: str, parts: list[TurnPart], contact: Contact | None = None
    ) -> None:
        """Formats one bot turn and sends it.

        Args:
            pseudonym: The conversation (Rasa sender id).
            parts: The turn's parts.
            contact: The contact when already known (an inbound turn); otherwise looked up.
        """
        current = self._current(pseudonym, contact)
        if current is None:
            logger.warning("twilio: no SMS/WhatsApp contact for conversation %s", log_id(pseudonym))
            return
        turn = sms_format.format_turn(parts, current.channel)
        # "Was this helpful? Reply 1 or 2" after an answer, when it fits (clinicbot.insights).
        turn = sms_feedback.offer(parts, turn, current.channel)
        if not turn.messages:
            return
        if current.opted_out:
            logger.warning(
                "twilio: %s turn for opted-out conversation %s not sent",
                "crisis/emergency" if turn.urgent else "a",
                log_id(pseudonym),
            )
            return
        for body in turn.messages:
            await self.send_text(current, body)  # Re-checks the opt-out before every send.
        try:
            self.store.save_options(pseudonym, turn.options)
        except SQLAlchemyError:
            logger.error("twilio: could not store the options offered to %s", log_id(pseudonym))
