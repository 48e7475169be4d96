"""What the console's route modules share.

Messages, page rendering, audit rows, and the JSON shapes of escalations, transcripts and notes.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse, json, redirect

from clinicbot.console.render import format_ts, render
from clinicbot.console.security import wants_json
from clinicbot.console.stores import stores
from clinicbot.store.escalations import MAX_NOTE_LENGTH, Escalation, Note, is_escalation_id
from clinicbot.store.staff import StaffUser

NOTICES = {
    "claimed": "You claimed this escalation. The patient was told you joined the chat.",
    "resolved": "Escalation resolved. The conversation is back with the assistant.",
    "returned": "Conversation returned to the assistant. The patient was told.",
    "note_added": "Internal note saved.",
    "reply_sent": "Reply delivered to the patient.",
}
ERRORS = {
    "not_delivered": (
        "Saved, but NOT delivered to the patient: the assistant (Rasa) is unreachable. "
        "Try again, or contact the patient another way."
    ),
    "invalid_transition": (
        "That action is not possible in the escalation's current state (someone may have "
        "acted on it already). The page shows the current state."
    ),
    "closed": "This escalation is closed; replies can no longer be sent from it.",
    "empty": "Type a message first.",
    "too_long": f"Messages are limited to {MAX_NOTE_LENGTH} characters.",
    "not_realtime": (
        "Saved in the conversation, but not deliverable in real time: this patient wrote "
        "through the REST API, which cannot receive messages. They see it only if their app "
        "fetches the conversation; contact them another way if it matters."
    ),
}

#: What the console says about an urgent alert that did not reach staff (see clinicbot.notify).
ALERT_LABELS = {
    "failed": "Staff alert FAILED",
    "partial": "Staff alert partly failed",
}


def current_user(request: Request) -> StaffUser:
    """The signed-in staff member (set by ``@authorized``)."""
    user: StaffUser = request.ctx.user
    return user


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Renders a console page with the user and the session's CSRF token."""
    session = getattr(request.ctx, "session", None)
    context.setdefault("user", getattr(request.ctx, "user", None))
    context.setdefault("csrf_token", session.csrf_token if session else "")
    return render(template, status=status, **context)


async def write_audit(
    request: Request,
    action: str,
    escalation_id: str | None = None,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Writes an audit row for the signed-in user (or ``actor``) in a worker thread."""
    user = getattr(request.ctx, "user", None)
    who = actor or (user.username if user else "anonymous")
    await stores(request).audit.write(who, action, escalation_id, detail)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def summary(esc: Escalation) -> dict[str, Any]:
    """An escalation as the queue and the JSON API show it."""
    return {
        "id": esc.id,
        "status": esc.status,
        "priority": esc.priority,
        "reasons": esc.reasons,
        "channel": esc.channel,
        "created_at": _iso(esc.created_at),
        "created": format_ts(esc.created_at),
        "updated_at": _iso(esc.updated_at),
        "claimed_by": esc.claimed_by,
        "claimed_at": _iso(esc.claimed_at),
        "resolved_at": _iso(esc.resolved_at),
        "resolved_by": esc.resolved_by,
        "url": f"/console/escalations/{esc.id}",
        "alert_status": esc.alert_status,
        "alert_detail": esc.alert_detail,
        "alert_at": _iso(esc.alert_at),
        "alert": ALERT_LABELS.get(esc.alert_status or "", ""),
    }


def detail_rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An escalation's details as (key, shown value) rows."""
    rows = []
    for key, value in details.items():
        if isinstance(value, (dict, list)):
            shown = jsonlib.dumps(value, ensure_ascii=False, indent=2)
        else:
            shown = "" if value is None else str(value)
        rows.append((str(key), shown))
    return rows


def transcript_items(transcript: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Transcript messages with the fields the page and the JSON API show."""
    return [
        {
            "role": str(item.get("role") or "bot"),
            "text": str(item.get("text") or ""),
            "time": format_ts(item.get("ts")),
            "kind": item.get("kind"),
            "kb_id": item.get("kb_id"),
            "staff_name": item.get("staff_name"),
            "payload": item.get("payload"),
        }
        for item in transcript
    ]


def note_items(notes: list[Note]) -> list[dict[str, Any]]:
    """Notes and staff replies with the fields the page and the JSON API show."""
    return [
        {
            "id": n.id,
            "author": n.author,
            "kind": n.kind,
            "text": n.text,
            "delivered": n.delivered,
            "time": format_ts(n.created_at),
        }
        for n in notes
    ]


async def get_escalation(request: Request, escalation_id: str) -> Escalation | None:
    """The escalation with that id; None for a malformed or unknown id."""
    if not is_escalation_id(escalation_id):
        return None
    return await stores(request).escalations.get(escalation_id)


def not_found(request: Request) -> HTTPResponse:
    """404 for an unknown escalation (JSON or a page)."""
    if wants_json(request):
        return json({"error": "not_found"}, status=404)
    return page(
        request,
        "error.html",
        status=404,
        title="Not found",
        message="There is no escalation with that id.",
    )


async def done(
    request: Request,
    escalation_id: str,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    delivered: bool | None = None,
) -> HTTPResponse:
    """Answers a staff action: JSON for scripts, a redirect back to the page for forms."""
    if wants_json(request):
        esc = await stores(request).escalations.get(escalation_id)
        return json(
            {
                "ok": error is None,
                "notice": notice,
                "error": error,
                "message": ERRORS.get(error or "") or NOTICES.get(notice or ""),
                "delivered": delivered,
                "escalation": summary(esc) if esc else None,
            },
            status=status,
        )
    query = f"?error={error}" if error else (f"?notice={notice}" if notice else "")
    return redirect(f"/console/escalations/{escalation_id}{query}", status=303)


def text_error(text: str | None) -> str | None:
    """The error code for a note or reply text (``empty``, ``too_long``), or None."""
    text = (text or "").strip()
    if not text:
        return "empty"
    if len(text) > MAX_NOTE_LENGTH:
        return "too_long"
    return None
