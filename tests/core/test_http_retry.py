"""The shared retry helper (clinicbot.http_retry) against a real local HTTP server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from clinicbot.http_retry import (
    Backoff,
    Reply,
    RetryGaveUp,
    parse_retry_after,
    request_with_retry,
)
from tests.fixtures.net import serve_stand_in

QUICK = Backoff(attempts=4, first_delay=0.5, factor=2.0, max_delay=3.0)


class Server:
    """Answers with the scripted statuses, one per request, then 200."""

    def __init__(self) -> None:
        """Starts with nothing scripted."""
        self.script: list[tuple[int, dict[str, str]]] = []
        self.requests = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        await request.read()
        status, headers = self.script.pop(0) if self.script else (200, {})
        return web.json_response({"code": status}, status=status, headers=headers)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with serve_stand_in(Server(), "POST", "/x") as srv:
        yield srv


class Waits:
    """Stands in for asyncio.sleep and records the waits."""

    def __init__(self) -> None:
        """Starts empty."""
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def send(url: str, waits: Waits, backoff: Backoff = QUICK) -> Reply:
    return await request_with_retry(
        "POST", url, backoff=backoff, timeout=2, label="test call", sleep=waits, data="{}"
    )


async def test_server_errors_are_retried_with_growing_waits(server: Server) -> None:
    server.script = [(500, {}), (503, {})]
    waits = Waits()
    reply = await send(server.url, waits)
    assert reply.status == 200 and reply.attempts == 3
    assert server.requests == 3 and waits.seconds == [0.5, 1.0]


async def test_408_and_429_are_retried_and_retry_after_is_honoured_up_to_the_cap(
    server: Server,
) -> None:
    server.script = [(408, {}), (429, {"Retry-After": "2"}), (429, {"Retry-After": "120"})]
    waits = Waits()
    reply = await send(server.url, waits)
    assert reply.ok and server.requests == 4
    assert waits.seconds == [0.5, 2.0, 3.0]  # backoff, Retry-After, Retry-After capped


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(server: Server, status: int) -> None:
    server.script = [(status, {})]
    waits = Waits()
    reply = await send(server.url, waits)
    assert reply.status == status and not reply.ok
    assert reply.data == {"code": status}  # the body is read for the caller
    assert server.requests == 1 and waits.seconds == []


async def test_gives_up_after_n_attempts_with_a_clear_error(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [(502, {})] * 10
    waits = Waits()
    caplog.set_level(logging.WARNING, logger="clinicbot.http_retry")
    with pytest.raises(RetryGaveUp) as info:
        await send(server.url, waits, Backoff(attempts=3, first_delay=0.1))
    assert info.value.attempts == 3 and info.value.last == "HTTP 502"
    assert str(info.value) == "gave up after 3 attempt(s); the last one: HTTP 502"
    assert server.requests == 3 and waits.seconds == [0.1, 0.2]
    retried = [r.getMessage() for r in caplog.records if r.name == "clinicbot.http_retry"]
    assert retried == [
        "test call: HTTP 502 (attempt 1/3); retrying in 0.1 s",
        "test call: HTTP 502 (attempt 2/3); retrying in 0.2 s",
    ]


async def test_connection_errors_are_retried_then_reported() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()  # nothing listens on the port any more
    waits = Waits()
    seen: list[int] = []
    with pytest.raises(RetryGaveUp) as info:
        await request_with_retry(
            "POST",
            f"http://127.0.0.1:{port}/x",
            backoff=QUICK,
            timeout=2,
            label="test call",
            sleep=waits,
            on_attempt=seen.append,
        )
    assert info.value.attempts == 4 and info.value.last == "ClientConnectorError"
    assert seen == [1, 2, 3, 4] and waits.seconds == [0.5, 1.0, 2.0]


def test_backoff_schedule_is_exponential_and_capped() -> None:
    backoff = Backoff(attempts=6, first_delay=1.0, factor=2.0, max_delay=5.0)
    assert [backoff.delay(a) for a in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, None), ("", None), ("7", 7.0), ("-3", 0.0), ("soon", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds
