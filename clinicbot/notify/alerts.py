"""One urgent alert: its content (no patient data), the webhook and e-mail, the outcome."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Awaitable, Callable

from clinicbot.http_retry import Backoff, RetryGaveUp, request_with_retry
from clinicbot.settings import Settings

logger = logging.getLogger(__name__)

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
#: What an escalation id looks like (anything else is reported as ``unknown``).
ESCALATION_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")
DEFAULT_TIMEOUT_SECONDS = 4.0
#: The alerts' retry schedule: 4 tries per channel, 1 s, 2 s, 4 s apart (the shared one).
AlertRetry = Backoff


@dataclass
class NotifyResult:
    """What :func:`notify_urgent` tried and what worked.

    Attributes:
        webhook_attempted: A webhook URL was configured and a POST was tried.
        webhook_ok: The webhook answered 2xx.
        email_attempted: SMTP was configured and a message was tried.
        email_ok: The SMTP server accepted the message.
        webhook_tries: HTTP requests made to the webhook (retries included).
        email_tries: SMTP deliveries tried (retries included).
        errors: Short error descriptions (exception class names and HTTP statuses only).
    """

    webhook_attempted: bool = False
    webhook_ok: bool = False
    email_attempted: bool = False
    email_ok: bool = False
    webhook_tries: int = 0
    email_tries: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        """True if any channel was configured and tried."""
        return self.webhook_attempted or self.email_attempted

    @property
    def ok(self) -> bool:
        """True if at least one channel delivered the alert."""
        return self.webhook_ok or self.email_ok

    @property
    def status(self) -> str | None:
        """``sent`` (every tried channel), ``partial``, ``failed``; ``None`` if nothing tried."""
        if not self.attempted:
            return None
        failed = (self.webhook_attempted and not self.webhook_ok) or (
            self.email_attempted and not self.email_ok
        )
        if not failed:
            return "sent"
        return "partial" if self.ok else "failed"


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
    if not ESCALATION_ID.match(esc_id):
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


def _smtp_transient(exc: BaseException) -> bool:
    """Whether an SMTP failure is worth another try (network trouble or a 4xx reply)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(exc, smtplib.SMTPException):  # refused recipients/sender, unsupported, ...
        return False
    return isinstance(exc, (OSError, asyncio.TimeoutError))


async def _post_webhook(
    url: str,
    content: dict[str, Any],
    timeout: float,
    retry: Backoff,
    result: NotifyResult,
    sleep: Callable[[float], Awaitable[Any]],
) -> str | None:
    """POSTs the alert, retrying network errors, timeouts, 5xx, 408 and 429."""

    def count(attempt: int) -> None:
        result.webhook_tries = attempt

    try:
        reply = await request_with_retry(
            "POST",
            url,
            backoff=retry,
            timeout=timeout,
            label="urgent notification webhook",
            sleep=sleep,
            on_attempt=count,
            data=json.dumps(content),
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
        )
    except RetryGaveUp as exc:
        return f"webhook: {exc.last}"
    return None if reply.ok else f"webhook: HTTP {reply.status}"


async def _send_email_retrying(
    msg: EmailMessage,
    settings: Settings,
    timeout: float,
    retry: Backoff,
    result: NotifyResult,
    sleep: Callable[[float], Awaitable[Any]],
) -> None:
    """Sends the e-mail, retrying transient failures; raises the last error."""
    attempts = max(1, retry.attempts)
    for attempt in range(1, attempts + 1):
        result.email_tries += 1
        try:
            await asyncio.wait_for(
                asyncio.to_thread(_send_email, msg, settings, timeout), timeout + 1
            )
            return
        except Exception as exc:  # noqa: BLE001 - classified below
            if attempt == attempts or not _smtp_transient(exc):
                raise
            logger.warning(
                "urgent notification e-mail: %s (try %d/%d)",
                exc.__class__.__name__,
                attempt,
                attempts,
            )
        await sleep(retry.delay(attempt))


