"""The staff console: sign-in, the escalation queue, conversation views and staff actions.

Every page needs a signed-in staff member (see :func:`clinicbot.console.security.authorized`);
every transcript view and every action writes an audit row. Patient text is only ever rendered
through autoescaping templates or ``textContent`` in the browser.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, redirect

from clinicbot.console.handoff import (
    back_to_bot_events,
    joined_events,
    staff_message_event,
)
from clinicbot.console.render import STATIC_DIR, format_ts, render
from clinicbot.console.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    authorized,
    clear_cookie,
    client_ip,
    field,
    forbidden,
    safe_next,
    set_cookie,
    tokens_equal,
    wants_json,
)
from clinicbot.rasa_client import RasaAPIError
from clinicbot.store.audit import audit, list_audit
from clinicbot.store.escalations import (
    MAX_NOTE_LENGTH,
    OPEN,
    Escalation,
    EscalationNotFound,
    InvalidTransition,
    Note,
    is_escalation_id,
)
from clinicbot.store.staff import ADMIN, StaffError, StaffUser, new_totp_secret, totp_uri
from clinicbot.transcript import kb_topics_used, transcript_from_events

#: Minimum seconds between two audit rows for the live transcript polling of one session.
POLL_AUDIT_INTERVAL = 300.0
#: Most (session, escalation) pairs remembered for the polling audit rows.
POLL_AUDIT_MAX_KEYS = 5000
#: Channels that cannot receive a message the patient did not ask for (no push).
NO_PUSH_CHANNELS = frozenset({"rest"})
#: Rows per page of the audit log.
AUDIT_PAGE_SIZE = 100
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

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
LOGIN_FAILED = (
    "Sign-in failed. Check your username, password and (if you use two-step sign-in) the "
    "code. After 3 failed attempts each further one makes you wait longer before the next."
)


# ------------------------------------------------------------------------------- helpers


def _user(request: Request) -> StaffUser:
    user: StaffUser = request.ctx.user
    return user


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    session = getattr(request.ctx, "session", None)
    context.setdefault("user", getattr(request.ctx, "user", None))
    context.setdefault("csrf_token", session.csrf_token if session else "")
    return render(template, status=status, **context)


def _audit(
    request: Request,
    action: str,
    escalation_id: str | None = None,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    user = getattr(request.ctx, "user", None)
    who = actor or (user.username if user else "anonymous")
    audit(request.app.ctx.engine, who, action, escalation_id, detail)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


#: What the console says about an urgent alert that did not reach staff (see clinicbot.notify).
ALERT_LABELS = {
    "failed": "Staff alert FAILED",
    "partial": "Staff alert partly failed",
}


def _summary(esc: Escalation) -> dict[str, Any]:
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


def _details(details: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, value in details.items():
        if isinstance(value, (dict, list)):
            shown = jsonlib.dumps(value, ensure_ascii=False, indent=2)
        else:
            shown = "" if value is None else str(value)
        rows.append((str(key), shown))
    return rows


def _transcript_items(transcript: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for item in transcript:
        items.append(
            {
                "role": str(item.get("role") or "bot"),
                "text": str(item.get("text") or ""),
                "time": format_ts(item.get("ts")),
                "kind": item.get("kind"),
                "kb_id": item.get("kb_id"),
                "staff_name": item.get("staff_name"),
                "payload": item.get("payload"),
            }
        )
    return items


def _note_items(notes: list[Note]) -> list[dict[str, Any]]:
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


def _get_escalation(request: Request, escalation_id: str) -> Escalation | None:
    if not is_escalation_id(escalation_id):
        return None
    esc: Escalation | None = request.app.ctx.escalations.get(escalation_id)
    return esc


def _not_found(request: Request) -> HTTPResponse:
    if wants_json(request):
        return json({"error": "not_found"}, status=404)
    return _page(
        request,
        "error.html",
        status=404,
        title="Not found",
        message="There is no escalation with that id.",
    )


def _done(
    request: Request,
    escalation_id: str,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    delivered: bool | None = None,
) -> HTTPResponse:
    """Answers a staff action: JSON for scripts, a redirect back to the page for forms."""
    if wants_json(request):
        esc = request.app.ctx.escalations.get(escalation_id)
        return json(
            {
                "ok": error is None,
                "notice": notice,
                "error": error,
                "message": ERRORS.get(error or "") or NOTICES.get(notice or ""),
                "delivered": delivered,
                "escalation": _summary(esc) if esc else None,
            },
            status=status,
        )
    query = f"?error={error}" if error else (f"?notice={notice}" if notice else "")
    return redirect(f"/console/escalations/{escalation_id}{query}", status=303)


def _text_error(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return "empty"
    if len(text) > MAX_NOTE_LENGTH:
        return "too_long"
    return None


# ------------------------------------------------------------------------------- sign-in


def _login_form(
    request: Request, status: int = 200, error: str | None = None, token: str | None = None
) -> HTTPResponse:
    token = token or secrets.token_urlsafe(32)
    response = render(
        "login.html",
        status=status,
        title="Sign in",
        user=None,
        csrf_token=token,
        next=safe_next(request.args.get("next") or field(request, "next")),
        expired=request.args.get("expired") == "1",
        idle_minutes=request.app.ctx.settings.session_idle_minutes,
        error=error,
    )
    set_cookie(
        response, LOGIN_CSRF_COOKIE, token, request.app.ctx.settings.secure_cookies, max_age=3600
    )
    return response


async def login_page(request: Request) -> HTTPResponse:
    """GET /console/login: the sign-in form (already signed-in users go to the queue)."""
    session, _ = request.app.ctx.sessions.lookup(request.cookies.get(SESSION_COOKIE), touch=False)
    if session is not None:
        return redirect("/console/")
    return _login_form(request)


async def login_submit(request: Request) -> HTTPResponse:
    """POST /console/login: checks CSRF, the rate limit and the credentials; rotates the session."""
    ctx = request.app.ctx
    secure = ctx.settings.secure_cookies
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE)
    ip = client_ip(request)
    if not tokens_equal(cookie_token, field(request, "csrf_token")):
        # Unauthenticated events: one audit row per address, action and minute.
        ctx.audit_aggregator.record("anonymous", "csrf_failed", ip, {"path": "/console/login"})
        return forbidden(request, "The sign-in form was stale or incomplete. Reload the page.")
    username = field(request, "username") or ""
    password = field(request, "password") or ""
    guard = ctx.login_guard
    wait = guard.wait(ip, username)
    if wait > 0:
        known = ctx.staff.get(username)
        ctx.audit_aggregator.record(
            known.username if known else "anonymous", "login_delayed", ip, {"wait": wait}
        )
        return render(
            "error.html",
            status=429,
            headers={"Retry-After": str(wait)},
            user=None,
            csrf_token="",
            title="Too many attempts",
            message=f"Too many failed sign-ins. Try again in {wait} seconds.",
        )
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, ctx.staff.verify, username, password)
    if not result.ok or result.user is None:
        guard.failed(ip, username)
        known = ctx.staff.get(username)
        ctx.audit_aggregator.record(
            known.username if known else "anonymous",
            "login_failed",
            ip,
            {"result": result.status},
        )
        return _login_form(request, status=401, error=LOGIN_FAILED, token=cookie_token)
    user = result.user
    if user.totp_enabled:
        code = field(request, "totp") or ""
        ok = await loop.run_in_executor(None, ctx.staff.check_second_factor, user.username, code)
        if not ok:
            guard.failed(ip, username)
            ctx.audit_aggregator.record(
                user.username, "login_failed", ip, {"result": "second_factor"}
            )
            return _login_form(request, status=401, error=LOGIN_FAILED, token=cookie_token)
    guard.succeeded(ip, username)
    ctx.sessions.delete(request.cookies.get(SESSION_COOKIE))
    token, _session = ctx.sessions.create(user.username)
    _audit(request, "login", actor=user.username, detail={"ip": ip})
    response = redirect(safe_next(field(request, "next")), status=303)
    set_cookie(response, SESSION_COOKIE, token, secure)
    clear_cookie(response, LOGIN_CSRF_COOKIE, secure)
    return response


@authorized()
async def logout(request: Request) -> HTTPResponse:
    """POST /console/logout: ends the session."""
    request.app.ctx.sessions.delete(request.cookies.get(SESSION_COOKIE))
    _audit(request, "logout")
    response = redirect("/console/login", status=303)
    clear_cookie(response, SESSION_COOKIE, request.app.ctx.settings.secure_cookies)
    return response


# ------------------------------------------------------------------------------- queue


@authorized()
async def queue_page(request: Request) -> HTTPResponse:
    """GET /console/: open and claimed escalations, urgent first, then oldest."""
    items = [_summary(e) for e in request.app.ctx.escalations.queue()]
    return _page(request, "queue.html", title="Queue", escalations=items)


@authorized(touch=False)
async def api_queue(request: Request) -> HTTPResponse:
    """GET /console/api/queue: the queue as JSON (polled; not counted as activity)."""
    items = [_summary(e) for e in request.app.ctx.escalations.queue()]
    return json({"escalations": items})


# ------------------------------------------------------------------------------- conversation


@authorized()
async def escalation_page(request: Request, escalation_id: str) -> HTTPResponse:
    """GET /console/escalations/<id>: details, live transcript, notes and actions."""
    esc = _get_escalation(request, escalation_id)
    if esc is None:
        return _not_found(request)
    transcript, live = await _live_transcript(request, esc)
    topics = list(esc.kb_topics)
    topics += [t for t in kb_topics_used(transcript) if t not in topics]
    notes = request.app.ctx.escalations.notes(esc.id)
    _audit(request, "view_escalation", esc.id, {"transcript": "live" if live else "snapshot"})
    return _page(
        request,
        "escalation.html",
        title=f"Escalation {esc.id}",
        esc=_summary(esc),
        details=_details(esc.details),
        transcript=_transcript_items(transcript),
        live=live,
        kb_topics=topics,
        notes=_note_items(notes),
        is_active=esc.is_active,
        is_open=esc.status == OPEN,
        no_push=esc.channel in NO_PUSH_CHANNELS,
        notice=NOTICES.get(request.args.get("notice") or ""),
        error=ERRORS.get(request.args.get("error") or ""),
    )


@authorized(touch=False)
async def api_escalation(request: Request, escalation_id: str) -> HTTPResponse:
    """GET /console/api/escalations/<id>: state, transcript and notes as JSON (polled)."""
    esc = _get_escalation(request, escalation_id)
    if esc is None:
        return _not_found(request)
    transcript, live = await _live_transcript(request, esc)
    topics = list(esc.kb_topics)
    topics += [t for t in kb_topics_used(transcript) if t not in topics]
    key = (request.ctx.session.token_hash, esc.id)
    seen: dict[tuple[str, str], float] = request.app.ctx.poll_audit
    now = time.monotonic()
    if now - seen.get(key, -POLL_AUDIT_INTERVAL) >= POLL_AUDIT_INTERVAL:
        seen.pop(key, None)
        seen[key] = now
        while len(seen) > POLL_AUDIT_MAX_KEYS:
            del seen[next(iter(seen))]  # the oldest first
        _audit(request, "view_transcript", esc.id, {"transcript": "live" if live else "snapshot"})
    return json(
        {
            "escalation": _summary(esc),
            "transcript": _transcript_items(transcript),
            "live": live,
            "kb_topics": topics,
            "notes": _note_items(request.app.ctx.escalations.notes(esc.id)),
        }
    )


# ------------------------------------------------------------------------------- actions


@authorized()
async def claim(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/claim: take the conversation over from the assistant."""
    if _get_escalation(request, escalation_id) is None:
        return _not_found(request)
    user = _user(request)
    try:
        esc = request.app.ctx.escalations.claim(escalation_id, user.username)
    except InvalidTransition:
        _audit(request, "claim_rejected", escalation_id)
        return _done(request, escalation_id, error="invalid_transition", status=409)
    delivered = await _deliver(request, esc, joined_events(esc.id, user.display_name))
    _audit(request, "claim", esc.id, {"delivered": delivered})
    if not delivered:
        return _done(request, esc.id, error="not_delivered", delivered=False)
    return _done(request, esc.id, notice="claimed", delivered=True)


