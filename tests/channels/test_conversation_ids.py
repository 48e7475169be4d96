"""Conversation ids are namespaced per channel and bound to the socket that confirmed them."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel

from clinicbot.channels.common import (
    log_id,
    patient_message,
    patient_throttled,
    widget_conversation_id,
)
from tests.channels.channel_server import ChannelProcess, Patient, channel_process


@pytest.fixture(scope="module")
def _process() -> Iterator[ChannelProcess]:
    with channel_process() as proc:
        yield proc


@pytest.fixture
def server(_process: ChannelProcess) -> ChannelProcess:
    _process.reset()
    return _process


def rest(server: ChannelProcess, body: Any) -> tuple[int, Any]:
    req = urllib.request.Request(
        server.base + "/webhooks/rest/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ------------------------------------------------------------------------------- REST


@pytest.mark.parametrize(
    "sender",
    [
        "sms-0123456789abcdef01234567",
        "wa-0123456789abcdef01234567",
        "widget-" + uuid.uuid4().hex,
        "SMS-0123456789abcdef01234567",
    ],
)
async def test_rest_refuses_ids_of_other_channels(server: ChannelProcess, sender: str) -> None:
    status, body = rest(server, {"sender": sender, "message": "hello"})
    assert status == 400
    assert "other channel" in body["error"]
    assert server.senders == []


async def test_rest_accepts_its_own_ids(server: ChannelProcess) -> None:
    status, body = rest(server, {"sender": "test-abc", "message": "hello"})
    assert status == 200, body
    assert server.senders == ["test-abc"]


# ------------------------------------------------------------------------------- socket.io


async def test_socket_conversations_live_in_the_widget_namespace(server: ChannelProcess) -> None:
    session_id = str(uuid.uuid4())
    async with Patient(server.base) as patient:
        assert await patient.start(session_id) == session_id
        await patient.say("hello", session_id)
        reply = await asyncio.wait_for(patient.inbox.get(), 10)
    assert reply["text"] == "ok"
    assert server.senders == [widget_conversation_id(session_id)]
    assert server.senders[0] == "widget-" + uuid.UUID(session_id).hex


@pytest.mark.parametrize(
    "foreign", ["sms-0123456789abcdef01234567", "wa-0123456789abcdef01234567", "test-abc", 42]
)
async def test_socket_refuses_ids_that_are_not_widget_sessions(
    server: ChannelProcess, foreign: Any
) -> None:
    async with Patient(server.base) as patient:
        confirmed = await patient.start(foreign)
        assert confirmed != foreign
        uuid.UUID(confirmed)  # a fresh widget session instead
        await patient.say("hello")
        await asyncio.wait_for(patient.inbox.get(), 10)
    assert server.senders == [widget_conversation_id(confirmed)]


async def test_session_id_in_later_messages_is_ignored(server: ChannelProcess) -> None:
    mine, victim = str(uuid.uuid4()), str(uuid.uuid4())
    async with Patient(server.base) as patient:
        await patient.start(mine)
        await patient.say("hello", victim)
        await patient.say("hello again", "sms-0123456789abcdef01234567")
        for _ in range(2):
            await asyncio.wait_for(patient.inbox.get(), 10)
    assert server.senders == [widget_conversation_id(mine)] * 2


async def test_a_socket_stays_bound_to_its_first_session(server: ChannelProcess) -> None:
    mine, victim = str(uuid.uuid4()), str(uuid.uuid4())
    async with Patient(server.base) as patient:
        assert await patient.start(mine) == mine
        assert await patient.start(victim) == mine
        await patient.say("hello", victim)
        await asyncio.wait_for(patient.inbox.get(), 10)
    assert server.senders == [widget_conversation_id(mine)]


async def test_messages_before_a_confirmed_session_are_refused(server: ChannelProcess) -> None:
    async with Patient(server.base) as patient:
        await patient.say("hello", str(uuid.uuid4()))
        error = await asyncio.wait_for(patient.errors.get(), 10)
    assert "session" in error["error"]
    assert server.senders == []


async def test_staff_replies_reach_the_bound_socket(server: ChannelProcess) -> None:
    session_id = str(uuid.uuid4())
    async with Patient(server.base) as patient, Patient(server.base) as other:
        await patient.start(session_id)
        await other.start(str(uuid.uuid4()))
        server.staff(widget_conversation_id(session_id), "from staff")
        message = await asyncio.wait_for(patient.inbox.get(), 10)
        assert message["text"] == "from staff"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(other.inbox.get(), 1)


# ------------------------------------------------------------------------------- logging


def test_log_id_is_a_short_stable_hash() -> None:
    pseudonym = "sms-0123456789abcdef01234567"
    tag = log_id(pseudonym)
    assert tag == log_id(pseudonym) and tag != log_id("sms-0123456789abcdef01234568")
    assert pseudonym not in tag and "0123456789abcdef" not in tag
    assert len(tag) <= 12


@pytest.mark.parametrize("body", [{"message": "hello"}, {"sender": None, "message": "hello"}])
async def test_rest_without_sender_is_a_400_not_a_shared_conversation(
    server: ChannelProcess, body: dict[str, Any]
) -> None:
    status, reply = rest(server, body)
    assert status == 400 and "sender" in reply["error"]
    assert server.senders == []


def test_patient_message_keeps_small_metadata_and_drops_the_rest() -> None:
    out = CollectingOutputChannel()
    message = patient_message("hi", out, "s1", "rest", {"button_title": "Cost"})
    assert (message.text, message.sender_id, message.input_channel) == ("hi", "s1", "rest")
    assert message.output_channel is out
    assert message.metadata == {"button_title": "Cost"}
    assert patient_message("hi", out, "s1", "rest", {"x": "y" * 3000}).metadata is None
    assert patient_message("hi", out, "s1", "rest", ["not", "a", "mapping"]).metadata is None


def test_patient_throttled_asks_the_shared_throttle_only_when_there_is_one() -> None:
    asked: list[tuple[str, str]] = []

    class Throttle:
        def check(self, address: str, sender: str) -> bool:
            asked.append((address, sender))
            return sender == "flooding"

    app = SimpleNamespace(ctx=SimpleNamespace(patient_throttle=Throttle()))
    assert patient_throttled(app, "10.0.0.1", "flooding")
    assert not patient_throttled(app, "10.0.0.1", "calm")
    assert asked == [("10.0.0.1", "flooding"), ("10.0.0.1", "calm")]
    assert not patient_throttled(None, "10.0.0.1", "flooding")
    assert not patient_throttled(SimpleNamespace(ctx=SimpleNamespace()), "10.0.0.1", "flooding")
