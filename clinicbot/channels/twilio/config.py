"""Settings of the Twilio channel, its constants, and how a sender becomes a pseudonym."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinicbot.channels.sms_text import SMS, TWILIO_MAX_BODY, WHATSAPP
from clinicbot.settings import DEFAULT_TWILIO_API_BASE, load_settings, require_https

CHANNEL_NAME = "twilio"
#: Largest webhook body accepted (Twilio's are a few kB even with a 1600-character message).
MAX_REQUEST_BYTES = 64 * 1024
#: Longest inbound text passed to the bot (Twilio's own message limit).
MAX_INBOUND_CHARS = TWILIO_MAX_BODY
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_PREFIX = "whatsapp:"
PSEUDONYM_PREFIX = {SMS: "sms", WHATSAPP: "wa"}


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
    api_base: str = DEFAULT_TWILIO_API_BASE
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

        The variables are read through :func:`clinicbot.settings.load_settings` (``TWILIO_*``,
        ``CLINIC_DB_URL``).

        Args:
            credentials: The channel's section of ``credentials.yml`` (keys as the attribute
                names, for example ``account_sid``); may be ``None``.
            env: Mapping to read instead of ``os.environ``.

        Returns:
            The settings.

        Raises:
            SettingsError: ``TWILIO_API_BASE`` (or the credentials' ``api_base``) is not https.
        """
        settings = load_settings(env)
        creds = credentials or {}

        def value(key: str) -> str:
            configured = str(getattr(settings, f"twilio_{key}"))
            return (configured or str(creds.get(key) or "")).strip()

        api_base = (value("api_base") or DEFAULT_TWILIO_API_BASE).rstrip("/")
        return cls(
            account_sid=value("account_sid"),
            auth_token=value("auth_token"),
            sms_from=value("sms_from"),
            whatsapp_from=value("whatsapp_from"),
            api_base=require_https("TWILIO_API_BASE", api_base),
            webhook_url=value("webhook_url"),
            db_url=settings.db_url,
            pseudonym_key=value("pseudonym_key"),
        )


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