async def _close(request: Request, escalation_id: str, action: str) -> HTTPResponse:
    if _get_escalation(request, escalation_id) is None:
        return _not_found(request)
    user = _user(request)
    store = request.app.ctx.escalations
    tell = True
    if action == "resolve":
        tell = (field(request, "notify_patient") or "1") not in ("0", "false", "no")
    try:
        if action == "resolve":
            esc = store.resolve(escalation_id, user.username)
        else:
            esc = store.return_to_bot(escalation_id, user.username)
    except InvalidTransition:
        _audit(request, f"{action}_rejected", escalation_id)
        return _done(request, escalation_id, error="invalid_transition", status=409)
    delivered = await _deliver(request, esc, back_to_bot_events(esc.id, tell_patient=tell))
    _audit(request, action, esc.id, {"delivered": delivered, "told_patient": tell})
    notice = "resolved" if action == "resolve" else "returned"
    if not delivered:
        return _done(request, esc.id, error="not_delivered", delivered=False)
    return _done(request, esc.id, notice=notice, delivered=True)


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
    if _get_escalation(request, escalation_id) is None:
        return _not_found(request)
    text = field(request, "text")
    problem = _text_error(text)
    if problem:
        return _done(request, escalation_id, error=problem, status=400)
    note = request.app.ctx.escalations.add_note(escalation_id, _user(request).username, text or "")
    _audit(request, "add_note", escalation_id, {"note_id": note.id, "chars": len(note.text)})
    return _done(request, escalation_id, notice="note_added")


