"""Staff actions: claim, reply, return to bot, resolve, notes; delivery through Rasa; audit."""

from __future__ import annotations

from typing import Any

from clinicbot.payload import make_payload
from clinicbot.store.audit import list_audit
from clinicbot.texts import text
from tests.console.conftest import Browser, Console


def staff_payload(esc_id: str) -> dict[str, Any]:
    return make_payload("handoff", escalation_id=esc_id, from_staff=True, staff_name="Dana")


async def post(browser: Browser, path: str, **fields: str) -> Any:
    csrf = await browser.csrf()
    return await browser.post(path, data={"csrf_token": csrf, **fields})


async def test_claim_joins_the_chat(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    response = await post(staff, f"/console/escalations/{esc.id}/claim")
    assert response.status == 303
    assert response.location == f"/console/escalations/{esc.id}?notice=claimed"
    stored = console.store.get(esc.id)
    assert stored is not None and stored.status == "claimed" and stored.claimed_by == "dana"
    assert console.rasa.appended == [
        (
            "conv-1",
            [
                {"event": "slot", "name": "handoff_active", "value": True},
                {
                    "event": "bot",
                    "text": "Dana from the clinic team has joined the chat.",
                    "data": {"custom": staff_payload(esc.id)},
                },
            ],
            "latest",
        )
    ]
    page = await staff.get(response.location)
    assert "You claimed this escalation" in page.text
    again = await post(staff, f"/console/escalations/{esc.id}/claim")
    assert again.location.endswith("?error=invalid_transition")
    assert len(console.rasa.appended) == 1
    actions = [a.action for a in list_audit(console.engine, escalation_id=esc.id)]
    assert "claim" in actions and "claim_rejected" in actions


async def test_reply_is_recorded_and_delivered(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    console.store.claim(esc.id, "dana")
    response = await post(staff, f"/console/escalations/{esc.id}/reply", text="Hello <there>")
    assert response.location.endswith("?notice=reply_sent")
    assert console.rasa.appended == [
        (
            "conv-1",
            [{"event": "bot", "text": "Hello <there>", "data": {"custom": staff_payload(esc.id)}}],
            "latest",
        )
    ]
    [note] = console.store.notes(esc.id)
    assert note.kind == "reply" and note.text == "Hello <there>" and note.delivered is True
    audit = list_audit(console.engine, action="reply")
    assert audit[0].detail["delivered"] is True
    assert "Hello" not in str(audit[0].detail)  # no message text in the audit log


async def test_reply_to_an_open_escalation_claims_it_first(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate()
    await post(staff, f"/console/escalations/{esc.id}/reply", text="Hi, Dana here.")
    [(conversation, events, channel)] = console.rasa.appended
    assert [e["event"] for e in events] == ["slot", "bot", "bot"]
    assert events[1]["text"] == "Dana from the clinic team has joined the chat."
    assert events[2]["text"] == "Hi, Dana here."
    assert console.store.get(esc.id).status == "claimed"  # type: ignore[union-attr]


async def test_reply_shows_an_error_when_rasa_is_unreachable(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate()
    console.store.claim(esc.id, "dana")
    console.rasa.down = True
    response = await post(staff, f"/console/escalations/{esc.id}/reply", text="Are you there?")
    assert response.location.endswith("?error=not_delivered")
    page = await staff.get(response.location)
    assert "NOT delivered to the patient" in page.text
    assert "(not delivered)" in page.text
    [note] = console.store.notes(esc.id)
    assert note.text == "Are you there?" and note.delivered is False
    assert list_audit(console.engine, action="reply")[0].detail["delivered"] is False


async def test_json_actions_with_the_csrf_header(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    csrf = await staff.csrf()
    response = await staff.post(
        f"/console/escalations/{esc.id}/reply",
        json={"text": "Via fetch"},
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
    )
    assert response.status == 200
    body = response.json()
    assert body["ok"] is True and body["delivered"] is True
    assert body["escalation"]["status"] == "claimed"
    console.rasa.down = True
    failed = await staff.post(
        f"/console/escalations/{esc.id}/reply",
        json={"text": "Again"},
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
    )
    body = failed.json()
    assert body["ok"] is False and body["error"] == "not_delivered"
    assert "NOT delivered" in body["message"]


async def test_return_to_bot(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    console.store.claim(esc.id, "dana")
    response = await post(staff, f"/console/escalations/{esc.id}/return")
    assert response.location.endswith("?notice=returned")
    assert console.store.get(esc.id).status == "returned_to_bot"  # type: ignore[union-attr]
    assert console.rasa.appended == [
        (
            "conv-1",
            [
                {"event": "slot", "name": "handoff_active", "value": False},
                {"event": "slot", "name": "safety_flag", "value": None},
                {
                    "event": "bot",
                    "text": text("back_to_bot"),
                    "data": {
                        "custom": make_payload("handoff", escalation_id=esc.id, from_staff=False)
                    },
                },
            ],
            "latest",
        )
    ]
    assert text("back_to_bot").startswith("You're back with the clinic's virtual assistant.")
    again = await post(staff, f"/console/escalations/{esc.id}/return")
    assert again.location.endswith("?error=invalid_transition")


async def test_resolve_with_and_without_telling_the_patient(
    console: Console, staff: Browser
) -> None:
    told = console.escalate("a")
    silent = console.escalate("b")
    await post(staff, f"/console/escalations/{told.id}/resolve", notify_patient="1")
    await post(staff, f"/console/escalations/{silent.id}/resolve", notify_patient="0")
    assert [len(events) for _, events, _ in console.rasa.appended] == [3, 2]
    assert console.rasa.appended[1][1] == [
        {"event": "slot", "name": "handoff_active", "value": False},
        {"event": "slot", "name": "safety_flag", "value": None},
    ]
    assert console.store.get(told.id).status == "resolved"  # type: ignore[union-attr]
    twice = await post(staff, f"/console/escalations/{told.id}/resolve")
    assert twice.location.endswith("?error=invalid_transition")
    closed_reply = await post(staff, f"/console/escalations/{told.id}/reply", text="late")
    assert closed_reply.location.endswith("?error=closed")


async def test_state_changes_even_when_rasa_is_down(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    console.rasa.down = True
    response = await post(staff, f"/console/escalations/{esc.id}/claim")
    assert response.location.endswith("?error=not_delivered")
    assert console.store.get(esc.id).status == "claimed"  # type: ignore[union-attr]
    response = await post(staff, f"/console/escalations/{esc.id}/resolve")
    assert response.location.endswith("?error=not_delivered")
    assert console.store.get(esc.id).status == "resolved"  # type: ignore[union-attr]


async def test_notes(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    response = await post(staff, f"/console/escalations/{esc.id}/note", text="Called back.")
    assert response.location.endswith("?notice=note_added")
    empty = await post(staff, f"/console/escalations/{esc.id}/note", text="   ")
    assert empty.location.endswith("?error=empty")
    too_long = await post(staff, f"/console/escalations/{esc.id}/note", text="x" * 4001)
    assert too_long.location.endswith("?error=too_long")
    assert [n.text for n in console.store.notes(esc.id)] == ["Called back."]
    assert console.rasa.appended == []  # notes never reach the patient
    assert "Called back." in (await staff.get(f"/console/escalations/{esc.id}")).text


async def test_every_action_is_audited(console: Console, staff: Browser) -> None:
    esc = console.escalate()
    await post(staff, f"/console/escalations/{esc.id}/note", text="n")
    await post(staff, f"/console/escalations/{esc.id}/claim")
    await post(staff, f"/console/escalations/{esc.id}/reply", text="r")
    await post(staff, f"/console/escalations/{esc.id}/return")
    actions = [a.action for a in reversed(list_audit(console.engine, escalation_id=esc.id))]
    assert [a for a in actions if a != "view_escalation"] == [
        "add_note",
        "claim",
        "reply",
        "return_to_bot",
    ]
    assert all(a.actor == "dana" for a in list_audit(console.engine, escalation_id=esc.id))