async def notify_urgent(
    escalation: Any,
    settings: Settings,
    *,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    retry: Backoff | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> NotifyResult:
    """Alerts the team about an urgent escalation by webhook and/or e-mail.

    The webhook (``settings.notify_webhook_url``) receives a JSON POST of
    :func:`notification_content`; the e-mail goes through ``settings.smtp_host:smtp_port``
    from ``notify_email_from`` to ``notify_email_to``. Both run concurrently, each retried
    with backoff (``retry``); with the defaults the call returns within about a minute
    whatever the servers do (run it in the background). Nothing is sent for a channel that
    is not configured. Never raises.

    Args:
        escalation: The escalation (id, priority, reasons, channel, created_at are used).
        settings: Process settings.
        base_url: Console base URL for the link (defaults to :func:`console_base_url`).
        timeout: Seconds allowed for each try of each channel.
        retry: Retry policy (default :class:`AlertRetry`).
        sleep: Waits between tries (tests record the delays).

    Returns:
        What was attempted and what succeeded.
    """
    return await deliver(
        lambda: notification_content(escalation, base_url or console_base_url(settings)),
        _email,
        settings,
        timeout=timeout,
        retry=retry,
        sleep=sleep,
    )


async def deliver(
    build: Callable[[], dict[str, Any]],
    make_email: Callable[[dict[str, Any], Settings], EmailMessage],
    settings: Settings,
    *,
    timeout: float,
    retry: Backoff | None,
    sleep: Callable[[float], Awaitable[Any]],
) -> NotifyResult:
    """Sends one notification by webhook and/or e-mail, each retried; never raises.

    Args:
        build: Builds the JSON content (called once, inside the error handling).
        make_email: Builds the e-mail from the content.
        settings: Process settings (which channels are configured).
        timeout: Seconds allowed for each try of each channel.
        retry: Retry schedule (default :data:`AlertRetry`).
        sleep: Waits between tries.

    Returns:
        What was attempted and what succeeded.
    """
    result = NotifyResult()
    policy = retry or AlertRetry()
    budget = max(1, policy.attempts) * (timeout + 1.5) + sum(
        policy.delay(a) for a in range(1, max(1, policy.attempts))
    )
    try:
        content = build()
        esc_id = content.get("escalation_id") or f"a summary of {content.get('count')}"

        async def webhook() -> None:
            result.webhook_attempted = True
            try:
                error = await asyncio.wait_for(
                    _post_webhook(
                        settings.notify_webhook_url, content, timeout, policy, result, sleep
                    ),
                    budget,
                )
            except Exception as exc:  # noqa: BLE001 - never let an alert break a reply
                error = f"webhook: {exc.__class__.__name__}"
            result.webhook_ok = error is None
            if error:
                result.errors.append(error)

        async def email() -> None:
            result.email_attempted = True
            try:
                msg = make_email(content, settings)
                await asyncio.wait_for(
                    _send_email_retrying(msg, settings, timeout, policy, result, sleep), budget
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


async def alert_staff(
    escalation: Any,
    settings: Settings,
    store: Any | None = None,
    **kwargs: Any,
) -> NotifyResult:
    """Alerts the team (:func:`notify_urgent`) and records the outcome on the escalation.

    The outcome (``sent``, ``partial`` or ``failed`` with short error codes) is stored with
    ``store.record_alert`` off the event loop; the console's queue and escalation page show a
    failed alert. Never raises.

    Args:
        escalation: The escalation.
        settings: Process settings.
        store: An :class:`clinicbot.store.escalations.EscalationStore` (``None``: not recorded).
        **kwargs: Passed to :func:`notify_urgent` (``timeout``, ``retry``, ...).

    Returns:
        What was attempted and what succeeded.
    """
    result = await notify_urgent(escalation, settings, **kwargs)
    status = result.status
    if store is None or status is None:
        return result
    try:
        await asyncio.to_thread(
            store.record_alert, str(escalation.id), status, "; ".join(result.errors)
        )
    except Exception as exc:  # noqa: BLE001 - the alert itself is over; just say so
        logger.warning("could not record the alert outcome: %s", exc.__class__.__name__)
    if status == "failed":
        logger.error("urgent alert for %s failed on every channel after retries", escalation.id)
    return result