@authorized()
async def reply(request: Request, escalation_id: str) -> HTTPResponse:
    """POST /console/escalations/<id>/reply: send a message to the patient in their chat.

    Replying to an open escalation claims it first (the patient sees the "has joined" message
    before the reply). The reply is recorded before delivery, so it is kept even when Rasa is
    unreachable; the page then says it was not delivered.
    """
    esc = _get_escalation(request, escalation_id)
    if esc is None:
        return _not_found(request)
    text = field(request, "text")
    problem = _text_error(text)
    if problem:
        return _done(request, escalation_id, error=problem, status=400)
    if not esc.is_active:
        return _done(request, escalation_id, error="closed", status=409)
    user = _user(request)
    store = request.app.ctx.escalations
    events: list[dict[str, Any]] = []
    if esc.status == OPEN:
        try:
            esc = store.claim(esc.id, user.username)
            events += joined_events(esc.id, user.display_name)
            _audit(request, "claim", esc.id, {"via": "reply"})
        except InvalidTransition:
            pass  # someone else claimed it meanwhile: reply all the same
    try:
        note = store.record_staff_reply(esc.id, user.username, text or "")
    except (InvalidTransition, EscalationNotFound):
        return _done(request, escalation_id, error="closed", status=409)
    events.append(staff_message_event(esc.id, user.display_name, note.text))
    appended = await _deliver(request, esc, events)
    # REST clients only get replies to their own requests: the reply is in the conversation
    # but reaches nobody now.
    realtime = esc.channel not in NO_PUSH_CHANNELS
    delivered = appended and realtime
    store.set_reply_delivered(note.id, delivered)
    _audit(
        request,
        "reply",
        esc.id,
        {"note_id": note.id, "chars": len(note.text), "delivered": delivered},
    )
    if appended and not realtime:
        return _done(request, esc.id, error="not_realtime", delivered=False)
    if not delivered:
        return _done(request, esc.id, error="not_delivered", delivered=False)
    return _done(request, esc.id, notice="reply_sent", delivered=True)


