"""The staff console blueprint.

Sign-in, the escalation queue, conversation views, staff actions and the administrators' pages.

The routes live in :mod:`clinicbot.console.auth_routes` (sign-in, TOTP),
:mod:`clinicbot.console.queue_routes` (queue, conversation, actions) and
:mod:`clinicbot.console.admin_routes` (audit log, staff accounts). Every page needs a
signed-in staff member (see :func:`clinicbot.console.security.authorized`); every database call
goes through the async facade :mod:`clinicbot.console.stores` (a worker thread), so a slow
store call never blocks the event loop.
"""

from __future__ import annotations

from sanic import Blueprint

from clinicbot.console.admin_routes import audit_page, staff_page, unlock_staff
from clinicbot.console.auth_routes import login_page, login_submit, logout, totp_page, totp_submit
from clinicbot.console.queue_routes import (
    add_note,
    api_escalation,
    api_queue,
    claim,
    escalation_page,
    queue_page,
    reply,
    resolve,
    return_to_bot,
)
from clinicbot.console.render import STATIC_DIR


def create_blueprint() -> Blueprint:
    """Builds the console blueprint (a new one per app, so tests can create many apps).

    The app must provide ``app.ctx.settings``, ``engine``, ``escalations``, ``staff``,
    ``sessions``, ``audit_aggregator``, ``rasa``, ``login_guard`` and ``poll_audit`` (see
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
