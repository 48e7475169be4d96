"""The console's async store facade (clinicbot.console.stores).

A slow store call runs in a worker thread and does not hold up other console requests.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from clinicbot.console.stores import AsyncEscalations, AsyncSessions, AsyncStaff

from .conftest import Browser, Console

#: Generous bound for one loopback request; a passing run never waits this long.
REQUEST_TIMEOUT = 20.0


class SlowQueue:
    """The escalation store, except that ``queue()`` blocks until the test releases it."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def queue(self) -> Any:
        self.entered.set()
        # Without the facade this runs on the event loop: the loop (server and test client
        # alike) stalls here until the timeout, and the test fails below.
        if not self.release.wait(timeout=10):
            raise TimeoutError("never released")
        return self.real.queue()


async def test_a_slow_store_call_does_not_block_another_console_request(
    console: Console, staff: Browser
) -> None:
    esc = console.escalate()
    real = console.app.ctx.escalations
    slow_store = SlowQueue(real)
    console.app.ctx.escalations = slow_store
    try:
        first = asyncio.create_task(staff.get("/console/api/queue"))
        assert await asyncio.to_thread(slow_store.entered.wait, REQUEST_TIMEOUT)
        # The queue request is now stuck in the store; another request is served meanwhile.
        second = await asyncio.wait_for(
            staff.get(f"/console/api/escalations/{esc.id}"), timeout=REQUEST_TIMEOUT
        )
        assert second.status == 200
        assert second.json()["escalation"]["id"] == esc.id
        assert not first.done()  # still waiting on the store
        slow_store.release.set()
        response = await asyncio.wait_for(first, timeout=REQUEST_TIMEOUT)
        assert response.status == 200
        assert [e["id"] for e in response.json()["escalations"]] == [esc.id]
    finally:
        slow_store.release.set()
        console.app.ctx.escalations = real


class ThreadRecorder:
    """Records the thread each call runs in."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            return (None, False) if name == "lookup" else []

        return call


async def test_every_facade_call_runs_off_the_event_loop_thread() -> None:
    recorder = ThreadRecorder()
    loop_thread = threading.get_ident()
    escalations = AsyncEscalations(recorder)  # type: ignore[arg-type]
    staff = AsyncStaff(recorder)  # type: ignore[arg-type]
    sessions = AsyncSessions(recorder)  # type: ignore[arg-type]
    await escalations.queue()
    await escalations.get("E-1")
    await escalations.notes("E-1")
    await staff.get("dana")
    await staff.list_users()
    await sessions.lookup("token", touch=False)
    assert len(recorder.threads) == 6
    assert loop_thread not in recorder.threads
