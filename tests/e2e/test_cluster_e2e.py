"""``make cluster`` end to end: 200 concurrent conversations via nginx, a replica killed, a restart.

Starts ``python -m clinicbot.cluster`` (PostgreSQL, Redis, two Rasa replicas, actions, web,
nginx) on free loopback ports with its data in a temporary directory, and talks to it only
through the proxy's REST webhook. Each conversation asks questions whose knowledge-base topic
is known, so a reply meant for another conversation (cross-talk) or a lost turn shows up as a
wrong ``recipient_id``, a wrong ``kb_id`` or a missing message in the stored tracker.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from clinicbot.paths import REPO_ROOT
from clinicbot.run import ensure_model
from tests.pg import postgres_available

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

if not (postgres_available() and shutil.which("redis-server") and shutil.which("nginx")):
    pytest.skip("make cluster needs postgresql, redis-server and nginx", allow_module_level=True)

#: Questions whose answer topic is known (one turn each; every conversation asks three).
QUESTIONS = [
    ("how much does it cost", "logistics.cost_insurance"),
    ("can I drive home after my treatment", "safety.driving_after"),
    ("what are the side effects of ketamine", "safety.side_effects"),
    ("where are you located", "logistics.hours_location"),
]
#: Concurrent conversations of the burst tests (``CLUSTER_TEST_CONVERSATIONS`` scales a run down
#: on a busy machine, to reproduce; the tests as shipped and in CI use 200).
CONVERSATIONS = int(os.environ.get("CLUSTER_TEST_CONVERSATIONS", "200"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TURNS = 3
START_TIMEOUT = 600.0


def _free_ports(count: int, consecutive: int = 1) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = int(sock.getsockname()[1])
        block = list(range(first, first + consecutive))
        if any(p in ports for p in block) or first + consecutive > 65535:
            continue
        free = True
        for port in block[1:]:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    free = False
        if free:
            ports.extend(block)
    return ports


class ClusterProcess:
    """``python -m clinicbot.cluster`` as a child process, with its ports and output."""

    def __init__(self, model: Path, root: Path) -> None:
        """Chooses ports; starts nothing."""
        rasa0, _rasa1 = _free_ports(1, consecutive=2)
        action, web, proxy, api, pg, redis, console = _free_ports(7)
        self.proxy_url = f"http://127.0.0.1:{proxy}"
        self.api_url = f"http://127.0.0.1:{api}"
        self.token = uuid.uuid4().hex
        self.model = model
        self.root = root
        self.env = dict(
            os.environ,
            CLUSTER_DIR=str(root),
            RASA_REPLICAS="2",
            RASA_PORT=str(rasa0),
            ACTION_PORT=str(action),
            # make exports one for the default port: the replicas must call this cluster's.
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action}/webhook",
            WEB_PORT=str(web),
            PROXY_PORT=str(proxy),
            PROXY_API_PORT=str(api),
            PROXY_CONSOLE_PORT=str(console),
            CLUSTER_PG_PORT=str(pg),
            CLUSTER_REDIS_PORT=str(redis),
            PROXY_RATE="0",  # no per-address limit: every test patient is 127.0.0.1
            RASA_TOKEN=self.token,
            CONVERSATION_MESSAGES_PER_MINUTE="1000",
            NEW_CONVERSATIONS_PER_HOUR="100000",
            # The killed replica is restarted 30 s later (RESTART_MAX_DELAY's default caps any
            # longer delay) and rejoins while the run goes on: turns retried after the kill
            # wait up to a minute for the dead replica's lock tickets.
            RESTART_INITIAL_DELAY="30",
        )
        self.env.pop("TRACKER_DB", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root.parent / f"{root.name}-cluster.out"

    def start(self) -> None:
        """Starts the cluster and waits for its READY line (this start's, not an earlier one)."""
        before = len(self.output()) if self.log.exists() else 0
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "clinicbot.cluster", "--model", str(self.model)],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if "READY" in self.output()[before:]:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"cluster did not start:\n{self.output()[-3000:]}")

    def output(self) -> str:
        """Everything the cluster printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pid(self, service: str) -> int:
        """The latest process id the supervisor logged for a service."""
        pids = re.findall(rf"{re.escape(service)} (?:re)?started \(pid (\d+)", self.output())
        assert pids, f"no pid logged for {service}"
        return int(pids[-1])

    def stop(self, timeout: float = 90) -> None:
        """Ctrl-C, then waits for the clean shutdown (SIGKILL as a last resort)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tracker_user_texts(self, sender: str) -> list[str]:
        """The user messages stored for a conversation (Rasa's API through the proxy)."""
        req = urllib.request.Request(
            f"{self.api_url}/conversations/{sender}/tracker?include_events=ALL&token={self.token}"
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
            tracker = json.loads(resp.read())
        return [e.get("text") for e in tracker["events"] if e.get("event") == "user"]


@dataclass
class Conversation:
    """One simulated patient and what happened to each of its turns."""

    sender: str
    questions: list[tuple[str, str]]
    problems: list[str] = field(default_factory=list)
    retries: int = 0
    answered: int = 0
    answered_at: list[float] = field(default_factory=list)


async def _turn(
    session: aiohttp.ClientSession, url: str, conv: Conversation, text: str, topic: str
) -> None:
    body = {"sender": conv.sender, "message": text}
    for attempt in range(3):
        try:
            async with session.post(url, json=body) as resp:
                status = resp.status
                data: Any = await resp.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status, data = 0, None
            error = type(exc).__name__
        else:
            error = f"HTTP {status}"
        if status == 200:
            break
        # 502: the replica holding this request died after nginx sent it (not retried by
        # nginx for a POST); the client sends again, as Twilio or the widget would.
        if status in (0, 502, 504) and attempt < 2:
            conv.retries += 1
            await asyncio.sleep(0.5)
            continue
        conv.problems.append(f"{text!r}: {error}")
        return
    recipients = {item.get("recipient_id") for item in data}
    payloads = [item["custom"] for item in data if isinstance(item.get("custom"), dict)]
    if recipients != {conv.sender}:
        conv.problems.append(f"{text!r}: reply addressed to {recipients}")
    elif len(payloads) != 1 or payloads[0].get("kb_id") != topic:
        conv.problems.append(f"{text!r}: payload {payloads} instead of {topic}")
    else:
        conv.answered += 1
        conv.answered_at.append(time.monotonic())


async def _run_conversations(
    url: str, convs: list[Conversation], pause: float = 0.2, on_halfway: Any = None
) -> None:
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=CONVERSATIONS)
    halfway = asyncio.Event()
    done_first = 0

    async def one(conv: Conversation) -> None:
        nonlocal done_first
        for i, (text, topic) in enumerate(conv.questions):
            await _turn(session, url, conv, text, topic)
            if i == 0:
                done_first += 1
                if done_first >= len(convs) // 2:
                    halfway.set()
            await asyncio.sleep(pause)

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.create_task(one(c)) for c in convs]
        if on_halfway is not None:
            await asyncio.wait_for(halfway.wait(), timeout=600)
            on_halfway()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=900)


