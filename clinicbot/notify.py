"""Alerts the clinic team about urgent escalations (webhook and/or e-mail).

A notification carries the escalation id, priority, reason codes, channel, time and a link to
the staff console, and nothing else: no patient message text, no contact details (those are
health data and stay behind the console's sign-in). :func:`notify_urgent` never raises and every
network step has a timeout. A failed attempt (network error, timeout, HTTP 5xx/429/408, SMTP
connection error or 4xx reply) is retried with exponential backoff: the webhook through the
shared :func:`clinicbot.http_retry.request_with_retry` (``aiohttp-retry``), the e-mail in its
own loop on the same :class:`~clinicbot.http_retry.Backoff` schedule (:data:`AlertRetry`);
:func:`alert_staff` then records the outcome on the escalation, so that a failed alert shows in
the staff console's queue.
"""

from __future__ import annotations

import asyncio
import functools
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
from clinicbot.store.escalations import ALERT_COALESCED

logger = logging.getLogger(__name__)

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_ID = re.compile(r"^[A-Za-z0-9-]{1,32}$")
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
    return await _deliver(
        lambda: notification_content(escalation, base_url or console_base_url(settings)),
        _email,
        settings,
        timeout=timeout,
        retry=retry,
        sleep=sleep,
    )


async def _deliver(
    build: Callable[[], dict[str, Any]],
    make_email: Callable[[dict[str, Any], Settings], EmailMessage],
    settings: Settings,
    *,
    timeout: float,
    retry: Backoff | None,
    sleep: Callable[[float], Awaitable[Any]],
) -> NotifyResult:
    """Sends one notification (content from ``build``) by webhook and/or e-mail; never raises."""
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


#: Escalation ids one summary lists (the count covers them all).
SUMMARY_IDS = 50
#: Escalation ids a coalescer keeps per window; further ones are only counted.
MAX_COALESCED_IDS = 1000


def summary_content(count: int, ids: list[str], base_url: str) -> dict[str, Any]:
    """Builds a summary notification ("N new urgent escalations"), without any patient data.

    Args:
        count: Urgent escalations the summary covers.
        ids: Their ids (at most :data:`SUMMARY_IDS` are listed; others become ``unknown``
            unless they look like escalation ids).
        base_url: Console base URL.

    Returns:
        A JSON-serialisable dictionary.
    """
    listed = [i if _ID.match(str(i)) else "unknown" for i in ids[:SUMMARY_IDS]]
    noun = "escalation" if count == 1 else "escalations"
    return {
        "event": "escalation.urgent.summary",
        "priority": "urgent",
        "count": int(count),
        "title": f"{int(count)} new urgent {noun}",
        "escalation_ids": listed,
        "console_url": f"{base_url}/console/",
    }


