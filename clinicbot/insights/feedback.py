"""Answer feedback ("Was this helpful?"): storage and the widget's public endpoint.

A patient may rate each knowledge-base answer once: the answer is identified by its timestamp
in the conversation's tracker, and a second rating of the same answer is refused (409). The
endpoint checks that the conversation really holds an answer with that topic, so nobody can
fill the table with feedback for answers that were never given. Only the conversation id, the
channel, the topic id and yes/no are stored: no message text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from clinicbot.channels.common import BadInput, request_ip, widget_conversation_id
from clinicbot.channels.throttle import PatientThrottle
from clinicbot.rasa_client import RasaAPIError
from clinicbot.store.schema import answer_feedback, utcnow

#: Topic ids look like ``area.name`` (see shared/kb-topics.yml).
KB_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,40}\.[a-z0-9_]{1,60}")
#: Largest feedback request body accepted.
MAX_BODY = 2048


class FeedbackError(ValueError):
    """Feedback that cannot be stored (malformed, unknown answer, already given)."""


class AlreadyRated(FeedbackError):
    """The answer was rated before."""


@dataclass(frozen=True)
class AnswerRef:
    """One knowledge-base answer in a conversation.

    Attributes:
        kb_id: The topic id.
        answer_key: The answer's tracker timestamp as text.
    """

    kb_id: str
    answer_key: str


def answers_in(events: Iterable[dict[str, Any]]) -> list[AnswerRef]:
    """Lists the knowledge-base answers of a conversation (oldest first).

    Args:
        events: Tracker events (JSON dictionaries).

    Returns:
        One reference per bot event whose payload is an answer with a topic id.
    """
    found = []
    for event in events:
        if not isinstance(event, dict) or event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom")
        if not isinstance(custom, dict) or custom.get("kind") != "answer":
            continue
        kb_id = custom.get("kb_id")
        if isinstance(kb_id, str) and kb_id:
            found.append(AnswerRef(kb_id, repr(float(event.get("timestamp") or 0.0))))
    return found


def record_feedback(
    engine: Engine,
    conversation_id: str,
    channel: str,
    answer: AnswerRef,
    helpful: bool,
    now: datetime | None = None,
) -> None:
    """Stores a rating of one answer.

    Args:
        engine: The clinic database.
        conversation_id: Rasa conversation id.
        channel: ``widget``, ``sms`` or ``whatsapp``.
        answer: The answer rated.
        helpful: True for "yes", False for "no".
        now: The time (tests).

    Raises:
        AlreadyRated: If this answer was rated before.
    """
    try:
        with engine.begin() as conn:
            conn.execute(
                answer_feedback.insert().values(
                    conversation_id=conversation_id[:255],
                    channel=channel[:32],
                    kb_id=answer.kb_id[:120],
                    answer_key=answer.answer_key[:64],
                    helpful=bool(helpful),
                    created_at=now or utcnow(),
                )
            )
    except IntegrityError as exc:
        raise AlreadyRated("this answer was already rated") from exc


def feedback_counts(engine: Engine, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Counts ratings per topic in a time range.

    Args:
        engine: The clinic database.
        start: Inclusive start (UTC).
        end: Exclusive end (UTC).

    Returns:
        ``{kb_id: {"yes": n, "no": m}}``.
    """
    t = answer_feedback
    query = (
        select(t.c.kb_id, t.c.helpful, func.count())
        .where(t.c.created_at >= start, t.c.created_at < end)
        .group_by(t.c.kb_id, t.c.helpful)
    )
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for kb_id, helpful, count in conn.execute(query):
            out.setdefault(kb_id, {"yes": 0, "no": 0})["yes" if helpful else "no"] += int(count)
    return out


