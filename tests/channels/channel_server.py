"""Serves the project's REST and socket.io channels with a recording handler instead of a model.

Usage: ``python tests/channels/channel_server.py PORT``. Channels are registered the way Rasa
registers them (``rasa.core.channels.channel.register``). The handler records each message's
conversation id and answers "ok" (or, with ``CHANNEL_TEST_RAISE=1``, raises).

Test routes: ``GET /test/received`` (conversation ids so far), ``POST /test/reset``,
``POST /test/ready`` with ``{"ready": false}`` (the agent then has no model, as a Rasa server
whose model failed to load; ``/test/reset`` makes it ready again), ``POST /test/staff`` with
``{"conversation_id", "text"}`` (a push through the output channel, as staff replies arrive
through Rasa), ``POST /test/echo-size`` (answers the body's length: a
stand-in for a Rasa API route that does not check sizes itself).

python-engineio's Sanic driver keeps per-process state, so tests start this in a subprocess
(one server per test module) rather than one app per test in the pytest process.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rasa.core.channels.channel import UserMessage, register  # noqa: E402

from clinicbot.channels.rest import ClinicRestInput  # noqa: E402
from clinicbot.channels.socketio import ClinicSocketIOInput  # noqa: E402
from tests.fixtures.markers import starts_server  # noqa: E402
from tests.fixtures.net import free_port, stop_processes  # noqa: E402


def create_app() -> Sanic:
    """Builds the app with both channels and the test routes.

    Returns:
        The app.
    """
    app = Sanic("channel_test_server")
    socket_channel = ClinicSocketIOInput()
    received: list[dict[str, Any]] = []

    async def handle(message: UserMessage) -> None:
        received.append({"sender": message.sender_id, "channel": message.input_channel})
        await message.output_channel.send_text_message(message.sender_id, "ok")

    class _Agent:
        handle_message = staticmethod(handle)
        ready = True

        def is_ready(self) -> bool:
            return self.ready

    app.ctx.agent = _Agent()
    register([ClinicRestInput(), socket_channel], app, route="/webhooks/")

    @app.get("/test/received")
    async def get_received(_: Request) -> HTTPResponse:
        return response.json(received)

    @app.post("/test/reset")
    async def reset(_: Request) -> HTTPResponse:
        received.clear()
        app.ctx.agent.ready = True
        return response.json({"ok": True})

    @app.post("/test/ready")
    async def set_ready(request: Request) -> HTTPResponse:
        app.ctx.agent.ready = bool((request.json or {}).get("ready"))
        return response.json({"ok": True})

    @app.post("/test/staff")
    async def staff(request: Request) -> HTTPResponse:
        out = socket_channel.get_output_channel()
        assert out is not None
        body = request.json or {}
        await out.send_response(body["conversation_id"], {"text": body["text"]})
        return response.json({"ok": True})

    @app.post("/test/echo-size")
    async def echo_size(request: Request) -> HTTPResponse:
        return response.json({"size": len(request.body or b"")})

    return app


class ChannelProcess:
    """Handle on a channel server running in a subprocess.

    Args:
        base: Its base URL.
    """

    def __init__(self, base: str) -> None:
        """Keeps the URL."""
        self.base = base

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        """Sends a JSON request; an HTTP error status is returned, not raised.

        Returns:
            The status, the decoded JSON body and the response headers.
        """
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read()), resp.headers
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read()), exc.headers

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        status, answer, _ = self.request(method, path, body)
        assert status == 200, (path, status)
        return answer

    @property
    def senders(self) -> list[str]:
        """Conversation ids of the messages received so far."""
        return [r["sender"] for r in self._call("GET", "/test/received")]

    def reset(self) -> None:
        """Forgets the received messages."""
        self._call("POST", "/test/reset", {})

    def staff(self, conversation_id: str, text: str) -> None:
        """Pushes a message to a conversation through the output channel."""
        self._call("POST", "/test/staff", {"conversation_id": conversation_id, "text": text})


class Patient:
    """A socket.io client like the widget: ``async with Patient(server.base) as patient``."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        """Prepares the client (``headers``: sent with the connection, e.g. X-Forwarded-For)."""
        import socketio

        self.base = base
        self.headers = dict(headers or {})
        self.client = socketio.AsyncClient()
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.confirms: asyncio.Queue[Any] = asyncio.Queue()
        self.errors: asyncio.Queue[Any] = asyncio.Queue()
        self.client.on("bot_uttered", lambda d: self.inbox.put_nowait(d))
        self.client.on("session_confirm", lambda d: self.confirms.put_nowait(d))
        self.client.on("error_message", lambda d: self.errors.put_nowait(d))

    async def __aenter__(self) -> Patient:
        await self.client.connect(
            self.base, socketio_path="/socket.io", transports=["polling"], headers=self.headers
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        # A polite disconnect waits for the pending long poll (up to the 25 s ping interval).
        await self.client.eio.disconnect(abort=True)

    async def start(self, session_id: Any) -> Any:
        """Asks for the session and returns its confirmation."""
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirms.get(), 10)

    async def say(self, text: str, session_id: Any = None) -> None:
        """Sends a message as the widget does."""
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id})

    async def reply(self) -> Any:
        """The next bot message (waits up to 10 s)."""
        return await asyncio.wait_for(self.inbox.get(), 10)


def reply_text(items: list[dict[str, Any]]) -> str:
    """The texts of a REST reply, one per line."""
    return "\n".join(item.get("text", "") for item in items)


def reply_kind(items: list[dict[str, Any]]) -> str:
    """The ``kind`` of a REST reply's merged payload (its last custom item)."""
    return str([i for i in items if "custom" in i][-1]["custom"]["kind"])


@starts_server
@contextmanager
def channel_process(env: Mapping[str, str] | None = None) -> Iterator[ChannelProcess]:
    """Starts the server on a free port and stops it afterwards.

    Args:
        env: Extra environment variables for the server.

    Yields:
        The handle.
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/test/received", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("channel test server did not start") from None
                time.sleep(0.2)
        yield ChannelProcess(base)
    finally:
        stop_processes(proc)


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
