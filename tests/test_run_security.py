"""What ``make run`` sets up for safety: the action server's secret, telemetry off, umask 077."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from rasa.utils.endpoints import read_endpoint_config
from sanic import Sanic

from clinicbot import action_server
from clinicbot.paths import REPO_ROOT
from clinicbot.run import service_commands, service_env
from tests.fixtures.net import serve_sanic

SECRET = "s3cret-" + "x" * 30


# --------------------------------------------------------------------------- configuration


def test_make_run_generates_a_secret_binds_loopback_and_turns_telemetry_off() -> None:
    env = service_env({"PATH": os.environ.get("PATH", "")})
    assert len(env["ACTION_SERVER_TOKEN"]) >= 32
    assert env["ACTION_HOST"] == "127.0.0.1"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    other = service_env({"PATH": ""})
    assert other["ACTION_SERVER_TOKEN"] != env["ACTION_SERVER_TOKEN"]  # random per run
    # What the operator sets wins.
    given = service_env(
        {"ACTION_SERVER_TOKEN": SECRET, "RASA_TELEMETRY_ENABLED": "true", "ACTION_HOST": "::1"}
    )
    assert given["ACTION_SERVER_TOKEN"] == SECRET
    assert given["RASA_TELEMETRY_ENABLED"] == "true" and given["ACTION_HOST"] == "::1"
    # An empty value (the Makefile exports one) still gets a secret.
    assert service_env({"ACTION_SERVER_TOKEN": ""})["ACTION_SERVER_TOKEN"]


def test_the_action_server_command_carries_no_secret(tmp_path: Path) -> None:
    env = service_env({"ACTION_SERVER_TOKEN": SECRET})
    command = service_commands(tmp_path / "model.tar.gz", env)["actions"]
    assert command[:3] == [sys.executable, "-m", "clinicbot.action_server"]
    assert not any(SECRET in part for part in command)


@pytest.mark.parametrize("name", ["endpoints.yml", "endpoints.production.yml"])
def test_rasa_sends_the_secret_as_a_header(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TRACKER_HOST", "TRACKER_PORT", "TRACKER_USER", "TRACKER_PASSWORD"):
        monkeypatch.setenv(var, "x")
    monkeypatch.setenv("REDIS_HOST", "localhost")
    monkeypatch.setenv("REDIS_PORT", "6379")
    monkeypatch.setenv("REDIS_PASSWORD", "x")  # endpoints.production.yml: Redis with a password
    monkeypatch.setenv("TRACKER_DB", "/tmp/t.db")
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("ACTION_SERVER_TOKEN", SECRET)
    config = read_endpoint_config(str(REPO_ROOT / name), "action_endpoint")
    assert config is not None
    assert config.headers == {"Authorization": f"Bearer {SECRET}"}
    assert config.token is None  # not in the URL's query string


# --------------------------------------------------------------------------- the action server


@pytest.fixture
async def actions_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = action_server.create_app(SECRET)
    async with serve_sanic(app) as base:
        yield base


CALL = {
    "next_action": "action_that_does_not_exist",
    "sender_id": "x",
    "tracker": {},
    "version": "3.6.21",
}


async def test_calls_without_the_secret_are_refused(actions_url: str) -> None:
    refused = [
        {},
        {"Authorization": "Bearer wrong-secret"},
        {"Authorization": f"Basic {SECRET}"},
        {"Authorization": "Bearer "},
        {"X-Action-Token": SECRET},
    ]
    async with aiohttp.ClientSession() as http:
        for headers in refused:
            async with http.post(f"{actions_url}/webhook", json=CALL, headers=headers) as resp:
                assert resp.status == 401, headers
                assert await resp.json() == {"error": "unauthorized"}
            async with http.get(f"{actions_url}/actions", headers=headers) as resp:
                assert resp.status == 401
        # Rasa's `token:` option would put it in the query string: not accepted either.
        async with http.post(f"{actions_url}/webhook?token={SECRET}", json=CALL) as resp:
            assert resp.status == 401


async def test_calls_with_the_secret_reach_the_actions(actions_url: str) -> None:
    auth = {"Authorization": f"Bearer {SECRET}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{actions_url}/actions", headers=auth) as resp:
            assert resp.status == 200
            names = {a["name"] for a in await resp.json()}
        assert {"action_escalate_urgent", "action_screening_submit"} <= names
        async with http.post(f"{actions_url}/webhook", json=CALL, headers=auth) as resp:
            assert resp.status == 404  # past the check: the executor does not know the action
        async with http.get(f"{actions_url}/health") as resp:  # health needs no secret
            assert resp.status == 200


def test_no_secret_no_server(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "")
    assert action_server.main(["--port", "1"]) == 2
    assert "ACTION_SERVER_TOKEN" in capsys.readouterr().err
    with pytest.raises(ValueError):
        action_server.create_app("")


# --------------------------------------------------------------------------- files


def test_make_run_creates_private_database_files(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    old = tmp_path / "tracker.db"
    old.write_text("")
    old.chmod(0o644)  # written before, by an older version
    script = (
        "import sqlite3, sys\n"
        "from clinicbot.run import restrict_file_permissions\n"
        f"restrict_file_permissions({{'CLINIC_DB_URL': 'sqlite:///{db}', 'TRACKER_DB': '{old}'}})\n"
        f"sqlite3.connect({str(db)!r}).execute('create table t (x int)')\n"
        f"open({str(tmp_path / 'log.txt')!r}, 'w').write('x')\n"
    )
    subprocess.run(  # noqa: S603 - a fresh process, so the umask does not leak into pytest
        [sys.executable, "-c", script], check=True, cwd=REPO_ROOT, env={**os.environ}
    )
    for path in (db, old, tmp_path / "log.txt"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path.name, oct(mode))


def test_services_queue_a_burst_of_connections() -> None:
    assert service_env({"PATH": ""})["SANIC_BACKLOG"] == "1024"  # Sanic's default is 100
    assert service_env({"SANIC_BACKLOG": "4096"})["SANIC_BACKLOG"] == "4096"
