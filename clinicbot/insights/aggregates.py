"""Aggregates for the insights page, rolled up from Rasa's tracker store into the clinic database.

Reading a million tracker events on every page view would be slow, so :func:`refresh` reads
only the events added since the last call (a watermark on the tracker's event id) and adds them
to daily counters (``insights_daily``: day, channel, metric, key, count). The page then sums a
few thousand counter rows for the chosen dates (:func:`summary`). The same pass files the
messages staff should review (``review_items``): the ones the assistant clarified, sent to out
of scope, or answered with low confidence; "not helpful" ratings add theirs.

Counters hold numbers and topic ids only, never message text. The tracker is read, never
written (a read-only SQLite connection).

Metrics: ``conversations`` (a conversation counts on the day of its first message),
``messages`` (patient messages), ``reply`` (bot replies by payload kind, at most one of each
kind per patient message), ``topic`` (answers by topic id), ``prescreen_started`` and
``prescreen_finished`` (the pre-screen's start and submit actions).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, create_engine, func, or_, select
from sqlalchemy.engine import Connection, Engine, make_url

from clinicbot.insights.feedback import feedback_counts, unhelpful_answers
from clinicbot.insights.review import group_key
from clinicbot.store.db import write_transaction
from clinicbot.store.schema import (
    escalation_notes,
    escalation_reasons,
    escalations,
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
#: Topics shown on the page.
TOP_TOPICS = 15
#: Widest bar drawn (SVG units), so that one day is not one wall of colour.
MAX_BAR_WIDTH = 64.0

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


# ------------------------------------------------------------------------------- summary


@dataclass
class Insights:
    """The page's figures for a date range (inclusive), aggregates only.

    Attributes:
        start: First day.
        end: Last day.
        days: Every day of the range (``YYYY-MM-DD``).
        channels: Channels seen.
        conversations: Day to conversations started.
        messages: Day to {channel: patient messages}.
        conversations_by_channel: Day to {channel: conversations started}.
        replies: Day to {reply kind: count}.
        topics: The most asked topics, (topic id, answers), most first.
        escalation_reasons: Reason to escalations opened in the range.
        first_reply_minutes: Minutes from escalation to the first staff reply (each one).
        safety_weeks: ISO week (``2026-W49``) to {"crisis": n, "emergency": m}.
        prescreen: ``started``, ``finished`` and ``consultation_requested`` counts.
        feedback: Topic id to {"yes": n, "no": m}.
    """

    start: date
    end: date
    days: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)
    messages: dict[str, dict[str, int]] = field(default_factory=dict)
    conversations_by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    replies: dict[str, dict[str, int]] = field(default_factory=dict)
    topics: list[tuple[str, int]] = field(default_factory=list)
    escalation_reasons: dict[str, int] = field(default_factory=dict)
    first_reply_minutes: list[float] = field(default_factory=list)
    safety_weeks: dict[str, dict[str, int]] = field(default_factory=dict)
    prescreen: dict[str, int] = field(default_factory=dict)
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)

    def total_messages(self, day: str) -> int:
        """Patient messages on a day, all channels."""
        return sum(self.messages.get(day, {}).values())

    def rate(self, day: str, kind: str) -> float:
        """Share of a day's patient messages that got a reply of this kind (0 without any)."""
        n = self.total_messages(day)
        return self.replies.get(day, {}).get(kind, 0) / n if n else 0.0

    @property
    def median_first_reply(self) -> float | None:
        """Median minutes to the first staff reply (None without replies)."""
        return statistics.median(self.first_reply_minutes) if self.first_reply_minutes else None


