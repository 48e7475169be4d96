"""The Twilio SMS/WhatsApp channel end to end, over real HTTP.

The channel's blueprint is mounted in a Sanic app exactly as Rasa mounts it
(``rasa.core.channels.channel.register``) and served on a free local port; a fake bot plays
Rasa's ``on_new_message``; replies go to a local Twilio API stand-in (``twilio_standin``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from clinicbot.channels import twilio as tw
from clinicbot.channels.common import log_id
from clinicbot.channels.twilio import (
    TwilioConfig,
    TwilioMessagingInput,
    TwilioMessagingOutput,
    TwilioRestClient,
    TwilioService,
)
from clinicbot.nlg import clinic_values
from clinicbot.payload import make_payload
from clinicbot.store.db import dispose_engine
from clinicbot.store.sms import SmsStore

try:
    from tests.channels.twilio_standin import TwilioStandin, free_port
except ImportError:  # tests/ is not a package: pytest put this folder on sys.path
    from twilio_standin import TwilioStandin, free_port  # type: ignore[no-redef]

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token-" + "x" * 16
SMS_FROM = "+15550100143"
WA_FROM = "whatsapp:+15550100199"
PATIENT = "+15557654321"
PATIENT_DIGITS = "5557654321"
CRISIS_TEXT = " ".join(
    f"Part {i}: you are not alone. Call or text 988 now, any time, to talk to a counsellor."
    for i in range(30)
)
BUTTONS = [
    {"title": "Side effects", "payload": "/kb_safety_side_effects"},
    {"title": "Cost", "payload": "/kb_logistics_cost_insurance"},
    {"title": "Talk to staff", "payload": "/request_human"},
]


@dataclass
class FakeBot:
    """Plays Rasa: answers like the processor does, one ``send_response`` per bot message."""

    received: list[UserMessage] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        out, sender, text = message.output_channel, message.sender_id, message.text or ""
        if text == "menu":
            await out.send_response(sender, {"text": "What would you like to know?"})
            await out.send_response(
                sender, {"text": "Pick a topic:", "buttons": [dict(b) for b in BUTTONS]}
            )
            await out.send_response(sender, {"custom": make_payload("clarify")})
        elif text == "i want to end my life":
            await out.send_response(sender, {"text": CRISIS_TEXT, "custom": make_payload("crisis")})
        elif text == "boom":
            raise RuntimeError("the bot broke")
        elif text.startswith("/"):
            await out.send_response(sender, {"text": f"Answer for {text}."})
            await out.send_response(
                sender,
                {
                    "custom": make_payload(
                        "answer",
                        "logistics.cost_insurance",
                        ["Murrough JW, et al. (2013). American Journal of Psychiatry."],
                    )
                },
            )
        else:
            await out.send_response(sender, {"text": f"You said: {text}"})
            await out.send_response(sender, {"custom": make_payload("smalltalk")})


@dataclass
class Harness:
    """A running test app: channel, webhook URL, bot, stand-in, HTTP session."""

    channel: TwilioMessagingInput
    url: str
    bot: FakeBot
    standin: TwilioStandin
    session: aiohttp.ClientSession
    db_url: str

    async def post(
        self,
        params: dict[str, str],
        *,
        signature: str | None = None,
        sign_url: str | None = None,
        sign_params: dict[str, str] | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        raw: bytes | None = None,
    ) -> tuple[int, str]:
        """Posts to the webhook, signed like Twilio unless told otherwise."""
        if signature is None:
            validator = RequestValidator(TOKEN)
            signature = validator.compute_signature(sign_url or self.url, sign_params or params)
        headers = {"Content-Type": content_type}
        if signature:
            headers["X-Twilio-Signature"] = signature
        data: Any = raw if raw is not None else params
        async with self.session.post(self.url, data=data, headers=headers) as resp:
            return resp.status, await resp.text()

    async def text(
        self, body: str, sender: str = PATIENT, sid: str | None = None, **extra: str
    ) -> tuple[int, str]:
        """Sends an inbound message and waits until the channel has finished with it."""
        params = {
            "MessageSid": sid or "SM" + secrets.token_hex(16),
            "AccountSid": SID,
            "From": sender,
            "To": WA_FROM if sender.startswith("whatsapp:") else SMS_FROM,
            "Body": body,
            "NumMedia": "0",
            "FromCity": "",
            **extra,
        }
        result = await self.post(params)
        await self.channel.service.drain()
        return result

    @property
    def pseudonym(self) -> str:
        return self.channel.service.pseudonym("sms", PATIENT)


def make_config(standin: TwilioStandin, db_url: str, **overrides: Any) -> TwilioConfig:
    values: dict[str, Any] = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "sms_from": SMS_FROM,
        "whatsapp_from": WA_FROM,
        "api_base": standin.url,
        "db_url": db_url,
        "retry_backoff": 0.01,
    }
    values.update(overrides)
    return TwilioConfig(**values)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    yield url
    dispose_engine(url)


@pytest.fixture
async def standin() -> AsyncIterator[TwilioStandin]:
    server = await TwilioStandin(SID, TOKEN).start()
    yield server
    await server.stop()


async def serve(channel: TwilioMessagingInput, bot: FakeBot) -> tuple[Any, int]:
    """Serves the channel the way ``rasa run`` does, with the fake bot as Rasa's agent."""
    app = Sanic(f"twilio_test_{secrets.token_hex(4)}", configure_logging=False)
    app.ctx.agent = SimpleNamespace(handle_message=bot)
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.after_start()
    return server, port


