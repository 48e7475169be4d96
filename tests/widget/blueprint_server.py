"""The widget blueprint alone, served for tests on a loopback port.

The app holds only the widget blueprint and its settings. It is served on an ephemeral
127.0.0.1 port (:func:`tests.fixtures.net.serve_sanic`) and queried with aiohttp, so no extra test
dependency (sanic-testing) is needed. The ``server`` fixture (``conftest.py``) is one with a
Rasa nobody listens on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from sanic import Sanic

from clinicbot.settings import Settings
from clinicbot.widget import blueprint as widget_bp
from tests.fixtures.net import serve_sanic

#: A valid widget session id.
SESSION = "3f1c2a34-1111-4222-8333-444455556666"


class Server:
    """A running test app and a client session for it."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        """Keeps the base URL and the client session."""
        self.base_url = base_url
        self.http = http

    async def history(
        self, session_id: Any, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """POSTs to the history API the way the widget does (the id in the body)."""
        body = raw if raw is not None else json.dumps({"session_id": session_id}).encode()
        async with self.http.post(
            self.base_url + "/widget/api/history",
            data=body,
            headers={"Content-Type": "text/plain", **(headers or {})},
        ) as resp:
            data = await resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, data

    async def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """GETs a path and returns status, headers (lower-case keys) and body."""
        async with self.http.get(self.base_url + path, headers=headers or {}) as resp:
            body = await resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, body


async def serve_blueprint(settings: Settings, rasa: Any = None) -> AsyncIterator[Server]:
    """Serves an app holding only the widget blueprint on a free loopback port.

    Args:
        settings: The app's settings.
        rasa: The app's Rasa client (``app.ctx.rasa``), if given.

    Yields:
        The running app with a client session.
    """
    Sanic.test_mode = True
    app = Sanic(f"widget_test_{uuid.uuid4().hex[:8]}")
    app.ctx.settings = settings
    if rasa is not None:
        app.ctx.rasa = rasa
    app.blueprint(widget_bp.bp)
    async with serve_sanic(app) as base_url, aiohttp.ClientSession() as http:
        yield Server(base_url, http)
