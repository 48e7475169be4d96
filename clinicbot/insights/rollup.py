"""Rolls Rasa's tracker store up into the clinic database's insights counters and review inbox.

Reading a million tracker events on every page view would be slow, so :func:`refresh` reads
only the events added since the last call (a watermark on the tracker's event id) and adds them
to daily counters (``insights_daily``: day, channel, metric, key, count). The same pass files the
messages staff should review (``review_items``): the ones the assistant clarified, sent to out
of scope, or answered with low confidence; "not helpful" ratings add theirs. The page's figures
are read back from the counters by :mod:`clinicbot.insights.aggregates`.

Counters hold numbers and topic ids only, never message text. The tracker is read, never
written (a read-only SQLite connection).

Metrics: ``conversations`` (a conversation counts on the day of its first message),
``messages`` (patient messages), ``reply`` (bot replies by payload kind, at most one of each
kind per patient message), ``topic`` (answers by topic id), ``prescreen_started`` and
``prescreen_finished`` (the pre-screen's start and submit actions).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, create_engine, or_, select
from sqlalchemy.engine import Connection, Engine, make_url

from clinicbot.insights.feedback import unhelpful_answers
from clinicbot.insights.review import group_key
from clinicbot.store.db import write_transaction
from clinicbot.store.schema import (
    insights_conversations,
    insights_daily,
    insights_state,
    review_items,
    utcnow,
)

#: Below this intent confidence an answer goes to the review inbox.
LOW_CONFIDENCE = 0.5
#: Intents of the safety layer (their messages are safety-flagged in the review inbox).
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency", "medical_advice"})
#: Reply kinds that make a message safety-flagged.
SAFETY_KINDS = frozenset({"crisis", "emergency", "refusal"})
#: Reply kinds whose patient message goes to the review inbox, and the reason recorded.
REVIEW_KINDS = {"clarify": "clarified", "out_of_scope": "out_of_scope"}
#: Pre-screen actions counted.
SCREEN_ACTIONS = {
    "action_screening_start": "prescreen_started",
    "action_screening_submit": "prescreen_finished",
}
#: Events read per database round trip by :func:`refresh`.
BATCH_SIZE = 20_000
#: Longest patient text kept in the review inbox.
MAX_REVIEW_TEXT = 1000

_STATE_EVENTS = "tracker_event_id"
_STATE_FEEDBACK = "feedback_id"
_TRACKER_ENGINES: dict[str, Engine] = {}
_TRACKER_LOCK = threading.Lock()
_REFRESH_LOCK = threading.Lock()


# ------------------------------------------------------------------------------- tracker


def tracker_engine(url: str) -> Engine:
    """Returns a read-only engine on Rasa's tracker store (cached per URL).

    SQLite files are opened read-only (``mode=ro``) so nothing here can change Rasa's data or
    its journal mode; other databases get an ordinary engine (give it a read-only role).

    Args:
        url: SQLAlchemy URL of the tracker store (``settings.tracker_db_url``).

    Returns:
        The engine.
    """
    with _TRACKER_LOCK:
        engine = _TRACKER_ENGINES.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database:
                path = parsed.database
                engine = create_engine(
                    "sqlite://",
                    creator=lambda: sqlite3.connect(
                        f"file:{path}?mode=ro", uri=True, check_same_thread=False
                    ),
                    future=True,
                )
            else:
                engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
            _TRACKER_ENGINES[url] = engine
        return engine


def _events_table(tracker: Engine) -> Any:
    from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect

    if not inspect(tracker).has_table("events"):
        return None
    return Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255)),
        Column("type_name", String(255)),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )


def channel_of(sender_id: str, input_channel: str | None = None) -> str:
    """Names a conversation's channel from its id (or the message's input channel).

    Args:
        sender_id: The conversation id (``widget-...``, ``sms-...``, ``wa-...`` or REST's).
        input_channel: The user event's ``input_channel``.

    Returns:
        ``widget``, ``sms``, ``whatsapp``, ``rest`` or ``other``.
    """
    for prefix, name in (("widget-", "widget"), ("sms-", "sms"), ("wa-", "whatsapp")):
        if sender_id.startswith(prefix):
            return name
    if input_channel in {"socketio", "twilio", "rest"}:
        return {"socketio": "widget", "twilio": "sms", "rest": "rest"}[input_channel]
    return "rest" if input_channel is None else "other"


def _day(ts: float | None) -> str:
    return _day_of(int(float(ts or 0.0) // 86400))


@lru_cache(maxsize=4096)
def _day_of(day_number: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day_number)).isoformat()


def _custom(data: dict[str, Any]) -> dict[str, Any]:
    custom = (data.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


# ------------------------------------------------------------------------------- refresh


def _insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _get_state(conn: Connection, name: str, lock: bool = False) -> int:
    query = select(insights_state.c.value).where(insights_state.c.name == name)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    value = conn.execute(query).scalar()
    return int(value or 0)


def _set_state(conn: Connection, name: str, value: int) -> None:
    stmt = _insert(conn, insights_state).values(name=name, value=value)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["name"], set_={"value": stmt.excluded.value})
    )


def _add_counts(conn: Connection, counts: Counter) -> None:
    if not counts:
        return
    stmt = _insert(conn, insights_daily)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "channel", "metric", "key"],
        set_={"count": insights_daily.c.count + stmt.excluded.count},
    )
    conn.execute(
        stmt,
        [
            {"day": d, "channel": c, "metric": m, "key": k, "count": n}
            for (d, c, m, k), n in counts.items()
        ],
    )


def _add_reviews(conn: Connection, items: list[dict[str, Any]]) -> None:
    if items:
        stmt = _insert(conn, review_items).on_conflict_do_nothing(
            index_elements=["conversation_id", "event_ts"]
        )
        conn.execute(stmt, items)


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class _Turn:
    """The latest patient message of a conversation while a batch is read."""

    ts: float = 0.0
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    kinds: set = field(default_factory=set)
    filed: bool = False


def _review_item(
    sender: str, channel: str, turn: _Turn, reason: str, kb_id: str | None, safety: bool
) -> dict[str, Any]:
    text = turn.text[:MAX_REVIEW_TEXT]
    return {
        "conversation_id": sender,
        "channel": channel,
        "event_ts": repr(turn.ts),
        "day": _day(turn.ts),
        "text": text,
        "group_key": group_key(text),
        "reason": reason,
        "intent": turn.intent,
        "confidence": turn.confidence,
        "kb_id": kb_id,
        "safety": safety,
        "status": "pending",
        "created_at": utcnow(),
    }


def _process(
    rows: Iterable[Any], channels: dict[str, str], counts: Counter, reviews: list[dict[str, Any]]
) -> None:
    turns: dict[str, _Turn] = {}
    flagged: set[str] = set()
    for _id, sender, type_name, ts, action_name, raw in rows:
        channel = channels.get(sender)
        if type_name == "action":
            metric = SCREEN_ACTIONS.get(action_name or "")
            if metric:
                counts[(_day(ts), channel or channel_of(sender), metric, "")] += 1
            continue
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            continue
        if type_name == "user":
            if channel is None:
                channel = channel_of(sender, data.get("input_channel"))
                channels[sender] = channel
                counts[(_day(ts), channel, "conversations", "")] += 1
            counts[(_day(ts), channel, "messages", "")] += 1
            intent = (data.get("parse_data") or {}).get("intent") or {}
            confidence = intent.get("confidence")
            turns[sender] = _Turn(
                ts=float(ts or 0.0),
                text=str(data.get("text") or ""),
                intent=intent.get("name"),
                confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            )
            if intent.get("name") in SAFETY_INTENTS:
                flagged.add(sender)
            continue
        custom = _custom(data)
        kind = custom.get("kind")
        if not isinstance(kind, str) or custom.get("from_staff"):
            continue
        channel = channel or channel_of(sender)
        turn = turns.get(sender)
        if turn is not None and kind in turn.kinds:
            continue
        if turn is not None:
            turn.kinds.add(kind)
        day = _day(turn.ts if turn is not None else ts)
        counts[(day, channel, "reply", kind)] += 1
        kb_id = custom.get("kb_id") if isinstance(custom.get("kb_id"), str) else None
        if kind == "answer" and kb_id:
            counts[(day, channel, "topic", kb_id)] += 1
        if kind in SAFETY_KINDS:
            flagged.add(sender)
        if turn is None or turn.filed or not turn.text or turn.text.startswith("/"):
            continue
        reason = REVIEW_KINDS.get(kind)
        if (
            reason is None
            and kind == "answer"
            and turn.confidence is not None
            and turn.confidence < LOW_CONFIDENCE
        ):
            reason = "low_confidence"
        if reason is not None:
            turn.filed = True
            safety = sender in flagged or bool(turn.kinds & SAFETY_KINDS)
            reviews.append(_review_item(sender, channel, turn, reason, kb_id, safety))


def _known_channels(conn: Connection, senders: Sequence[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    t = insights_conversations
    for chunk in _chunks(list(senders)):
        rows = conn.execute(
            select(t.c.conversation_id, t.c.channel).where(t.c.conversation_id.in_(chunk))
        )
        known.update({r[0]: r[1] for r in rows})
    return known


def _unhelpful_reviews(clinic: Engine, tracker: Engine, events: Any) -> None:
    with clinic.connect() as conn:
        after = _get_state(conn, _STATE_FEEDBACK)
    ratings = unhelpful_answers(clinic, after)
    if not ratings:
        return
    items: list[dict[str, Any]] = []
    for _rid, conversation_id, kb_id, answer_key, rated_at in ratings:
        try:  # the widget's key is the answer's tracker timestamp
            bound = float(answer_key)
        except ValueError:  # SMS keys are tokens: the question came before the rating
            bound = rated_at.timestamp()
        with tracker.connect() as tconn:
            rows = tconn.execute(
                select(events.c.type_name, events.c.timestamp, events.c.data)
                .where(events.c.sender_id == conversation_id, events.c.type_name == "user")
                .where(events.c.timestamp <= bound)
                .order_by(events.c.id.desc())
                .limit(1)
            ).all()
        if not rows:
            continue
        data = json.loads(rows[0][2] or "{}")
        text = str(data.get("text") or "")
        if not text or text.startswith("/"):
            continue
        intent = (data.get("parse_data") or {}).get("intent") or {}
        turn = _Turn(
            ts=float(rows[0][1] or 0.0),
            text=text,
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
        )
        items.append(
            _review_item(
                conversation_id, channel_of(conversation_id), turn, "unhelpful", kb_id, False
            )
        )
    with clinic.begin() as conn:
        _add_reviews(conn, items)
        _set_state(conn, _STATE_FEEDBACK, ratings[-1][0])


def refresh(clinic: Engine, tracker: Engine, batch_size: int = BATCH_SIZE) -> int:
    """Adds the tracker events written since the last call to the counters and review inbox.

    Safe to call on every page view: one process at a time does the work, and each batch is
    committed together with the watermark, so an interrupted refresh resumes where it stopped.

    Args:
        clinic: The clinic database (migrated).
        tracker: Rasa's tracker store (read only).
        batch_size: Events read per round trip.

    Returns:
        The number of events read.
    """
    events = _events_table(tracker)
    if events is None:
        return 0
    total = 0
    with _REFRESH_LOCK:
        while True:
            with clinic.connect() as conn:
                last = _get_state(conn, _STATE_EVENTS)
            with tracker.connect() as tconn:
                rows = tconn.execute(
                    select(
                        events.c.id,
                        events.c.sender_id,
                        events.c.type_name,
                        events.c.timestamp,
                        events.c.action_name,
                        events.c.data,
                    )
                    .where(events.c.id > last)
                    .where(
                        or_(
                            events.c.type_name.in_(["user", "bot"]),
                            and_(
                                events.c.type_name == "action",
                                events.c.action_name.in_(list(SCREEN_ACTIONS)),
                            ),
                        )
                    )
                    .order_by(events.c.id)
                    .limit(batch_size)
                ).all()
            if not rows:
                break
            senders = sorted({r[1] for r in rows})
            with clinic.connect() as conn:
                channels = _known_channels(conn, senders)
            known = set(channels)
            counts: Counter = Counter()
            reviews: list[dict[str, Any]] = []
            _process(rows, channels, counts, reviews)
            new = [
                {"conversation_id": s, "channel": channels[s], "first_day": ""}
                for s in senders
                if s not in known and s in channels
            ]
            first_days = {
                r[1]: _day(r[3]) for r in reversed(rows) if r[2] == "user" and r[1] not in known
            }
            for item in new:
                item["first_day"] = first_days.get(item["conversation_id"], "")
            with write_transaction(clinic) as conn:
                # Another web process may have added this batch meanwhile (SQLite: BEGIN
                # IMMEDIATE serialises the writers, so the watermark read here is current).
                if _get_state(conn, _STATE_EVENTS, lock=True) != last:
                    continue
                if new:
                    stmt = _insert(conn, insights_conversations).on_conflict_do_nothing(
                        index_elements=["conversation_id"]
                    )
                    conn.execute(stmt, new)
                _add_counts(conn, counts)
                _add_reviews(conn, reviews)
                _set_state(conn, _STATE_EVENTS, int(rows[-1][0]))
            total += len(rows)
            if len(rows) < batch_size:
                break
        _unhelpful_reviews(clinic, tracker, events)
    return total
