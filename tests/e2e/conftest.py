"""The real servers (Rasa, action server, web) for end-to-end tests, on free local ports.

``live_stack`` trains a model first if none is current (``make test`` has trained already),
uses temporary databases, and stops everything at the end of the session.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from clinicbot.run import Stack, ensure_model, service_env
from tests.fixtures.net import free_port

__all__ = ["LiveStack", "free_port", "live_stack"]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class LiveStack:
    """Handle on the running services."""

    def __init__(self, stack: Stack, env: Dict[str, str]) -> None:
        self.stack = stack
        self.env = env
        self.rasa_url = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.web_url = f"http://127.0.0.1:{env['WEB_PORT']}"
        self.action_url = f"http://127.0.0.1:{env['ACTION_PORT']}"
        self.db_url = env["CLINIC_DB_URL"]
        self.token = env["RASA_TOKEN"]

    @staticmethod
    def new_sender() -> str:
        """A fresh conversation id."""
        return f"test-{uuid.uuid4().hex}"

    def rest(self, sender: str, message: str, timeout: float = 30) -> List[Dict[str, Any]]:
        """Sends a message over the REST webhook and returns the bot's reply items."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - localhost
            return list(json.loads(resp.read()))

    @staticmethod
    def payload(reply: List[Dict[str, Any]]) -> Dict[str, Any]:
        """The single reply payload of a REST turn (asserts there is exactly one)."""
        payloads = [item["custom"] for item in reply if "custom" in item]
        assert len(payloads) == 1, reply
        return payloads[0]

    @staticmethod
    def text(reply: List[Dict[str, Any]]) -> str:
        """All bot text of a REST turn."""
        return "\n".join(item["text"] for item in reply if item.get("text"))

    def tracker(self, sender: str) -> Dict[str, Any]:
        """The conversation's tracker from Rasa's HTTP API."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}"
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - localhost
            return dict(json.loads(resp.read()))

    def staff_reply(self, conversation_id: str, text: str) -> None:
        """Replies to a patient the way staff do: sign in to the console, post the reply form.

        The conversation must have an open escalation (the patient asked for a person).
        """
        import http.cookiejar
        import re
        import urllib.parse

        from clinicbot.store.db import get_engine
        from clinicbot.store.escalations import EscalationStore
        from clinicbot.store.migrations import migrate
        from clinicbot.store.staff import StaffStore

        engine = get_engine(self.db_url)
        migrate(engine)
        password = "e2e staff password 1"
        username = "e2e-staff"
        StaffStore(engine).create_user(
            username, password, "staff", display_name="Sam", reset_password=True
        )
        escalation = None
        for _ in range(40):  # the escalation is stored by the action server
            escalation = EscalationStore(engine).find_open_for_conversation(conversation_id)
            if escalation is not None:
                break
            import time

            time.sleep(0.25)
        assert escalation is not None, "no open escalation for this conversation"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token_re = re.compile(r'name="csrf_token"\s+value="([^"]+)"')

        def token(path: str) -> str:
            with opener.open(f"{self.web_url}{path}", timeout=10) as resp:
                match = token_re.search(resp.read().decode())
            assert match, path
            return match.group(1)

        def post(path: str, fields: Dict[str, str]) -> None:
            data = urllib.parse.urlencode(fields).encode()
            with opener.open(f"{self.web_url}{path}", data=data, timeout=20) as resp:
                assert resp.status == 200, path

        post(
            "/console/login",
            {"username": username, "password": password, "csrf_token": token("/console/login")},
        )
        page = f"/console/escalations/{escalation.id}"
        post(f"{page}/reply", {"text": text, "csrf_token": token(page)})

    def stop_actions(self) -> None:
        """Stops the action server (to test the paths that must work without it)."""
        self.stack.stop(["actions"])

    def start_actions(self) -> None:
        """Starts the action server again."""
        self.stack.start(["actions"])


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """Starts Rasa, the action server and the web server for the test session."""
    tmp = tmp_path_factory.mktemp("stack")
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    base = {
        **{k: str(v) for k, v in ports.items()},
        "CLINIC_DB_URL": f"sqlite:///{tmp / 'clinic.db'}",
        "TRACKER_DB": str(tmp / "tracker.db"),
        "URGENT_OUTBOX": str(tmp / "urgent-outbox.jsonl"),  # this stack's own
        "CONSOLE_SECURE_COOKIES": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
    }
    import os

    env = service_env({**os.environ, **base})
    model = ensure_model(env)
    stack = Stack(model, env, log_dir=ARTIFACTS / "logs")
    stack.start()
    try:
        yield LiveStack(stack, env)
    finally:
        stack.stop()