def _week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def summary(clinic: Engine, start: date, end: date) -> Insights:
    """Sums the counters and reads the escalations and feedback for a date range.

    Args:
        clinic: The clinic database.
        start: First day (UTC).
        end: Last day (UTC, inclusive).

    Returns:
        The figures.
    """
    out = Insights(start=start, end=end)
    n_days = (end - start).days + 1
    out.days = [(start + timedelta(days=i)).isoformat() for i in range(max(0, n_days))]
    for day in out.days:
        out.conversations[day] = 0
    t = insights_daily
    topics: Counter = Counter()
    channels: set[str] = set()
    out.prescreen = {"started": 0, "finished": 0, "consultation_requested": 0}
    with clinic.connect() as conn:
        rows = conn.execute(
            select(t.c.day, t.c.channel, t.c.metric, t.c.key, t.c.count).where(
                t.c.day >= start.isoformat(), t.c.day <= end.isoformat()
            )
        ).all()
    for day, channel, metric, key, count in rows:
        if metric == "conversations":
            out.conversations[day] = out.conversations.get(day, 0) + count
            per = out.conversations_by_channel.setdefault(day, {})
            per[channel] = per.get(channel, 0) + count
        elif metric == "messages":
            channels.add(channel)
            per = out.messages.setdefault(day, {})
            per[channel] = per.get(channel, 0) + count
        elif metric == "reply":
            per = out.replies.setdefault(day, {})
            per[key] = per.get(key, 0) + count
            if key in {"crisis", "emergency"}:
                week = out.safety_weeks.setdefault(_week(day), {"crisis": 0, "emergency": 0})
                week[key] += count
        elif metric == "topic":
            topics[key] += count
        elif metric == "prescreen_started":
            out.prescreen["started"] += count
        elif metric == "prescreen_finished":
            out.prescreen["finished"] += count
    out.channels = sorted(channels)
    out.topics = sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TOPICS]
    out.safety_weeks = dict(sorted(out.safety_weeks.items()))
    lo = datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
    hi = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=1)
    _escalation_figures(clinic, lo, hi, out)
    out.feedback = feedback_counts(clinic, lo, hi)
    return out


