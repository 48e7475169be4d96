"""Outbound HTTP with retries: one policy for Twilio's REST API and the staff-alert webhook.

Built on ``aiohttp-retry``: :func:`request_with_retry` runs a request through its
``RetryClient``, which decides what is retried: network errors and timeouts, every 5xx, and
:data:`RETRY_STATUSES` (408, 429). Other 4xx answers are final. The waits follow one
:class:`Backoff` schedule (``clinicbot.backoff``: exponential, capped; a ``Retry-After`` header is
honoured up to the cap), which the SMTP alerts share for their own loop and ``make run``'s
supervisor for its restarts. When every attempt failed, :class:`RetryGaveUp` says how many were
made and how the last one ended.

Logs carry the caller's label, the attempt number and the HTTP status or exception class only
(never a URL's query, a body or a phone number).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, cast

import aiohttp
from aiohttp_retry import ExponentialRetry, RetryClient

from clinicbot.backoff import Backoff

logger = logging.getLogger(__name__)

#: HTTP statuses that are retried besides every 5xx.
RETRY_STATUSES = frozenset({408, 429})
#: What counts as a failed attempt worth another try (besides the statuses).
RETRY_EXCEPTIONS = (aiohttp.ClientError, asyncio.TimeoutError)

Sleep = Callable[[float], Awaitable[Any]]

__all__ = [
    "RETRY_EXCEPTIONS",
    "RETRY_STATUSES",
    "Backoff",
    "Reply",
    "RetryGaveUp",
    "is_retryable_status",
    "parse_retry_after",
    "request_with_retry",
]


class RetryGaveUp(Exception):
    """Every attempt failed with a retryable error.

    Attributes:
        attempts: How many attempts were made.
        last: How the last one ended (``HTTP 503`` or an exception class name).
    """

    def __init__(self, attempts: int, last: str) -> None:
        """Builds the message from the attempt count and the last outcome."""
        super().__init__(f"gave up after {attempts} attempt(s); the last one: {last}")
        self.attempts = attempts
        self.last = last


@dataclass(frozen=True)
class Reply:
    """The final answer of a request.

    Attributes:
        status: HTTP status.
        data: The body parsed as JSON, or ``None`` (empty, not JSON, unreadable).
        attempts: How many attempts were made.
    """

    status: int
    data: Any
    attempts: int

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP status is worth another try.

    Args:
        status: The status.

    Returns:
        True for every 5xx and :data:`RETRY_STATUSES`.
    """
    return status >= 500 or status in RETRY_STATUSES


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
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


class _Schedule(ExponentialRetry):
    """aiohttp-retry's options with the :class:`Backoff` waits.

    aiohttp-retry itself then waits 0 s; :class:`_Attempts` waits the chosen time before the
    next attempt, through an injectable ``sleep``, and logs the failure being retried.
    """

    def __init__(self, backoff: Backoff, label: str) -> None:
        super().__init__(
            attempts=max(1, backoff.attempts),
            statuses=set(RETRY_STATUSES),
            exceptions=set(RETRY_EXCEPTIONS),
            retry_all_server_errors=True,
        )
        self.backoff = backoff
        self.label = label
        self.pending_wait: float | None = None
        self.last_outcome = ""

    def get_timeout(self, attempt: int, response: aiohttp.ClientResponse | None = None) -> float:
        wait = self.backoff.delay(attempt)
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                wait = min(retry_after, self.backoff.max_delay)
        logger.warning(
            "%s: %s (attempt %d/%d); retrying in %.1f s",
            self.label,
            self.last_outcome,
            attempt,
            self.attempts,
            wait,
        )
        self.pending_wait = wait
        return 0.0


class _Attempts:
    """The request function aiohttp-retry calls: waits, counts and records each attempt."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        schedule: _Schedule,
        sleep: Sleep,
        on_attempt: Callable[[int], None] | None,
    ) -> None:
        self.session = session
        self.schedule = schedule
        self.sleep = sleep
        self.on_attempt = on_attempt
        self.count = 0
        self._previous: aiohttp.ClientResponse | None = None

    async def request(self, method: str, url: Any, **kwargs: Any) -> aiohttp.ClientResponse:
        wait, self.schedule.pending_wait = self.schedule.pending_wait, None
        if self._previous is not None:
            self._previous.release()  # the retried answer: free its connection
            self._previous = None
        if wait:
            await self.sleep(wait)
        self.count += 1
        if self.on_attempt is not None:
            self.on_attempt(self.count)
        try:
            response = await self.session.request(method, url, **kwargs)
        except BaseException as exc:
            self.schedule.last_outcome = type(exc).__name__
            raise
        self.schedule.last_outcome = f"HTTP {response.status}"
        self._previous = response
        return response

    async def close(self) -> None:
        await self.session.close()


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return None


async def request_with_retry(
    method: str,
    url: str,
    *,
    backoff: Backoff,
    timeout: float,
    label: str,
    sleep: Sleep = asyncio.sleep,
    on_attempt: Callable[[int], None] | None = None,
    **request_kwargs: Any,
) -> Reply:
    """Sends a request, retrying network errors, timeouts, 5xx, 408 and 429 with backoff.

    Args:
        method: HTTP method.
        url: Target URL.
        backoff: Attempts and waits.
        timeout: Seconds one attempt may take.
        label: What logs call the call (no personal data).
        sleep: Waits between attempts (tests record the waits instead).
        on_attempt: Called with the attempt number as each attempt starts.
        **request_kwargs: Passed to ``aiohttp.ClientSession.request`` (``data``, ``auth``, ...).

    Returns:
        The final answer: a 2xx, or a status that is not retried (other 4xx).

    Raises:
        RetryGaveUp: Every attempt failed with a retryable status or error.
    """
    schedule = _Schedule(backoff, label)
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    attempts = _Attempts(session, schedule, sleep, on_attempt)
    # RetryClient only calls ``request`` and ``close`` of the session it is given.
    client = RetryClient(
        client_session=cast(aiohttp.ClientSession, attempts), retry_options=schedule
    )
    try:
        async with client:
            async with client.request(method, url, **request_kwargs) as response:
                status = response.status
                data = await _json(response)
    except RETRY_EXCEPTIONS as exc:
        raise RetryGaveUp(attempts.count, type(exc).__name__) from exc
    if is_retryable_status(status):
        raise RetryGaveUp(attempts.count, f"HTTP {status}")
    return Reply(status, data, attempts.count)
