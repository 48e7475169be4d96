"""Socket.io channel for the website widget.

Differs from Rasa's own ``SocketIOInput`` where that one breaks or leaks:
- each bot message is emitted as ONE object ``{"text", "quick_replies", "custom"}`` (Rasa's
  output passes custom payloads to ``emit`` as keyword arguments, which fails);
- joining the session room is awaited (``AsyncServer.enter_room`` is a coroutine in
  python-socketio 5.x; Rasa 3.6 never awaits it, so staff replies sent to the conversation's
  room would reach nobody);
- cross-origin pages are allowed from ``WIDGET_ORIGINS`` (comma-separated; default: the web
  server's own origins), input is validated and message text is never logged;
- conversation ids live in the widget's namespace (``widget-<uuid hex>``, see
  :func:`clinicbot.channels.common.widget_conversation_id`): a session id that is not a UUID
  (an SMS pseudonym, a REST id) is replaced by a fresh one, and each socket is bound to the one
  session it was confirmed for; ``session_id`` in later messages is ignored.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from clinicbot.channels.common import (
    BadInput,
    agent_ready,
    clean_text,
    configure_server,
    failure_message,
    is_widget_session,
    patient_message,
    patient_throttled,
    request_ip,
    widget_conversation_id,
)
from clinicbot.channels.throttle import not_ready_reply, throttled_reply
from clinicbot.nlg import clinic_values
from clinicbot.settings import load_settings

logger = logging.getLogger(__name__)


def allowed_origins(env: Dict[str, str] | None = None) -> List[str]:
    """Origins whose pages may open the widget's socket.

    Args:
        env: Environment to read (defaults to the process's, through
            :func:`clinicbot.settings.load_settings`).

    Returns:
        The origins from ``WIDGET_ORIGINS``, or the web server's localhost origins.
    """
    return list(load_settings(env).widget_origins)


class ClinicSocketIOOutput(OutputChannel):
    """Emits each bot message as one ``bot_uttered`` object to the conversation's room.

    Args:
        sio: The socket.io server.
        bot_message_evt: Event name for bot messages.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        """Keeps the server and event name."""
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    @classmethod
    def name(cls) -> str:
        """Channel name."""
        return "socketio"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Sends one bot message (text, buttons and payload together).

        Args:
            recipient_id: Conversation (room) id.
            message: Rasa's response dictionary.
        """
        out: Dict[str, Any] = {}
        if message.get("text"):
            out["text"] = message["text"]
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if buttons:
            out["quick_replies"] = [
                {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
                for b in buttons
            ]
        if isinstance(message.get("custom"), dict):
            out["custom"] = message["custom"]
        if message.get("image"):
            out["attachment"] = {"type": "image", "payload": {"src": message["image"]}}
        if out:
            await self.sio.emit(self.bot_message_evt, out, room=recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Sends plain text."""
        await self.send_response(recipient_id, {"text": text})

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Sends a payload-only message."""
        await self.send_response(recipient_id, {"custom": json_message})


class ClinicSocketIOInput(InputChannel):
    """Socket.io input channel with session persistence (see module docstring).

    Args:
        user_message_evt: Event the client emits with a message.
        bot_message_evt: Event the server emits with a bot message.
        namespace: Socket.io namespace.
        session_persistence: Whether conversations are keyed by the client's session id.
        socketio_path: Path of the socket.io endpoint.
    """

    @classmethod
    def name(cls) -> str:
        """Channel name."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Creates the channel from ``credentials.yml``."""
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            bool(credentials.get("session_persistence", True)),
            credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        session_persistence: bool = True,
        socketio_path: str = "/socket.io",
    ) -> None:
        """Stores the configuration; the server is created with the blueprint."""
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.session_persistence = session_persistence
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None
        self.bound_sessions: Dict[str, tuple[str, str]] = {}

    def get_output_channel(self) -> OutputChannel | None:
        """Output channel for messages pushed later (staff replies via the HTTP API)."""
        if self.sio is None:
            return None
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Creates the socket.io server and its Sanic blueprint.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint.
        """
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=allowed_origins())
        bp = SocketBlueprint(sio, self.socketio_path, "clinic_socketio_webhook", __name__)
        self.sio = sio
        ns = self.namespace
        configure_server(bp)
        #: Socket -> client address (for the rate limits); removed on disconnect.
        addresses: Dict[str, str] = {}
        #: The Rasa app (its ctx holds the shared throttle), known once the server starts.
        apps: List[Any] = []

        @bp.listener("before_server_start")
        async def _remember_app(app: Any, _loop: Any) -> None:
            apps.append(app)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # Socket -> (session id it was confirmed for, conversation id). One entry per connected
        # socket; removed on disconnect, so it is bounded by the open connections.
        bound: Dict[str, tuple[str, str]] = {}
        self.bound_sessions = bound

        @sio.on("session_request", namespace=ns)
        async def session_request(sid: str, data: Dict[str, Any] | None) -> None:
            if sid in bound:
                # A socket serves one session for its whole life; a new session needs a new
                # connection (the widget's "start over" reconnects).
                await sio.emit("session_confirm", bound[sid][0], room=sid, namespace=ns)
                return
            requested = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = str(requested) if is_widget_session(requested) else str(uuid.uuid4())
            conversation_id = widget_conversation_id(session_id)
            bound[sid] = (session_id, conversation_id)
            if self.session_persistence:
                joined = sio.enter_room(sid, conversation_id, namespace=ns)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=ns)

        @sio.on("connect", namespace=ns)
        async def connect(sid: str, environ: Dict[str, Any], *args: Any) -> None:
            req = environ.get("sanic.request") if isinstance(environ, dict) else None
            addresses[sid] = request_ip(req) if req is not None else "unknown"

        @sio.on("disconnect", namespace=ns)
        async def disconnect(sid: str) -> None:
            bound.pop(sid, None)
            addresses.pop(sid, None)

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: str, data: Any) -> None:
            output = ClinicSocketIOOutput(sio, self.bot_message_evt)
            if not isinstance(data, dict):
                await sio.emit("error_message", {"error": "bad message"}, room=sid, namespace=ns)
                return
            session = bound.get(sid)
            if session is None:
                await sio.emit(
                    "error_message",
                    {"error": "no session yet: send session_request first"},
                    room=sid,
                    namespace=ns,
                )
                return
            try:
                text = clean_text(data.get("message"))
            except BadInput as exc:
                await sio.emit("error_message", {"error": exc.message}, room=sid, namespace=ns)
                return
            # The bound conversation, whatever session_id the message names.
            sender = session[1] if self.session_persistence else sid
            room = sender
            if not agent_ready(apps[0] if apps else None):
                # Rasa would answer with nothing: the crisis or emergency text for such a
                # message, else "send it again" with the crisis lines (shown as a bot message).
                logger.warning("socket.io turn refused: the assistant is not ready")
                await output.send_response(room, not_ready_reply(text, sender, self.name()))
                return
            if patient_throttled(apps[0] if apps else None, addresses.get(sid, "unknown"), sender):
                # Never reaches the assistant; crisis and emergency texts are still sent.
                await output.send_response(room, throttled_reply(text, sender, self.name()))
                return
            message = patient_message(text, output, sender, self.name(), data.get("metadata"))
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - the patient still gets a safe reply
                logger.exception("socket.io turn failed; sending the failure reply")
                failure = failure_message(clinic_values().get("clinic_phone", ""))
                await output.send_response(room, failure)

        return bp
