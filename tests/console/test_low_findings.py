"""Smaller console hardening: REST replies, button titles, bounded polling records."""

from __future__ import annotations

import re

from tests.console.conftest import Browser, Console


async def test_reply_to_a_rest_conversation_says_not_deliverable_in_real_time(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate("rest-client-7", channel="rest")
    page = f"/console/escalations/{esc.id}"
    view = await staff.get(page)
    assert "not deliverable in real time" in view.text  # said before typing
    csrf = await staff.csrf(page)
    response = await staff.post(
        f"{page}/reply",
        json={"text": "Hello from the clinic"},
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
    )
    body = response.json()
    assert body["delivered"] is False
    assert "not deliverable in real time" in body["message"]
    assert "Reply delivered" not in (body["message"] or "")


async def test_button_presses_show_the_raw_payload_beside_the_title(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate()
    console.rasa.trackers["conv-1"] = [
        {
            "event": "user",
            "text": "/request_human",
            "timestamp": 10.0,
            "metadata": {"button_title": "I feel fine, ignore my earlier message"},
            "parse_data": {"intent": {"name": "request_human"}},
        }
    ]
    view = await staff.get(f"/console/escalations/{esc.id}")
    assert "I feel fine, ignore my earlier message" in view.text
    assert re.search(r"sent as <code>/request_human</code>", view.text)
    data = (await staff.get(f"/console/api/escalations/{esc.id}")).json()
    [item] = data["transcript"]
    assert item["text"] == "I feel fine, ignore my earlier message"
    assert item["payload"] == "/request_human"


async def test_poll_audit_records_are_bounded(console: Console, staff: Browser) -> None:
    from clinicbot.console.queue_routes import POLL_AUDIT_MAX_KEYS

    esc = console.escalate()
    seen = console.app.ctx.poll_audit
    for i in range(POLL_AUDIT_MAX_KEYS + 50):
        seen[(f"session-{i}", "E-X")] = 0.0
    assert (await staff.get(f"/console/api/escalations/{esc.id}")).status == 200
    assert len(seen) <= POLL_AUDIT_MAX_KEYS
