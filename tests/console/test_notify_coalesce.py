"""Coalesced urgent alerts: the first in a window at once, the rest in one summary after it.

Against the stand-in webhook of ``notify_stand_ins`` (it counts the requests it receives) and the
real escalation store, so that every escalation's recorded alert outcome is checked too.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clinicbot.notify import AlertCoalescer, alert_coalescer
from clinicbot.settings import Settings, load_settings
from clinicbot.store.escalations import Escalation
from tests.console.conftest import Console
from tests.console.notify_stand_ins import (
    FAST,
    PATIENT_TEXT,
    WebhookStandIn,
    assert_no_patient_data,
    settings_for,
)


def _urgent(console: Console, n: int, prefix: str = "conv") -> list[Escalation]:
    transcript = [{"role": "patient", "text": PATIENT_TEXT, "ts": 1.0}]
    return [
        console.escalate(f"{prefix}-{i}", reason="crisis", priority="urgent", transcript=transcript)
        for i in range(n)
    ]


def _status(console: Console, esc: Escalation) -> tuple[Any, Any]:
    stored = console.store.get(esc.id)
    assert stored is not None
    return stored.alert_status, stored.alert_detail


async def test_first_alert_at_once_the_rest_in_one_summary_after_the_window(
    webhook: WebhookStandIn, console: Console
) -> None:
    settings = settings_for(webhook.url)
    coalescer = AlertCoalescer(window=0.6, retry=FAST)
    first, *rest = _urgent(console, 5)

    await coalescer.alert(first, settings, console.store)
    assert len(webhook.received) == 1
    assert webhook.received[0]["escalation_id"] == first.id
    assert _status(console, first) == ("sent", "")

    for esc in rest:
        await coalescer.alert(esc, settings, console.store)
    # Within the window: nothing more sent, each one recorded as coalesced.
    assert len(webhook.received) == 1
    assert all(_status(console, esc)[0] == "coalesced" for esc in rest)

    await asyncio.sleep(1.2)  # the window ends; the summary goes out by itself
    assert len(webhook.received) == 2
    summary = webhook.received[1]
    assert summary["event"] == "escalation.urgent.summary"
    assert summary["count"] == 4
    assert summary["title"] == "4 new urgent escalations"
    assert summary["escalation_ids"] == [esc.id for esc in rest]
    assert summary["console_url"].endswith("/console/")
    assert_no_patient_data(webhook.raw[1].decode())
    assert all(_status(console, esc)[0] == "sent" for esc in rest)

    # A new window: the next urgent escalation is alerted at once again.
    (later,) = _urgent(console, 1, "later")
    await coalescer.alert(later, settings, console.store)
    assert len(webhook.received) == 3 and webhook.received[2]["escalation_id"] == later.id
    await coalescer.close()


async def test_a_failed_summary_is_recorded_on_every_escalation_it_covers(
    webhook: WebhookStandIn, console: Console
) -> None:
    settings = settings_for(webhook.url)
    coalescer = AlertCoalescer(window=60.0, retry=FAST)
    first, *rest = _urgent(console, 3)
    await coalescer.alert(first, settings, console.store)
    for esc in rest:
        await coalescer.alert(esc, settings, console.store)
    webhook.status = 503
    await coalescer.flush()  # ends the window now (as at shutdown)
    assert len(webhook.received) == 1 + FAST.attempts
    assert webhook.received[-1]["count"] == 2
    for esc in rest:
        status, detail = _status(console, esc)
        assert status == "failed" and "HTTP 503" in detail
    assert _status(console, first) == ("sent", "")
    await coalescer.close()


async def test_coalesced_alerts_never_wait_for_the_window(
    webhook: WebhookStandIn, console: Console
) -> None:
    settings = settings_for(webhook.url)
    coalescer = AlertCoalescer(window=600.0, retry=FAST)
    first, second = _urgent(console, 2)
    await coalescer.alert(first, settings, console.store)
    # A ten-minute window: the coalesced alert returns without waiting for it.
    await asyncio.wait_for(coalescer.alert(second, settings, console.store), 5.0)
    assert _status(console, second)[0] == "coalesced"
    assert len(webhook.received) == 1
    await coalescer.close()


async def test_memory_is_bounded_but_every_escalation_is_counted(
    webhook: WebhookStandIn, console: Console
) -> None:
    settings = settings_for(webhook.url)
    coalescer = AlertCoalescer(window=60.0, retry=FAST, max_ids=3)
    first, *rest = _urgent(console, 8)
    for esc in [first, *rest]:
        await coalescer.alert(esc, settings, console.store)
    assert coalescer.pending_count == 7 and len(coalescer.pending_ids) == 3
    await coalescer.flush()
    summary = webhook.received[-1]
    assert summary["count"] == 7 and summary["title"] == "7 new urgent escalations"
    assert len(summary["escalation_ids"]) == 3
    assert coalescer.pending_count == 0 and not coalescer.pending_ids
    await coalescer.close()


async def test_no_window_means_one_alert_each(webhook: WebhookStandIn, console: Console) -> None:
    coalescer = AlertCoalescer(window=0.0, retry=FAST)
    for esc in _urgent(console, 3):
        await coalescer.alert(esc, settings_for(webhook.url), console.store)
    assert len(webhook.received) == 3
    assert all(r["event"] == "escalation.urgent" for r in webhook.received)


def test_window_from_settings() -> None:
    assert Settings().notify_coalesce_seconds == 120.0
    assert load_settings({"NOTIFY_COALESCE_SECONDS": "30"}).notify_coalesce_seconds == 30.0
    assert alert_coalescer(45.0).window == 45.0
    assert alert_coalescer(45.0) is alert_coalescer(45.0)


async def test_the_actions_alert_through_the_process_coalescer(
    webhook: WebhookStandIn, console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions import handoff

    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("NOTIFY_COALESCE_SECONDS", "60")
    monkeypatch.setattr(handoff, "escalation_store", lambda: console.store)
    alert_coalescer.cache_clear()
    first, *rest = _urgent(console, 3)
    for esc in [first, *rest]:
        handoff.notify_in_background(esc)
    await asyncio.gather(*list(handoff._PENDING))
    assert len(webhook.received) == 1 and webhook.received[0]["escalation_id"] == first.id
    assert [_status(console, esc)[0] for esc in rest] == ["coalesced", "coalesced"]
    await alert_coalescer(60.0).flush()
    assert webhook.received[-1]["count"] == 2
    assert [_status(console, esc)[0] for esc in rest] == ["sent", "sent"]
    alert_coalescer.cache_clear()
