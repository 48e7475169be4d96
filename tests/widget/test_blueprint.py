"""Tests of the widget blueprint: demo page, static assets, history API.

The app under test holds only the widget blueprint and its settings. It is served on an
ephemeral 127.0.0.1 port with Sanic's own ``create_server`` and queried with aiohttp, so no
extra test dependency (sanic-testing) is needed.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sanic import Sanic

from clinicbot.channels.common import widget_conversation_id
from clinicbot.clinic import reload_clinic_facts
from clinicbot.paths import REPO_ROOT
from clinicbot.rasa_client import RasaAPIError
from clinicbot.settings import Settings, load_settings
from clinicbot.widget import blueprint as widget_bp

SESSION = "3f1c2a34-1111-4222-8333-444455556666"


class Server:
    """A running test app and a client session for it."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        """Keeps the base URL and the client session."""
        self.base_url = base_url
        self.http = http

    async def history(
        self, session_id: Any, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """POSTs to the history API the way the widget does (the id in the body)."""
        body = raw if raw is not None else json.dumps({"session_id": session_id}).encode()
        async with self.http.post(
            self.base_url + "/widget/api/history",
            data=body,
            headers={"Content-Type": "text/plain", **(headers or {})},
        ) as resp:
            data = await resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, data

    async def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """GETs a path and returns status, headers (lower-case keys) and body."""
        async with self.http.get(self.base_url + path, headers=headers or {}) as resp:
            body = await resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, body


async def _serve(settings: Settings, rasa: Any = None) -> AsyncIterator[Server]:
    Sanic.test_mode = True
    app = Sanic(f"widget_test_{uuid.uuid4().hex[:8]}")
    app.ctx.settings = settings
    if rasa is not None:
        app.ctx.rasa = rasa
    app.blueprint(widget_bp.bp)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # Sanic 21.12 treats port=0 as "default port"
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()  # create_server() already listens; this finalises the routes
    async with aiohttp.ClientSession() as http:
        yield Server(f"http://127.0.0.1:{port}", http)
    await server.close()


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reload_clinic_facts()


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    # Rasa "runs" on a port nobody listens on: only tests that fake the client reach it.
    settings = load_settings({"RASA_URL": "http://127.0.0.1:9", "RASA_PORT": "5005"})
    async for srv in _serve(settings):
        yield srv


@pytest_asyncio.fixture
async def public_server() -> AsyncIterator[Server]:
    settings = load_settings(
        {"RASA_URL": "http://127.0.0.1:9", "PUBLIC_RASA_URL": "https://chat.clinic.example/"}
    )
    async for srv in _serve(settings):
        yield srv


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


# ------------------------------------------------------------------------------ demo page


async def test_demo_page_renders_clinic_and_one_script_tag(server: Server) -> None:
    status, headers, body = await server.get("/")
    html = body.decode()
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    clinic = widget_bp.load_clinic()
    assert clinic["name"] in html
    assert "Sample page" in html and "SAMPLE" in html
    assert html.count('src="/widget/widget.js"') == 1
    assert "window.ClinicChatConfig" in html
    assert "http://" not in re.sub(r'"serverUrl": "[^"]*"', "", html.split("<body>")[0])
    assert "cdn" not in html.lower()
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


async def test_demo_page_csp_has_nonce_and_rasa_origin(server: Server) -> None:
    _, headers, body = await server.get("/")
    csp = headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in body.decode()
    assert "default-src 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    _, headers2, _ = await server.get("/")
    assert headers2["content-security-policy"] != csp  # a fresh nonce per response


async def test_demo_page_uses_public_rasa_url(public_server: Server) -> None:
    _, headers, body = await public_server.get("/")
    csp = headers["content-security-policy"]
    assert "connect-src 'self' https://chat.clinic.example wss://chat.clinic.example" in csp
    assert '"serverUrl": "https://chat.clinic.example"' in body.decode()


async def test_demo_page_ignores_hostile_host_header(server: Server) -> None:
    _, headers, body = await server.get("/", headers={"Host": 'evil.example"; script-src *'})
    assert "evil" not in headers["content-security-policy"]
    assert "http://127.0.0.1:5005" in headers["content-security-policy"]
    assert "evil" not in body.decode()


async def test_demo_page_escapes_clinic_facts(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = {"name": "</script><script>alert(1)</script>", "phone": "<b>1</b>"}
    monkeypatch.setattr(widget_bp, "load_clinic", lambda: hostile)
    _, _, body = await server.get("/")
    html = body.decode()
    assert "<script>alert(1)" not in html
    assert "<b>1</b>" not in html
    assert "\\u003c/script\\u003e" in html  # JSON in the inline script is HTML-safe


def test_import_does_no_io() -> None:
    code = (
        "import clinicbot.widget.blueprint as b;"
        "from clinicbot.clinic import clinic_facts as c;"
        "print(c.cache_info().currsize, b._jinja_env.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == ["0", "0"]


# ------------------------------------------------------------------------------ static files


@pytest.mark.parametrize(
    ("path", "content_type", "max_age"),
    [
        ("/widget/widget.js", "text/javascript; charset=utf-8", "max-age=300"),
        ("/widget/widget.css", "text/css; charset=utf-8", "max-age=300"),
        ("/widget/demo.css", "text/css; charset=utf-8", "max-age=300"),
        ("/widget/vendor/socket.io.min.js", "text/javascript; charset=utf-8", "max-age=86400"),
    ],
)
async def test_static_assets(server: Server, path: str, content_type: str, max_age: str) -> None:
    status, headers, body = await server.get(path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert max_age in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"
    assert body
    etag = headers["etag"]
    status, _, body304 = await server.get(path, headers={"If-None-Match": etag})
    assert status == 304 and body304 == b""


async def test_head_request(server: Server) -> None:
    async with server.http.head(server.base_url + "/widget/widget.js") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path",
    [
        "/widget/blueprint.py",
        "/widget/../blueprint.py",
        "/widget/%2e%2e/blueprint.py",
        "/widget/vendor/README.md",
        "/widget/static/widget.js",
        "/widget/templates/demo.html",
        "/widget/js/package.json",
        "/widget/js/../blueprint.py",
        "/widget/js/nothere.js",
    ],
)
async def test_only_listed_files_are_served(server: Server, path: str) -> None:
    status, _, body = await server.get(path)
    assert status == 404
    assert b"import" not in body


def test_vendored_socketio_matches_readme() -> None:
    vendor = widget_bp.STATIC_DIR / "vendor"
    readme = (vendor / "README.md").read_text()
    data = (vendor / "socket.io.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert f"`{digest}`" in readme
    version = re.search(rb"Socket\.IO v(\d+)\.(\d+)\.(\d+)", data[:200])
    assert version is not None and version.group(1) == b"4"  # protocol v5 (python-socketio 5)
    assert f"**{'.'.join(v.decode() for v in version.groups())}**" in readme
    assert (vendor / "socket.io-client.LICENSE").read_text().startswith("The MIT License")


WIDGET_JS_FILES = [
    widget_bp.STATIC_DIR / "widget.js",
    *sorted(widget_bp.STATIC_DIR.glob("js/*.js")),
]


@pytest.mark.parametrize("path", WIDGET_JS_FILES, ids=lambda p: p.name)
def test_widget_js_never_inserts_html(path: Path) -> None:
    js = path.read_text()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in js, forbidden
    for tracker in ("googleapis", "gstatic", "cdn.", "unpkg", "jsdelivr", "analytics"):
        assert tracker not in js.lower(), tracker


def test_every_widget_module_is_served_and_every_import_resolves() -> None:
    served = {a.relative_path for a in widget_bp.STATIC_ASSETS.values()}
    modules = sorted(widget_bp.STATIC_DIR.glob("js/*.js"))
    assert {f"js/{p.name}" for p in modules} == {f"js/{m}.js" for m in widget_bp.WIDGET_MODULES}
    loader = (widget_bp.STATIC_DIR / "widget.js").read_text()
    assert '"js/main.js"' in loader and 'tag.type = "module"' in loader
    for path in modules:
        for target in re.findall(r'^import [^;]*? from "\./([\w-]+\.js)";', path.read_text(), re.M):
            assert f"js/{target}" in served, f"{path.name} imports {target}, which is not served"
    for path in modules:
        assert len(path.read_text().splitlines()) <= 500, path.name


async def test_modules_are_javascript_with_cors(server: Server) -> None:
    for name in widget_bp.WIDGET_MODULES:
        status, headers, body = await server.get(f"/widget/js/{name}.js")
        assert status == 200, name
        assert headers["content-type"] == "text/javascript; charset=utf-8"  # strict MIME check
        assert headers["access-control-allow-origin"] == "*"  # module scripts load with CORS
        assert headers["x-content-type-options"] == "nosniff"
        assert body


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
    server: Server, monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> None:
    fake = FakeRasaClient(EVENTS)
    monkeypatch.setattr(widget_bp, "RasaClient", fake)
    status, headers, body = await server.history(None, raw=raw)
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert b"session_id" in body
    assert fake.calls == []


async def test_history_returns_patient_visible_transcript(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRasaClient(EVENTS)
    monkeypatch.setattr(widget_bp, "RasaClient", fake)
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
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRasaClient([])
    monkeypatch.setattr(widget_bp, "RasaClient", fake)
    hex_id = uuid.uuid4().hex.upper()
    status, _, body = await server.history(hex_id)
    assert status == 200
    assert json.loads(body) == {"messages": []}
    assert fake.calls == [widget_conversation_id(hex_id)]


async def test_history_503_when_rasa_fails(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widget_bp, "RasaClient", FakeRasaClient(fail=True))
    status, headers, body = await server.history(SESSION)
    assert status == 503
    assert headers["content-type"].startswith("application/json")
    assert "error" in json.loads(body)


async def test_history_503_when_rasa_is_down_for_real(server: Server) -> None:
    # The real RasaClient against a port where nothing listens.
    status, _, body = await server.history(SESSION)
    assert status == 503
    assert "unavailable" in json.loads(body)["error"]


async def test_history_cors_only_for_configured_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widget_bp, "RasaClient", FakeRasaClient([]))
    env = {"RASA_URL": "http://127.0.0.1:9"}
    origins = "https://www.clinic.example, http://localhost:3000"
    async for server in _serve(load_settings({**env, "WIDGET_ORIGINS": origins})):
        _, headers, _ = await server.history(
            SESSION, headers={"Origin": "https://www.clinic.example"}
        )
        assert headers["access-control-allow-origin"] == "https://www.clinic.example"
        assert "Origin" in headers["vary"]
        _, headers, _ = await server.history(SESSION, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers
    async for server in _serve(load_settings({**env, "WIDGET_ORIGINS": "*"})):
        _, headers, _ = await server.history(SESSION, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers


async def test_history_uses_the_apps_rasa_client() -> None:
    fake = FakeRasaClient(EVENTS)
    settings = load_settings({"RASA_URL": "http://127.0.0.1:9"})
    async for srv in _serve(settings, rasa=fake):
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
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id is a bearer credential: URLs end up in logs and browser history."""
    fake = FakeRasaClient(EVENTS)
    monkeypatch.setattr(widget_bp, "RasaClient", fake)
    status, _, _ = await server.get(f"/widget/api/history?session_id={SESSION}")
    assert status in (404, 405)
    assert fake.calls == []


