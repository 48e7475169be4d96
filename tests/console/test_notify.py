"""Urgent notifications against local stand-ins: a webhook (aiohttp) and a tiny SMTP server.

The stand-ins and the ``webhook`` / ``smtp`` fixtures are in ``notify_stand_ins.py``.
"""

from __future__ import annotations

import asyncio
import time
from email import message_from_bytes
from email.message import Message

import pytest

from clinicbot.notify import (
    AlertRetry,
    alert_staff,
    console_base_url,
    notification_content,
    notify_urgent,
)
from clinicbot.settings import Settings
from tests.console.conftest import Browser, Console
from tests.console.notify_stand_ins import (
    FAST,
    PATIENT_TEXT,
    SMTPStandIn,
    WebhookStandIn,
    assert_no_patient_data,
    make_escalation,
    settings_for,
)


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
    result = await notify_urgent(make_escalation(), settings_for(webhook.url), retry=FAST)
    assert result.webhook_attempted and not result.webhook_ok
    assert result.errors == ["webhook: HTTP 500"]
    assert len(webhook.received) == 3 and result.webhook_tries == 3  # retried, then given up
    assert result.status == "failed"

    # Nothing listens on these ports any more.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    result = await notify_urgent(
        make_escalation(),
        settings_for(f"http://127.0.0.1:{port}/hook", port),
        timeout=2,
        retry=FAST,
    )
    assert result.webhook_attempted and result.email_attempted and not result.ok
    assert len(result.errors) == 2
    assert result.webhook_tries == 3 and result.email_tries == 3  # connection refused: retried


async def test_timeouts_are_bounded(webhook: WebhookStandIn) -> None:
    webhook.delay = 5
    started = time.monotonic()
    result = await notify_urgent(
        make_escalation(), settings_for(webhook.url), timeout=0.5, retry=FAST
    )
    # Three tries of at most 0.5 s each, plus the short waits between them.
    assert time.monotonic() - started < 2.5
    assert not result.webhook_ok and result.errors and result.webhook_tries == 3


async def test_a_webhook_that_fails_twice_then_works_is_retried_with_growing_waits(
    webhook: WebhookStandIn,
) -> None:
    webhook.script = [503, 503]
    retry = AlertRetry(attempts=4, first_delay=0.2, factor=2.0, max_delay=5)
    result = await notify_urgent(make_escalation(), settings_for(webhook.url), retry=retry)
    assert result.webhook_ok and result.ok and result.status == "sent"
    assert result.webhook_tries == 3 and len(webhook.received) == 3
    assert all(r["escalation_id"] == "E-7K3QX9" for r in webhook.received)
    first_wait = webhook.times[1] - webhook.times[0]
    second_wait = webhook.times[2] - webhook.times[1]
    assert 0.15 <= first_wait < 1.0 and 0.35 <= second_wait < 1.5
    assert second_wait > first_wait  # exponential backoff


async def test_a_webhook_rejecting_the_alert_is_not_retried(webhook: WebhookStandIn) -> None:
    webhook.status = 400
    result = await notify_urgent(make_escalation(), settings_for(webhook.url), retry=FAST)
    assert not result.webhook_ok and result.webhook_tries == 1
    assert result.errors == ["webhook: HTTP 400"]


async def test_email_is_retried_on_temporary_smtp_failures(smtp: SMTPStandIn) -> None:
    smtp.refuse = [421, 421]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    retry = AlertRetry(attempts=4, first_delay=1.0, factor=2.0, max_delay=30)
    result = await notify_urgent(
        make_escalation(), settings_for("", smtp.port), retry=retry, sleep=sleep
    )
    assert result.email_ok and result.email_tries == 3 and smtp.connections == 3
    assert len(smtp.messages) == 1
    assert waits == [1.0, 2.0]


async def test_email_is_not_retried_on_a_permanent_smtp_refusal(smtp: SMTPStandIn) -> None:
    smtp.refuse = [554]
    result = await notify_urgent(make_escalation(), settings_for("", smtp.port), retry=FAST)
    assert not result.email_ok and result.email_tries == 1 and smtp.connections == 1
    assert result.errors == ["email: SMTPConnectError"]


async def test_one_channel_failing_is_a_partial_alert(
    webhook: WebhookStandIn, smtp: SMTPStandIn
) -> None:
    webhook.status = 500
    result = await notify_urgent(
        make_escalation(), settings_for(webhook.url, smtp.port), retry=FAST
    )
    assert result.email_ok and not result.webhook_ok and result.status == "partial"


async def test_a_failed_alert_is_recorded_and_shown_in_the_console(
    webhook: WebhookStandIn, console: Console, staff: Browser
) -> None:
    webhook.status = 503
    esc = console.escalate("conv-failed", reason="crisis", priority="urgent")
    other = console.escalate("conv-ok", reason="crisis", priority="urgent")
    result = await alert_staff(esc, settings_for(webhook.url), console.store, retry=FAST)
    assert result.status == "failed" and len(webhook.received) == 3
    webhook.status = 200
    assert (await alert_staff(other, settings_for(webhook.url), console.store)).ok

    stored = console.store.get(esc.id)
    assert stored is not None and stored.alert_status == "failed"
    assert stored.alert_detail == "webhook: HTTP 503" and stored.alert_at is not None
    sent = console.store.get(other.id)
    assert sent is not None and sent.alert_status == "sent" and sent.alert_detail == ""

    queue = (await staff.get("/console/api/queue")).json()["escalations"]
    by_id = {e["id"]: e for e in queue}
    assert by_id[esc.id]["alert_status"] == "failed"
    assert by_id[esc.id]["alert"] == "Staff alert FAILED"
    assert by_id[other.id]["alert"] == ""
    page = (await staff.get("/console/")).text
    row = page[page.index(esc.id) : page.index("</tr>", page.index(esc.id))]
    assert "Staff alert FAILED" in row and "badge-alert-failed" in row
    other_row = page[page.index(other.id) : page.index("</tr>", page.index(other.id))]
    assert "Staff alert" not in other_row
    view = (await staff.get(f"/console/escalations/{esc.id}")).text
    assert 'id="alert-status"' in view and "webhook: HTTP 503" in view
    assert 'id="alert-status"' not in (await staff.get(f"/console/escalations/{other.id}")).text


async def test_alert_staff_records_nothing_when_no_channel_is_configured(
    console: Console,
) -> None:
    esc = console.escalate("conv-none", reason="crisis", priority="urgent")
    result = await alert_staff(esc, Settings(), console.store)
    assert not result.attempted
    stored = console.store.get(esc.id)
    assert stored is not None and stored.alert_status is None


async def test_never_raises_on_odd_input() -> None:
    result = await notify_urgent(
        object(), settings_for("http://127.0.0.1:9/x"), timeout=0.5, retry=FAST
    )
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


async def test_the_action_server_records_the_alert_outcome(
    webhook: WebhookStandIn, console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions import handoff

    webhook.script = [502]  # one failure, then the retry gets through
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", webhook.url)
    monkeypatch.setattr(handoff, "escalation_store", lambda: console.store)
    monkeypatch.setattr(
        "clinicbot.notify.alerts.AlertRetry", lambda: AlertRetry(attempts=3, first_delay=0.01)
    )
    esc = console.escalate("conv-bg", reason="crisis", priority="urgent")
    handoff.notify_in_background(esc)
    await asyncio.gather(*list(handoff._PENDING))
    stored = console.store.get(esc.id)
    assert stored is not None and stored.alert_status == "sent"
    assert len(webhook.received) == 2