# ------------------------------------------------------------------------------- account


@authorized()
async def totp_page(request: Request) -> HTTPResponse:
    """GET /console/account/totp: set up (or renew) two-step sign-in with an authenticator app."""
    user = _user(request)
    secret = new_totp_secret()
    return _page(
        request,
        "totp.html",
        title="Two-step sign-in",
        secret=secret,
        uri=totp_uri(secret, user.username),
        enabled=user.totp_enabled,
        required=user.is_admin and not user.totp_enabled,
        codes=None,
        error=None,
    )


@authorized()
async def totp_submit(request: Request) -> HTTPResponse:
    """POST /console/account/totp: turns TOTP on after checking a first code from the app."""
    user = _user(request)
    secret = (field(request, "secret") or "").strip().upper()
    code = (field(request, "code") or "").strip()
    valid_secret = 16 <= len(secret) <= 64 and all(c in _BASE32 for c in secret)
    try:
        if not valid_secret:
            raise StaffError("the key was changed; reload the page")
        codes = request.app.ctx.staff.enable_totp(user.username, secret, code)
    except StaffError as exc:
        fresh = secret if valid_secret else new_totp_secret()
        _audit(request, "totp_setup_failed")
        return _page(
            request,
            "totp.html",
            status=400,
            title="Two-step sign-in",
            secret=fresh,
            uri=totp_uri(fresh, user.username),
            enabled=user.totp_enabled,
            required=user.is_admin and not user.totp_enabled,
            codes=None,
            error=str(exc).capitalize() + ".",
        )
    _audit(request, "totp_enabled", detail={"recovery_codes": len(codes)})
    return _page(
        request,
        "totp.html",
        title="Two-step sign-in",
        codes=codes,
        enabled=True,
        required=False,
        error=None,
        secret="",
        uri="",
    )


# ------------------------------------------------------------------------------- admin


