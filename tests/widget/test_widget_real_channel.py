"""The widget against the project's REAL socket.io channel (no model: a scripted handler).

Checks what the fake server cannot: the channel's CORS (``WIDGET_ORIGINS``), its session
persistence (the room is joined, so replies pushed later, like a staff reply, arrive) and its
one-object-per-message output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clinicbot.paths import REPO_ROOT
from tests.fixtures.markers import starts_server
from tests.fixtures.net import free_port, stop_processes, wait_http

from .browser_helpers import WidgetPage

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
@starts_server
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real channel and the widget web server; yields (web URL, channel URL)."""
    web_port, chan_port = free_port(), free_port()
    web, chan = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{chan_port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "WIDGET_ORIGINS": web,
        "PUBLIC_RASA_URL": chan,
        "RASA_URL": "http://127.0.0.1:9",  # no tracker API: history answers 503
    }
    logs = tmp_path_factory.mktemp("real-channel")
    here = Path(__file__).parent
    procs = []
    for script, port in (("real_channel_server.py", chan_port), ("serve_widget.py", web_port)):
        with open(logs / f"{script}.log", "wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(here / script), str(port)],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        wait_http(chan + "/socket.io/?EIO=4&transport=polling", timeout=120)
        wait_http(web + "/widget/widget.js")
        yield web, chan
    finally:
        stop_processes(*procs)


def test_round_trip_and_staff_push_through_the_real_channel(
    browser: Any, stack: tuple[str, str]
) -> None:
    web, chan = stack
    context = browser.new_context()
    try:
        wp = WidgetPage(context.new_page())
        wp.page.goto(web + "/")
        wp.open_chat()
        wp.wait_connected()
        wp.send("Is ketamine safe?")
        answer = wp.loc(".ccw-row-bot[data-kind=answer]")
        answer.wait_for()
        assert "You asked: Is ketamine safe?" in answer.inner_text()
        assert answer.locator(".ccw-list li").count() == 1
        assert answer.locator("details.ccw-sources li").count() == 1
        assert wp.loc(".ccw-chip").inner_text() == "Talk to a person"

        body = json.dumps({"session_id": wp.session_id, "text": "Hi, Jordan here."}).encode()
        req = urllib.request.Request(
            chan + "/test/staff", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        staff = wp.loc(".ccw-row-staff")
        staff.wait_for()
        assert "Jordan" in staff.inner_text() and "Clinic team" in staff.inner_text()
        wp.check_clean()
    finally:
        context.close()
