"""The widget's history API: what a returning visitor's page may read of the conversation.

Served by ``blueprint_server.py`` (the ``server`` fixture is in ``conftest.py``); Rasa is faked by
:class:`FakeRasaClient` (the ``rasa_client`` fixture installs one).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from clinicbot.channels.common import widget_conversation_id
from clinicbot.rasa_client import RasaAPIError
from clinicbot.settings import Settings, load_settings
from clinicbot.widget import blueprint as widget_bp

from .blueprint_server import SESSION, Server, serve_blueprint


class FakeRasaClient:
    """Stands in for :class:`clinicbot.rasa_client.RasaClient`."""

    def __init__(self, events: list[dict[str, Any]] | None = None, fail: bool = False) -> None:
        """Keeps the canned events; ``fail`` makes every call raise."""
        self.events = events or []
        self.fail = fail
        self.calls: list[str] = []

    def from_settings(self, settings: Settings) -> FakeRasaClient:
        """Mimics the classmethod factory."""
        return self

    async def get_tracker(self, conversation_id: str) -> dict[str, Any]:
        """Returns the canned tracker or raises as an unreachable Rasa would."""
        self.calls.append(conversation_id)
        if self.fail:
            raise RasaAPIError("Rasa is unreachable: ClientConnectorError")
        return {"sender_id": conversation_id, "events": self.events}


T0 = time.time() - 120  # a conversation two minutes old (inside the idle limit)
EVENTS: list[dict[str, Any]] = [
    {"event": "action", "name": "action_session_start", "timestamp": T0 + 1.0},
    {"event": "session_started", "timestamp": T0 + 1.1},
    {
        "event": "user",
        "text": "What are the side effects?",
        "timestamp": T0 + 2.0,
        "parse_data": {"intent": {"name": "kb_safety_side_effects", "confidence": 0.97}},
    },
    {
        "event": "bot",
        "text": "Common effects include:\n- nausea",
        "timestamp": T0 + 2.5,
        "data": {
            "buttons": [{"title": "Talk to a person", "payload": "/request_human"}],
            "custom": {
                "kind": "answer",
                "kb_id": "safety_side_effects",
                "sources": ["FDA label, 2023."],
                "escalation_id": None,
            },
        },
    },
    {
        "event": "user",
        "text": "/request_human",
        "timestamp": T0 + 3.0,
        "metadata": {"button_title": "Talk to a person"},
        "parse_data": {"intent": {"name": "request_human"}},
    },
    {
        "event": "bot",
        "text": "Hi, this is Sam from the clinic.",
        "timestamp": T0 + 4.0,
        "data": {
            "custom": {
                "kind": "handoff",
                "kb_id": None,
                "sources": [],
                "escalation_id": "esc-1",
                "from_staff": True,
                "staff_name": "Sam Rivera",
            }
        },
    },
]


#: What the ``rasa_client`` fixture gives: installs a :class:`FakeRasaClient`, returns it.
InstallRasa = Callable[..., FakeRasaClient]


@pytest.fixture
def rasa_client(monkeypatch: pytest.MonkeyPatch) -> InstallRasa:
    """A factory: installs a :class:`FakeRasaClient` as the blueprint's Rasa client, returns it."""

    def install(events: list[dict[str, Any]] | None = None, fail: bool = False) -> FakeRasaClient:
        fake = FakeRasaClient(events, fail=fail)
        monkeypatch.setattr(widget_bp, "RasaClient", fake)
        return fake

    return install


# ------------------------------------------------------------------------------ history API


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'{"session_id": ""}',
        b'{"session_id": "abc"}',
        b'{"session_id": "sms:+15550100142"}',
        b'{"session_id": "sms-0123456789abcdef01234567"}',
        b'{"session_id": "' + b"a" * 65 + b'"}',
        b'{"session_id": "3f1c2a34-1111-4222-8333-44445555666"}',  # one digit short
        b'{"session_id": "3f1c2a34-1111-4222-8333-444455556666\\n"}',
        b'{"session_id": "../../etc"}',
        b'{"session_id": 42}',
    ],
)
async def test_history_rejects_bad_session_ids(
    server: Server, rasa_client: InstallRasa, raw: bytes
) -> None:
    fake = rasa_client(EVENTS)
    status, headers, body = await server.history(None, raw=raw)
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert b"session_id" in body
    assert fake.calls == []


