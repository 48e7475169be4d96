"""A Rasa server without a loaded model never answers a patient with silence (issues #10/#15).

Rasa 3.6 accepts turns while its agent has no model and answers them with nothing
(``Agent.handle_message`` ignores the message). The channels ask ``Agent.is_ready()`` first:
REST answers 503 + ``Retry-After`` (nothing processed, so nginx may send it to another
replica), socket.io and SMS answer with the crisis or emergency text for such a message, else
"send it again" with the crisis lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.agent import Agent

from clinicbot.channels.common import agent_ready, widget_conversation_id
from clinicbot.channels.throttle import not_ready_reply
from clinicbot.texts import messages
from tests.channels.channel_server import (
    ChannelProcess,
    Patient,
    channel_process,
    reply_kind,
    reply_text,
)
from tests.channels.twilio_harness import PATIENT_DIGITS, Harness
from tests.fixtures.outbox import outbox_records

CRISIS = "i want to kill myself tonight"
#: The start of the not-ready text in knowledge/messages.yml (the test reads no other copy).
NOT_READY_START = messages()["not_ready"].split(".")[0]


@pytest.fixture(scope="module")
def _process() -> Iterator[ChannelProcess]:
    with channel_process() as proc:
        yield proc


@pytest.fixture
def server(_process: ChannelProcess) -> Iterator[ChannelProcess]:
    _process.reset()
    _process._call("POST", "/test/ready", {"ready": False})
    yield _process
    _process.reset()  # ready again


# --------------------------------------------------------------------------- the check


def test_agent_ready_asks_rasas_agent() -> None:
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace(agent=Agent()))) is False  # no model
    ready = SimpleNamespace(is_ready=lambda: True)
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace(agent=ready))) is True


def test_no_app_no_agent_or_a_failing_agent_is_not_ready() -> None:
    def broken() -> bool:
        raise RuntimeError("broken")

    assert agent_ready(None) is False
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace())) is False
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace(agent=None))) is False
    no_method = SimpleNamespace(handle_message=print)
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace(agent=no_method))) is False
    failing = SimpleNamespace(is_ready=broken)
    assert agent_ready(SimpleNamespace(ctx=SimpleNamespace(agent=failing))) is False


def test_not_ready_reply_keeps_the_crisis_and_emergency_texts() -> None:
    plain = not_ready_reply("how much does it cost")
    assert plain["text"].startswith(NOT_READY_START)
    assert "988" in plain["text"] and "911" in plain["text"] and "{" not in plain["text"]
    assert plain["custom"]["unavailable"] is True
    assert not_ready_reply(CRISIS)["custom"]["kind"] == "crisis"
    emergency = not_ready_reply("my friend took too many pills and won't wake up")
    assert emergency["custom"]["kind"] == "emergency" and "911" in emergency["text"]


# --------------------------------------------------------------------------- REST


def test_rest_answers_503_with_retry_after_and_processes_nothing(server: ChannelProcess) -> None:
    sender = f"nr-{uuid.uuid4().hex}"
    status, body, headers = server.request(
        "POST", "/webhooks/rest/webhook", {"sender": sender, "message": "hello"}
    )
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert "not ready" in body["error"]
    reply = reply_text(body["messages"])
    assert reply.startswith(NOT_READY_START) and "988" in reply
    assert server.senders == []  # never reached the assistant: a retry is safe
    server._call("POST", "/test/ready", {"ready": True})
    status, body, _ = server.request(
        "POST", "/webhooks/rest/webhook", {"sender": sender, "message": "hello"}
    )
    assert status == 200 and reply_text(body) == "ok"
    assert server.senders == [sender]


def test_rest_crisis_message_gets_the_crisis_text_with_the_503(server: ChannelProcess) -> None:
    status, body, _ = server.request(
        "POST",
        "/webhooks/rest/webhook",
        {"sender": f"nr-{uuid.uuid4().hex}", "message": CRISIS},
    )
    assert status == 503
    assert reply_kind(body["messages"]) == "crisis" and "988" in reply_text(body["messages"])


def test_rest_bad_input_is_still_a_400(server: ChannelProcess) -> None:
    status, body, _ = server.request("POST", "/webhooks/rest/webhook", {"sender": "x"})
    assert status == 400 and "message" in body["error"]


def test_rest_health_is_the_readiness_probe(server: ChannelProcess) -> None:
    status, body, headers = server.request("GET", "/webhooks/rest/")
    assert status == 503 and body == {"status": "not ready"} and headers["Retry-After"]
    server._call("POST", "/test/ready", {"ready": True})
    assert server.request("GET", "/webhooks/rest/")[:2] == (200, {"status": "ok"})


# --------------------------------------------------------------------------- socket.io


async def test_socket_gets_a_reply_with_the_crisis_lines(server: ChannelProcess) -> None:
    async with Patient(server.base) as patient:
        await patient.start(str(uuid.uuid4()))
        await patient.say("hello")
        reply = await patient.reply()
        assert reply["text"].startswith(NOT_READY_START)
        assert "988" in reply["text"] and "911" in reply["text"]
        assert reply["custom"]["unavailable"] is True
        await patient.say(CRISIS)
        crisis = await patient.reply()
        assert crisis["custom"]["kind"] == "crisis" and "988" in crisis["text"]
        server._call("POST", "/test/ready", {"ready": True})
        await patient.say("hello")
        assert (await patient.reply())["text"] == "ok"
    assert len(server.senders) == 1  # only the message sent once the agent was ready


# --------------------------------------------------------------------------- SMS


async def test_sms_is_answered_with_the_crisis_lines_not_passed_to_rasa(harness: Harness) -> None:
    harness.bot.ready = False
    status, _ = await harness.text("how much does it cost")
    assert status == 200  # answered now: Twilio would not retry a 503
    (reply,) = harness.standin.bodies()
    assert reply.startswith(NOT_READY_START) and "988" in reply and "911" in reply
    assert harness.bot.received == []


async def test_sms_crisis_message_gets_the_crisis_text(harness: Harness) -> None:
    harness.bot.ready = False
    await harness.text(CRISIS)
    (reply,) = harness.standin.bodies()
    assert "988" in reply and not reply.startswith(NOT_READY_START)
    assert harness.bot.received == []
    harness.bot.ready = True
    await harness.text("hello")
    assert [m.text for m in harness.bot.received] == ["hello"]


# --------------------------------------------------------------------------- urgent outbox


def test_not_ready_reply_records_crisis_and_emergency_in_the_outbox(outbox: Path) -> None:
    path = outbox
    not_ready_reply("how much does it cost", "c-plain", "rest")
    assert not path.exists()  # only urgent messages are recorded
    not_ready_reply(CRISIS)  # no conversation named: nothing to record
    assert not path.exists()
    not_ready_reply(CRISIS, "c-crisis", "socketio")
    not_ready_reply("my friend took too many pills and won't wake up", "c-emerg", "rest")
    (crisis,) = outbox_records(path, "c-crisis")
    assert (crisis["channel"], crisis["kind"], crisis["reason"]) == (
        "socketio",
        "crisis",
        "not_ready",
    )
    assert [r["kind"] for r in outbox_records(path, "c-emerg")] == ["emergency"]
    assert "kill" not in path.read_text()  # never the message


def test_rest_crisis_on_the_503_path_goes_to_the_outbox(
    server: ChannelProcess, urgent_outbox_file: Path
) -> None:
    sender = f"nr-{uuid.uuid4().hex}"
    status, _, _ = server.request(
        "POST", "/webhooks/rest/webhook", {"sender": sender, "message": CRISIS}
    )
    assert status == 503
    (record,) = outbox_records(urgent_outbox_file, sender)
    assert (record["channel"], record["kind"], record["reason"]) == ("rest", "crisis", "not_ready")


async def test_socket_crisis_while_not_ready_goes_to_the_outbox(
    server: ChannelProcess, urgent_outbox_file: Path
) -> None:
    session = str(uuid.uuid4())
    async with Patient(server.base) as patient:
        await patient.start(session)
        await patient.say(CRISIS)
        assert (await patient.reply())["custom"]["kind"] == "crisis"
    mine = outbox_records(urgent_outbox_file, widget_conversation_id(session))
    assert [(r["channel"], r["reason"]) for r in mine] == [("socketio", "not_ready")]


async def test_sms_crisis_while_not_ready_goes_to_the_outbox_under_its_pseudonym(
    harness: Harness, urgent_outbox_file: Path
) -> None:
    harness.bot.ready = False
    await harness.text(CRISIS)
    (record,) = outbox_records(urgent_outbox_file, harness.pseudonym)
    assert record["kind"] == "crisis" and record["reason"] == "not_ready"
    assert PATIENT_DIGITS not in urgent_outbox_file.read_text()  # never the phone number
