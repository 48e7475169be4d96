"""Sanic application factory for the web server (widget + staff console + ``/health``)."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sqlalchemy import text
from sqlalchemy.engine import Engine

from clinicbot.console.blueprint import create_blueprint
from clinicbot.console.insights import create_insights_blueprint
from clinicbot.console.security import LoginGuard, security_headers
from clinicbot.console.sessions import SessionStore
from clinicbot.insights.feedback import bp as feedback_bp
from clinicbot.rasa_client import RasaClient
from clinicbot.settings import Settings, load_settings
from clinicbot.store.audit import AuditAggregator
from clinicbot.store.db import get_engine
from clinicbot.store.escalations import EscalationStore
from clinicbot.store.migrations import migrate
from clinicbot.store.staff import StaffStore
from clinicbot.widget.blueprint import bp as widget_bp

#: Largest request body accepted (replies and notes are a few KB).
REQUEST_MAX_SIZE = 1_000_000

_app_numbers = itertools.count(1)


def _attach_stores(
    app: Sanic, engine: Engine, settings: Settings, hasher: PasswordHasher | None
) -> None:
    app.ctx.engine = engine
    app.ctx.escalations = EscalationStore(engine)
    app.ctx.audit_aggregator = AuditAggregator(engine)
    app.ctx.staff = StaffStore(engine, hasher=hasher)
    app.ctx.sessions = SessionStore(
        engine, idle=timedelta(minutes=max(1, settings.session_idle_minutes))
    )


async def health(request: Request) -> HTTPResponse:
    """GET /health: ``{"status": "ok", "db": "ok"}``, or 503 when the database fails.

    Args:
        request: The request.

    Returns:
        The status.
    """
    engine: Engine | None = getattr(request.app.ctx, "engine", None)

    def check() -> None:
        if engine is None:
            raise RuntimeError("no database")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.get_running_loop().run_in_executor(None, check)
    except Exception:  # noqa: BLE001 - any failure is "not healthy"
        return json({"status": "error", "db": "error"}, status=503)
    return json({"status": "ok", "db": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    rasa_client: RasaClient | None = None,
    engine: Engine | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Sanic:
    """Creates the web server app.

    Nothing touches the database until the server starts: the ``before_server_start`` listener
    creates the engine (unless one is given), applies the migrations and puts the stores on
    ``app.ctx`` (``engine``, ``escalations``, ``staff``, ``sessions``). ``app.ctx`` also holds
    ``settings``, ``rasa`` (the Rasa client), ``login_guard`` and ``poll_audit``.

    Args:
        settings: Settings (default: :func:`load_settings`).
        rasa_client: Client of the Rasa HTTP API (tests pass a fake).
        engine: Database engine (default: ``get_engine(settings.db_url)``).
        password_hasher: argon2 hasher for staff passwords (tests pass a cheap one).

    Returns:
        A new app with a unique name (several can exist in one process).
    """
    settings = settings or load_settings()
    app = Sanic(f"clinicbot_web_{os.getpid()}_{next(_app_numbers)}")
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.ACCESS_LOG = False
    app.ctx.settings = settings
    app.ctx.rasa = rasa_client or RasaClient.from_settings(settings)
    if settings.trusted_proxies > 0:
        # Behind the proxy (deploy/nginx): the client address comes from X-Forwarded-For.
        app.config.PROXIES_COUNT = settings.trusted_proxies
    app.ctx.login_guard = LoginGuard()
    app.ctx.poll_audit = {}
    app.ctx.engine = None
    if engine is not None:
        _attach_stores(app, engine, settings, password_hasher)

    async def prepare_database(app_: Sanic, _loop: Any) -> None:
        db = app_.ctx.engine or get_engine(settings.db_url)
        await asyncio.get_running_loop().run_in_executor(None, migrate, db)
        _attach_stores(app_, db, settings, password_hasher)
        await asyncio.get_running_loop().run_in_executor(None, app_.ctx.sessions.purge_expired)

    app.register_listener(prepare_database, "before_server_start")
    app.register_middleware(security_headers, "response")
    app.add_route(health, "/health", methods=["GET"], name="health")
    app.blueprint(create_blueprint())
    app.blueprint(widget_bp)
    app.blueprint(create_insights_blueprint())
    app.blueprint(feedback_bp)
    return app
