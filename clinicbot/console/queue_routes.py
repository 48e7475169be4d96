"""Console routes for the escalation queue, one conversation, and the staff actions on it.

Actions: claim, resolve, return to the assistant, internal note, reply to the patient.

Every transcript view and every action writes an audit row. Patient text is only ever rendered
through autoescaping templates or ``textContent`` in the browser.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from sanic import Request
from sanic.response import HTTPResponse, json

from clinicbot.console.common import (
    ERRORS,
    NOTICES,
    current_user,
    detail_rows,
    done,
    get_escalation,
    not_found,
    note_items,
    page,
    summary,
    text_error,
    transcript_items,
    write_audit,
)
from clinicbot.console.handoff import back_to_bot_events, joined_events, staff_message_event
from clinicbot.console.security import authorized, field
from clinicbot.console.stores import stores
from clinicbot.rasa_client import RasaAPIError
from clinicbot.store.escalations import OPEN, Escalation, EscalationNotFound, InvalidTransition
from clinicbot.transcript import kb_topics_used, transcript_from_events

#: Minimum seconds between two audit rows for the live transcript polling of one session.
POLL_AUDIT_INTERVAL = 300.0
#: Most (session, escalation) pairs remembered for the polling audit rows.
POLL_AUDIT_MAX_KEYS = 5000
#: Channels that cannot receive a message the patient did not ask for (no push).
NO_PUSH_CHANNELS = frozenset({"rest"})


async def _live_transcript(request: Request, esc: Escalation) -> tuple[list[dict[str, Any]], bool]:
    """Fetches the live transcript, or falls back to the stored snapshot.

    Returns:
        The transcript and whether it is live.
    """
    try:
        tracker = await request.app.ctx.rasa.get_tracker(esc.conversation_id)
        events = tracker.get("events") or []
        live = transcript_from_events(events)
    except (RasaAPIError, aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
        return esc.transcript, False
    if not live and esc.transcript:
        return esc.transcript, False
    return live, True


async def _deliver(request: Request, esc: Escalation, events: list[dict[str, Any]]) -> bool:
    """Appends events to the patient's conversation; never raises.

    Returns:
        True if Rasa accepted them.
    """
    try:
        await request.app.ctx.rasa.append_events(
            esc.conversation_id, events, output_channel="latest"
        )
    except Exception:  # noqa: BLE001 - any failure means "not delivered"
        return False
    return True


def _topics(esc: Escalation, transcript: list[dict[str, Any]]) -> list[str]:
    topics = list(esc.kb_topics)
    return topics + [t for t in kb_topics_used(transcript) if t not in topics]


# ------------------------------------------------------------------------------- queue


@authorized()
async def queue_page(request: Request) -> HTTPResponse:
    """GET /console/: open and claimed escalations, urgent first, then oldest."""
    items = [summary(e) for e in await stores(request).escalations.queue()]
    return page(request, "queue.html", title="Queue", escalations=items)


@authorized(touch=False)
async def api_queue(request: Request) -> HTTPResponse:
    """GET /console/api/queue: the queue as JSON (polled; not counted as activity)."""
    items = [summary(e) for e in await stores(request).escalations.queue()]
    return json({"escalations": items})


# ------------------------------------------------------------------------------- conversation


@authorized()
async def escalation_page(request: Request, escalation_id: str) -> HTTPResponse:
    """GET /console/escalations/<id>: details, live transcript, notes and actions."""
    esc = await get_escalation(request, escalation_id)
    if esc is None:
        return not_found(request)
    transcript, live = await _live_transcript(request, esc)
    notes = await stores(request).escalations.notes(esc.id)
    await write_audit(
        request, "view_escalation", esc.id, {"transcript": "live" if live else "snapshot"}
    )
    return page(
        request,
        "escalation.html",
        title=f"Escalation {esc.id}",
        esc=summary(esc),
        details=detail_rows(esc.details),
        transcript=transcript_items(transcript),
        live=live,
        kb_topics=_topics(esc, transcript),
        notes=note_items(notes),
        is_active=esc.is_active,
        is_open=esc.status == OPEN,
        no_push=esc.channel in NO_PUSH_CHANNELS,
        notice=NOTICES.get(request.args.get("notice") or ""),
        error=ERRORS.get(request.args.get("error") or ""),
    )


@authorized(touch=False)
async def api_escalation(request: Request, escalation_id: str) -> HTTPResponse:
    """GET /console/api/escalations/<id>: state, transcript and notes as JSON (polled)."""
    esc = await get_escalation(request, escalation_id)
    if esc is None:
        return not_found(request)
    transcript, live = await _live_transcript(request, esc)
    key = (request.ctx.session.token_hash, esc.id)
    seen: dict[tuple[str, str], float] = request.app.ctx.poll_audit
    now = time.monotonic()
    if now - seen.get(key, -POLL_AUDIT_INTERVAL) >= POLL_AUDIT_INTERVAL:
        seen.pop(key, None)
        seen[key] = now
        while len(seen) > POLL_AUDIT_MAX_KEYS:
            del seen[next(iter(seen))]  # the oldest first
        await write_audit(
            request, "view_transcript", esc.id, {"transcript": "live" if live else "snapshot"}
        )
    return json(
        {
            "escalation": summary(esc),
            "transcript": transcript_items(transcript),
            "live": live,
            "kb_topics": _topics(esc, transcript),
            "notes": note_items(await stores(request).escalations.notes(esc.id)),
        }
    )


# ------------------------------------------------------------------------------- actions


@authorized()
async def claim(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/claim: take the conversation over from the assistant."""
    if await get_escalation(request, escalation_id) is None:
        return not_found(request)
    user = current_user(request)
    try:
        esc = await stores(request).escalations.claim(escalation_id, user.username)
    except InvalidTransition:
        await write_audit(request, "claim_rejected", escalation_id)
        return await done(request, escalation_id, error="invalid_transition", status=409)
    delivered = await _deliver(request, esc, joined_events(esc.id, user.display_name))
    await write_audit(request, "claim", esc.id, {"delivered": delivered})
    if not delivered:
        return await done(request, esc.id, error="not_delivered", delivered=False)
    return await done(request, esc.id, notice="claimed", delivered=True)