def _escalation_figures(clinic: Engine, lo: datetime, hi: datetime, out: Insights) -> None:
    r, e, n = escalation_reasons, escalations, escalation_notes
    with clinic.connect() as conn:
        by_reason = conn.execute(
            select(r.c.reason, func.count())
            .where(r.c.added_at >= lo, r.c.added_at < hi)
            .group_by(r.c.reason)
        ).all()
        first = (
            select(n.c.escalation_id, func.min(n.c.created_at).label("first_reply"))
            .where(n.c.kind == "reply")
            .group_by(n.c.escalation_id)
            .subquery()
        )
        waits = conn.execute(
            select(e.c.created_at, first.c.first_reply)
            .join(first, first.c.escalation_id == e.c.id)
            .where(e.c.created_at >= lo, e.c.created_at < hi)
        ).all()
    out.escalation_reasons = dict(
        sorted(((k, int(v)) for k, v in by_reason), key=lambda kv: -kv[1])
    )
    out.prescreen["consultation_requested"] = out.escalation_reasons.get("consultation_request", 0)
    for created, replied in waits:
        created_at = _aware(created)
        replied_at = _aware(replied)
        if created_at is not None and replied_at is not None:
            out.first_reply_minutes.append((replied_at - created_at).total_seconds() / 60.0)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def to_csv(ins: Insights) -> str:
    """Writes the aggregates as CSV: ``section,period,channel,key,value`` (no patient text).

    Args:
        ins: The figures.

    Returns:
        The CSV text.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "period", "channel", "key", "value"])
    for day in ins.days:
        w.writerow(["conversations", day, "all", "", ins.conversations.get(day, 0)])
        for channel, count in sorted(ins.conversations_by_channel.get(day, {}).items()):
            w.writerow(["conversations", day, channel, "", count])
        for channel, count in sorted(ins.messages.get(day, {}).items()):
            w.writerow(["messages", day, channel, "", count])
        for kind, count in sorted(ins.replies.get(day, {}).items()):
            w.writerow(["replies", day, "all", kind, count])
        w.writerow(["clarify_rate", day, "all", "", f"{ins.rate(day, 'clarify'):.4f}"])
        w.writerow(["out_of_scope_rate", day, "all", "", f"{ins.rate(day, 'out_of_scope'):.4f}"])
    period = f"{ins.start.isoformat()}..{ins.end.isoformat()}"
    for kb_id, count in ins.topics:
        w.writerow(["topics", period, "all", kb_id, count])
    for reason, count in ins.escalation_reasons.items():
        w.writerow(["escalations", period, "all", reason, count])
    median = ins.median_first_reply
    w.writerow(
        [
            "first_staff_reply_median_minutes",
            period,
            "all",
            "",
            "" if median is None else f"{median:.1f}",
        ]
    )
    for week, kinds in ins.safety_weeks.items():
        for kind, count in kinds.items():
            w.writerow(["safety_events", week, "all", kind, count])
    for key, count in ins.prescreen.items():
        w.writerow(["prescreen", period, "all", key, count])
    for kb_id, votes in sorted(ins.feedback.items()):
        w.writerow(["feedback", period, "all", f"{kb_id}:yes", votes["yes"]])
        w.writerow(["feedback", period, "all", f"{kb_id}:no", votes["no"]])
    return buf.getvalue()


# ------------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Bar:
    """One bar of a chart (geometry in SVG units)."""

    label: str
    value: float
    shown: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """A server-side SVG bar chart: the template draws it, the numbers are in the page."""

    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int
    unit: str = ""


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    unit: str = "",
    percent: bool = False,
    width: int = 720,
    height: int = 200,
) -> Chart:
    """Lays out a vertical bar chart.

    Args:
        chart_id: Element id.
        title: Title (also the SVG's accessible name).
        items: (label, value) pairs in display order.
        unit: Unit shown after values.
        percent: Values are shares (shown as percentages).
        width: SVG width.
        height: SVG height (bars use it minus room for labels).

    Returns:
        The chart.
    """
    top, bottom = 18.0, 34.0
    room = height - top - bottom
    peak = max((v for _, v in items), default=0.0) or 1.0
    slot = width / max(1, len(items))
    bars = []
    for i, (label, value) in enumerate(items):
        h = room * (value / peak)
        shown = f"{value * 100:.1f}%" if percent else f"{value:g}"
        bar_width = min(slot * 0.8, MAX_BAR_WIDTH)
        x = i * slot + (slot - bar_width) / 2
        bars.append(Bar(label, value, shown, x, top + room - h, bar_width, h))
    return Chart(chart_id, title, bars, width, height, unit)


def charts(ins: Insights) -> list[Chart]:
    """The page's charts.

    Args:
        ins: The figures.

    Returns:
        Charts in page order.
    """
    short = [d[5:] for d in ins.days]
    return [
        bar_chart(
            "conversations",
            "Conversations per day",
            list(zip(short, [ins.conversations.get(d, 0) for d in ins.days], strict=True)),
        ),
        bar_chart(
            "messages",
            "Patient messages per day (all channels)",
            list(zip(short, [ins.total_messages(d) for d in ins.days], strict=True)),
        ),
        bar_chart(
            "clarify-rate",
            "Clarification rate per day",
            list(zip(short, [ins.rate(d, "clarify") for d in ins.days], strict=True)),
            percent=True,
        ),
        bar_chart(
            "oos-rate",
            "Out-of-scope rate per day",
            list(zip(short, [ins.rate(d, "out_of_scope") for d in ins.days], strict=True)),
            percent=True,
        ),
        bar_chart(
            "topics",
            f"Topics asked (top {TOP_TOPICS})",
            [(k, float(v)) for k, v in ins.topics],
            height=240,
        ),
        bar_chart(
            "safety",
            "Crisis and emergency events per week",
            [
                (f"{w} {k}", float(n))
                for w, kinds in ins.safety_weeks.items()
                for k, n in kinds.items()
            ],
        ),
        bar_chart(
            "escalations",
            "Escalations by reason",
            [(k, float(v)) for k, v in ins.escalation_reasons.items()],
        ),
    ]


def channel_totals(ins: Insights, conversations: bool = False) -> dict[str, int]:
    """Patient messages (or conversations started) per channel over the range."""
    totals: dict[str, int] = defaultdict(int)
    source = ins.conversations_by_channel if conversations else ins.messages
    for per in source.values():
        for channel, count in per.items():
            totals[channel] += count
    return dict(sorted(totals.items()))
