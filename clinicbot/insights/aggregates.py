"""Figures for the insights page, summed from the daily counters that ``rollup`` keeps.

:func:`summary` sums a few thousand counter rows (``insights_daily``) for the chosen dates, with
the escalation figures and answer ratings of the period; :func:`to_csv` and :func:`charts` shape
them for the export and the page. :func:`refresh` and :func:`tracker_engine` (which fill the
counters) are re-exported from :mod:`clinicbot.insights.rollup`.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from clinicbot.insights.feedback import feedback_counts
from clinicbot.insights.rollup import refresh, tracker_engine
from clinicbot.store.schema import (
    escalation_notes,
    escalation_reasons,
    escalations,
    insights_daily,
)

__all__ = [  # refresh and tracker_engine come from rollup
    "Bar", "Chart", "Insights", "bar_chart", "channel_totals", "charts", "refresh", "summary",
    "to_csv", "tracker_engine",
]

#: Topics shown on the page.
TOP_TOPICS = 15
#: Widest bar drawn (SVG units), so that one day is not one wall of colour.
MAX_BAR_WIDTH = 64.0


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
