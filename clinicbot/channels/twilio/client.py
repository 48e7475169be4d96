"""Twilio's REST API: sends one message, retried through :mod:`clinicbot.http_retry`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from clinicbot.channels.twilio.config import TwilioConfig
from clinicbot.http_retry import Backoff, RetryGaveUp, request_with_retry

logger = logging.getLogger(__name__)


class TwilioRestClient:
    """Sends messages through ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

    Server errors, 408, 429 and network errors are retried with exponential backoff (honouring
    ``Retry-After``) by the shared helper; other 4xx answers are not. Logs carry a hash of the
    pseudonym and the status only.

    Args:
        config: Channel settings (credentials, API base, retry policy).
        timeout: Seconds one attempt may take.
        max_retry_after: Longest wait between attempts (and longest ``Retry-After`` honoured).
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
        self.backoff = Backoff(
            attempts=config.max_retries + 1,
            first_delay=config.retry_backoff,
            factor=2.0,
            max_delay=max_retry_after,
        )
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
            tag: What logs call the recipient (the pseudonym's hash).

        Returns:
            True when Twilio accepted the message.
        """
        cfg = self.config
        if not (cfg.account_sid and cfg.auth_token and from_):
            logger.error("twilio: cannot send to %s: account or sender number not set", tag)
            return False
        try:
            reply = await request_with_retry(
                "POST",
                self.messages_url,
                backoff=self.backoff,
                timeout=self.timeout,
                label=f"twilio: send to {tag}",
                sleep=self._sleep,
                data={"To": to, "From": from_, "Body": body},
                auth=aiohttp.BasicAuth(cfg.account_sid, cfg.auth_token),
            )
        except RetryGaveUp as exc:
            logger.error("twilio: sending to %s failed: %s", tag, exc)
            return False
        if reply.ok:
            logger.info("twilio: sent to %s (status %s)", tag, reply.status)
            return True
        code = reply.data.get("code") if isinstance(reply.data, dict) else None
        logger.error(
            "twilio: send to %s rejected: status %s, error code %s", tag, reply.status, code
        )
        return False