@authorized(ADMIN)
async def audit_page(request: Request) -> HTTPResponse:
    """GET /console/admin/audit: the audit log, newest first, 100 rows a page (administrators).

    Query args ``escalation``, ``actor`` and ``action`` filter; ``before`` (a row id) pages to
    older rows.
    """
    wanted = request.args.get("escalation") or ""
    escalation_filter = wanted if is_escalation_id(wanted) else None
    actor = (request.args.get("actor") or "").strip()[:64] or None
    action = (request.args.get("action") or "").strip()[:64] or None
    before_raw = request.args.get("before") or ""
    before = int(before_raw) if before_raw.isdigit() and len(before_raw) < 18 else None
    entries = list_audit(
        request.app.ctx.engine,
        limit=AUDIT_PAGE_SIZE + 1,
        escalation_id=escalation_filter,
        actor=actor,
        action=action,
        before_id=before,
    )
    more = len(entries) > AUDIT_PAGE_SIZE
    entries = entries[:AUDIT_PAGE_SIZE]
    _audit(request, "view_audit", escalation_filter)
    rows = [
        {
            "id": e.id,
            "time": format_ts(e.ts),
            "actor": e.actor,
            "action": e.action,
            "escalation_id": e.escalation_id,
            "detail": jsonlib.dumps(e.detail, sort_keys=True) if e.detail else "",
        }
        for e in entries
    ]
    filters = {
        k: v
        for k, v in (("escalation", escalation_filter), ("actor", actor), ("action", action))
        if v
    }
    older = None
    if more and entries:
        older = "/console/admin/audit?" + urlencode({**filters, "before": entries[-1].id})
    return _page(
        request,
        "audit.html",
        title="Audit log",
        entries=rows,
        escalation=escalation_filter,
        actor=actor,
        action=action,
        older=older,
        newest="/console/admin/audit?" + urlencode(filters) if before is not None else None,
    )


@authorized(ADMIN)
async def staff_page(request: Request) -> HTTPResponse:
    """GET /console/admin/staff: staff accounts (administrators only)."""
    users = request.app.ctx.staff.list_users()
    _audit(request, "view_staff")
    return _page(
        request,
        "staff.html",
        title="Staff",
        users=users,
        notice="Sign-in delays lifted." if request.args.get("notice") == "unlocked" else None,
    )


@authorized(ADMIN)
async def unlock_staff(request: Request, username: str) -> HTTPResponse:
    """POST /console/admin/staff/<username>/unlock: lift an account's sign-in delays."""
    ctx = request.app.ctx
    user = ctx.staff.get(username)
    if user is None:
        return _page(
            request, "error.html", status=404, title="Not found", message="No such account."
        )
    ctx.staff.unlock(user.username)
    ctx.login_guard.unlock(user.username)
    _audit(request, "unlock_staff", detail={"username": user.username})
    return redirect("/console/admin/staff?notice=unlocked", status=303)


def create_blueprint() -> Blueprint:
    """Builds the console blueprint (a new one per app, so tests can create many apps).

    The app must provide ``app.ctx.settings``, ``engine``, ``escalations``, ``staff``,
    ``sessions``, ``rasa``, ``login_guard`` and ``poll_audit`` (see
    :func:`clinicbot.web.app.create_app`).

    Returns:
        The blueprint, mounted at ``/console``.
    """
    bp = Blueprint("console", url_prefix="/console")
    bp.static("/static", str(STATIC_DIR), name="static")
    bp.add_route(login_page, "/login", methods=["GET"], name="login_page")
    bp.add_route(login_submit, "/login", methods=["POST"], name="login_submit")
    bp.add_route(logout, "/logout", methods=["POST"], name="logout")
    bp.add_route(queue_page, "/", methods=["GET"], name="queue")
    bp.add_route(api_queue, "/api/queue", methods=["GET"], name="api_queue")
    bp.add_route(
        escalation_page, "/escalations/<escalation_id>", methods=["GET"], name="escalation"
    )
    bp.add_route(
        api_escalation, "/api/escalations/<escalation_id>", methods=["GET"], name="api_escalation"
    )
    bp.add_route(claim, "/escalations/<escalation_id>/claim", methods=["POST"], name="claim")
    bp.add_route(resolve, "/escalations/<escalation_id>/resolve", methods=["POST"], name="resolve")
    bp.add_route(
        return_to_bot, "/escalations/<escalation_id>/return", methods=["POST"], name="return"
    )
    bp.add_route(add_note, "/escalations/<escalation_id>/note", methods=["POST"], name="note")
    bp.add_route(reply, "/escalations/<escalation_id>/reply", methods=["POST"], name="reply")
    bp.add_route(totp_page, "/account/totp", methods=["GET"], name="totp_page")
    bp.add_route(totp_submit, "/account/totp", methods=["POST"], name="totp_submit")
    bp.add_route(audit_page, "/admin/audit", methods=["GET"], name="admin_audit")
    bp.add_route(staff_page, "/admin/staff", methods=["GET"], name="admin_staff")
    bp.add_route(
        unlock_staff, "/admin/staff/<username>/unlock", methods=["POST"], name="admin_unlock"
    )
    return bp