@pytest.fixture
async def harness(
    standin: TwilioStandin, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    channel = TwilioMessagingInput(make_config(standin, db_url))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    url = f"http://127.0.0.1:{port}/webhooks/twilio/webhook"
    async with aiohttp.ClientSession() as session:
        yield Harness(channel, url, bot, standin, session, db_url)
    await server.before_stop()
    await server.close()
    await server.after_stop()


# --------------------------------------------------------------------------- happy path


async def test_signed_message_is_answered_by_sms(harness: Harness) -> None:
    status, body = await harness.text("hello")
    assert status == 200
    assert "<Response/>" in body
    assert [m.text for m in harness.bot.received] == ["hello"]
    message = harness.bot.received[0]
    assert message.input_channel == "twilio"
    assert message.metadata == {"channel": "sms", "message_sid": message.message_id}
    assert harness.standin.messages == [
        {"To": PATIENT, "From": SMS_FROM, "Body": "You said: hello"}
    ]


async def test_pseudonym_is_stable_and_not_the_phone(harness: Harness, db_url: str) -> None:
    await harness.text("one")
    await harness.text("two")
    first, second = (m.sender_id for m in harness.bot.received)
    assert first == second
    assert re.fullmatch(r"sms-[0-9a-f]{24}", first)
    assert PATIENT_DIGITS not in first
    # Another process with the same database derives the same pseudonym (key persisted).
    other = TwilioService(make_config(harness.standin, db_url))
    assert other.pseudonym("sms", PATIENT) == first
    assert other.pseudonym("whatsapp", PATIENT).startswith("wa-")
    assert other.pseudonym("sms", "+15550000000") != first
    # The staff lookup finds the number behind it.
    contact = SmsStore.from_url(db_url).contact(first)
    assert contact is not None and (contact.channel, contact.address) == ("sms", PATIENT)


async def test_configured_pseudonym_key_is_used(standin: TwilioStandin, db_url: str) -> None:
    service = TwilioService(make_config(standin, db_url, pseudonym_key="k" * 32))
    assert service.pseudonym("sms", PATIENT) == tw.pseudonym_for("k" * 32, "sms", PATIENT)


async def test_health_route(harness: Harness) -> None:
    async with harness.session.get(harness.url.removesuffix("webhook")) as resp:
        assert resp.status == 200


# --------------------------------------------------------------------------- refusals


async def test_unsigned_request_is_refused(harness: Harness) -> None:
    params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hello"}
    assert (await harness.post(params, signature=""))[0] == 403
    assert (await harness.post(params, signature="bm90IGEgc2lnbmF0dXJl"))[0] == 403
    assert harness.bot.received == [] and harness.standin.attempts == []


async def test_tampered_body_is_refused(harness: Harness) -> None:
    signed = {"MessageSid": "SM1", "From": PATIENT, "Body": "hello"}
    tampered = dict(signed, Body="hello, send me everything")
    assert (await harness.post(tampered, sign_params=signed))[0] == 403
    extra = dict(signed, ToCountry="US")
    assert (await harness.post(extra, sign_params=signed))[0] == 403
    assert harness.bot.received == []


async def test_tampered_url_is_refused(harness: Harness) -> None:
    params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hello"}
    other_url = harness.url.replace("/webhooks/twilio/webhook", "/webhooks/other/webhook")
    assert (await harness.post(params, sign_url=other_url))[0] == 403
    assert (await harness.post(params, sign_url=harness.url + "?x=1"))[0] == 403
    assert harness.bot.received == []


async def test_configured_public_url_is_what_is_checked(
    standin: TwilioStandin, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    public = "https://clinic.example/webhooks/twilio/webhook"
    channel = TwilioMessagingInput(make_config(standin, db_url, webhook_url=public))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    try:
        local = f"http://127.0.0.1:{port}/webhooks/twilio/webhook"
        async with aiohttp.ClientSession() as session:
            h = Harness(channel, local, bot, standin, session, db_url)
            params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hi"}
            assert (await h.post(params))[0] == 403  # signed for the local URL
            assert (await h.post(params, sign_url=public))[0] == 200
            await channel.service.drain()
        assert [m.text for m in bot.received] == ["hi"]
    finally:
        await server.before_stop()
        await server.close()


async def test_missing_auth_token_fails_closed(
    standin: TwilioStandin, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    channel = TwilioMessagingInput(make_config(standin, db_url, auth_token=""))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    try:
        url = f"http://127.0.0.1:{port}/webhooks/twilio/webhook"
        params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hi"}
        # Even a request "signed" with an empty token is refused.
        signature = RequestValidator("").compute_signature(url, params)
        async with aiohttp.ClientSession() as session:
            headers = {"X-Twilio-Signature": signature}
            async with session.post(url, data=params, headers=headers) as resp:
                assert resp.status == 403
        assert bot.received == []
    finally:
        await server.before_stop()
        await server.close()


async def test_only_form_posts_are_accepted(harness: Harness) -> None:
    params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hi"}
    raw = b'{"MessageSid": "SM1", "From": "+15557654321", "Body": "hi"}'
    assert (await harness.post(params, content_type="application/json", raw=raw))[0] == 415


async def test_oversize_body_is_refused(harness: Harness) -> None:
    params = {"MessageSid": "SM1", "From": PATIENT, "Body": "x" * (tw.MAX_REQUEST_BYTES + 1)}
    assert (await harness.post(params))[0] == 413
    assert harness.bot.received == []


@pytest.mark.parametrize("missing", ["MessageSid", "From", "Body"])
async def test_missing_fields_are_refused(harness: Harness, missing: str) -> None:
    params = {"MessageSid": "SM1", "From": PATIENT, "Body": "hi"}
    del params[missing]
    assert (await harness.post(params))[0] == 400
    assert harness.bot.received == []


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
    # A new channel instance (a restarted server) on the same database.
    channel = TwilioMessagingInput(make_config(harness.standin, harness.db_url))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    try:
        h = Harness(
            channel,
            f"http://127.0.0.1:{port}/webhooks/twilio/webhook",
            bot,
            harness.standin,
            harness.session,
            harness.db_url,
        )
        assert (await h.text("hello", sid="SMretry2"))[0] == 200
        assert bot.received == []
        assert harness.standin.bodies() == ["You said: hello"]
    finally:
        await server.before_stop()
        await server.close()


# --------------------------------------------------------------------------- at least once


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Waits (without blocking the loop) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def restarted(harness: Harness, **config: Any) -> tuple[Harness, Any]:
    """A new channel instance (a restarted Rasa) on the same database and stand-in."""
    channel = TwilioMessagingInput(make_config(harness.standin, harness.db_url, **config))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    h = Harness(
        channel,
        f"http://127.0.0.1:{port}/webhooks/twilio/webhook",
        bot,
        harness.standin,
        harness.session,
        harness.db_url,
    )
    return h, server


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


# --------------------------------------------------------------------------- keywords


async def test_stop_silences_everything(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await harness.text("hello")
    assert len(harness.standin.messages) == 1
    await harness.text("Stop")
    await harness.text("are you there?")
    await harness.text("i want to end my life")
    assert len(harness.standin.messages) == 1  # nothing after STOP (Twilio confirms SMS)
    assert [m.text for m in harness.bot.received] == ["hello"]
    # Staff replies and crisis texts are not sent either; a warning says so, without the number.
    caplog.set_level(logging.WARNING, logger="clinicbot.channels.twilio")
    output = harness.channel.get_output_channel()
    await output.send_response(harness.pseudonym, {"text": "Hi, this is Sam from the clinic."})
    await output.send_response(
        harness.pseudonym, {"text": CRISIS_TEXT, "custom": make_payload("crisis")}
    )
    assert len(harness.standin.messages) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("crisis/emergency turn for opted-out" in w for w in warnings)
    assert not any(PATIENT_DIGITS in w for w in warnings)
    # The opt-out is durable and timestamped.
    contact = SmsStore.from_url(harness.db_url).contact(harness.pseudonym)
    assert contact is not None and contact.opted_out_at is not None


async def test_start_opts_back_in(harness: Harness) -> None:
    await harness.text("STOP")
    await harness.text("hello")
    assert harness.standin.messages == []
    await harness.text("start")
    assert len(harness.standin.messages) == 1
    welcome = harness.standin.messages[0]["Body"]
    assert welcome.startswith("Welcome back") and "STOP" in welcome
    await harness.text("hello again")
    assert harness.standin.bodies()[-1] == "You said: hello again"
    events = SmsStore.from_url(harness.db_url).consent_events(harness.pseudonym)
    assert [e for e, _, _ in events] == ["opt_out", "opt_in"]


async def test_yes_opts_in_only_when_opted_out(harness: Harness) -> None:
    await harness.text("yes")
    assert [m.text for m in harness.bot.received] == ["yes"]  # an answer to the bot
    await harness.text("QUIT")
    await harness.text("YES")
    assert harness.standin.bodies()[-1].startswith("Welcome back")
    assert [m.text for m in harness.bot.received] == ["yes"]


async def test_help_gives_clinic_contact_and_crisis_numbers(harness: Harness) -> None:
    await harness.text("help")
    assert harness.bot.received == []
    (reply,) = harness.standin.bodies()
    values = clinic_values()
    assert values["clinic_name"] in reply and values["clinic_phone"] in reply
    assert "Reply STOP to opt out. In a crisis call or text 988; emergencies 911." in reply


# --------------------------------------------------------------------------- numbered options


async def test_number_reply_becomes_the_button_payload(harness: Harness) -> None:
    await harness.text("menu")
    (menu,) = harness.standin.bodies()
    assert menu.startswith("What would you like to know?\n\nPick a topic:")
    assert menu.endswith("Reply 1, 2 or 3: 1) Side effects 2) Cost 3) Talk to staff")
    await harness.text(" 2. ")
    chosen = harness.bot.received[-1]
    assert chosen.text == "/kb_logistics_cost_insurance"
    assert chosen.metadata is not None and chosen.metadata["button_title"] == "Cost"
    answer = harness.standin.bodies()[-1]
    assert answer == (
        "Answer for /kb_logistics_cost_insurance.\nSources: Murrough 2013\n"
        "Was this helpful? Reply 1 or 2: 1) Yes 2) No"
    )
    # After an answer "1"/"2" rate it (clinicbot.insights.sms_feedback): stored with the topic
    # id, thanked, and never passed to the assistant.
    received = len(harness.bot.received)
    await harness.text("2")
    assert len(harness.bot.received) == received
    assert harness.standin.bodies()[-1] == "Thanks for your feedback."
    from sqlalchemy import select

    from clinicbot.store.db import get_engine
    from clinicbot.store.schema import answer_feedback

    with get_engine(harness.db_url).connect() as conn:
        rows = conn.execute(select(answer_feedback)).all()
    assert [(r.kb_id, r.helpful, r.channel) for r in rows] == [
        ("logistics.cost_insurance", False, "sms")
    ]
    # Rated once: no options are left, so "1" is now plain text.
    await harness.text("1")
    assert harness.bot.received[-1].text == "1"


async def test_options_are_remembered_durably(harness: Harness) -> None:
    await harness.text("menu")
    restarted = TwilioMessagingInput(make_config(harness.standin, harness.db_url))
    options = restarted.service.store.options(harness.pseudonym)
    assert [o.payload for o in options] == [b["payload"] for b in BUTTONS]


async def test_out_of_range_number_goes_to_the_bot_as_text(harness: Harness) -> None:
    await harness.text("menu")
    await harness.text("7")
    assert harness.bot.received[-1].text == "7"


# --------------------------------------------------------------------------- crisis & length


async def test_long_crisis_message_is_delivered_in_full(harness: Harness) -> None:
    await harness.text("i want to end my life")
    bodies = harness.standin.bodies()
    assert len(CRISIS_TEXT) > 1600
    assert len(bodies) >= 2
    assert all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies).split() == CRISIS_TEXT.split()


async def test_long_inbound_text_is_cut_to_1600_characters(harness: Harness) -> None:
    await harness.text("a" * 2000)
    assert harness.bot.received[-1].text == "a" * 1600


async def test_media_only_message_gets_a_note(harness: Harness) -> None:
    await harness.text("", NumMedia="1")
    assert harness.bot.received == []
    assert harness.standin.bodies() == [tw.media_only_text()]


async def test_bot_failure_still_sends_a_safe_reply(harness: Harness) -> None:
    await harness.text("boom")
    (reply,) = harness.standin.bodies()
    assert "988" in reply and "911" in reply


# --------------------------------------------------------------------------- staff & WhatsApp


async def test_staff_reply_through_the_output_channel_arrives_by_sms(harness: Harness) -> None:
    await harness.text("can someone call me?")
    # Rasa's HTTP API (output_channel=latest) calls get_output_channel() on a fresh request;
    # here even from a new channel instance, as in another process.
    restarted = TwilioMessagingInput(make_config(harness.standin, harness.db_url))
    output = restarted.get_output_channel()
    assert isinstance(output, TwilioMessagingOutput) and output.name() == "twilio"
    await output.send_response(
        harness.pseudonym,
        {
            "text": "Hi, this is Sam from the clinic. I'll call you in 10 minutes.",
            "custom": make_payload("handoff", from_staff=True),
        },
    )
    assert harness.standin.messages[-1] == {
        "To": PATIENT,
        "From": SMS_FROM,
        "Body": "Hi, this is Sam from the clinic. I'll call you in 10 minutes.",
    }


async def test_staff_reply_to_an_unknown_conversation_is_dropped(harness: Harness) -> None:
    output = harness.channel.get_output_channel()
    await output.send_response("web-1234", {"text": "Hello"})
    assert harness.standin.attempts == []


async def test_whatsapp_addressing(harness: Harness) -> None:
    await harness.text("hello", sender="whatsapp:" + PATIENT)
    message = harness.bot.received[0]
    assert message.sender_id.startswith("wa-")
    assert message.sender_id != harness.pseudonym
    assert message.metadata is not None and message.metadata["channel"] == "whatsapp"
    assert harness.standin.messages == [
        {"To": "whatsapp:" + PATIENT, "From": WA_FROM, "Body": "You said: hello"}
    ]


async def test_whatsapp_stop_is_confirmed_once(harness: Harness) -> None:
    wa = "whatsapp:" + PATIENT
    await harness.text("STOP", sender=wa)
    await harness.text("stop", sender=wa)
    await harness.text("hello", sender=wa)
    bodies = harness.standin.bodies("whatsapp:" + PATIENT)
    assert len(bodies) == 1 and "START" in bodies[0]
    assert harness.bot.received == []


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


# --------------------------------------------------------------------------- privacy of logs


async def test_phone_numbers_and_texts_never_reach_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness.standin.fail_next(1, 500)  # the stand-in's error body names the number
    await harness.text("my secret question")
    await harness.text("menu")
    await harness.text("2")
    await harness.text("boom")
    harness.standin.fail_next(1, 400)
    await harness.text("hello")
    await harness.text("STOP")
    await harness.text("i want to end my life")
    await harness.text("hi", sender="whatsapp:" + PATIENT)
    output = harness.channel.get_output_channel()
    await output.send_response(harness.pseudonym, {"text": "staff says hi"})
    logged = "\n".join(
        [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    )
    assert caplog.records  # the channel does log (hashed pseudonyms and statuses)
    assert harness.pseudonym not in logged
    assert log_id(harness.pseudonym) in logged
    for secret in (PATIENT_DIGITS, "my secret question", "staff says hi", "You said"):
        assert secret not in logged


# --------------------------------------------------------------------------- configuration


def test_environment_wins_over_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "TWILIO_ACCOUNT_SID": "ACenv",
        "TWILIO_AUTH_TOKEN": "env-token",
        "TWILIO_API_BASE": "http://127.0.0.1:9/",
        "CLINIC_DB_URL": "sqlite:////tmp/x.db",
    }
    creds = {"account_sid": "ACyaml", "sms_from": "+15550001111", "auth_token": ""}
    config = TwilioConfig.load(creds, env)
    assert config.account_sid == "ACenv"
    assert config.auth_token == "env-token"
    assert config.sms_from == "+15550001111"
    assert config.api_base == "http://127.0.0.1:9"
    assert config.db_url == "sqlite:////tmp/x.db"
    assert TwilioConfig.load(None, {}).api_base == "https://api.twilio.com"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    channel = TwilioMessagingInput.from_credentials(None)
    assert isinstance(channel, TwilioMessagingInput)
    assert channel.name() == "twilio" and channel.url_prefix() == "twilio"
    assert channel.config.account_sid == "ACenv"


async def test_keyed_locks_are_forgotten_after_use() -> None:
    locks = tw.KeyedLocks()

    async def work() -> None:
        assert len(locks) == 1

    await locks.run("a", work())
    assert len(locks) == 0


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
