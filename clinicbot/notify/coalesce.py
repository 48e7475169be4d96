"""Coalescing of urgent alerts: one at once, then one summary per window."""

from __future__ import annotations

import asyncio
import functools
import logging
from email.message import EmailMessage
from typing import Any

from clinicbot.notify.alerts import (
    DEFAULT_TIMEOUT_SECONDS,
    ESCALATION_ID,
    NotifyResult,
    alert_staff,
    console_base_url,
    deliver,
)
from clinicbot.settings import Settings
from clinicbot.store.escalations import ALERT_COALESCED

logger = logging.getLogger(__name__)


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
    listed = [i if ESCALATION_ID.match(str(i)) else "unknown" for i in ids[:SUMMARY_IDS]]
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
        result = await deliver(
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
