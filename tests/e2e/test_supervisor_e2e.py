"""``make run`` keeps the crisis path up: kill the action server, crisis texts keep coming.

Runs the real ``python -m clinicbot.run`` (what ``make run`` runs) on free ports with
temporary databases, SIGKILLs the action server's process group, sends crisis and emergency
messages to the REST webhook and checks the full texts, waits for the action server to come
back by itself, and finally stops everything with SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.nlg import ClinicNLG
from clinicbot.paths import DOMAIN_FILE, REPO_ROOT
from clinicbot.run import ensure_model, service_env
from tests.e2e.conftest import LiveStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CRISIS = "I want to kill myself tonight"
EMERGENCY = "I think I overdosed, I took too much"


class MakeRun:
    """The running ``python -m clinicbot.run`` and what its log says."""

    def __init__(self, proc: subprocess.Popen, env: Dict[str, str], log: Path) -> None:
        self.proc = proc
        self.env = env
        self.log = log
        self.client = LiveStack(None, env)  # type: ignore[arg-type] - only its HTTP helpers

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pid(self, service: str) -> int | None:
        """The latest pid the supervisor logged for a service."""
        found = re.findall(rf"{service} (?:re)?started \(pid (\d+)", self.output())
        return int(found[-1]) if found else None

    def healthy(self, service: str) -> bool:
        port = self.env[{"actions": "ACTION_PORT", "rasa": "RASA_PORT", "web": "WEB_PORT"}[service]]
        path = {"actions": "/health", "rasa": "/", "web": "/health"}[service]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False


def wait_for(condition: Callable[[], bool], timeout: float, what: str, run: MakeRun) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if run.proc.poll() is not None:
            break
        time.sleep(0.25)
    tail = "\n".join(run.output().splitlines()[-40:])
    raise AssertionError(f"{what} (make run exit code {run.proc.poll()}); its output:\n{tail}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def expected_text(template: str, intent: str) -> str:
    """The full text of a domain response as the running server renders it."""
    import asyncio

    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events(
        "expected",
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("x", intent={"name": intent})],
        domain.slots,
    )
    response = asyncio.run(ClinicNLG(domain=domain).generate(template, tracker, "rest"))
    assert response is not None
    return str(response["text"])


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRun]:
    tmp = tmp_path_factory.mktemp("make-run")
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = service_env(
        {
            **os.environ,
            **{k: str(v) for k, v in ports.items()},
            "CLINIC_DB_URL": f"sqlite:///{tmp / 'clinic.db'}",
            "TRACKER_DB": str(tmp / "tracker.db"),
            "URGENT_OUTBOX": str(tmp / "urgent-outbox.jsonl"),  # this run's own
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
            "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
            "CONSOLE_SECURE_COOKIES": "false",
            # Long enough for the messages below to reach Rasa while the action server is down.
            "RESTART_INITIAL_DELAY": "4",
        }
    )
    # Trained here (if stale) and passed on, so that edits made meanwhile cause no second training.
    model = ensure_model(env)
    log = tmp / "make-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "clinicbot.run", "--model", str(model)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = MakeRun(proc, env, log)
    try:
        wait_for(lambda: "Serving" in run.output(), 300, "make run did not start", run)
        yield run
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_killing_the_action_server_keeps_crisis_replies_and_it_comes_back(make_run) -> None:
    run = make_run
    client = run.client
    rasa_pid, web_pid, actions_pid = run.pid("rasa"), run.pid("web"), run.pid("actions")
    assert rasa_pid and web_pid and actions_pid, run.output()

    os.killpg(actions_pid, signal.SIGKILL)
    wait_for(lambda: not run.healthy("actions"), 10, "the action server did not die", run)

    senders = [client.new_sender() for _ in range(3)]
    crisis = client.rest(senders[0], CRISIS)
    assert client.payload(crisis)["kind"] == "crisis"
    assert expected_text("utter_crisis", "safety_crisis") in client.text(crisis)
    emergency = client.rest(senders[1], EMERGENCY)
    assert client.payload(emergency)["kind"] == "emergency"
    assert expected_text("utter_emergency", "safety_emergency") in client.text(emergency)
    # A second crisis in the same outage still gets its text (today the stack was gone by now).
    again = client.rest(senders[2], CRISIS)
    assert client.payload(again)["kind"] == "crisis"
    assert expected_text("utter_crisis", "safety_crisis") in client.text(again)

    # The action server comes back by itself; Rasa and the web server were never restarted.
    wait_for(lambda: run.pid("actions") not in (None, actions_pid), 30, "no restart logged", run)
    wait_for(lambda: run.healthy("actions"), 120, "the action server did not come back", run)
    assert "actions (pid" in run.output() and "restarting in 4.0 s" in run.output()
    assert run.pid("rasa") == rasa_pid and alive(rasa_pid)
    assert run.pid("web") == web_pid and alive(web_pid)
    assert run.healthy("rasa") and run.healthy("web")
    answer = client.rest(client.new_sender(), "how does ketamine work?")
    assert client.payload(answer)["kind"] == "answer"
    # The urgent escalations the outage prevented reach staff through the urgent outbox.
    from clinicbot.store.db import get_engine
    from clinicbot.store.escalations import EscalationStore

    store = EscalationStore(get_engine(run.env["CLINIC_DB_URL"]))
    for sender, kind in zip(senders, ["crisis", "emergency", "crisis"], strict=True):
        wait_for(
            lambda s=sender: store.find_open_for_conversation(s) is not None,
            30,
            "the outbox was not drained into an urgent escalation",
            run,
        )
        escalation = store.find_open_for_conversation(sender)
        assert escalation is not None and escalation.priority == "urgent"
        assert kind in escalation.reasons
        assert escalation.details["outbox_reason"] == "action_failed"


def test_the_action_server_is_loopback_only_and_needs_the_secret(make_run) -> None:
    import json
    import socket
    import stat

    from clinicbot.store.db import get_engine
    from clinicbot.store.escalations import EscalationStore

    run = make_run
    port = int(run.env["ACTION_PORT"])
    wait_for(lambda: run.healthy("actions"), 120, "the action server is not up", run)
    # Bound to 127.0.0.1 only: another loopback address (reachable on 0.0.0.0) is refused.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", port), timeout=2).close()
    # A call without the secret runs nothing.
    call = json.dumps({"next_action": "action_escalate_urgent", "sender_id": "intruder"})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhook",
        data=call.encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 401
    # Rasa sends the secret: a crisis opens its urgent escalation through the action server.
    client = run.client
    sender = client.new_sender()
    assert client.payload(client.rest(sender, CRISIS))["kind"] == "crisis"
    store = EscalationStore(get_engine(run.env["CLINIC_DB_URL"]))
    wait_for(
        lambda: store.find_open_for_conversation(sender) is not None,
        30,
        "no escalation: did Rasa's call reach the action server?",
        run,
    )
    assert store.find_open_for_conversation("intruder") is None
    # The databases make run created are private to its user (umask 077).
    for path in (Path(run.env["TRACKER_DB"]), Path(run.env["CLINIC_DB_URL"][10:])):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_sigterm_stops_every_service(make_run) -> None:
    run = make_run
    pids = [run.pid(name) for name in ("rasa", "web", "actions")]
    assert all(pids), run.output()
    run.proc.send_signal(signal.SIGTERM)
    assert run.proc.wait(timeout=60) == 0
    for pid in pids:
        assert pid is not None and not alive(pid)
    assert "Stopping services" in run.output()
