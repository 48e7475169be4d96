"""SMS and WhatsApp through Twilio: a Rasa input channel and its output channel.

Registered in ``credentials.yml`` as ``clinicbot.channels.twilio.TwilioMessagingInput`` and
served at ``/webhooks/twilio/webhook``. Settings come from environment variables (they win over
``credentials.yml``, whose values may stay empty):

``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``
    Account credentials: the token checks ``X-Twilio-Signature`` and authenticates the REST API.
``TWILIO_SMS_FROM``, ``TWILIO_WHATSAPP_FROM``
    Sender numbers (``+1555...`` and ``whatsapp:+1555...``).
``TWILIO_API_BASE``
    REST API base URL (default ``https://api.twilio.com``; tests use a local stand-in).
``TWILIO_WEBHOOK_URL``
    The public webhook URL Twilio signs (needed behind a proxy); default: the request URL.
``TWILIO_PSEUDONYM_KEY``
    HMAC key of the conversation pseudonyms; without it one is generated and kept in the DB.
``CLINIC_DB_URL``
    Clinic database (opt-outs, pseudonyms, MessageSid dedup, numbered options).

How a message flows:

1. The webhook checks the signature (403 when missing, wrong, or no auth token is set), the
   content type (415), the size (413) and the fields (400); then it records the ``MessageSid``
   as *claimed*, with the message text (a Twilio retry of a message already seen is answered
   with empty TwiML and nothing else), and answers ``<Response/>`` at once. The rest runs in
   the background and ends by marking the message *processed* (which clears the stored text).
   At least once: a message still claimed when the server starts (a crash between the 200 and
   the end of processing) is processed then, unless it is older than ``redrive_max_age``
   (24 h); the same sweep repeats every minute for claims other processes left behind.
2. The conversation id is a pseudonym (``sms-<hmac>``/``wa-<hmac>``), never the phone number.
3. Carrier keywords: STOP & co. record the opt-out (no reply on SMS, Twilio confirms; one short
   confirmation on WhatsApp); while opted out, only START/UNSTOP/YES is acted on (everything
   else is neither passed to the bot nor answered); START clears the opt-out and welcomes;
   HELP/INFO answers with the clinic's contact and crisis numbers.
4. A reply that is just an option number ("2") becomes that option's payload.
5. The bot's messages of the turn are collected, formatted for SMS
   (:mod:`clinicbot.channels.sms_format`) and sent through Twilio's REST API, with retries.
   Nothing is ever sent to an opted-out number, crisis texts included (a warning is logged).

Logs carry a short hash of the pseudonym (``log_id``), never the pseudonym, a phone number or
message text. Inbound bodies longer than Twilio's own 1600-character limit are cut to 1600
characters before they reach the bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from clinicbot.channels import sms_format
from clinicbot.channels.common import BadInput, clean_text, failure_message, log_id
from clinicbot.channels.sms_format import SMS, WHATSAPP, Option, TurnPart
from clinicbot.channels.throttle import is_urgent_text
from clinicbot.insights import sms_feedback
from clinicbot.nlg import clinic_values
from clinicbot.settings import load_settings, require_https
from clinicbot.store.schema import utcnow
from clinicbot.store.sms import Contact, SmsStore

logger = logging.getLogger(__name__)

CHANNEL_NAME = "twilio"
DEFAULT_API_BASE = "https://api.twilio.com"
#: Largest webhook body accepted (Twilio's are a few kB even with a 1600-character message).
MAX_REQUEST_BYTES = 64 * 1024
#: Longest inbound text passed to the bot (Twilio's own message limit).
MAX_INBOUND_CHARS = sms_format.TWILIO_MAX_BODY
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_PREFIX = "whatsapp:"
PSEUDONYM_PREFIX = {SMS: "sms", WHATSAPP: "wa"}

_ENV_KEYS = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "sms_from": "TWILIO_SMS_FROM",
    "whatsapp_from": "TWILIO_WHATSAPP_FROM",
    "api_base": "TWILIO_API_BASE",
    "webhook_url": "TWILIO_WEBHOOK_URL",
    "pseudonym_key": "TWILIO_PSEUDONYM_KEY",
}


@dataclass(frozen=True)
class TwilioConfig:
    """Settings of the Twilio channel.

    Attributes:
        account_sid: Twilio account SID.
        auth_token: Twilio auth token (empty: every webhook call is refused).
        sms_from: SMS sender number, E.164.
        whatsapp_from: WhatsApp sender, ``whatsapp:+1...``.
        api_base: REST API base URL.
        webhook_url: Public URL Twilio signs; empty means the request URL.
        db_url: Clinic database URL.
        pseudonym_key: HMAC key for pseudonyms; empty means generated and stored in the DB.
        max_retries: Retries of a failed send (5xx, 429, network) after the first attempt.
        retry_backoff: First retry delay in seconds; doubled for each further retry.
        redrive_max_age: Seconds after which a message claimed but never processed is no
            longer processed (it expires).
        redrive_min_age: Seconds a claim of another process is left alone (it may still be
            processing it).
        redrive_interval: Seconds between sweeps for claims left behind.
    """

    account_sid: str = ""
    auth_token: str = ""
    sms_from: str = ""
    whatsapp_from: str = ""
    api_base: str = DEFAULT_API_BASE
    webhook_url: str = ""
    db_url: str = ""
    pseudonym_key: str = ""
    max_retries: int = 3
    retry_backoff: float = 0.5
    redrive_max_age: float = 24 * 3600.0
    redrive_min_age: float = 30.0
    redrive_interval: float = 60.0

    @classmethod
    def load(
        cls, credentials: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> TwilioConfig:
        """Reads the settings: environment variables first, then ``credentials.yml``.

        Args:
            credentials: The channel's section of ``credentials.yml`` (keys as the attribute
                names, for example ``account_sid``); may be ``None``.
            env: Mapping to read instead of ``os.environ``.

        Returns:
            The settings.
        """
        e = os.environ if env is None else env
        creds = credentials or {}

        def value(key: str) -> str:
            return (e.get(_ENV_KEYS[key]) or str(creds.get(key) or "")).strip()

        return cls(
            account_sid=value("account_sid"),
            auth_token=value("auth_token"),
            sms_from=value("sms_from"),
            whatsapp_from=value("whatsapp_from"),
            api_base=require_https(
                "TWILIO_API_BASE", (value("api_base") or DEFAULT_API_BASE).rstrip("/")
            ),
            webhook_url=value("webhook_url"),
            db_url=load_settings(e).db_url,
            pseudonym_key=value("pseudonym_key"),
        )


# --------------------------------------------------------------------------- helpers


def parse_sender(sender: str) -> tuple[str, str]:
    """Splits Twilio's ``From`` into channel and number.

    Args:
        sender: ``+15551234567`` or ``whatsapp:+15551234567``.

    Returns:
        ``(channel, number)`` where channel is ``sms`` or ``whatsapp``.
    """
    sender = sender.strip()
    if sender.lower().startswith(WHATSAPP_PREFIX):
        return WHATSAPP, sender[len(WHATSAPP_PREFIX) :].strip()
    return SMS, sender


def pseudonym_for(key: str, channel: str, address: str) -> str:
    """Derives the conversation id of a number on a channel.

    Args:
        key: The secret HMAC key.
        channel: ``sms`` or ``whatsapp``.
        address: The number.

    Returns:
        ``sms-<24 hex>`` or ``wa-<24 hex>`` (keyed HMAC-SHA256: stable, not reversible).
    """
    digest = hmac.new(key.encode(), f"{channel}:{address}".encode(), hashlib.sha256)
    return f"{PSEUDONYM_PREFIX[channel]}-{digest.hexdigest()[:24]}"


def parse_retry_after(value: str | None) -> float | None:
    """Reads a ``Retry-After`` header.

    Args:
        value: Seconds or an HTTP date.

    Returns:
        Seconds to wait (never negative), or ``None`` when absent or unreadable.
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _clinic() -> tuple[str, str]:
    """The clinic's name and phone number (``knowledge/clinic.yml``, loaded once, lazily)."""
    values = clinic_values()
    return values.get("clinic_name") or "The clinic", values.get("clinic_phone") or ""


