"""A local stand-in for Twilio's Messages API, served over real HTTP on 127.0.0.1.

It implements ``POST /2010-04-01/Accounts/<sid>/Messages.json`` the way the channel uses it:
Basic auth with the account SID and auth token, form fields ``To``, ``From`` and ``Body``,
``201`` with a message resource on success. It records every attempt and every accepted
message, and can be told to fail the next N attempts (500, 429 with ``Retry-After``, 400, ...).
Its error bodies mention the recipient's number, as Twilio's do, so tests can check that the
channel does not log them.
"""

from __future__ import annotations

import base64
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fixtures.net import free_port

__all__ = ["Attempt", "TwilioStandin", "free_port"]


@dataclass
class Attempt:
    """One request the stand-in received.

    Attributes:
        account_sid: SID in the URL path.
        authorized: Whether the Basic credentials matched.
        form: The posted fields.
        status: The status answered.
    """

    account_sid: str
    authorized: bool
    form: dict[str, str]
    status: int


@dataclass
class TwilioStandin:
    """The stand-in server.

    Attributes:
        account_sid: Account the stand-in accepts.
        auth_token: Token the stand-in accepts.
        attempts: Every request, in order.
        messages: The accepted messages' fields, in order.
    """

    account_sid: str
    auth_token: str
    attempts: list[Attempt] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    _failures: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        """Base URL to use as ``TWILIO_API_BASE``."""
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        """Makes the next ``count`` requests fail.

        Args:
            count: How many requests fail.
            status: Status they get.
            retry_after: ``Retry-After`` header value to send with them.
        """
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._failures.extend([(status, headers)] * count)

    def bodies(self, to: str | None = None) -> list[str]:
        """Bodies of the accepted messages (optionally only those to one recipient)."""
        return [m["Body"] for m in self.messages if to is None or m["To"] == to]

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        given = request.headers.get("Authorization", "")
        return secrets.compare_digest(given, f"Basic {expected}")

    async def _messages(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        authorized = self._authorized(request) and sid == self.account_sid
        to = form.get("To", "")
        headers: dict[str, str] = {}
        status = 201 if authorized else 401
        if authorized and self._failures:
            status, headers = self._failures.popleft()
        self.attempts.append(Attempt(sid, authorized, form, status))
        if status == 401:
            body: dict[str, Any] = {"code": 20003, "message": "Authenticate", "status": 401}
        elif status >= 300:
            body = {"code": 30001, "message": f"Could not deliver to {to}", "status": status}
        else:
            if not {"To", "From", "Body"} <= form.keys():
                return web.json_response({"code": 21602, "status": 400}, status=400)
            self.messages.append(form)
            body = {"sid": "SM" + secrets.token_hex(16), "status": "queued", "to": to}
        return web.json_response(body, status=status, headers=headers)

    async def start(self) -> TwilioStandin:
        """Starts serving on a free port."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        """Stops serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
