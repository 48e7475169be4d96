"""Queue page and API, conversation view, live transcript, fallback, escaping, audit."""

from __future__ import annotations

from typing import Any

from clinicbot.payload import make_payload
from clinicbot.store.audit import list_audit
from tests.console.conftest import Browser, Console

XSS = "<script>alert(1)</script>"


def tracker_events() -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": "action_listen", "timestamp": 1_700_000_000.0},
        {
            "event": "user",
            "text": XSS,
            "timestamp": 1_700_000_001.0,
            "parse_data": {"intent": {"name": "ask_prep"}},
        },
        {
            "event": "bot",
            "text": "Please fast for 4 hours before your session.",
            "timestamp": 1_700_000_002.0,
            "data": {"custom": make_payload("answer", kb_id="prep-fasting", sources=["s"])},
        },
        {
            "event": "bot",
            "text": "Hi, this is Dana.",
            "timestamp": 1_700_000_003.0,
            "data": {
                "custom": make_payload(
                    "handoff", escalation_id="E-X", from_staff=True, staff_name="Dana"
                )
            },
        },
    ]


async def test_queue_page_and_api_order(console: Console, staff: Browser) -> None:
    normal = console.escalate("n1")
    urgent = console.escalate("u1", reason="crisis", priority="urgent")
    closed = console.escalate("c1")
    console.store.resolve(closed.id, "dana")
    page = await staff.get("/console/")
    assert page.status == 200
    assert page.text.index(urgent.id) < page.text.index(normal.id)
    assert closed.id not in page.text
    assert 'data-api="/console/api/queue"' in page.text
    data = (await staff.get("/console/api/queue")).json()
    assert [e["id"] for e in data["escalations"]] == [urgent.id, normal.id]
    first = data["escalations"][0]
    assert first["priority"] == "urgent" and first["reasons"] == ["crisis"]
    assert first["url"] == f"/console/escalations/{urgent.id}"
    assert "transcript" not in first and "details" not in first  # no patient data in the queue


async def test_conversation_view_shows_the_live_transcript_escaped(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate(details={"phone": "+1 555 0100", "screening": {"pregnant": "no"}})
    console.rasa.trackers["conv-1"] = tracker_events()
    page = await staff.get(f"/console/escalations/{esc.id}")
    assert page.status == 200
    assert XSS not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Please fast for 4 hours" in page.text and "Hi, this is Dana." in page.text
    assert "prep-fasting" in page.text
    assert "+1 555 0100" in page.text and "pregnant" in page.text  # details, signed in only
    assert "could not be reached" in page.text and 'id="snapshot-note" class="warning" hidden' in (
        page.text
    )
    assert page.headers["Cache-Control"] == "no-store"
    audit = list_audit(console.engine, escalation_id=esc.id)
    assert [(a.actor, a.action, a.detail) for a in audit] == [
        ("dana", "view_escalation", {"transcript": "live"})
    ]


async def test_transcript_api_returns_json_and_audits_sparingly(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate()
    console.rasa.trackers["conv-1"] = tracker_events()
    first = await staff.get(f"/console/api/escalations/{esc.id}")
    assert first.status == 200
    data = first.json()
    assert data["live"] is True
    assert data["transcript"][0] == {
        "role": "patient",
        "text": XSS,  # raw in JSON; the page's script inserts it with textContent
        "time": "2023-11-14 22:13:21 UTC",
        "kind": None,
        "kb_id": None,
        "staff_name": None,
        "payload": None,  # typed text, not a button press
    }
    assert [m["role"] for m in data["transcript"]] == ["patient", "bot", "staff"]
    assert data["kb_topics"] == ["prep-fasting"]
    assert data["escalation"]["id"] == esc.id
    assert first.headers["Content-Type"].startswith("application/json")
    await staff.get(f"/console/api/escalations/{esc.id}")
    views = [a.action for a in list_audit(console.engine, escalation_id=esc.id)]
    assert views == ["view_transcript"]  # polling is audited once per 5 minutes per session


async def test_snapshot_is_shown_when_rasa_is_unreachable(console: Console, staff: Browser) -> None:
    esc = console.escalate(transcript=[{"role": "patient", "text": "snapshot <b>text</b>"}])
    console.rasa.down = True
    page = await staff.get(f"/console/escalations/{esc.id}")
    assert page.status == 200
    assert "snapshot &lt;b&gt;text&lt;/b&gt;" in page.text
    assert 'id="snapshot-note" class="warning">' in page.text  # visible (not hidden)
    data = (await staff.get(f"/console/api/escalations/{esc.id}")).json()
    assert data["live"] is False and data["transcript"][0]["text"] == "snapshot <b>text</b>"
    details = [a.detail for a in list_audit(console.engine, escalation_id=esc.id)]
    assert {"transcript": "snapshot"} in details


async def test_unknown_escalations_are_404(console: Console, staff: Browser) -> None:
    assert (await staff.get("/console/escalations/E-AAAAAA")).status == 404
    assert (await staff.get("/console/escalations/not-an-id")).status == 404
    assert (await staff.get("/console/api/escalations/E-AAAAAA")).status == 404
    csrf = await staff.csrf()
    missing = await staff.post("/console/escalations/E-AAAAAA/claim", data={"csrf_token": csrf})
    assert missing.status == 404


async def test_notes_are_escaped(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    console.store.add_note(esc.id, "dana", XSS)
    page = await staff.get(f"/console/escalations/{esc.id}")
    assert XSS not in page.text and "&lt;script&gt;" in page.text
