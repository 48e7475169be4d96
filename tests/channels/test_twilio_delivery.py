"""The Twilio channel's delivery guarantees, over real HTTP.

Each message is answered once (a retry of it is recognised, across restarts too, and refused
while the database is down), at least once (a message lost to a crash is processed at the next
start), and sent with retries.

The channel runs in ``twilio_harness`` (fake bot, Twilio API stand-in).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from clinicbot.channels import twilio as tw
from clinicbot.channels.twilio import TwilioConfig, TwilioRestClient
from clinicbot.store.sms import SmsStore
from tests.channels.twilio_harness import (
    PATIENT,
    SID,
    SMS_FROM,
    TOKEN,
    Harness,
    make_config,
    start_channel,
)
from tests.channels.twilio_standin import TwilioStandin, free_port

# --------------------------------------------------------------------------- at least once


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Waits (without blocking the loop) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def restarted(harness: Harness, **config: Any) -> tuple[Harness, Any]:
    """A new channel instance (a restarted Rasa) on the same database and stand-in."""
    return await start_channel(harness.standin, harness.db_url, harness.session, **config)


async def stop(server: Any) -> None:
    await server.before_stop()
    await server.close()


def crash_after_the_200(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after answering Twilio and before the background work ran."""

    def dropped(coro: Any) -> None:
        coro.close()

    monkeypatch.setattr(harness.channel.service, "spawn", dropped)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited")
async def test_a_message_lost_to_a_crash_is_processed_at_the_next_start(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_after_the_200(harness, monkeypatch)
    status, body = await harness.text("i want to end my life", sid="SMcrash1")
    assert status == 200 and "<Response/>" in body
    assert harness.bot.received == [] and harness.standin.messages == []  # lost, today
    store = SmsStore.from_url(harness.db_url)
    assert store.message_state("SMcrash1") == ("claimed", "i want to end my life")

    h, server = await restarted(harness, redrive_min_age=0)
    try:
        await until(lambda: len(h.bot.received) == 1)
        await h.channel.service.drain()
        message = h.bot.received[0]
        assert message.text == "i want to end my life" and message.message_id == "SMcrash1"
        assert message.sender_id == harness.pseudonym
        assert "".join(harness.standin.bodies()).replace("\n", " ").count("988") >= 30
        assert store.message_state("SMcrash1") == ("processed", None)
        # A Twilio retry of it now is still answered once only.
        assert (await h.text("i want to end my life", sid="SMcrash1"))[0] == 200
        assert len(h.bot.received) == 1
    finally:
        await stop(server)
    # Yet another start does not process it again.
    again, server = await restarted(harness, redrive_min_age=0)
    try:
        await asyncio.sleep(0.2)
        await again.channel.service.drain()
        assert again.bot.received == []
    finally:
        await stop(server)


async def test_processed_messages_are_not_redriven(harness: Harness) -> None:
    await harness.text("hello", sid="SMdone")
    assert SmsStore.from_url(harness.db_url).message_state("SMdone") == ("processed", None)
    h, server = await restarted(harness, redrive_min_age=0)
    try:
        await asyncio.sleep(0.2)
        await h.channel.service.drain()
        assert h.bot.received == []
        assert harness.standin.bodies() == ["You said: hello"]
    finally:
        await stop(server)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited")
async def test_a_claim_of_a_live_process_is_left_alone_until_it_is_old(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_after_the_200(harness, monkeypatch)
    await harness.text("hello", sid="SMyoung")
    h, server = await restarted(harness)  # default: claims younger than 30 s are left alone
    try:
        await asyncio.sleep(0.2)
        assert h.bot.received == []
        assert await h.channel.redrive(h.bot) == 0
        # Once the claim is older than that, the sweep takes it over.
        with SmsStore.from_url(harness.db_url).engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE sms_inbound_messages SET claimed_at = '2020-01-01 00:00:00.000000'"
                    " WHERE message_sid = 'SMyoung'"
                )
            )
        assert await h.channel.redrive(h.bot) == 1
        await h.channel.service.drain()
        assert [m.text for m in h.bot.received] == ["hello"]
    finally:
        await stop(server)


# --------------------------------------------------------------------------- dedup