async def _close(request: Request, escalation_id: str, action: str) -> HTTPResponse:
    if await get_escalation(request, escalation_id) is None:
        return not_found(request)
    user = current_user(request)
    escalations = stores(request).escalations
    tell = True
    if action == "resolve":
        tell = (field(request, "notify_patient") or "1") not in ("0", "false", "no")
    try:
        if action == "resolve":
            esc = await escalations.resolve(escalation_id, user.username)
        else:
            esc = await escalations.return_to_bot(escalation_id, user.username)
    except InvalidTransition:
        await write_audit(request, f"{action}_rejected", escalation_id)
        return await done(request, escalation_id, error="invalid_transition", status=409)
    delivered = await _deliver(request, esc, back_to_bot_events(esc.id, tell_patient=tell))
    await write_audit(request, action, esc.id, {"delivered": delivered, "told_patient": tell})
    notice = "resolved" if action == "resolve" else "returned"
    if not delivered:
        return await done(request, esc.id, error="not_delivered", delivered=False)
    return await done(request, esc.id, notice=notice, delivered=True)


@authorized()
async def resolve(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/resolve: close it; the assistant takes over again.

    Form field ``notify_patient`` = ``0`` skips the "back with the assistant" message (for a
    patient who has left); the slots are reset either way.
    """
    return await _close(request, escalation_id, "resolve")


@authorized()
async def return_to_bot(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/return: hand the conversation back to the assistant."""
    return await _close(request, escalation_id, "return_to_bot")


@authorized()
async def add_note(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/note: an internal note (never sent to the patient)."""
    if await get_escalation(request, escalation_id) is None:
        return not_found(request)
    text = field(request, "text")
    problem = text_error(text)
    if problem:
        return await done(request, escalation_id, error=problem, status=400)
    note = await stores(request).escalations.add_note(
        escalation_id, current_user(request).username, text or ""
    )
    await write_audit(
        request, "add_note", escalation_id, {"note_id": note.id, "chars": len(note.text)}
    )
    return await done(request, escalation_id, notice="note_added")


@authorized()
async def reply(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/reply: send a message to the patient in their chat.

    Replying to an open escalation claims it first (the patient sees the "has joined" message
    before the reply). The reply is recorded before delivery, so it is kept even when Rasa is
    unreachable; the page then says it was not delivered.
    """
    esc = await get_escalation(request, escalation_id)
    if esc is None:
        return not_found(request)
    text = field(request, "text")
    problem = text_error(text)
    if problem:
        return await done(request, escalation_id, error=problem, status=400)
    if not esc.is_active:
        return await done(request, escalation_id, error="closed", status=409)
    user = current_user(request)
    escalations = stores(request).escalations
    events: list[dict[str, Any]] = []
    if esc.status == OPEN:
        try:
            esc = await escalations.claim(esc.id, user.username)
            events += joined_events(esc.id, user.display_name)
            await write_audit(request, "claim", esc.id, {"via": "reply"})
        except InvalidTransition:
            pass  # someone else claimed it meanwhile: reply all the same
    try:
        note = await escalations.record_staff_reply(esc.id, user.username, text or "")
    except (InvalidTransition, EscalationNotFound):
        return await done(request, escalation_id, error="closed", status=409)
    events.append(staff_message_event(esc.id, user.display_name, note.text))
    appended = await _deliver(request, esc, events)
    # REST clients only get replies to their own requests: the reply is in the conversation
    # but reaches nobody now.
    realtime = esc.channel not in NO_PUSH_CHANNELS
    delivered = appended and realtime
    await escalations.set_reply_delivered(note.id, delivered)
    await write_audit(
        request,
        "reply",
        esc.id,
        {"note_id": note.id, "chars": len(note.text), "delivered": delivered},
    )
    if appended and not realtime:
        return await done(request, esc.id, error="not_realtime", delivered=False)
    if not delivered:
        return await done(request, esc.id, error="not_delivered", delivered=False)
    return await done(request, esc.id, notice="reply_sent", delivered=True)