async def test_history_accepts_the_id_in_a_header(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRasaClient(EVENTS)
    monkeypatch.setattr(widget_bp, "RasaClient", fake)
    status, _, body = await server.history(None, raw=b"", headers={"X-Widget-Session": SESSION})
    assert status == 200 and len(json.loads(body)["messages"]) == 4


async def test_history_returns_only_the_current_session(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = [
        {"event": "session_started", "timestamp": T0 - 9000},
        {"event": "user", "text": "earlier crisis words", "timestamp": T0 - 8999},
        {"event": "bot", "text": "earlier reply", "timestamp": T0 - 8998},
    ]
    monkeypatch.setattr(widget_bp, "RasaClient", FakeRasaClient(earlier + EVENTS))
    status, _, body = await server.history(SESSION)
    texts = [m["text"] for m in json.loads(body)["messages"]]
    assert status == 200 and len(texts) == 4
    assert "earlier crisis words" not in texts and "earlier reply" not in texts


async def test_history_of_an_idle_conversation_is_empty(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a shared computer the next visitor must not see the previous patient's chat."""
    old = time.time() - 31 * 60  # the default WIDGET_IDLE_MINUTES is 30
    events = [
        {"event": "session_started", "timestamp": old - 5},
        {"event": "user", "text": "i want to end it all", "timestamp": old - 4},
        {"event": "bot", "text": "Call or text 988", "timestamp": old},
    ]
    monkeypatch.setattr(widget_bp, "RasaClient", FakeRasaClient(events))
    status, _, body = await server.history(SESSION)
    assert status == 200
    assert json.loads(body) == {"messages": [], "expired": True}
