"""A small stand-in for the Rasa server, for testing the chat widget in a real browser.

It speaks the same socket.io events as the clinic's Rasa socket.io channel
(``session_request`` / ``session_confirm`` / ``user_uttered`` / ``bot_uttered``, session
persistence through rooms) and serves ``GET /conversations/<id>/tracker`` like Rasa's HTTP API,
so the widget's history route can read it. Replies are scripted by keyword and carry the reply
payload of ``shared/reply-contract.md`` in ``custom``. No model, no training, no network beyond
127.0.0.1.

The server runs in a background thread with its own event loop; :meth:`FakeRasa.stop` and
:meth:`FakeRasa.start` simulate a server restart on the same port while the conversations
(like Rasa's tracker store) survive.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web

from clinicbot.channels.common import is_widget_session, widget_conversation_id

SIDE_EFFECTS_TEXT = (
    "Common, short-lived effects during and just after a session include:\n"
    "- feeling detached or dreamlike\n"
    "- nausea or dizziness\n"
    "- a temporary rise in blood pressure\n"
    "They usually settle within an hour or two. More from the FDA: "
    "https://www.fda.gov/drugs/spravato.\n"
    "Questions? Call us at (555) 010-0142."
)
SIDE_EFFECTS_SOURCES = [
    "U.S. Food and Drug Administration. SPRAVATO (esketamine) nasal spray: prescribing "
    "information. 2023. https://www.accessdata.fda.gov/drugsatfda_docs/label/2023/211243s012lbl.pdf",
    "Short B, et al. Side-effects associated with ketamine use in depression: a systematic "
    "review. Lancet Psychiatry. 2018;5(1):65-78.",
]
CRISIS_TEXT = (
    "I'm really sorry you're feeling this much pain. You deserve support right now.\n"
    "Please call or text 988 to reach the Suicide & Crisis Lifeline, any time, day or night.\n"
    "If you are in immediate danger, call 911.\n"
    "I've let our clinical team know so someone can follow up with you."
)
EMERGENCY_TEXT = (
    "Chest pain can be a sign of a medical emergency. Please call 911 now, or go to the "
    "nearest emergency department."
)
CLARIFY_TEXT = "I'm sorry, I'm not sure I understood. You could rephrase, or choose a topic:"
FORMAT_TEXT = (
    "Call or text 988 any time.\n"
    "In an emergency call 911.\n"
    "Text us at (555) 010-0143 or call +1 555-010-0142.\n"
    "See https://example.org/path_(x)).\n"
    "Not links: $988, 988.50, 2019;988-995, 19880, javascript:alert(1).\n"
    "- first\n"
    "- second\n"
    "\n"
    "A new paragraph."
)
DURATION_TEXT = "An infusion takes about 40 minutes, plus time to rest afterwards."


@dataclass
class Conversation:
    """The recorded events of one session (like a Rasa tracker)."""

    events: list[dict[str, Any]] = field(default_factory=list)


class FakeRasa:
    """Fake Rasa server (socket.io channel + tracker endpoint) for browser tests.

    Args:
        host: Interface to bind.
        port: Port to bind; 0 picks a free one on the first start.
        reply_delay: Seconds to wait before answering (lets the typing indicator show).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, reply_delay: float = 0.3) -> None:
        """Creates the server; call :meth:`start` to run it."""
        self.host = host
        self.port = port
        self.reply_delay = reply_delay
        self.conversations: dict[str, Conversation] = {}
        #: Every ``user_uttered`` payload received, in order.
        self.received: list[dict[str, Any]] = []
        #: Every ``session_request`` payload received, in order.
        self.session_requests: list[dict[str, Any]] = []
        #: When set, the tracker endpoint answers HTTP 500 (Rasa "down" for the history API).
        self.fail_tracker = False
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sio: socketio.AsyncServer | None = None

    # ---------------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Starts (or restarts) the server on its port; returns once it accepts connections."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
            self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=15)

    def stop(self) -> None:
        """Stops serving: every socket is cut as when the Rasa process dies."""
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=15)

    def close(self) -> None:
        """Stops the server and its event loop thread."""
        self.stop()
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = None

    async def _start(self) -> None:
        sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        app = web.Application()
        sio.attach(app, socketio_path="socket.io")
        app.router.add_get("/conversations/{sender}/tracker", self._tracker)
        app.router.add_get("/host", self._host_page)
        app.router.add_get("/", self._health)
        self._register(sio)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        self._runner = runner
        self._sio = sio

    async def _stop(self) -> None:
        runner, self._runner = self._runner, None
        self._sio = None
        if runner is not None:
            # Abort the live connections (as a crashed process would), then free the port.
            for transport in list(_transports(runner)):
                transport.abort()
            await runner.cleanup()

    # ---------------------------------------------------------------------------- socket.io

    def _register(self, sio: socketio.AsyncServer) -> None:
        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = data or {}
            session_id = data.get("session_id") or sid
            with self._lock:
                self.session_requests.append(dict(data))
            await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            session_id = data.get("session_id")
            if not session_id:
                return
            text = str(data.get("message", ""))
            with self._lock:
                self.received.append(dict(data))
                self._conv(session_id).events.append(
                    {
                        "event": "user",
                        "text": text,
                        "timestamp": time.time(),
                        "metadata": data.get("metadata") or {},
                        "parse_data": {"intent": {"name": "fake"}},
                    }
                )
            await asyncio.sleep(self.reply_delay)
            for message in self.replies_for(text):
                await self._send(sio, session_id, message)

    async def _send(
        self, sio: socketio.AsyncServer | None, session_id: str, message: dict[str, Any]
    ) -> None:
        with self._lock:
            self._conv(session_id).events.append(
                {
                    "event": "bot",
                    "text": message.get("text"),
                    "timestamp": time.time(),
                    "data": {
                        "buttons": message.get("quick_replies") or [],
                        "custom": message.get("custom"),
                    },
                }
            )
        if sio is not None:
            await sio.emit("bot_uttered", message, room=session_id)

    def _conv(self, session_id: str) -> Conversation:
        # Filed under the real channel's conversation id (``widget-<hex>``), which is what the
        # history route asks the tracker endpoint for.
        key = widget_conversation_id(session_id) if is_widget_session(session_id) else session_id
        return self.conversations.setdefault(key, Conversation())

    # ---------------------------------------------------------------------------- scripted bot

    @staticmethod
    def replies_for(text: str) -> list[dict[str, Any]]:
        """Returns the scripted ``bot_uttered`` messages for one patient message.

        Args:
            text: The patient's message or button payload.

        Returns:
            Zero or more messages in the shape the Rasa socket.io channel emits.
        """
        low = text.lower()

        def payload(kind: str, **extra: Any) -> dict[str, Any]:
            base: dict[str, Any] = {
                "kind": kind,
                "kb_id": None,
                "sources": [],
                "escalation_id": None,
            }
            base.update(extra)
            return base

        if "slow" in low:
            return []
        if "format test" in low:
            return [{"text": FORMAT_TEXT, "custom": payload("answer", kb_id="format")}]
        if "kill myself" in low or "suicid" in low:
            return [
                {
                    "text": CRISIS_TEXT,
                    "custom": payload("crisis", escalation_id="esc-crisis-1"),
                }
            ]
        if "chest pain" in low:
            # Text first, then the payload as a separate message without text.
            return [{"text": EMERGENCY_TEXT}, {"custom": payload("emergency")}]
        if "<" in text or ">" in text:
            return [
                {
                    "text": f"You wrote: {text}\n- <b>not bold</b>\n<script>alert(2)</script>",
                    "custom": payload("clarify"),
                }
            ]
        if low.startswith("/kb_safety_side_effects") or "side effect" in low:
            return [
                {
                    "text": SIDE_EFFECTS_TEXT,
                    "quick_replies": [
                        {
                            "content_type": "text",
                            "title": "How long does it take?",
                            "payload": "/kb_session_duration",
                        },
                        {
                            "content_type": "text",
                            "title": "Talk to a person",
                            "payload": "/request_human",
                        },
                    ],
                    "custom": payload(
                        "answer", kb_id="safety_side_effects", sources=SIDE_EFFECTS_SOURCES
                    ),
                }
            ]
        if low.startswith("/kb_session_duration") or "how long" in low:
            return [
                {
                    "text": DURATION_TEXT,
                    "custom": payload(
                        "answer", kb_id="session_duration", sources=["Clinic protocol, 2024."]
                    ),
                }
            ]
        if low.startswith("/request_human") or "person" in low:
            return [
                {
                    "text": "I've asked our team to reply here. During opening hours that is "
                    "usually within an hour.",
                    "custom": payload("handoff", escalation_id="esc-2"),
                }
            ]
        return [
            {
                "text": CLARIFY_TEXT,
                "quick_replies": [
                    {"title": "Side effects", "payload": "/kb_safety_side_effects"},
                    {"title": "Talk to a person", "payload": "/request_human"},
                ],
                "custom": payload("clarify"),
            }
        ]

    # ---------------------------------------------------------------------------- test hooks

    def staff_reply(self, session_id: str, text: str, staff_name: str = "Sam Rivera") -> None:
        """Sends (or, while stopped, only records) a reply from a staff member.

        Args:
            session_id: The widget session.
            text: The reply.
            staff_name: Shown name of the staff member.
        """
        message = {
            "text": text,
            "custom": {
                "kind": "handoff",
                "kb_id": None,
                "sources": [],
                "escalation_id": "esc-2",
                "from_staff": True,
                "staff_name": staff_name,
            },
        }
        if self._loop is None:
            raise RuntimeError("server not started")
        asyncio.run_coroutine_threadsafe(
            self._send(self._sio, session_id, message), self._loop
        ).result(timeout=10)

    def messages_from(self, session_id: str) -> list[str]:
        """Lists what the patient of one session sent (payloads), in order."""
        with self._lock:
            return [
                str(r.get("message")) for r in self.received if r.get("session_id") == session_id
            ]

    # ---------------------------------------------------------------------------- HTTP

    async def _tracker(self, request: web.Request) -> web.Response:
        if self.fail_tracker:
            return web.json_response({"error": "down"}, status=500)
        sender = request.match_info["sender"]
        with self._lock:
            events = list(self._conv(sender).events)
        return web.json_response({"sender_id": sender, "events": events})

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _host_page(self, request: web.Request) -> web.Response:
        """A third-party page (another origin) with hostile CSS that embeds the widget."""
        widget = request.query.get("widget", "")
        # How the page embeds the widget: the classic loader (default), the entry module
        # directly ("module", ``widget`` is then .../js/main.js), or both ("both").
        tags = {
            "classic": f'<script src="{widget}" defer></script>',
            "module": f'<script type="module" src="{widget}"></script>',
            "both": f'<script src="{widget}" defer></script>\n'
            f'<script type="module" src="{widget.replace("widget.js", "js/main.js")}"></script>',
        }
        tag = tags.get(request.query.get("embed", "classic"), tags["classic"])
        html = HOST_PAGE.replace("{{WIDGET_TAG}}", tag).replace("{{SERVER}}", self.url)
        return web.Response(text=html, content_type="text/html")


async def _cancel_other_tasks() -> None:
    """Cancels what the socket.io server left running (ping and service tasks)."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _transports(runner: web.AppRunner) -> list[asyncio.Transport]:
    out: list[asyncio.Transport] = []
    server = runner.server
    if server is None:
        return out
    for conn in list(getattr(server, "connections", [])):
        transport = getattr(conn, "transport", None)
        if transport is not None:
            out.append(transport)
    return out


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Another site</title>
<style>
  * { font-family: "Comic Sans MS", cursive !important; color: #ff00ff !important; }
  button { display: none !important; font-size: 40px !important; }
  div { border: 5px solid red !important; padding: 30px !important; }
  p, span { font-size: 30px !important; }
  body { background: #222; }
</style></head>
<body><h1>Some other website</h1><p>Its own content.</p>
<button id="host-button">Host button</button>
<script>
  window.ClinicChatConfig = {
    serverUrl: "{{SERVER}}", clinicName: "Host Test Clinic",
    primaryColor: "#ffcc00", replyTimeoutMs: 1500, position: "left"
  };
</script>
{{WIDGET_TAG}}
</body></html>
"""
