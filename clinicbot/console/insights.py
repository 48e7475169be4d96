"""Console pages for insights (aggregates only) and the review inbox (staff and admin).

``/console/insights`` shows aggregates for a date range with server-side SVG charts and a CSV
download; ``/console/review`` lists messages to review, grouped by wording, and takes labels.
Every view, download and label writes an audit row (counts and ids, never message text).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw, redirect
from sqlalchemy.engine import Engine

from clinicbot.console.common import page as _page
from clinicbot.console.common import write_audit
from clinicbot.console.security import authorized, field
from clinicbot.insights import aggregates, review

#: Longest date range the page accepts.
MAX_RANGE_DAYS = 366
#: Days shown by default (ending today).
DEFAULT_DAYS = 30
#: Most item ids one label form may carry.
MAX_LABEL_IDS = 500
#: Seconds a page waits for new tracker events to be rolled up before it shows what it has.
REFRESH_BUDGET = 0.15


class RangeError(ValueError):
    """A malformed or too long date range."""


def parse_range(args: Any, today: date | None = None) -> tuple[date, date]:
    """Reads ``start`` and ``end`` (``YYYY-MM-DD``, inclusive) from the query string.

    Args:
        args: The request's query arguments.
        today: Today (tests).

    Returns:
        (start, end); the last 30 days by default.

    Raises:
        RangeError: For a malformed date, an end before the start, or more than 366 days.
    """
    today = today or datetime.now(timezone.utc).date()
    try:
        end = date.fromisoformat(args.get("end")) if args.get("end") else today
        start = (
            date.fromisoformat(args.get("start"))
            if args.get("start")
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
    except (TypeError, ValueError) as exc:
        raise RangeError("Dates must look like 2026-12-03.") from exc
    if end < start:
        raise RangeError("The end date is before the start date.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeError(f"Choose at most {MAX_RANGE_DAYS} days.")
    return start, end


def _tracker(request: Request) -> Engine:
    engine = getattr(request.app.ctx, "tracker_engine", None)
    if engine is None:
        engine = aggregates.tracker_engine(request.app.ctx.settings.tracker_db_url)
        request.app.ctx.tracker_engine = engine
    return engine


async def _refresh(request: Request) -> bool:
    """Adds new tracker events, waiting at most :data:`REFRESH_BUDGET` seconds.

    ``app.ctx.insights_refresh_budget`` overrides the budget (tests wait for the roll-up).

    The roll-up runs in a worker thread; when it needs longer (many new events since the last
    view) the page is served from the counters as they are and the roll-up finishes in the
    background, so the page time does not grow with the backlog.

    Returns:
        True when the figures are up to date.
    """
    ctx = request.app.ctx
    task = getattr(ctx, "insights_refresh", None)
    if task is None or task.done():
        task = asyncio.ensure_future(
            asyncio.to_thread(aggregates.refresh, ctx.engine, _tracker(request))
        )
        ctx.insights_refresh = task
    try:
        budget = getattr(ctx, "insights_refresh_budget", REFRESH_BUDGET)
        await asyncio.wait_for(asyncio.shield(task), timeout=budget)
    except asyncio.TimeoutError:
        return False
    return True


async def _audit(request: Request, action: str, detail: dict[str, Any]) -> None:
    await write_audit(request, action, None, detail)


@authorized()
async def insights_page(request: Request) -> HTTPResponse:
    """GET /console/insights: aggregates for a date range (no patient text).

    Args:
        request: The request (``start``, ``end`` optional).

    Returns:
        The page, or 400 for a bad range.
    """
    try:
        start, end = parse_range(request.args)
    except RangeError as exc:
        return _page(request, "error.html", status=400, title="Insights", message=str(exc))
    fresh = await _refresh(request)
    ins = await asyncio.to_thread(aggregates.summary, request.app.ctx.engine, start, end)
    await _audit(request, "view_insights", {"start": start.isoformat(), "end": end.isoformat()})
    return _page(
        request,
        "insights.html",
        title="Insights",
        ins=ins,
        charts=aggregates.charts(ins),
        channel_totals=aggregates.channel_totals(ins),
        conversation_totals=aggregates.channel_totals(ins, conversations=True),
        start=start.isoformat(),
        end=end.isoformat(),
        fresh=fresh,
    )


@authorized()
async def insights_csv(request: Request) -> HTTPResponse:
    """GET /console/insights.csv: the same aggregates as CSV.

    Args:
        request: The request (``start``, ``end`` optional).

    Returns:
        ``text/csv`` as a download, or 400 for a bad range.
    """
    try:
        start, end = parse_range(request.args)
    except RangeError as exc:
        return _page(request, "error.html", status=400, title="Insights", message=str(exc))
    await _refresh(request)
    ins = await asyncio.to_thread(aggregates.summary, request.app.ctx.engine, start, end)
    await _audit(request, "export_insights", {"start": start.isoformat(), "end": end.isoformat()})
    name = f"insights-{start.isoformat()}-{end.isoformat()}.csv"
    return raw(
        aggregates.to_csv(ins).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@authorized()
async def review_page(request: Request) -> HTTPResponse:
    """GET /console/review: messages to review, newest first, grouped by wording.

    Args:
        request: The request (``status``: pending, labeled or dismissed).

    Returns:
        The page.
    """
    status = request.args.get("status") or review.PENDING
    if status not in (review.PENDING, review.LABELED, review.DISMISSED):
        status = review.PENDING
    fresh = await _refresh(request)
    items = await asyncio.to_thread(review.list_items, request.app.ctx.engine, status)
    groups = review.group_items(items)
    leaks = await asyncio.to_thread(
        review.evaluation_matches, [i.text for i in items if not i.withheld]
    )
    await _audit(
        request,
        "view_review",
        {
            "status": status,
            "items": len(items),
            "withheld": sum(1 for i in items if i.withheld),
            "item_ids": [i.id for i in items if not i.withheld][:200],
        },
    )
    return _page(
        request,
        "review.html",
        title="Questions to review",
        groups=groups,
        view=status,
        topics=review.topic_ids(),
        leaks=leaks,
        notice=request.args.get("notice", ""),
        fresh=fresh,
    )


@authorized()
async def review_label(request: Request) -> HTTPResponse:
    """POST /console/review/label: label (``label``) or dismiss (``dismiss=1``) items (``ids``).

    Args:
        request: The request.

    Returns:
        A redirect to the inbox, or 400 for bad input.
    """
    raw_ids = (field(request, "ids") or "").split(",")
    try:
        ids = [int(x) for x in raw_ids if x.strip()][:MAX_LABEL_IDS]
    except ValueError:
        ids = []
    label = (field(request, "label") or "").strip() or None
    if field(request, "dismiss"):
        label = None
    elif label is None:
        return _page(request, "error.html", status=400, title="Review", message="Choose a label.")
    if not ids:
        return _page(
            request, "error.html", status=400, title="Review", message="No messages chosen."
        )
    try:
        changed = await asyncio.to_thread(
            review.label_items, request.app.ctx.engine, ids, label, request.ctx.user.username
        )
    except review.LabelError:
        return _page(request, "error.html", status=400, title="Review", message="Unknown label.")
    await _audit(
        request,
        "review_label" if label else "review_dismiss",
        {"item_ids": ids, "label": label, "changed": changed},
    )
    return redirect(f"/console/review?notice={'labeled' if label else 'dismissed'}", status=303)


def create_insights_blueprint() -> Blueprint:
    """Creates the insights and review blueprint (mounted under ``/console``).

    Returns:
        A new blueprint (one per app).
    """
    bp = Blueprint("console_insights", url_prefix="/console")
    bp.add_route(insights_page, "/insights", methods=["GET"], name="insights")
    bp.add_route(insights_csv, "/insights.csv", methods=["GET"], name="insights_csv")
    bp.add_route(review_page, "/review", methods=["GET"], name="review")
    bp.add_route(review_label, "/review/label", methods=["POST"], name="review_label")
    return bp
