"""Runtime settings, read from environment variables with defaults that run on one machine.

Every service reads its settings through :func:`load_settings`, so one variable changes the
whole system. Nothing here performs I/O at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from clinicbot.paths import VAR_DIR

_LOOPBACK_HOSTS = frozenset({"localhost", "::1"})
#: Twilio's REST API, used when neither ``TWILIO_API_BASE`` nor ``credentials.yml`` sets one.
DEFAULT_TWILIO_API_BASE = "https://api.twilio.com"


class SettingsError(ValueError):
    """Raised for a setting that is present but not acceptable (the message names it)."""


def require_https(name: str, url: str) -> str:
    """Checks that a URL that receives secrets or alerts uses https (http only on loopback).

    Args:
        name: The variable's name (for the message).
        url: Its value; empty means "not configured" and passes.

    Returns:
        The URL unchanged.

    Raises:
        SettingsError: For anything but ``https://...`` or ``http://`` to a loopback address.
    """
    if not url:
        return url
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and (host in _LOOPBACK_HOSTS or _is_loopback_ip(host)):
        return url
    raise SettingsError(f"{name} must be an https:// URL (plain http only to a loopback address)")


def _is_loopback_ip(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origins(value: str | None, web_port: int) -> tuple[str, ...]:
    """``WIDGET_ORIGINS``: comma-separated origins; default the web server's own two."""
    origins = tuple(o.strip().rstrip("/") for o in (value or "").split(",") if o.strip())
    return origins or (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Process-wide settings.

    Attributes:
        rasa_host: Interface the Rasa server binds to.
        rasa_port: Port of the Rasa server (REST webhook, socket.io, HTTP API).
        action_port: Port of the rasa-sdk action server.
        action_host: Interface the action server binds to (loopback: only Rasa calls it).
        action_token: Shared secret Rasa sends to the action server on every call
            (``Authorization: Bearer``); the action server refuses calls without it.
        web_host: Interface of the web server (widget + staff console).
        web_port: Port of the web server.
        widget_origins: Page origins allowed to open the widget's socket and read its history
            API from another origin (``WIDGET_ORIGINS``, comma-separated); default the web
            server's ``http://localhost:PORT`` and ``http://127.0.0.1:PORT``.
        rasa_url: Base URL the web server and tools use to reach Rasa.
        public_rasa_url: Rasa URL as seen by a patient's browser (socket.io); empty means
            "same host as the page, port ``rasa_port``".
        rasa_token: Shared secret protecting Rasa's HTTP API (``--auth-token``).
        db_url: SQLAlchemy URL of the clinic database (escalations, staff, audit, SMS state).
        tracker_db_url: SQLAlchemy URL of Rasa's tracker store.
        secure_cookies: Whether console cookies carry the ``Secure`` attribute.
        session_idle_minutes: Console automatic log-off after inactivity.
        public_web_url: Public base URL of the web server (links in staff notifications).
        notify_webhook_url: Optional URL that receives urgent-escalation notifications.
        smtp_host: Optional SMTP host for urgent-escalation e-mails.
        smtp_port: SMTP port.
        notify_email_to: Recipient of urgent-escalation e-mails.
        notify_email_from: Sender of urgent-escalation e-mails.
        notify_coalesce_seconds: After an urgent alert, further urgent escalations within this
            many seconds are summarised in one notification at its end (0: alert each one).
        trusted_proxies: Reverse proxies in front of the services (``TRUSTED_PROXIES``); the
            client address is then taken from ``X-Forwarded-For`` (0: the socket's peer).
        patient_messages_per_minute: Patient messages accepted per client address per minute.
        conversation_messages_per_minute: Patient messages accepted per conversation per minute.
        new_conversations_per_hour: New conversations accepted per client address per hour.
        widget_idle_minutes: A widget conversation idle this long is over (history empty).
        restart_initial_delay: ``make run``: seconds before restarting a service that exited.
        restart_max_delay: ``make run``: longest restart delay (it doubles per quick crash).
        restart_reset_after: ``make run``: a service that ran this many seconds before it
            exited restarts after ``restart_initial_delay`` again.
        sanic_backlog: Pending connections the action server queues (``SANIC_BACKLOG``, the
            variable Rasa's own server reads too).
        twilio_account_sid: Twilio account SID (``TWILIO_ACCOUNT_SID``).
        twilio_auth_token: Twilio auth token; it checks ``X-Twilio-Signature`` and
            authenticates the REST API (without it every webhook call gets 403).
        twilio_sms_from: SMS sender number, E.164 (``TWILIO_SMS_FROM``).
        twilio_whatsapp_from: WhatsApp sender, ``whatsapp:+1...`` (``TWILIO_WHATSAPP_FROM``).
        twilio_api_base: Twilio REST API base URL (``TWILIO_API_BASE``, https only); empty:
            ``credentials.yml``'s value, else :data:`DEFAULT_TWILIO_API_BASE`.
        twilio_webhook_url: Public webhook URL Twilio signs (``TWILIO_WEBHOOK_URL``; needed
            behind a proxy); empty: the request URL.
        twilio_pseudonym_key: HMAC key of the SMS conversation pseudonyms
            (``TWILIO_PSEUDONYM_KEY``); empty: one is generated and kept in the database.
        urgent_outbox: File of urgent escalations the Rasa server could not open itself
            (``URGENT_OUTBOX``; :mod:`clinicbot.outbox`); every Rasa server and the action
            server must see the same file (shared storage across hosts).
        urgent_outbox_drain_seconds: How often the action server drains it
            (``URGENT_OUTBOX_DRAIN_SECONDS``).

    """

    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    action_host: str = "127.0.0.1"
    action_token: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    widget_origins: tuple[str, ...] = ()
    rasa_url: str = "http://127.0.0.1:5005"
    public_rasa_url: str = ""
    rasa_token: str = ""
    db_url: str = ""
    tracker_db_url: str = ""
    secure_cookies: bool = True
    session_idle_minutes: int = 15
    public_web_url: str = ""
    notify_webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    notify_email_to: str = ""
    notify_email_from: str = "assistant@localhost"
    notify_coalesce_seconds: float = 120.0
    trusted_proxies: int = 0
    patient_messages_per_minute: int = 20
    conversation_messages_per_minute: int = 20
    new_conversations_per_hour: int = 20
    widget_idle_minutes: int = 30
    restart_initial_delay: float = 1.0
    restart_max_delay: float = 30.0
    restart_reset_after: float = 60.0
    sanic_backlog: int = 100
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_base: str = ""
    twilio_webhook_url: str = ""
    twilio_pseudonym_key: str = ""
    urgent_outbox: str = ""
    urgent_outbox_drain_seconds: float = 5.0

    def __post_init__(self) -> None:
        """Fills the default widget origins from ``web_port`` when none are given."""
        if not self.widget_origins:
            object.__setattr__(self, "widget_origins", _origins(None, self.web_port))


def _tracker_path(value: str | None) -> str:
    """The tracker SQLite file: ``TRACKER_DB`` when it is a path, else ``var/tracker.db``."""
    return value if value and "/" in value else str(VAR_DIR / "tracker.db")


def default_urgent_outbox() -> str:
    """Returns the outbox file used when ``URGENT_OUTBOX`` is not set."""
    return str(VAR_DIR / "urgent-outbox.jsonl")


def default_db_url() -> str:
    """Returns the SQLite URL used when ``CLINIC_DB_URL`` is not set."""
    return f"sqlite:///{VAR_DIR / 'clinic.db'}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Builds :class:`Settings` from environment variables.

    Args:
        env: Mapping to read instead of ``os.environ`` (tests pass their own).

    Returns:
        The settings; unset variables take their defaults.

    """
    e = os.environ if env is None else env
    rasa_port = int(e.get("RASA_PORT", "5005"))
    web_port = int(e.get("WEB_PORT", "8080"))
    return Settings(
        rasa_host=e.get("RASA_HOST", "127.0.0.1"),
        rasa_port=rasa_port,
        action_port=int(e.get("ACTION_PORT", "5055")),
        action_host=e.get("ACTION_HOST", "127.0.0.1"),
        action_token=e.get("ACTION_SERVER_TOKEN", ""),
        web_host=e.get("WEB_HOST", "127.0.0.1"),
        web_port=web_port,
        widget_origins=_origins(e.get("WIDGET_ORIGINS"), web_port),
        rasa_url=e.get("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        public_rasa_url=e.get("PUBLIC_RASA_URL", ""),
        rasa_token=e.get("RASA_TOKEN", ""),
        db_url=e.get("CLINIC_DB_URL") or default_db_url(),
        # The SQLite file Rasa uses (endpoints.yml: TRACKER_DB is a path) unless a URL is given.
        tracker_db_url=e.get("TRACKER_DB_URL")
        or f"sqlite:///{_tracker_path(e.get('TRACKER_DB'))}",
        secure_cookies=_flag(e.get("CONSOLE_SECURE_COOKIES"), True),
        session_idle_minutes=int(e.get("CONSOLE_IDLE_MINUTES", "15")),
        public_web_url=e.get("PUBLIC_WEB_URL", ""),
        notify_webhook_url=require_https("NOTIFY_WEBHOOK_URL", e.get("NOTIFY_WEBHOOK_URL", "")),
        smtp_host=e.get("SMTP_HOST", ""),
        smtp_port=int(e.get("SMTP_PORT", "25")),
        notify_email_to=e.get("NOTIFY_EMAIL_TO", ""),
        notify_email_from=e.get("NOTIFY_EMAIL_FROM", "assistant@localhost"),
        notify_coalesce_seconds=float(e.get("NOTIFY_COALESCE_SECONDS", "120")),
        trusted_proxies=int(e.get("TRUSTED_PROXIES", "0")),
        patient_messages_per_minute=int(e.get("PATIENT_MESSAGES_PER_MINUTE", "20")),
        conversation_messages_per_minute=int(e.get("CONVERSATION_MESSAGES_PER_MINUTE", "20")),
        new_conversations_per_hour=int(e.get("NEW_CONVERSATIONS_PER_HOUR", "20")),
        widget_idle_minutes=int(e.get("WIDGET_IDLE_MINUTES", "30")),
        restart_initial_delay=float(e.get("RESTART_INITIAL_DELAY", "1")),
        restart_max_delay=float(e.get("RESTART_MAX_DELAY", "30")),
        restart_reset_after=float(e.get("RESTART_RESET_AFTER", "60")),
        sanic_backlog=int(e.get("SANIC_BACKLOG", "100")),
        twilio_account_sid=e.get("TWILIO_ACCOUNT_SID", "").strip(),
        twilio_auth_token=e.get("TWILIO_AUTH_TOKEN", "").strip(),
        twilio_sms_from=e.get("TWILIO_SMS_FROM", "").strip(),
        twilio_whatsapp_from=e.get("TWILIO_WHATSAPP_FROM", "").strip(),
        twilio_api_base=require_https(
            "TWILIO_API_BASE", e.get("TWILIO_API_BASE", "").strip().rstrip("/")
        ),
        twilio_webhook_url=e.get("TWILIO_WEBHOOK_URL", "").strip(),
        twilio_pseudonym_key=e.get("TWILIO_PSEUDONYM_KEY", "").strip(),
        urgent_outbox=e.get("URGENT_OUTBOX", "").strip() or default_urgent_outbox(),
        urgent_outbox_drain_seconds=max(float(e.get("URGENT_OUTBOX_DRAIN_SECONDS", "5")), 0.5),
    )


def quiet_tensorflow_logs() -> None:
    """Silences TensorFlow's start-up notes (no GPU, no TensorRT) in this process.

    An operator's own ``TF_CPP_MIN_LOG_LEVEL`` is kept.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
