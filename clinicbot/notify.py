"""Alerts the clinic team about urgent escalations (webhook and/or e-mail).

A notification carries the escalation id, priority, reason codes, channel, time and a link to
the staff console, and nothing else: no patient message text, no contact details (those are
health data and stay behind the console's sign-in). :func:`notify_urgent` never raises and every
network step has a timeout, so the action server can await it while answering a patient.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import aiohttp

from clinicbot.settings import Settings

logger = logging.getLogger(__name__)

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")
DEFAULT_TIMEOUT_SECONDS = 4.0


@dataclass
class NotifyResult:
    """What :func:`notify_urgent` tried and what worked.

    Attributes:
        webhook_attempted: A webhook URL was configured and a POST was tried.
        webhook_ok: The webhook answered 2xx.
        email_attempted: SMTP was configured and a message was tried.
        email_ok: The SMTP server accepted the message.
        errors: Short error descriptions (exception class names and HTTP statuses only).
    """

    webhook_attempted: bool = False
    webhook_ok: bool = False
    email_attempted: bool = False
    email_ok: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        """True if any channel was configured and tried."""
        return self.webhook_attempted or self.email_attempted

    @property
    def ok(self) -> bool:
        """True if at least one channel delivered the alert."""
        return self.webhook_ok or self.email_ok


def _code(value: Any) -> str:
    text = str(value or "")
    return text if _CODE.match(text) else "other"


def console_base_url(settings: Settings) -> str:
    """Returns the console's base URL for links in notifications.

    Uses ``settings.public_web_url`` when the settings have one, otherwise the web server's
    host and port (``0.0.0.0`` and ``::`` become ``127.0.0.1``).

    Args:
        settings: Process settings.

    Returns:
        A URL without a trailing slash.
    """
    public = str(getattr(settings, "public_web_url", "") or "").strip()
    if public:
        return public.rstrip("/")
    wildcard = {"", "::", "0.0.0.0"}  # noqa: S104 - only compared, never bound
    host = settings.web_host if settings.web_host not in wildcard else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.web_port}"


def notification_content(escalation: Any, base_url: str) -> dict[str, Any]:
    """Builds the notification fields from an escalation, without any patient data.

    Only the id, priority, reason codes, channel and creation time are read; reasons and the
    channel must be short codes, anything else is replaced by ``other``.

    Args:
        escalation: An :class:`clinicbot.store.escalations.Escalation` (or anything with the
            same attributes).
        base_url: Console base URL.

    Returns:
        A JSON-serialisable dictionary.
    """
    esc_id = str(getattr(escalation, "id", "") or "")
    if not _ID.match(esc_id):
        esc_id = "unknown"
    reasons = [_code(r) for r in (getattr(escalation, "reasons", None) or [])]
    created = getattr(escalation, "created_at", None)
    priority = "urgent" if getattr(escalation, "priority", "") == "urgent" else "normal"
    return {
        "event": "escalation.urgent",
        "escalation_id": esc_id,
        "priority": priority,
        "reason": reasons[0] if reasons else "other",
        "reasons": reasons,
        "channel": _code(getattr(escalation, "channel", "")),
        "created_at": created.isoformat() if isinstance(created, datetime) else None,
        "console_url": f"{base_url}/console/escalations/{esc_id}",
    }


def _email(content: dict[str, Any], settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = (
        f"[Clinic assistant] {content['priority'].upper()} escalation {content['escalation_id']}"
    )
    msg["From"] = settings.notify_email_from
    msg["To"] = settings.notify_email_to
    msg.set_content(
        "A conversation with the clinic's virtual assistant needs the clinic team now.\n\n"
        f"Escalation: {content['escalation_id']}\n"
        f"Priority:   {content['priority']}\n"
        f"Reason:     {', '.join(content['reasons']) or content['reason']}\n"
        f"Channel:    {content['channel']}\n"
        f"Opened:     {content['created_at']}\n\n"
        f"Open it in the staff console (sign-in required):\n{content['console_url']}\n\n"
        "This message deliberately contains no patient information.\n"
    )
    return msg


def _send_email(msg: EmailMessage, settings: Settings, timeout: float) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        smtp.send_message(msg)


async def _post_webhook(url: str, content: dict[str, Any], timeout: float) -> str | None:
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        async with session.post(
            url,
            data=json.dumps(content),
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
        ) as resp:
            if 200 <= resp.status < 300:
                return None
            return f"webhook: HTTP {resp.status}"


async def notify_urgent(
    escalation: Any,
    settings: Settings,
    *,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> NotifyResult:
    """Alerts the team about an urgent escalation by webhook and/or e-mail.

    The webhook (``settings.notify_webhook_url``) receives a JSON POST of
    :func:`notification_content`; the e-mail goes through ``settings.smtp_host:smtp_port``
    from ``notify_email_from`` to ``notify_email_to``. Both run concurrently; the call
    returns within about ``timeout + 1`` seconds whatever the servers do. Nothing is sent for
    a channel that is not configured. Never raises.

    Args:
        escalation: The escalation (id, priority, reasons, channel, created_at are used).
        settings: Process settings.
        base_url: Console base URL for the link (defaults to :func:`console_base_url`).
        timeout: Seconds allowed for each channel.

    Returns:
        What was attempted and what succeeded.
    """
    result = NotifyResult()
    try:
        content = notification_content(escalation, base_url or console_base_url(settings))
        esc_id = content["escalation_id"]

        async def webhook() -> None:
            result.webhook_attempted = True
            try:
                error = await asyncio.wait_for(
                    _post_webhook(settings.notify_webhook_url, content, timeout), timeout + 0.5
                )
            except Exception as exc:  # noqa: BLE001 - never let an alert break a reply
                error = f"webhook: {exc.__class__.__name__}"
            result.webhook_ok = error is None
            if error:
                result.errors.append(error)

        async def email() -> None:
            result.email_attempted = True
            try:
                msg = _email(content, settings)
                await asyncio.wait_for(
                    asyncio.to_thread(_send_email, msg, settings, timeout), timeout + 1
                )
                result.email_ok = True
            except Exception as exc:  # noqa: BLE001
                result.errors.append(f"email: {exc.__class__.__name__}")

        tasks = []
        if settings.notify_webhook_url:
            tasks.append(webhook())
        if settings.smtp_host and settings.notify_email_to:
            tasks.append(email())
        if tasks:
            await asyncio.gather(*tasks)
        if result.errors:
            logger.warning("urgent notification for %s: %s", esc_id, "; ".join(result.errors))
        elif not tasks:
            logger.warning("urgent escalation %s: no notification channel configured", esc_id)
    except Exception as exc:  # noqa: BLE001
        result.errors.append(f"notify: {exc.__class__.__name__}")
        logger.warning("urgent notification failed: %s", exc.__class__.__name__)
    return result