def help_text() -> str:
    """The answer to HELP/INFO.

    Returns:
        Clinic name and phone, how to opt out, and the crisis numbers.
    """
    name, phone = _clinic()
    call = f" Call us at {phone}." if phone else ""
    return f"{name}.{call} Reply STOP to opt out. In a crisis call or text 988; emergencies 911."


def welcome_text() -> str:
    """The answer to START/UNSTOP/YES (opt-in).

    Returns:
        A short welcome.
    """
    name, _ = _clinic()
    return (
        f"Welcome back to {name}'s assistant. Text your question any time. "
        "Reply HELP for help, STOP to opt out."
    )


def whatsapp_stop_text() -> str:
    """The one confirmation a WhatsApp opt-out gets (Twilio confirms SMS opt-outs itself).

    Returns:
        The confirmation.
    """
    name, _ = _clinic()
    return (
        f"You will get no more messages from {name}. Reply START to resume. "
        "In a crisis call or text 988."
    )


MEDIA_ONLY_TEXT = "Sorry, I can only read text messages. Please type your question."


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


# --------------------------------------------------------------------------- REST client


class TwilioRestClient:
    """Sends messages through ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

    Server errors, 429 and network errors are retried with exponential backoff (honouring
    ``Retry-After``); other 4xx answers are not. Logs carry a hash of the pseudonym and the
    status only.

    Args:
        config: Channel settings (credentials, API base, retry policy).
        timeout: Seconds one attempt may take.
        max_retry_after: Longest ``Retry-After`` honoured, in seconds.
        sleep: Coroutine used to wait between attempts (tests record the delays).
    """

    def __init__(
        self,
        config: TwilioConfig,
        timeout: float = 10.0,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        """Keeps the settings and retry policy."""
        self.config = config
        self.timeout = timeout
        self.max_retry_after = max_retry_after
        self._sleep = sleep

    @property
    def messages_url(self) -> str:
        """The Messages resource of the account."""
        return f"{self.config.api_base}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    async def send(self, to: str, from_: str, body: str, tag: str) -> bool:
        """Sends one message.

        Args:
            to: Recipient (``+1...`` or ``whatsapp:+1...``).
            from_: Sender number.
            body: Message text.
            tag: What logs call the recipient (the pseudonym).

        Returns:
            True when Twilio accepted the message.
        """
        cfg = self.config
        if not (cfg.account_sid and cfg.auth_token and from_):
            logger.error("twilio: cannot send to %s: account or sender number not set", tag)
            return False
        auth = aiohttp.BasicAuth(cfg.account_sid, cfg.auth_token)
        form = {"To": to, "From": from_, "Body": body}
        attempts = self.config.max_retries + 1
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for attempt in range(1, attempts + 1):
                delay = self.config.retry_backoff * 2 ** (attempt - 1)
                try:
                    async with session.post(self.messages_url, data=form, auth=auth) as resp:
                        if 200 <= resp.status < 300:
                            logger.info("twilio: sent to %s (status %s)", tag, resp.status)
                            return True
                        code = await _error_code(resp)
                        if resp.status != 429 and resp.status < 500:
                            logger.error(
                                "twilio: send to %s rejected: status %s, error code %s",
                                tag,
                                resp.status,
                                code,
                            )
                            return False
                        logger.warning(
                            "twilio: send to %s failed: status %s, error code %s (attempt %d/%d)",
                            tag,
                            resp.status,
                            code,
                            attempt,
                            attempts,
                        )
                        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                        if retry_after is not None:
                            delay = min(retry_after, self.max_retry_after)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    logger.warning(
                        "twilio: send to %s failed: %s (attempt %d/%d)",
                        tag,
                        type(exc).__name__,
                        attempt,
                        attempts,
                    )
                if attempt < attempts:
                    await self._sleep(delay)
        logger.error("twilio: gave up sending to %s after %d attempts", tag, attempts)
        return False


async def _error_code(resp: aiohttp.ClientResponse) -> Any:
    """Twilio's numeric error code of a failed call (its ``message`` may hold the number)."""
    try:
        data = await resp.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return None
    return data.get("code") if isinstance(data, dict) else None


# --------------------------------------------------------------------------- service


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
            body = sms_format.sms_friendly(text)
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


# --------------------------------------------------------------------------- output channel


class TwilioMessagingOutput(OutputChannel):
    """Collects the bot's messages and sends them as formatted SMS/WhatsApp messages.

    Buffered (the webhook's output): parts are kept until :meth:`flush`, which the webhook calls
    once Rasa has handled the message, so one turn is formatted as a whole. Unbuffered (what
    :meth:`TwilioMessagingInput.get_output_channel` returns, used for staff replies pushed
    through Rasa's HTTP API): every ``send_response`` is sent at once.

    Args:
        service: The channel's shared service.
        buffered: Whether to wait for :meth:`flush`.
        contact: The contact of the inbound message being answered, if any.
    """

    def __init__(
        self, service: TwilioService, buffered: bool = False, contact: Contact | None = None
    ) -> None:
        """Starts with nothing collected."""
        self.service = service
        self.buffered = buffered
        self.contact = contact
        self._parts: dict[str, list[TurnPart]] = {}
        self._depth = 0

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Takes one bot message (text, buttons, payload) and, unbuffered, sends it.

        Args:
            recipient_id: The conversation's pseudonym.
            message: The bot message.
        """
        self._depth += 1
        try:
            await super().send_response(recipient_id, dict(message))
        finally:
            self._depth -= 1
        await self._added()

    async def _added(self) -> None:
        if not self.buffered and self._depth == 0:
            await self.flush()

    async def _add(self, recipient_id: str, part: TurnPart) -> None:
        self._parts.setdefault(recipient_id, []).append(part)
        await self._added()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Collects a text.

        Args:
            recipient_id: The conversation's pseudonym.
            text: The text.
            **kwargs: Ignored (the payload arrives through :meth:`send_custom_json`).
        """
        await self._add(recipient_id, TurnPart(text=text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Collects a text with buttons (sent as numbered options).

        Args:
            recipient_id: The conversation's pseudonym.
            text: The text.
            buttons: Rasa buttons (``title``, ``payload``).
            **kwargs: Ignored.
        """
        options = [o for o in map(Option.from_button, buttons or []) if o is not None]
        await self._add(recipient_id, TurnPart(text=text, options=options))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Collects a text with quick replies (sent as numbered options).

        Args:
            recipient_id: The conversation's pseudonym.
            text: The text.
            quick_replies: Rasa quick replies (``title``, ``payload``).
            **kwargs: Ignored.
        """
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Attaches the reply payload to the text it came with (or right after).

        Args:
            recipient_id: The conversation's pseudonym.
            json_message: The custom payload (``kind``, ``sources``, ...).
            **kwargs: Ignored.
        """
        parts = self._parts.setdefault(recipient_id, [])
        if parts and parts[-1].custom is None:
            parts[-1].custom = dict(json_message)
        else:
            parts.append(TurnPart(custom=dict(json_message)))
        await self._added()

    @property
    def empty(self) -> bool:
        """Whether nothing is waiting to be sent."""
        return not any(self._parts.values())

    async def flush(self) -> None:
        """Formats and sends everything collected, one turn per conversation."""
        pending, self._parts = self._parts, {}
        for recipient_id, parts in pending.items():
            known = (
                self.contact if self.contact and self.contact.pseudonym == recipient_id else None
            )
            await self.service.deliver(recipient_id, parts, known)


# --------------------------------------------------------------------------- input channel


def _twiml(status: int = 200) -> HTTPResponse:
    return response.text(EMPTY_TWIML, status=status, content_type="text/xml")


def _form(body: bytes) -> RequestParameters:
    """Parses a form body keeping blank values (Twilio signs those too)."""
    return RequestParameters(
        parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    )


class TwilioMessagingInput(InputChannel):
    """Rasa input channel for SMS and WhatsApp messages from Twilio.

    Args:
        config: Channel settings (default: from the environment).
        service: Shared service to use (tests inject one with a test store or client).
    """

    def __init__(
        self, config: TwilioConfig | None = None, service: TwilioService | None = None
    ) -> None:
        """Keeps the settings; opens nothing yet."""
        self.config = service.config if service else (config or TwilioConfig.load())
        self.service = service or TwilioService(self.config)
        self.validator = RequestValidator(self.config.auth_token)

    @classmethod
    def name(cls) -> str:
        """Name of the channel (URL prefix ``/webhooks/twilio``)."""
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Builds the channel from ``credentials.yml`` and the environment (which wins).

        Args:
            credentials: The channel's section (may be empty).

        Returns:
            The channel.
        """
        config = TwilioConfig.load(credentials)
        if not config.auth_token:
            logger.warning("twilio: TWILIO_AUTH_TOKEN is not set; every webhook call gets 403")
        return cls(config)

    def get_output_channel(self) -> OutputChannel:
        """Returns an output channel that sends at once (staff replies, reminders).

        Returns:
            The output channel; it needs no request.
        """
        return TwilioMessagingOutput(self.service, buffered=False)

    def _signed(self, request: Request, form: RequestParameters) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        url = self.config.webhook_url or request.url
        return bool(self.validator.validate(url, form, signature))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Defines the webhook routes.

        Args:
            on_new_message: Rasa's handler of a user message.

        Returns:
            The blueprint (``GET /`` health, ``POST /webhook``).
        """
        bp = Blueprint("clinic_twilio_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.listener("after_server_start")
        async def process_left_over_messages(*_: Any) -> None:
            self.service.start_sweeper(lambda: self.redrive(on_new_message))

        @bp.listener("before_server_stop")
        async def finish_background_work(*_: Any) -> None:
            await self.service.stop_sweeper()
            await self.service.drain()

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.config.auth_token:
                logger.error("twilio: webhook refused: TWILIO_AUTH_TOKEN is not set")
                return response.text("forbidden", status=403)
            body = request.body or b""
            if len(body) > MAX_REQUEST_BYTES:
                return response.text("request too large", status=413)
            content_type = (request.headers.get("content-type") or "").split(";")[0]
            if content_type.strip().lower() != "application/x-www-form-urlencoded":
                return response.text("unsupported media type", status=415)
            form = _form(body)
            if not self._signed(request, form):
                logger.warning("twilio: webhook refused: missing or invalid signature")
                return response.text("forbidden", status=403)
            sid, sender, text = form.get("MessageSid"), form.get("From"), form.get("Body")
            if not sid or not sender or text is None:
                return response.text("MessageSid, From and Body are required", status=400)
            channel, address = parse_sender(sender)
            if not address:
                return response.text("From has no number", status=400)
            pseudonym = self.service.pseudonym(channel, address)
            contact = Contact(pseudonym, channel, address, None)
            sid = sid[:64]
            try:
                claimed = self.service.store.claim_message(
                    sid, pseudonym, text[:MAX_INBOUND_CHARS], self.service.instance_id
                )
                if not claimed:
                    logger.info(
                        "twilio: retry of a message already handled (%s)", log_id(pseudonym)
                    )
                    return _twiml()
                contact = self.service.store.record_inbound(pseudonym, channel, address)
            except SQLAlchemyError:
                # Without the database a retry cannot be told from a new message: fail closed
                # (Twilio retries or uses the fallback URL), except for crisis and emergency
                # messages, which are answered at once (a duplicate beats no crisis text).
                if not is_urgent_text(text):
                    logger.error(
                        "twilio: clinic database unavailable; refusing a message of %s (503)",
                        log_id(pseudonym),
                    )
                    return response.text(
                        "temporarily unavailable", status=503, headers={"Retry-After": "60"}
                    )
                logger.error(
                    "twilio: clinic database unavailable; answering an urgent message of %s",
                    log_id(pseudonym),
                )
            self.service.spawn(
                self.service.locks.run(pseudonym, self._process(contact, text, sid, on_new_message))
            )
            return _twiml()

        return bp

    async def redrive(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> int:
        """Processes messages that were claimed but never processed (a crash in between).

        Args:
            on_new_message: Rasa's handler of a user message.

        Returns:
            How many messages were scheduled.
        """
        service = self.service
        cfg = self.config
        pending, expired = await asyncio.to_thread(
            service.store.take_over_unprocessed,
            service.instance_id,
            timedelta(seconds=cfg.redrive_min_age),
            timedelta(seconds=cfg.redrive_max_age),
        )
        if expired:
            logger.warning(
                "twilio: %d inbound message(s) never processed and now too old; not answered",
                expired,
            )
        scheduled = 0
        for message in pending:
            contact = await asyncio.to_thread(service.store.contact, message.pseudonym)
            if contact is None or message.body is None:
                await asyncio.to_thread(service.store.mark_processed, message.message_sid)
                continue
            logger.warning(
                "twilio: processing a message of %s that was received but never processed",
                log_id(message.pseudonym),
            )
            service.spawn(
                service.locks.run(
                    message.pseudonym,
                    self._process(contact, message.body, message.message_sid, on_new_message),
                )
            )
            scheduled += 1
        return scheduled

    async def _process(
        self,
        contact: Contact,
        text: str,
        message_sid: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Handles a claimed message, then marks it processed (not when cancelled)."""
        try:
            await self._handle(contact, text, message_sid, on_new_message)
        except asyncio.CancelledError:
            raise  # Shutting down mid-turn: it stays claimed and is processed at the next start.
        except Exception as exc:  # noqa: BLE001 - a message that breaks the handler is not retried
            logger.error(
                "twilio: handling a message of %s failed: %s",
                log_id(contact.pseudonym),
                type(exc).__name__,
            )
        try:
            await asyncio.to_thread(self.service.store.mark_processed, message_sid)
        except SQLAlchemyError:
            logger.error(
                "twilio: could not mark a message of %s processed", log_id(contact.pseudonym)
            )

    async def _handle(
        self,
        contact: Contact,
        text: str,
        message_sid: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Handles one inbound message: keywords, option numbers, then the bot."""
        service = self.service
        keyword = sms_format.keyword_of(text)
        word = sms_format.normalise_word(text)
        try:
            store = service.store
            if keyword == sms_format.STOP:
                changed = store.set_opted_out(contact.pseudonym, True, word)
                logger.info("twilio: conversation %s opted out", log_id(contact.pseudonym))
                if changed and contact.channel == WHATSAPP:
                    await service.send_text(contact, whatsapp_stop_text(), bypass_opt_out=True)
                return
            if contact.opted_out:
                if keyword == sms_format.START or word == sms_format.OPT_IN_WHEN_OPTED_OUT:
                    store.set_opted_out(contact.pseudonym, False, word)
                    logger.info("twilio: conversation %s opted back in", log_id(contact.pseudonym))
                    await service.send_text(contact, welcome_text())
                else:
                    logger.info(
                        "twilio: message from opted-out conversation %s ignored",
                        log_id(contact.pseudonym),
                    )
                return
            if keyword == sms_format.START:
                await service.send_text(contact, welcome_text())
                return
            if keyword == sms_format.HELP:
                await service.send_text(contact, help_text())
                return
            stored = store.options(contact.pseudonym)
            options = [Option(o.title, o.payload) for o in stored]
        except SQLAlchemyError:
            logger.error(
                "twilio: clinic database unavailable while handling %s", log_id(contact.pseudonym)
            )
            if keyword is not None:
                return
            options = []
        try:
            text = clean_text(text[:MAX_INBOUND_CHARS])
        except BadInput:  # Only media, or only blanks.
            await service.send_text(contact, MEDIA_ONLY_TEXT)
            return
        metadata: dict[str, Any] = {"channel": contact.channel, "message_sid": message_sid}
        choice = sms_format.parse_option_reply(text, len(options))
        if choice is not None and sms_feedback.is_feedback(options[choice]):
            # An answer rating: stored with the topic id, never passed to the assistant.
            try:
                await asyncio.to_thread(
                    sms_feedback.record,
                    service.store.engine,
                    contact.pseudonym,
                    contact.channel,
                    options[choice],
                )
                await asyncio.to_thread(service.store.save_options, contact.pseudonym, [])
            except SQLAlchemyError:
                logger.error("twilio: could not store feedback of %s", log_id(contact.pseudonym))
            await service.send_text(contact, sms_feedback.thanks_text())
            return
        if choice is not None:
            metadata["button_title"] = options[choice].title
            text = options[choice].payload
        output = TwilioMessagingOutput(service, buffered=True, contact=contact)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    contact.pseudonym,
                    input_channel=self.name(),
                    message_id=message_sid,
                    metadata=metadata,
                )
            )
        except Exception as exc:  # noqa: BLE001 - logged; the patient still gets a safe reply
            logger.error(
                "twilio: the bot failed on a message of %s: %s",
                log_id(contact.pseudonym),
                type(exc).__name__,
            )
            if output.empty:
                phone = _clinic()[1]
                await output.send_response(contact.pseudonym, failure_message(phone))
        finally:
            await output.flush()
