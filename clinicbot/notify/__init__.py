"""Alerts the clinic team about urgent escalations (webhook and/or e-mail).

A notification carries the escalation id, priority, reason codes, channel, time and a link to
the staff console, and nothing else: no patient message text, no contact details (those are
health data and stay behind the console's sign-in). :func:`notify_urgent` never raises and every
network step has a timeout. A failed attempt (network error, timeout, HTTP 5xx/429/408, SMTP
connection error or 4xx reply) is retried with exponential backoff: the webhook through the
shared :func:`clinicbot.http_retry.request_with_retry` (``aiohttp-retry``), the e-mail in its
own loop on the same :class:`~clinicbot.http_retry.Backoff` schedule (:data:`AlertRetry`);
:func:`alert_staff` then records the outcome on the escalation, so that a failed alert shows in
the staff console's queue. :mod:`.alerts` sends one alert; :mod:`.coalesce` turns a flood of
urgent escalations into one alert and one summary per window.
"""

from clinicbot.notify.alerts import (
    DEFAULT_TIMEOUT_SECONDS,
    AlertRetry,
    NotifyResult,
    alert_staff,
    console_base_url,
    notification_content,
    notify_urgent,
)
from clinicbot.notify.coalesce import (
    MAX_COALESCED_IDS,
    SUMMARY_IDS,
    AlertCoalescer,
    alert_coalescer,
    summary_content,
)

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_COALESCED_IDS",
    "SUMMARY_IDS",
    "AlertCoalescer",
    "AlertRetry",
    "NotifyResult",
    "alert_coalescer",
    "alert_staff",
    "console_base_url",
    "notification_content",
    "notify_urgent",
    "summary_content",
]