async def test_history_returns_patient_visible_transcript(
    server: Server, rasa_client: InstallRasa
) -> None:
    fake = rasa_client(EVENTS)
    status, headers, body = await server.history(SESSION)
    assert status == 200
    assert fake.calls == [widget_conversation_id(SESSION)]
    assert headers["cache-control"] == "no-store"
    messages = json.loads(body)["messages"]
    assert [m["role"] for m in messages] == ["patient", "bot", "patient", "staff"]
    assert messages[0] == {"role": "patient", "text": "What are the side effects?", "ts": T0 + 2.0}
    bot = messages[1]
    assert bot["kind"] == "answer" and bot["kb_id"] == "safety_side_effects"
    assert bot["sources"] == ["FDA label, 2023."]
    assert bot["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]
    assert messages[2]["text"] == "Talk to a person"  # button title, not the payload
    assert messages[3]["staff_name"] == "Sam Rivera"
    assert all("intent" not in m for m in messages)  # internal fields are dropped


async def test_history_accepts_uuid_without_dashes(
    server: Server, rasa_client: InstallRasa
) -> None:
    fake = rasa_client([])
    hex_id = uuid.uuid4().hex.upper()
    status, _, body = await server.history(hex_id)
    assert status == 200
    assert json.loads(body) == {"messages": []}
    assert fake.calls == [widget_conversation_id(hex_id)]


async def test_history_503_when_rasa_fails(server: Server, rasa_client: InstallRasa) -> None:
    rasa_client(fail=True)
    status, headers, body = await server.history(SESSION)
    assert status == 503
    assert headers["content-type"].startswith("application/json")
    assert "error" in json.loads(body)


async def test_history_503_when_rasa_is_down_for_real(server: Server) -> None:
    # The real RasaClient against a port where nothing listens.
    status, _, body = await server.history(SESSION)
    assert status == 503
    assert "unavailable" in json.loads(body)["error"]


async def test_history_cors_only_for_configured_origins(rasa_client: InstallRasa) -> None:
    rasa_client([])
    env = {"RASA_URL": "http://127.0.0.1:9"}
    origins = "https://www.clinic.example, http://localhost:3000"
    async for server in serve_blueprint(load_settings({**env, "WIDGET_ORIGINS": origins})):
        _, headers, _ = await server.history(
            SESSION, headers={"Origin": "https://www.clinic.example"}
        )
        assert headers["access-control-allow-origin"] == "https://www.clinic.example"
        assert "Origin" in headers["vary"]
        _, headers, _ = await server.history(SESSION, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers
    async for server in serve_blueprint(load_settings({**env, "WIDGET_ORIGINS": "*"})):
        _, headers, _ = await server.history(SESSION, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers


async def test_history_uses_the_apps_rasa_client() -> None:
    fake = FakeRasaClient(EVENTS)
    settings = load_settings({"RASA_URL": "http://127.0.0.1:9"})
    async for srv in serve_blueprint(settings, rasa=fake):
        status, _, body = await srv.history(SESSION)
        assert status == 200 and len(json.loads(body)["messages"]) == 4
    assert fake.calls == [widget_conversation_id(SESSION)]


def test_public_message_whitelists_fields() -> None:
    item = {"role": "bot", "text": "x", "ts": 1, "intent": "secret", "kind": "answer"}
    out = widget_bp.public_message(item)
    assert "intent" not in out and out["kind"] == "answer" and out["staff_name"] is None
    assert widget_bp.public_message({"role": "weird", "text": None})["role"] == "bot"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (SESSION, True),
        (SESSION.upper(), True),
        (SESSION.replace("-", ""), True),
        ("", False),
        ("default", False),
        (SESSION + "0", False),
    ],
)
def test_valid_session_id(value: str, ok: bool) -> None:
    assert widget_bp.valid_session_id(value) is ok


# ------------------------------------------------------------------------------ history privacy


async def test_history_is_never_read_from_the_url(
    server: Server, rasa_client: InstallRasa
) -> None:
    """The id is a bearer credential: URLs end up in logs and browser history."""
    fake = rasa_client(EVENTS)
    status, _, _ = await server.get(f"/widget/api/history?session_id={SESSION}")
    assert status in (404, 405)
    assert fake.calls == []


async def test_history_accepts_the_id_in_a_header(
    server: Server, rasa_client: InstallRasa
) -> None:
    rasa_client(EVENTS)
    status, _, body = await server.history(None, raw=b"", headers={"X-Widget-Session": SESSION})
    assert status == 200 and len(json.loads(body)["messages"]) == 4


async def test_history_returns_only_the_current_session(
    server: Server, rasa_client: InstallRasa
) -> None:
    earlier = [
        {"event": "session_started", "timestamp": T0 - 9000},
        {"event": "user", "text": "earlier crisis words", "timestamp": T0 - 8999},
        {"event": "bot", "text": "earlier reply", "timestamp": T0 - 8998},
    ]
    rasa_client(earlier + EVENTS)
    status, _, body = await server.history(SESSION)
    texts = [m["text"] for m in json.loads(body)["messages"]]
    assert status == 200 and len(texts) == 4
    assert "earlier crisis words" not in texts and "earlier reply" not in texts


async def test_history_of_an_idle_conversation_is_empty(
    server: Server, rasa_client: InstallRasa
) -> None:
    """On a shared computer the next visitor must not see the previous patient's chat."""
    old = time.time() - 31 * 60  # the default WIDGET_IDLE_MINUTES is 30
    events = [
        {"event": "session_started", "timestamp": old - 5},
        {"event": "user", "text": "i want to end it all", "timestamp": old - 4},
        {"event": "bot", "text": "Call or text 988", "timestamp": old},
    ]
    rasa_client(events)
    status, _, body = await server.history(SESSION)
    assert status == 200
    assert json.loads(body) == {"messages": [], "expired": True}
