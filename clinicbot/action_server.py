"""The action server: rasa-sdk's app, bound to loopback, answering only callers with the secret.

rasa-sdk 3.6 has no authentication of its own (its maintainers point to a proxy), and
``rasa run actions`` binds to ``0.0.0.0``. Anyone reaching the port could then run
``action_escalate_urgent`` or ``action_screening_submit`` on a made-up tracker. This entry
point serves the same app (:func:`rasa_sdk.endpoint.create_app`) with two differences:

* it binds to ``ACTION_HOST`` (default ``127.0.0.1``: only Rasa on this machine calls it);
* every request except ``GET /health`` must carry ``Authorization: Bearer <secret>`` with the
  shared secret ``ACTION_SERVER_TOKEN``, which Rasa sends from ``endpoints.yml``
  (``action_endpoint.headers``). Calls without it get 401 and run nothing. Without a secret
  the server refuses to start (``make run`` generates one per run).

It also drains the urgent outbox (:mod:`clinicbot.outbox`) at start and every
``URGENT_OUTBOX_DRAIN_SECONDS``: the crisis and emergency escalations a Rasa server could not
open itself (action server down, no model loaded, a rate limit) are opened here through the
same store call as ``action_escalate_urgent``, with the same staff notifications. Rasa
processes on other machines send their records to ``POST /urgent-outbox`` instead (secret
required; :mod:`clinicbot.outbox_delivery`).

Run it with ``python -m clinicbot.action_server [--port N]`` (``make run`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import sys
from collections.abc import Sequence
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinicbot.outbox_delivery import OUTBOX_ROUTE
from clinicbot.settings import load_settings

logger = logging.getLogger(__name__)

#: The only path answered without the secret (the supervisor's health check).
OPEN_PATHS = frozenset({"/health"})


def authorized(request: Request, token: str) -> bool:
    """Tells whether a request carries the shared secret.

    Args:
        request: The incoming request.
        token: The shared secret.

    Returns:
        True for ``Authorization: Bearer <token>`` (compared in constant time).
    """
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


def create_app(token: str, actions_package: str = "actions", drain_outbox: bool = False) -> Sanic:
    """Builds rasa-sdk's action server app with the secret check in front of it.

    Args:
        token: The shared secret (must not be empty).
        actions_package: The package holding the actions.
        drain_outbox: Whether the app drains the urgent outbox while it serves (the
            server :func:`main` starts does).

    Returns:
        The Sanic app.

    Raises:
        ValueError: If the secret is empty.
    """
    if not token:
        raise ValueError("the action server needs a shared secret (ACTION_SERVER_TOKEN)")
    from rasa_sdk.endpoint import create_app as sdk_create_app

    # No CORS: browsers never call the action server.
    app = sdk_create_app(actions_package, cors_origins=None)

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if authorized(request, token):
            return None
        logger.warning(
            "action server: %s %s refused (no valid secret)", request.method, request.path
        )
        return response.json({"error": "unauthorized"}, status=401)

    @app.post(OUTBOX_ROUTE)
    async def urgent_outbox(request: Request) -> HTTPResponse:
        # A Rasa process's urgent outbox record (clinicbot.outbox_delivery), any host.
        from actions.handoff import escalation_store, notify_in_background
        from clinicbot.outbox_delivery import receive_record

        status, body = await receive_record(
            request.body or b"", escalation_store, notify_in_background
        )
        return response.json(body, status=status)

    if drain_outbox:
        app.register_listener(start_outbox_drainer, "after_server_start")
        app.register_listener(stop_outbox_drainer, "before_server_stop")
    return app


async def start_outbox_drainer(app: Sanic, _loop: Any = None) -> None:
    """Starts the urgent outbox's drain loop as a task of the server (Sanic listener).

    Args:
        app: The action server app.
        _loop: The event loop (Sanic passes it).
    """
    from actions.handoff import escalation_store, notify_in_background
    from clinicbot.outbox import UrgentOutbox, outbox_path
    from clinicbot.outbox_delivery import drain_forever

    settings = load_settings()
    outbox = UrgentOutbox(outbox_path())
    logger.info("Draining the urgent outbox every %.0f s", settings.urgent_outbox_drain_seconds)
    app.ctx.outbox_drainer = asyncio.get_running_loop().create_task(
        drain_forever(
            outbox,
            escalation_store,
            notify_in_background,
            settings.urgent_outbox_drain_seconds,
        )
    )


async def stop_outbox_drainer(app: Sanic, _loop: Any = None) -> None:
    """Stops the drain loop (Sanic listener); a record being escalated is retried next start.

    Args:
        app: The action server app.
        _loop: The event loop (Sanic passes it).
    """
    task = getattr(app.ctx, "outbox_drainer", None)
    if task is not None:
        task.cancel()


def main(argv: Sequence[str] | None = None) -> int:
    """Serves the actions until stopped.

    Args:
        argv: Arguments (``--port``, ``--actions``).

    Returns:
        Exit code (2 when no secret is configured).
    """
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=settings.action_port)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not settings.action_token:
        print(
            "ACTION_SERVER_TOKEN is not set: refusing to serve actions without a shared secret "
            "(make run sets one; endpoints.yml sends it).",
            file=sys.stderr,
        )
        return 2
    app = create_app(settings.action_token, args.actions, drain_outbox=True)
    logger.info("Action server on http://%s:%d (secret required)", settings.action_host, args.port)
    app.run(
        host=settings.action_host,
        port=args.port,
        workers=1,
        access_log=False,
        motd=False,
        # Same variable as Rasa's own server: a burst of calls from several Rasa servers
        # overflows Sanic's default queue of 100 pending connections (resets, lost turns).
        backlog=settings.sanic_backlog,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