async def test_retried_message_is_answered_once(harness: Harness) -> None:
    first = await harness.text("hello", sid="SMretry1")
    second = await harness.text("hello", sid="SMretry1")
    assert first[0] == second[0] == 200
    assert "<Response/>" in second[1]
    assert len(harness.bot.received) == 1
    assert harness.standin.bodies() == ["You said: hello"]


async def test_dedup_survives_a_restart(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await harness.text("hello", sid="SMretry2")
    h, server = await restarted(harness)  # a new channel instance on the same database
    try:
        assert (await h.text("hello", sid="SMretry2"))[0] == 200
        assert h.bot.received == []
        assert harness.standin.bodies() == ["You said: hello"]
    finally:
        await stop(server)


async def test_dedupe_fails_closed_when_the_database_is_down(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the database a retry cannot be told from a new message: 503, Twilio retries.

    A crisis or emergency message is still answered at once (a duplicate crisis text is
    better than none).
    """
    from sqlalchemy.exc import OperationalError

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("claim", {}, Exception("database is down"))

    monkeypatch.setattr(harness.channel.service.store, "claim_message", down)
    status, _ = await harness.text("how much does it cost?")
    assert status == 503
    assert harness.bot.received == []
    status, _ = await harness.text("i want to kill myself")
    assert status == 200
    assert len(harness.bot.received) == 1


# --------------------------------------------------------------------------- sending & retries


@dataclass
class RecordingSleep:
    """Stands in for asyncio.sleep and records the delays asked for."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client_for(standin: TwilioStandin, db_url: str, **overrides: Any) -> tuple[Any, Any]:
    sleep = RecordingSleep()
    config = make_config(standin, db_url, retry_backoff=0.5, **overrides)
    return TwilioRestClient(config, sleep=sleep), sleep


async def test_server_errors_are_retried_with_backoff(standin: TwilioStandin, db_url: str) -> None:
    client, sleep = client_for(standin, db_url)
    standin.fail_next(2, 500)
    assert await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert [a.status for a in standin.attempts] == [500, 500, 201]
    assert sleep.delays == [0.5, 1.0]
    assert standin.bodies() == ["hello"]


async def test_gives_up_after_three_retries(standin: TwilioStandin, db_url: str) -> None:
    client, sleep = client_for(standin, db_url)
    standin.fail_next(10, 503)
    assert not await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert len(standin.attempts) == 4
    assert sleep.delays == [0.5, 1.0, 2.0]


async def test_retry_after_is_honoured(standin: TwilioStandin, db_url: str) -> None:
    client, sleep = client_for(standin, db_url)
    standin.fail_next(1, 429, retry_after="3")
    assert await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert sleep.delays == [3.0]


async def test_client_errors_are_not_retried(standin: TwilioStandin, db_url: str) -> None:
    client, sleep = client_for(standin, db_url)
    standin.fail_next(1, 400)
    assert not await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert len(standin.attempts) == 1 and sleep.delays == []


async def test_wrong_credentials_are_not_retried(standin: TwilioStandin, db_url: str) -> None:
    client, sleep = client_for(standin, db_url, auth_token="wrong")
    assert not await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert [a.status for a in standin.attempts] == [401]


async def test_network_errors_are_retried(db_url: str) -> None:
    sleep = RecordingSleep()
    config = TwilioConfig(
        account_sid=SID, auth_token=TOKEN, api_base=f"http://127.0.0.1:{free_port()}"
    )
    client = TwilioRestClient(config, sleep=sleep)
    assert not await client.send(PATIENT, SMS_FROM, "hello", "sms-test")
    assert sleep.delays == [0.5, 1.0, 2.0]


async def test_end_to_end_retry_then_success(harness: Harness) -> None:
    harness.standin.fail_next(1, 500)
    await harness.text("hello")
    assert [a.status for a in harness.standin.attempts] == [500, 201]
    assert harness.standin.bodies() == ["You said: hello"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2", 2.0), ("0.5", 0.5), ("-4", 0.0), (None, None), ("soon", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert tw.parse_retry_after(value) == seconds


def test_parse_retry_after_http_date() -> None:
    assert tw.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
