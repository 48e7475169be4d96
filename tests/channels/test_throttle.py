"""Rate limits on the patient channels, which never hold back the crisis text."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clinicbot.channels.throttle import PatientThrottle, SlidingWindow, throttled_reply
from tests.channels.channel_server import (
    ChannelProcess,
    Patient,
    channel_process,
    reply_kind,
    reply_text,
)
from tests.fixtures.outbox import outbox_records

LIMITS = {
    "PATIENT_MESSAGES_PER_MINUTE": "6",
    "CONVERSATION_MESSAGES_PER_MINUTE": "3",
    "NEW_CONVERSATIONS_PER_HOUR": "3",
    "TRUSTED_PROXIES": "1",
}
CRISIS = "i want to kill myself tonight"
_ips = (f"203.0.113.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def _process() -> Iterator[ChannelProcess]:
    with channel_process(LIMITS) as proc:
        yield proc


@pytest.fixture
def server(_process: ChannelProcess) -> ChannelProcess:
    _process.reset()
    return _process


def rest(server: ChannelProcess, sender: str, text: str, ip: str) -> tuple[int, Any, Any]:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return server.request(
        "POST", "/webhooks/rest/webhook", {"sender": sender, "message": text}, headers
    )


def test_messages_per_address_are_limited(server: ChannelProcess) -> None:
    ip = next(_ips)
    statuses = [rest(server, f"t-{i // 2}-{ip}", "hello", ip)[0] for i in range(6)]
    assert statuses == [200] * 6
    status, reply, headers = rest(server, f"t-2-{ip}", "hello", ip)
    assert status == 429 and headers["Retry-After"]
    assert "faster than I can answer" in reply_text(reply) and "988" in reply_text(reply)
    assert len(server.senders) == 6  # the refused message never reached the assistant
    # Another address is not affected.
    assert rest(server, f"t-other-{ip}", "hello", next(_ips))[0] == 200


def test_messages_per_conversation_are_limited(server: ChannelProcess) -> None:
    sender = f"conv-{uuid.uuid4().hex}"
    statuses = [rest(server, sender, "hello", next(_ips))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_new_conversations_per_address_are_capped(server: ChannelProcess) -> None:
    ip = next(_ips)
    senders = [f"new-{uuid.uuid4().hex}" for _ in range(4)]
    statuses = [rest(server, s, "hello", ip)[0] for s in senders]
    assert statuses == [200, 200, 200, 429]
    # An existing conversation goes on.
    assert rest(server, senders[0], "hello again", ip)[0] == 200
    assert senders[3] not in server.senders


def test_a_throttled_crisis_message_still_gets_the_crisis_text(server: ChannelProcess) -> None:
    ip = next(_ips)
    sender = f"crisis-{uuid.uuid4().hex}"
    for _ in range(3):
        assert rest(server, sender, "hello", ip)[0] == 200
    status, reply, _ = rest(server, sender, CRISIS, ip)
    assert status == 200
    assert reply_kind(reply) == "crisis"
    assert "988" in reply_text(reply) and "911" in reply_text(reply)
    assert "faster than I can answer" not in reply_text(reply)
    assert server.senders.count(sender) == 3  # it never reached the assistant ...


def test_a_throttled_crisis_message_goes_to_the_urgent_outbox(
    server: ChannelProcess, urgent_outbox_file: Path
) -> None:
    ip = next(_ips)
    sender = f"crisis-{uuid.uuid4().hex}"
    for _ in range(3):
        assert rest(server, sender, "hello", ip)[0] == 200
    rest(server, sender, "hello", ip)  # throttled, not urgent: no record
    assert outbox_records(urgent_outbox_file, sender) == []
    assert rest(server, sender, CRISIS, ip)[0] == 200
    # ... but the action server will open the urgent escalation from this record.
    (record,) = outbox_records(urgent_outbox_file, sender)
    assert (record["channel"], record["kind"], record["reason"]) == ("rest", "crisis", "throttled")
    assert "kill" not in urgent_outbox_file.read_text()


def test_throttled_reply_records_an_emergency_for_a_named_conversation(outbox: Path) -> None:
    throttled_reply("my friend took too many pills and won't wake up", "c-1", "socketio")
    throttled_reply("hello", "c-2", "socketio")
    records = outbox_records(outbox, "c-1")
    assert [(r["kind"], r["reason"]) for r in records] == [("emergency", "throttled")]
    assert outbox_records(outbox, "c-2") == []


async def test_socket_messages_are_limited_and_crisis_text_still_sent(
    server: ChannelProcess,
) -> None:
    async with Patient(server.base, headers={"X-Forwarded-For": next(_ips)}) as patient:
        await patient.start(str(uuid.uuid4()))
        for _ in range(3):
            await patient.say("hello")
            assert (await patient.reply())["text"] == "ok"
        await patient.say("hello")
        slow = await patient.reply()
        assert "faster than I can answer" in slow["text"]
        await patient.say(CRISIS)
        crisis = await patient.reply()
        assert crisis["custom"]["kind"] == "crisis" and "988" in crisis["text"]
    assert len(server.senders) == 3


def test_throttled_reply_for_an_emergency() -> None:
    reply = throttled_reply("my friend took too many pills and won't wake up")
    assert reply["custom"]["kind"] == "emergency"
    assert "911" in reply["text"] and "{" not in reply["text"]


def test_limits_remember_a_bounded_number_of_keys() -> None:
    now = [0.0]
    window = SlidingWindow(limit=1, window=60, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        assert window.allow(f"ip-{i}")
    assert len(window) == 100
    throttle = PatientThrottle(per_ip=10**6, per_conversation=10, new_per_ip=10**6, max_keys=50)
    for i in range(500):
        assert throttle.check("1.2.3.4", f"c-{i}") is None
    assert len(throttle._known) == 50 and len(throttle.conversation) == 50


def test_loopback_is_not_limited_per_address_but_per_conversation(server: ChannelProcess) -> None:
    """Behind a proxy that does not say who the client is, every patient is 127.0.0.1."""
    statuses = [rest(server, f"lo-{uuid.uuid4().hex}", "hello", "")[0] for _ in range(10)]
    assert statuses == [200] * 10  # more than the 6 per address and 3 new per hour
    sender = f"lo-{uuid.uuid4().hex}"
    assert [rest(server, sender, "hello", "")[0] for _ in range(4)] == [200, 200, 200, 429]
