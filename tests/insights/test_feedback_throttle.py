"""The widget's public feedback endpoint has the patient channels' per-address limit.

Behind the proxy (``TRUSTED_PROXIES=1``) the client address comes from ``X-Forwarded-For``.
A flood from one address is refused with 429 before any work is done; a patient rating at a
normal rate, or from another address meanwhile, is not affected.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicbot.store.schema import answer_feedback
from tests.console.conftest import Console, start_console

PER_MINUTE = 5
KB_ID = "logistics.cost_insurance"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    """A web server behind one trusted proxy, with a small per-address limit."""
    async for handle in start_console(
        tmp_path, trusted_proxies=1, patient_messages_per_minute=PER_MINUTE
    ):
        yield handle


def _answered(console: Console, n: int, prefix: str) -> list[str]:
    """Creates ``n`` widget conversations, each holding one answer; returns the session ids."""
    sessions = []
    for i in range(n):
        session = f"{prefix}{i:02x}".ljust(32, "0")
        console.rasa.trackers[f"widget-{session}"] = [
            {"event": "user", "timestamp": 1000.0, "text": "cost?"},
            {
                "event": "bot",
                "timestamp": 1001.0,
                "text": "It costs ...",
                "data": {"custom": {"kind": "answer", "kb_id": KB_ID}},
            },
        ]
        sessions.append(session)
    return sessions


async def _rate(console: Console, session: str, ip: str) -> int:
    body = json.dumps({"session_id": session, "kb_id": KB_ID, "helpful": True})
    async with console.browser.session.post(
        console.base + "/widget/api/feedback",
        data=body,
        headers={"Content-Type": "text/plain", "X-Forwarded-For": ip},
    ) as resp:
        if resp.status == 429:
            assert resp.headers.get("Retry-After")
        return resp.status


def _stored(console: Console) -> int:
    with console.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(answer_feedback)).scalar_one())


async def test_a_flood_from_one_address_is_refused(console: Console) -> None:
    flood = _answered(console, PER_MINUTE * 3, "aa")
    statuses = [await _rate(console, session, "203.0.113.7") for session in flood]
    assert statuses[:PER_MINUTE] == [204] * PER_MINUTE
    assert statuses[PER_MINUTE:] == [429] * (PER_MINUTE * 2)
    # Refused requests stored nothing.
    assert _stored(console) == PER_MINUTE


async def test_a_normal_rate_is_accepted_also_during_a_flood_elsewhere(console: Console) -> None:
    for session in _answered(console, PER_MINUTE * 2, "bb"):
        await _rate(console, session, "203.0.113.7")
    patient = _answered(console, PER_MINUTE, "cc")
    statuses = [await _rate(console, session, "198.51.100.20") for session in patient]
    assert statuses == [204] * PER_MINUTE
    # Bad input from a patient within the limit is still a 400, not a 429.
    assert await _rate(console, "not-a-session", "198.51.100.21") == 400