def _conversations(prefix: str, count: int = CONVERSATIONS) -> list[Conversation]:
    convs = []
    for i in range(count):
        questions = [QUESTIONS[(i + t) % len(QUESTIONS)] for t in range(TURNS)]
        convs.append(Conversation(f"{prefix}-{i}-{uuid.uuid4().hex[:8]}", questions))
    return convs


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterProcess]:
    """A running cluster (two replicas) for this module, data in a temporary directory.

    ``CLUSTER_TEST_MODEL`` names a model archive to serve instead of the current one (no
    training while others edit the data).
    """
    given = os.environ.get("CLUSTER_TEST_MODEL")
    model = Path(given).resolve() if given else ensure_model()
    root = Path(tempfile.mkdtemp(prefix="clinicbot-cluster-"))
    handle = ClusterProcess(model, root / "data")
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
        # Keep the services' logs for a look after a failure (tests/artifacts is not committed).
        logs = ARTIFACTS / "cluster-logs"
        shutil.rmtree(logs, ignore_errors=True)
        shutil.copytree(handle.root / "logs", logs, dirs_exist_ok=True)
        shutil.copy(handle.log, logs / "cluster.out")
        shutil.rmtree(root, ignore_errors=True)


def _check(cluster: ClusterProcess, convs: list[Conversation], sample: int = 40) -> None:
    problems = [f"{c.sender}: {p}" for c in convs for p in c.problems]
    assert problems == [], "\n".join(problems[:20])
    assert all(c.answered == TURNS for c in convs)
    # Nothing lost or doubled in the tracker store: each stored conversation holds exactly
    # its own questions, in order (a retried request counts twice if the first one ran).
    for conv in convs[:sample]:
        texts = cluster.tracker_user_texts(conv.sender)
        asked = [q for q, _ in conv.questions]
        deduped = [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]
        assert deduped == asked, (conv.sender, texts)


@pytest.mark.load
def test_200_concurrent_conversations_no_loss_no_crosstalk(cluster: ClusterProcess) -> None:
    convs = _conversations("load")
    url = f"{cluster.proxy_url}/webhooks/rest/webhook"
    asyncio.run(_run_conversations(url, convs))
    _check(cluster, convs)
    assert sum(c.retries for c in convs) == 0  # no replica failed: nothing needed a retry


@pytest.mark.load
def test_a_replica_killed_mid_run_loses_nothing(cluster: ClusterProcess) -> None:
    convs = _conversations("fault")
    url = f"{cluster.proxy_url}/webhooks/rest/webhook"
    killed: list[float] = []

    def kill_replica() -> None:
        os.killpg(cluster.pid("rasa-0"), signal.SIGKILL)
        killed.append(time.monotonic())

    asyncio.run(_run_conversations(url, convs, on_halfway=kill_replica))
    assert killed, "the replica was never killed"
    _check(cluster, convs)
    # The run went on after the kill: most turns were answered by the surviving replica.
    after = sum(1 for c in convs for t in c.answered_at if t > killed[0])
    assert after >= CONVERSATIONS
    retries = sum(c.retries for c in convs)
    print(f"\nreplica killed; turns answered after: {after}; client retries after 502: {retries}")


def test_restart_of_the_whole_cluster_resumes_every_conversation(
    cluster: ClusterProcess,
) -> None:
    convs = _conversations("restart", count=40)
    url = f"{cluster.proxy_url}/webhooks/rest/webhook"
    first = [Conversation(c.sender, c.questions[:1]) for c in convs]
    asyncio.run(_run_conversations(url, first, pause=0))
    assert [p for c in first for p in c.problems] == []
    assert all(c.answered == 1 for c in first)
    cluster.stop()
    cluster.start()
    rest = [Conversation(c.sender, c.questions[1:]) for c in convs]
    asyncio.run(_run_conversations(url, rest, pause=0))
    assert [p for c in rest for p in c.problems] == []
    for conv in convs:
        # The same conversation: the first question, asked before the restart, is still there.
        assert cluster.tracker_user_texts(conv.sender) == [q for q, _ in conv.questions]
