"""Small async client for the token-protected Rasa HTTP API (used by the web server)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp

from clinicbot.settings import Settings


class RasaAPIError(RuntimeError):
    """Raised when the Rasa HTTP API cannot be reached or answers with an error."""


class RasaClient:
    """Talks to Rasa's HTTP API (``--enable-api --auth-token``).

    Args:
        base_url: Rasa server URL, for example ``http://127.0.0.1:5005``.
        token: The auth token Rasa was started with.
        timeout: Seconds to wait for any request.

    """

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        """Creates the client; no connection is opened until the first request."""
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        """Creates a client for the configured Rasa server.

        Args:
            settings: Process settings.

        Returns:
            The client.

        """
        return cls(settings.rasa_url, settings.rasa_token)

    def _url(self, conversation_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{suffix}"

    async def _request(
        self, method: str, url: str, params: dict[str, str], body: Any = None
    ) -> Any:
        params = {**params, "token": self.token}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.request(method, url, params=params, json=body) as resp:
                    if resp.status >= 400:
                        raise RasaAPIError(f"Rasa answered HTTP {resp.status} for {method} {url}")
                    return await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
            raise RasaAPIError(f"Rasa is unreachable: {exc.__class__.__name__}") from exc

    async def get_tracker(self, conversation_id: str) -> dict[str, Any]:
        """Fetches a conversation's tracker with all its events.

        Args:
            conversation_id: The Rasa sender id.

        Returns:
            The tracker as JSON.

        """
        result = await self._request(
            "GET", self._url(conversation_id, "tracker"), {"include_events": "ALL"}
        )
        return dict(result or {})

    async def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        output_channel: str | None = "latest",
    ) -> dict[str, Any]:
        """Appends events to a conversation; bot events are delivered to the patient.

        With ``output_channel="latest"`` Rasa sends every ``bot`` event to the channel the
        patient last wrote from (socket.io widget, SMS, ...).

        Args:
            conversation_id: The Rasa sender id.
            events: Rasa events as JSON (``{"event": "bot", "text": ...}``, ``{"event": "slot",
                ...}``).
            output_channel: Channel to deliver bot events to, or ``None`` to only record them.

        Returns:
            The updated tracker.

        """
        params = {"include_events": "NONE"}
        if output_channel:
            # Without execute_side_effects Rasa only records bot events; with it, it delivers
            # them to the channel.
            params["output_channel"] = output_channel
            params["execute_side_effects"] = "true"
        result = await self._request(
            "POST", self._url(conversation_id, "tracker/events"), params, events
        )
        return dict(result or {})
