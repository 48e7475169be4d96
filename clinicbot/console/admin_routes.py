"""Console routes for administrators: the audit log and staff accounts."""

from __future__ import annotations

import json as jsonlib
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, redirect

from clinicbot.console.common import page, write_audit
from clinicbot.console.render import format_ts
from clinicbot.console.security import authorized
from clinicbot.console.stores import stores
from clinicbot.store.escalations import is_escalation_id
from clinicbot.store.staff import ADMIN

#: Rows per page of the audit log.
AUDIT_PAGE_SIZE = 100


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
    entries = await stores(request).audit.entries(
        limit=AUDIT_PAGE_SIZE + 1,
        escalation_id=escalation_filter,
        actor=actor,
        action=action,
        before_id=before,
    )
    more = len(entries) > AUDIT_PAGE_SIZE
    entries = entries[:AUDIT_PAGE_SIZE]
    await write_audit(request, "view_audit", escalation_filter)
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
    return page(
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
    users = await stores(request).staff.list_users()
    await write_audit(request, "view_staff")
    return page(
        request,
        "staff.html",
        title="Staff",
        users=users,
        notice="Sign-in delays lifted." if request.args.get("notice") == "unlocked" else None,
    )


@authorized(ADMIN)
async def unlock_staff(request: Request, username: str) -> HTTPResponse:
    """POST /console/admin/staff/<username>/unlock: lift an account's sign-in delays."""
    staff = stores(request).staff
    user = await staff.get(username)
    if user is None:
        return page(
            request, "error.html", status=404, title="Not found", message="No such account."
        )
    await staff.unlock(user.username)
    request.app.ctx.login_guard.unlock(user.username)
    await write_audit(request, "unlock_staff", detail={"username": user.username})
    return redirect("/console/admin/staff?notice=unlocked", status=303)
