"""Serves the project's real socket.io channel with a scripted handler instead of a model.

Usage: ``python tests/widget/real_channel_server.py PORT`` (``WIDGET_ORIGINS`` lists the page
origins allowed to connect). Every patient message gets one answer with buttons and a payload,
then a payload-only message; ``POST /test/staff`` with ``{"session_id", "text"}`` pushes a staff
reply through the channel's output channel, as the console path does through Rasa. The payloads
are built by ``clinicbot.payload.make_payload``, as the actions and the console build them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clinicbot.channels.common import widget_conversation_id  # noqa: E402
from clinicbot.channels.socketio import ClinicSocketIOInput  # noqa: E402
from clinicbot.payload import ANSWER, HANDOFF, make_payload  # noqa: E402


def create_app() -> Sanic:
    """Builds the app: the real channel's blueprint plus a staff-push test route.

    Returns:
        The app.
    """
    app = Sanic("real_channel_test_server")
    channel = ClinicSocketIOInput()

    async def on_new_message(message: Any) -> None:
        out = channel.get_output_channel()
        assert out is not None
        await out.send_response(
            message.sender_id,
            {
                "text": f"You asked: {message.text}\n- first point",
                "buttons": [{"title": "Talk to a person", "payload": "/request_human"}],
                "custom": make_payload(ANSWER, kb_id="echo", sources=["Echo source, 2024."]),
            },
        )
        await out.send_response(message.sender_id, {"custom": {"kind": "smalltalk"}})

    app.ctx.agent = SimpleNamespace(is_ready=lambda: True)  # a loaded model
    app.blueprint(channel.blueprint(on_new_message))

    @app.post("/test/staff")
    async def staff(request: Request) -> HTTPResponse:
        out = channel.get_output_channel()
        assert out is not None
        body = request.json or {}
        await out.send_response(
            widget_conversation_id(body["session_id"]),
            {
                "text": body["text"],
                "custom": make_payload(
                    HANDOFF, escalation_id="esc-1", from_staff=True, staff_name="Jordan"
                ),
            },
        )
        return response.json({"ok": True})

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
