"""Fixtures of the Twilio channel tests: database, Twilio API stand-in, the served channel.

``db_url`` is a SQLite clinic database, ``standin`` the Twilio API stand-in, ``harness`` the
channel served over HTTP with a fake bot (see ``twilio_harness.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sanic import Sanic

from tests.channels.twilio_harness import SID, TOKEN, Harness, start_channel
from tests.channels.twilio_standin import TwilioStandin


@pytest.fixture
def db_url(sqlite_db_url: str) -> str:
    """SQLite only: the channel's own state, not the engines, is under test."""
    return sqlite_db_url


@pytest.fixture
async def standin() -> AsyncIterator[TwilioStandin]:
    server = await TwilioStandin(SID, TOKEN).start()
    yield server
    await server.stop()


@pytest.fixture
async def harness(
    standin: TwilioStandin, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    async with aiohttp.ClientSession() as session:
        h, server = await start_channel(standin, db_url, session)
        yield h
    await server.before_stop()
    await server.close()
    await server.after_stop()
