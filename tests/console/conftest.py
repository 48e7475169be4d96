"""A running console on 127.0.0.1 (real Sanic server, aiohttp client) with a fake Rasa.

sanic-testing is not installed (Sanic 21.12's ``app.test_client`` needs it), so each test starts
the app on a free loopback port (``tests.fixtures.net.serve_sanic``) and talks to it over HTTP.
Tests that start a console are marked ``server`` (``make integration``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
from sanic import Sanic
from sqlalchemy.engine import Engine

from clinicbot.rasa_client import RasaAPIError, RasaClient
from clinicbot.settings import Settings
from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.escalations import Escalation, EscalationStore
from clinicbot.web.app import create_app
from tests.console.notify_stand_ins import smtp, webhook  # noqa: F401 - fixtures
from tests.fixtures.db import cheap_hasher
from tests.fixtures.net import serve_sanic

PASSWORD = "a long enough password"
CHEAP_HASHER = cheap_hasher()
Sanic.test_mode = True


class FakeRasa(RasaClient):
    """Records append_events calls and serves trackers from a dict; can pretend to be down."""

    def __init__(self) -> None:
        """No trackers, no recorded calls, Rasa reachable."""
        super().__init__("http://127.0.0.1:9", "token")
        self.trackers: dict[str, list[dict[str, Any]]] = {}
        self.appended: list[tuple[str, list[dict[str, Any]], str | None]] = []
        self.down = False

    async def get_tracker(self, conversation_id: str) -> dict[str, Any]:
        if self.down:
            raise RasaAPIError("Rasa is unreachable: ClientConnectorError")
        return {"sender_id": conversation_id, "events": self.trackers.get(conversation_id, [])}

    async def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        output_channel: str | None = "latest",
    ) -> dict[str, Any]:
        if self.down:
            raise RasaAPIError("Rasa is unreachable: ClientConnectorError")
        self.appended.append((conversation_id, events, output_channel))
        return {}


@dataclass
class Response:
    status: int
    headers: Any
    text: str
    set_cookies: list[str]

    def json(self) -> Any:
        import json

        return json.loads(self.text)

    @property
    def location(self) -> str:
        return str(self.headers.get("Location", ""))


@dataclass
class Browser:
    """A minimal browser: keeps cookies by hand so tests can inspect and replay them."""

    base: str
    session: aiohttp.ClientSession
    cookies: dict[str, str] = field(default_factory=dict)

    async def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.session.request(
            method, self.base + path, data=data, json=json, headers=hdrs, allow_redirects=False
        ) as resp:
            body = await resp.text()
            set_cookies = resp.headers.getall("Set-Cookie", [])
            for header in set_cookies:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(resp.status, resp.headers, body, set_cookies)

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def csrf(self, path: str = "/console/") -> str:
        page = await self.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}: {page.status}"
        return match.group(1)

    async def login(
        self,
        username: str,
        password: str = PASSWORD,
        headers: dict[str, str] | None = None,
        **fields: str,
    ) -> Response:
        """Signs in; an existing session cookie is sent along with the POST (not the GET).

        ``headers`` go with both requests (e.g. ``X-Forwarded-For``); ``fields`` are extra form
        fields (e.g. ``totp``).
        """
        old_session = self.cookies.pop("clinic_console_session", None)
        form = await self.get("/console/login", headers=headers)
        if old_session:
            self.cookies["clinic_console_session"] = old_session
        match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert match
        return await self.post(
            "/console/login",
            data={
                "csrf_token": match.group(1),
                "username": username,
                "password": password,
                **fields,
            },
            headers=headers,
        )


@dataclass
class Console:
    app: Sanic
    settings: Settings
    engine: Engine
    rasa: FakeRasa
    base: str
    session: aiohttp.ClientSession
    browser: Browser

    @property
    def store(self) -> EscalationStore:
        return self.app.ctx.escalations

    def new_browser(self) -> Browser:
        return Browser(self.base, self.session)

    def add_staff(self, username: str, role: str = "staff", display_name: str = "") -> None:
        self.app.ctx.staff.create_user(
            username, PASSWORD, role=role, display_name=display_name or username.title()
        )

    def add_totp(self, username: str) -> str:
        """Sets up TOTP for an account; returns the secret (codes: ``pyotp.TOTP(s).now()``)."""
        secret = pyotp.random_base32(32)
        self.app.ctx.staff.enable_totp(username, secret, pyotp.TOTP(secret).now())
        return secret

    async def admin_browser(self, username: str = "ada", **login: Any) -> Browser:
        """An administrator (TOTP set up, as required) signed in in a new browser."""
        self.add_staff(username, role="admin", display_name=username.title())
        secret = self.add_totp(username)
        browser = self.new_browser()
        response = await browser.login(username, totp=pyotp.TOTP(secret).now(), **login)
        assert response.status == 303, response.text
        return browser

    def escalate(
        self,
        conversation_id: str = "conv-1",
        reason: str = "patient_request",
        priority: str = "normal",
        transcript: list[dict[str, Any]] | None = None,
        details: dict[str, Any] | None = None,
        channel: str = "socketio",
    ) -> Escalation:
        return self.store.open_or_join(
            conversation_id,
            channel,
            reason,
            priority,
            transcript or [{"role": "patient", "text": "snapshot text", "ts": 1.0}],
            ["prep-fasting"],
            details,
        )


async def start_console(
    tmp_path: Path,
    pass_engine: bool = True,
    db_url: str | None = None,
    **settings_changes: Any,
) -> AsyncIterator[Console]:
    """Starts an app on a free loopback port and yields a console handle.

    With ``pass_engine=False`` the app opens the database from ``settings.db_url`` itself;
    ``db_url`` (default: a SQLite file in ``tmp_path``) selects the clinic database.
    """
    url = db_url or f"sqlite:///{tmp_path / 'clinic.db'}"
    options: dict[str, Any] = {"db_url": url, "secure_cookies": False, "session_idle_minutes": 15}
    options.update(settings_changes)
    settings = Settings(**options)
    engine = get_engine(url)
    rasa = FakeRasa()
    app = create_app(
        settings,
        rasa_client=rasa,
        engine=engine if pass_engine else None,
        password_hasher=CHEAP_HASHER,
    )
    try:
        async with serve_sanic(app) as base:
            session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
            try:
                yield Console(app, settings, engine, rasa, base, session, Browser(base, session))
            finally:
                await session.close()
    finally:
        dispose_engine(url)


@pytest.fixture
async def console(tmp_path: Path, database_url: str) -> AsyncIterator[Console]:
    """A running console with no users yet (on SQLite, then on PostgreSQL)."""
    async for handle in start_console(tmp_path, db_url=database_url):
        yield handle


@pytest.fixture
async def staff(console: Console) -> Browser:
    """A browser signed in as staff member ``dana`` ("Dana")."""
    console.add_staff("dana", display_name="Dana")
    response = await console.browser.login("dana")
    assert response.status == 303, response.text
    return console.browser


@pytest.fixture
async def admin(console: Console) -> Browser:
    """A browser signed in as administrator ``ada`` (with TOTP, which admins need)."""
    return await console.admin_browser("ada")
