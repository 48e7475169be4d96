"""Stand-ins for the urgent notifications' channels: a webhook (aiohttp) and a tiny SMTP server.

The ``webhook`` and ``smtp`` fixtures (registered in ``conftest.py``) serve them on free loopback
ports; ``test_notify.py`` and ``test_notify_coalesce.py`` use them, with the patient data an alert
must never carry (:func:`assert_no_patient_data`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from clinicbot.notify import AlertRetry
from clinicbot.settings import Settings
from clinicbot.store.escalations import Escalation
from clinicbot.store.schema import utcnow
from tests.fixtures.net import serve_stand_in

#: Quick retries for tests: 3 tries, 10 ms then 20 ms apart.
FAST = AlertRetry(attempts=3, first_delay=0.01, factor=2.0, max_delay=0.05)

PATIENT_TEXT = "I took too many pills and my number is 555-0100"
PHONE = "+1 555 0100"


def make_escalation(**changes: Any) -> Escalation:
    now = utcnow()
    esc = Escalation(
        id="E-7K3QX9",
        conversation_id="sender-secret-123",
        channel="socketio",
        reasons=["emergency", "patient_request"],
        priority="urgent",
        status="open",
        transcript=[{"role": "patient", "text": PATIENT_TEXT, "ts": 1.0}],
        kb_topics=["aftercare"],
        details={"phone": PHONE, "screening": {"pregnant": "no"}},
        created_at=now,
        updated_at=now,
        created=True,
    )
    return replace(esc, **changes)


class WebhookStandIn:
    def __init__(self) -> None:
        """Starts empty."""
        self.received: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.status = 200
        #: Statuses answered first, one per request, before ``status``.
        self.script: list[int] = []
        self.delay = 0.0
        self.url = ""
        self.times: list[float] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.times.append(time.monotonic())
        if self.delay:
            await asyncio.sleep(self.delay)
        body = await request.read()
        self.raw.append(body)
        self.received.append(await request.json())
        status = self.script.pop(0) if self.script else self.status
        return web.Response(status=status, text="ok")


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookStandIn]:
    async with serve_stand_in(WebhookStandIn(), "POST", "/hook") as stand_in:
        yield stand_in


class SMTPStandIn:
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        """Starts empty."""
        self.messages: list[bytes] = []
        self.envelopes: list[list[bytes]] = []
        self.port = 0
        #: Greetings refused first, one per connection (for example ``421`` or ``554``).
        self.refuse: list[int] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.refuse:
            code = self.refuse.pop(0)
            writer.write(f"{code} standin not now\r\n".encode())
            await writer.drain()
            writer.close()
            return
        writer.write(b"220 standin ESMTP\r\n")
        envelope: list[bytes] = []
        data: list[bytes] | None = None
        while True:
            await writer.drain()
            line = await reader.readline()
            if not line:
                break
            if data is not None:
                if line in (b".\r\n", b".\n"):
                    self.messages.append(b"".join(data))
                    self.envelopes.append(envelope)
                    envelope, data = [], None
                    writer.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                writer.write(b"250-standin\r\n250 8BITMIME\r\n")
            elif command.startswith((b"HELO", b"RSET", b"NOOP")):
                writer.write(b"250 ok\r\n")
            elif command.startswith((b"MAIL", b"RCPT")):
                envelope.append(line.strip())
                writer.write(b"250 ok\r\n")
            elif command == b"DATA":
                data = []
                writer.write(b"354 go ahead\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 not implemented\r\n")
        writer.close()


@pytest.fixture
async def smtp() -> AsyncIterator[SMTPStandIn]:
    stand_in = SMTPStandIn()
    server = await asyncio.start_server(stand_in.handle, "127.0.0.1", 0)
    stand_in.port = server.sockets[0].getsockname()[1]
    yield stand_in
    server.close()
    await server.wait_closed()


def settings_for(webhook_url: str = "", smtp_port: int = 0) -> Settings:
    return Settings(
        web_host="0.0.0.0",  # noqa: S104 - only used to build a link
        web_port=8080,
        notify_webhook_url=webhook_url,
        smtp_host="127.0.0.1" if smtp_port else "",
        smtp_port=smtp_port,
        notify_email_to="oncall@clinic.example",
        notify_email_from="assistant@clinic.example",
    )


def assert_no_patient_data(text: str) -> None:
    for secret in (
        PATIENT_TEXT,
        "pills",
        "555-0100",
        "555 0100",
        PHONE,
        "pregnant",
        "sender-secret-123",
    ):
        assert secret not in text
