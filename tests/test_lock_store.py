"""The atomic Redis ticket lock (clinicbot.lock_store) on a real Redis from Debian's binaries."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from clinicbot.lock_store import AtomicRedisLockStore, ticket_numbers
from clinicbot.paths import REPO_ROOT
from tests.fixtures.markers import starts_server
from tests.fixtures.net import free_port

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="Debian's redis-server is missing"
)


@starts_server
class RedisServer:
    """One Redis server on a free loopback port, with a password, no persistence."""

    def __init__(self) -> None:
        """Chooses a directory, port and password; starts nothing."""
        self.root = Path(tempfile.mkdtemp(prefix="clinicbot-redis-"))
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        command = [
            shutil.which("redis-server") or "redis-server",
            "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
            "--appendonly", "no", "--dir", str(self.root), "--requirepass", self.password,
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, password=self.password)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        while _opened:
            _opened.pop().close()
        server.stop()


_opened: list[AtomicRedisLockStore] = []


def store(server: RedisServer, owner_ttl: float = 10.0) -> AtomicRedisLockStore:
    opened = AtomicRedisLockStore(
        host="127.0.0.1", port=server.port, password=server.password, owner_ttl=owner_ttl
    )
    _opened.append(opened)  # heartbeats stopped before the server (fixture below)
    return opened


def test_the_production_endpoint_file_selects_it_with_rasas_settings(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.lock_store import LockStore

    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port)}
    env["REDIS_PASSWORD"] = redis_server.password
    for name in ("ACTION_ENDPOINT_URL", "ACTION_SERVER_TOKEN", "TRACKER_HOST", "TRACKER_PORT"):
        env[name] = "1"
    for name in ("TRACKER_DB", "TRACKER_USER", "TRACKER_PASSWORD"):
        env[name] = "x"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config(str(REPO_ROOT / "endpoints.production.yml"), "lock_store")
    assert config is not None and config.type == "clinicbot.lock_store.AtomicRedisLockStore"
    config.kwargs["use_ssl"] = False  # this test server has no TLS
    created = LockStore.create(config)
    assert isinstance(created, AtomicRedisLockStore)
    _opened.append(created)  # its heartbeat stops with the others
    assert created.red.connection_pool.connection_kwargs["password"] == redis_server.password
    assert created.issue_ticket("endpoint-conv") == 0


def test_concurrent_tickets_are_all_issued_once(redis_server: RedisServer) -> None:
    """Rasa's read-change-write loses tickets when servers take them at the same instant."""
    from concurrent.futures import ThreadPoolExecutor

    def take(lock_store: RedisLockStore, conversation: str) -> list[int]:
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(lock_store.issue_ticket, conversation) for _ in range(200)]
            numbers = [f.result() for f in futures]
        stored = ticket_numbers(lock_store.red.get(lock_store.key_prefix + conversation))
        return sorted(numbers) if len(stored) == len(numbers) else []

    atomic = store(redis_server)
    assert take(atomic, "conv-atomic") == list(range(200))  # each once, none lost
    # (Rasa's RedisLockStore, given the same load, loses tickets in most runs.)


async def test_turns_of_one_conversation_run_one_at_a_time_in_order(
    redis_server: RedisServer,
) -> None:
    replicas = [store(redis_server), store(redis_server)]
    running: list[int] = []
    order: list[int] = []

    async def turn(i: int) -> None:
        async with replicas[i % 2].lock("conv-order", wait_time_in_seconds=0.01):
            running.append(i)
            assert len(running) == 1  # never two turns at once
            order.append(i)
            await asyncio.sleep(0.01)
            running.remove(i)

    tasks = []
    for i in range(12):
        tasks.append(asyncio.create_task(turn(i)))
        await asyncio.sleep(0.002)  # tickets taken in this order
    await asyncio.gather(*tasks)
    assert order == list(range(12))
    assert replicas[0].red.get(replicas[0].key_prefix + "conv-order") is None  # cleaned up


async def test_a_dead_replicas_ticket_is_freed_after_its_heartbeat_not_the_lifetime(
    redis_server: RedisServer,
) -> None:
    dead = store(redis_server, owner_ttl=0.6)
    alive = store(redis_server, owner_ttl=0.6)
    assert dead.issue_ticket("conv-kill", 60) == 0  # its turn was running when it was killed
    dead._stop.set()  # the process dies: its heartbeat is no longer renewed
    started = time.monotonic()
    async with alive.lock("conv-kill", lock_lifetime=60, wait_time_in_seconds=0.05):
        waited = time.monotonic() - started
    assert waited < 3.0  # about the heartbeat's 0.6 s, not the 60 s lifetime
    # A live holder keeps its ticket however long its turn takes.
    holder = store(redis_server, owner_ttl=0.6)
    assert holder.issue_ticket("conv-live", 60) == 0
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(2.0) if hasattr(asyncio, "timeout") else _Timeout(2.0):
            async with alive.lock("conv-live", wait_time_in_seconds=0.05):
                pass
    holder.finish_serving("conv-live", 0)
    async with alive.lock("conv-live", wait_time_in_seconds=0.05):
        pass
    holder.close()
    alive.close()


class _Timeout:
    """``asyncio.timeout`` for Python 3.10."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._handle: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handle = asyncio.get_running_loop().call_later(self.seconds, task.cancel)

    async def __aexit__(self, exc_type: object, *args: object) -> None:
        assert self._handle is not None
        self._handle.cancel()
        if exc_type is asyncio.CancelledError:
            raise asyncio.TimeoutError


def test_cleanup_never_deletes_a_ticket_taken_meanwhile(redis_server: RedisServer) -> None:
    a, b = store(redis_server), store(redis_server)
    first = a.issue_ticket("conv-clean")
    second = b.issue_ticket("conv-clean")
    a.cleanup("conv-clean", first)
    assert ticket_numbers(a.red.get(a.key_prefix + "conv-clean")) == [second]
    assert b.is_served("conv-clean", second)
    b.cleanup("conv-clean", second)
    assert a.red.get(a.key_prefix + "conv-clean") is None
    assert a.red.pttl(a.owner_prefix + a.owner) > 0  # heartbeats expire on their own
