"""Widget test fixtures: the blueprint served alone, and the browser tests' servers.

``server`` is the widget blueprint alone (see ``blueprint_server.py``); the browser tests get a
fake Rasa, the widget web server and Chromium.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from clinicbot.paths import REPO_ROOT
from clinicbot.settings import load_settings
from tests.fixtures.markers import starts_server
from tests.fixtures.net import free_port, stop_processes, wait_http

from .blueprint_server import Server, serve_blueprint
from .fake_rasa import FakeRasa

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
@starts_server
def fake_rasa() -> Iterator[FakeRasa]:
    """A running fake Rasa server (socket.io + tracker API)."""
    server = FakeRasa()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
@starts_server
def widget_server(fake_rasa: FakeRasa, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The widget blueprint served by Sanic in a subprocess; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "RASA_URL": fake_rasa.url,
        "PUBLIC_RASA_URL": fake_rasa.url,
        "WIDGET_ORIGINS": fake_rasa.url,  # the fake's /host page embeds the widget cross-origin
        "PYTHONPATH": str(REPO_ROOT),
    }
    log = tmp_path_factory.mktemp("widget-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("serve_widget.py")), str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/widget/widget.js")
        yield base
    finally:
        stop_processes(proc)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    """The widget blueprint served alone; its Rasa is on a port nobody listens on."""
    # Only tests that fake the client reach Rasa.
    settings = load_settings({"RASA_URL": "http://127.0.0.1:9", "RASA_PORT": "5005"})
    async for srv in serve_blueprint(settings):
        yield srv


@pytest.fixture
def wp(widget_pages: Any, widget_server: str) -> Any:
    """The demo page in a fresh browser context, the chat panel open (a ``WidgetPage``)."""
    page = widget_pages(widget_server + "/")
    page.open_chat()
    return page