def _summary_email(content: dict[str, Any], settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[Clinic assistant] {content['title']}"
    msg["From"] = settings.notify_email_from
    msg["To"] = settings.notify_email_to
    msg.set_content(
        f"{content['title']} since the last alert: conversations with the clinic's virtual "
        "assistant need the clinic team now.\n\n"
        f"Escalations: {', '.join(content['escalation_ids'])}\n\n"
        f"Open the queue in the staff console (sign-in required):\n{content['console_url']}\n\n"
        "This message deliberately contains no patient information.\n"
    )
    return msg


def _channels_configured(settings: Settings) -> bool:
    return bool(settings.notify_webhook_url or (settings.smtp_host and settings.notify_email_to))


class AlertCoalescer:
    """Coalesces urgent alerts so that a flood of escalations pages the team only twice.

    The first urgent escalation alerts at once (:func:`alert_staff`) and opens a window of
    ``window`` seconds. Urgent escalations within it are recorded as ``coalesced`` and, when the
    window ends, covered by ONE summary ("N new urgent escalations": ids and a console link, no
    patient data), whose outcome (``sent``, ``partial``, ``failed``) is then recorded on each of
    them. The next escalation after that alerts at once again. :meth:`alert` never waits for the
    window (and runs in the background anyway: the patient's reply never waits for an alert).
    Memory is bounded: at most ``max_ids`` ids are kept per window; further escalations are
    counted in the summary but keep the ``coalesced`` outcome. Meant for one event loop (the
    action server's); a different loop starts afresh.

    Args:
        window: Seconds (``NOTIFY_COALESCE_SECONDS``); 0 or less alerts every escalation.
        max_ids: Ids kept per window.
        **notify_kwargs: Passed to :func:`notify_urgent` (``timeout``, ``retry``, ...).
    """

    def __init__(
        self, window: float, *, max_ids: int = MAX_COALESCED_IDS, **notify_kwargs: Any
    ) -> None:
        """Creates a coalescer with no open window."""
        self.window = float(window)
        self.max_ids = max(1, int(max_ids))
        self.notify_kwargs = notify_kwargs
        self.pending_ids: list[str] = []
        self.pending_count = 0
        self._window_end: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.Task[Any] | None = None
        self._settings: Settings | None = None
        self._store: Any | None = None

    async def alert(
        self, escalation: Any, settings: Settings, store: Any | None = None
    ) -> NotifyResult | None:
        """Alerts the team now, or records the escalation for the window's summary.

        Args:
            escalation: The urgent escalation.
            settings: Process settings.
            store: The escalation store (records the outcome; ``None``: not recorded).

        Returns:
            The alert's result when sent now; ``None`` when coalesced into the summary.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests, a restarted server): start afresh
            self._loop, self._window_end, self._timer = loop, None, None
            self.pending_ids, self.pending_count = [], 0
        now = loop.time()
        if (
            self.window <= 0
            or not _channels_configured(settings)
            or self._window_end is None
            or now >= self._window_end
        ):
            if self.window > 0 and _channels_configured(settings):
                self._window_end = now + self.window
            return await alert_staff(escalation, settings, store, **self.notify_kwargs)
        window_end = self._window_end
        if store is not None:
            # Recorded before it joins the summary, so the summary's outcome is the last word.
            try:
                await asyncio.to_thread(
                    store.record_alert, str(escalation.id), ALERT_COALESCED, "in the next summary"
                )
            except Exception as exc:  # noqa: BLE001 - the summary still counts it
                logger.warning("could not record a coalesced alert: %s", exc.__class__.__name__)
        self.pending_count += 1
        if len(self.pending_ids) < self.max_ids:
            self.pending_ids.append(str(escalation.id))
        self._settings, self._store = settings, store
        if self._timer is None:  # (if the window ended meanwhile, the summary goes out now)
            self._timer = loop.create_task(self._flush_at(window_end))
        return None

    async def _flush_at(self, when: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, when - loop.time()))
        self._timer = None
        await self._send_summary()

    async def flush(self) -> NotifyResult | None:
        """Ends the current window now and sends its summary, if any (e.g. at shutdown).

        Returns:
            The summary's result, or ``None`` when nothing was waiting.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._window_end = None
        return await self._send_summary()

    async def close(self) -> None:
        """Stops the window's timer without sending anything (tests, shutdown after flush)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _send_summary(self) -> NotifyResult | None:
        ids, count = self.pending_ids, self.pending_count
        self.pending_ids, self.pending_count = [], 0
        settings, store = self._settings, self._store
        if not count or settings is None:
            return None
        kwargs = dict(self.notify_kwargs)
        base_url = kwargs.pop("base_url", None) or console_base_url(settings)
        result = await _deliver(
            lambda: summary_content(count, ids, base_url),
            _summary_email,
            settings,
            timeout=kwargs.get("timeout", DEFAULT_TIMEOUT_SECONDS),
            retry=kwargs.get("retry"),
            sleep=kwargs.get("sleep", asyncio.sleep),
        )
        status = result.status
        if store is not None and status is not None:
            errors = "; ".join(result.errors)
            detail = f"summary of {count}: {errors}" if errors else f"summary of {count}"

            def record() -> None:
                for esc_id in ids:
                    store.record_alert(esc_id, status, detail)

            try:
                await asyncio.to_thread(record)
            except Exception as exc:  # noqa: BLE001
                logger.warning("could not record the summary outcome: %s", exc.__class__.__name__)
        if status == "failed":
            logger.error("urgent summary alert (%d escalations) failed after retries", count)
        return result


@functools.lru_cache(maxsize=1)
def alert_coalescer(window: float) -> AlertCoalescer:
    """The process's coalescer for a window length (one per process, created on first use).

    Args:
        window: Seconds (``settings.notify_coalesce_seconds``).

    Returns:
        The coalescer.
    """
    return AlertCoalescer(window)
