"""Urgent notifications against local stand-ins: a webhook (aiohttp) and a tiny SMTP server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiohttp import web

from clinicbot.notify import console_base_url, notification_content, notify_urgent
from clinicbot.settings import Settings
from clinicbot.store.escalations import Escalation
from clinicbot.store.schema import utcnow

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
        self.delay = 0.0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        body = await request.read()
        self.raw.append(body)
        self.received.append(await request.json())
        return web.Response(status=self.status, text="ok")


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookStandIn]:
    stand_in = WebhookStandIn()
    app = web.Application()
    app.router.add_post("/hook", stand_in.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    stand_in.url = f"http://{host}:{port}/hook"
    yield stand_in
    await runner.cleanup()


class SMTPStandIn:
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        """Starts empty."""
        self.messages: list[bytes] = []
        self.envelopes: list[list[bytes]] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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


async def test_webhook_and_email_are_sent_without_patient_data(
    webhook: WebhookStandIn, smtp: SMTPStandIn
) -> None:
    result = await notify_urgent(make_escalation(), settings_for(webhook.url, smtp.port))
    assert result.webhook_attempted and result.webhook_ok
    assert result.email_attempted and result.email_ok
    assert result.ok and result.errors == []

    payload = webhook.received[0]
    assert payload["escalation_id"] == "E-7K3QX9"
    assert payload["priority"] == "urgent"
    assert payload["reason"] == "emergency"
    assert payload["reasons"] == ["emergency", "patient_request"]
    assert payload["console_url"] == "http://127.0.0.1:8080/console/escalations/E-7K3QX9"
    assert_no_patient_data(webhook.raw[0].decode())

    raw = smtp.messages[0]
    mail: Message = message_from_bytes(raw)
    assert "E-7K3QX9" in mail["Subject"] and "URGENT" in mail["Subject"]
    assert mail["To"] == "oncall@clinic.example"
    body = raw.decode()
    assert "http://127.0.0.1:8080/console/escalations/E-7K3QX9" in body
    assert "emergency" in body
    assert_no_patient_data(body)
    assert b"to:<oncall@clinic.example>" in b" ".join(smtp.envelopes[0]).lower()


async def test_only_configured_channels_are_tried(webhook: WebhookStandIn) -> None:
    result = await notify_urgent(make_escalation(), settings_for(webhook.url))
    assert result.webhook_ok and not result.email_attempted
    nothing = await notify_urgent(make_escalation(), Settings())
    assert not nothing.attempted and not nothing.ok and nothing.errors == []


async def test_failures_are_reported_not_raised(webhook: WebhookStandIn) -> None:
    webhook.status = 500
    result = await notify_urgent(make_escalation(), settings_for(webhook.url))
    assert result.webhook_attempted and not result.webhook_ok
    assert result.errors == ["webhook: HTTP 500"]

    # Nothing listens on these ports any more.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    result = await notify_urgent(
        make_escalation(), settings_for(f"http://127.0.0.1:{port}/hook", port), timeout=2
    )
    assert result.webhook_attempted and result.email_attempted and not result.ok
    assert len(result.errors) == 2


async def test_timeouts_are_bounded(webhook: WebhookStandIn) -> None:
    webhook.delay = 5
    started = time.monotonic()
    result = await notify_urgent(make_escalation(), settings_for(webhook.url), timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert not result.webhook_ok and result.errors


async def test_never_raises_on_odd_input() -> None:
    result = await notify_urgent(object(), settings_for("http://127.0.0.1:9/x"), timeout=0.5)
    assert not result.ok


def test_free_text_never_leaks_through_reason_or_channel() -> None:
    content = notification_content(
        make_escalation(reasons=["crisis", PATIENT_TEXT], channel="<b>sms</b>"), "https://c"
    )
    assert content["reasons"] == ["crisis", "other"] and content["channel"] == "other"
    assert_no_patient_data(str(content))
    assert notification_content(make_escalation(id="<x>"), "https://c")["escalation_id"] == (
        "unknown"
    )


def test_console_base_url() -> None:
    assert console_base_url(Settings(web_host="10.1.2.3", web_port=9000)) == "http://10.1.2.3:9000"
    assert console_base_url(Settings(web_host="::", web_port=80)) == "http://127.0.0.1:80"