def unhelpful_answers(
    engine: Engine, after_id: int = 0
) -> list[tuple[int, str, str, str, datetime]]:
    """Lists "not helpful" ratings (for the review inbox).

    Args:
        engine: The clinic database.
        after_id: Only ratings with a larger id.

    Returns:
        (id, conversation id, kb_id, answer key, rated at) tuples, oldest first.
    """
    t = answer_feedback
    query = (
        select(t.c.id, t.c.conversation_id, t.c.kb_id, t.c.answer_key, t.c.created_at)
        .where(t.c.helpful.is_(False), t.c.id > after_id)
        .order_by(t.c.id)
    )
    with engine.connect() as conn:
        return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in conn.execute(query)]


def parse_request(body: bytes) -> tuple[str, str, bool]:
    """Reads ``{"session_id", "kb_id", "helpful"}`` from a widget request body.

    Args:
        body: The raw body (JSON, sent as ``text/plain``).

    Returns:
        (conversation id, kb_id, helpful).

    Raises:
        FeedbackError: For a malformed body, session id, topic id or rating.
    """
    if len(body) > MAX_BODY:
        raise FeedbackError("request too large")
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedbackError("body must be JSON") from exc
    if not isinstance(data, dict):
        raise FeedbackError("body must be a JSON object")
    session_id, kb_id, helpful = data.get("session_id"), data.get("kb_id"), data.get("helpful")
    if not isinstance(session_id, str):
        raise FeedbackError("session_id is required")
    try:
        conversation_id = widget_conversation_id(session_id.strip())
    except BadInput as exc:
        raise FeedbackError("session_id must be the widget's session id") from exc
    if not isinstance(kb_id, str) or not KB_ID_RE.fullmatch(kb_id):
        raise FeedbackError("kb_id must be a topic id")
    if not isinstance(helpful, bool):
        raise FeedbackError("helpful must be true or false")
    return conversation_id, kb_id, helpful


bp = Blueprint("answer_feedback")


def _throttle(app: Any) -> PatientThrottle:
    """The web server's patient-channel limits (created on first use, one per app)."""
    throttle = getattr(app.ctx, "patient_throttle", None)
    if throttle is None:
        throttle = app.ctx.patient_throttle = PatientThrottle.from_settings(app.ctx.settings)
    return throttle


@bp.post("/widget/api/feedback")
async def widget_feedback(request: Request) -> HTTPResponse:
    """POST /widget/api/feedback: the widget's "Was this helpful?" (text/plain JSON body).

    The latest answer of that topic in the conversation is the one rated.

    Args:
        request: The request.

    Returns:
        204 when stored, 400 for bad input, 404 when the conversation has no such answer, 409
        when it was rated already, 429 over the patient channels' per-address limit
        (``PATIENT_MESSAGES_PER_MINUTE``), 503 when the assistant cannot be asked.
    """
    import asyncio

    from clinicbot.widget.blueprint import widget_origins

    origin = request.headers.get("origin", "").rstrip("/")
    headers = {"Cache-Control": "no-store", "Vary": "Origin"}
    if origin and origin in widget_origins(request.app.ctx.settings):
        headers["Access-Control-Allow-Origin"] = origin
    if _throttle(request.app).check_address(request_ip(request)):
        return json_response(
            {"error": "too many requests"}, status=429, headers={**headers, "Retry-After": "60"}
        )
    try:
        conversation_id, kb_id, helpful = parse_request(request.body or b"")
    except FeedbackError as exc:
        return json_response({"error": str(exc)}, status=400, headers=headers)
    try:
        tracker = await request.app.ctx.rasa.get_tracker(conversation_id)
    except RasaAPIError:
        return json_response({"error": "unavailable"}, status=503, headers=headers)
    answers = [a for a in answers_in(tracker.get("events") or []) if a.kb_id == kb_id]
    if not answers:
        return json_response({"error": "no such answer"}, status=404, headers=headers)
    try:
        await asyncio.to_thread(
            record_feedback, request.app.ctx.engine, conversation_id, "widget", answers[-1], helpful
        )
    except AlreadyRated:
        return json_response({"error": "already rated"}, status=409, headers=headers)
    return HTTPResponse(status=204, headers=headers)
