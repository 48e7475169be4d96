"""The Twilio SMS/WhatsApp channel end to end, over real HTTP.

The channel's blueprint is mounted in a Sanic app exactly as Rasa mounts it
(``rasa.core.channels.channel.register``) and served on a free local port; a fake bot plays
Rasa's ``on_new_message``; replies go to a local Twilio API stand-in (``twilio_standin``). The
harness is in ``twilio_harness.py``; delivery (once, at least once, retries) is tested in
``test_twilio_delivery.py``.
"""

from __future__ import annotations

import logging
import re

import aiohttp
import pytest
from sanic import Sanic
from twilio.request_validator import RequestValidator

from clinicbot.channels import twilio as tw
from clinicbot.channels.common import log_id
from clinicbot.channels.twilio import (
    TwilioConfig,
    TwilioMessagingInput,
    TwilioMessagingOutput,
    TwilioService,
)
from clinicbot.nlg import clinic_values
from clinicbot.payload import make_payload
from clinicbot.store.sms import SmsStore
from tests.channels.twilio_harness import (
    BUTTONS,
    CRISIS_TEXT,
    PATIENT,
    PATIENT_DIGITS,
    SMS_FROM,
    WA_FROM,
    FakeBot,
    Harness,
    make_config,
    serve,
)
from tests.channels.twilio_standin import TwilioStandin

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


async def test_quick_replies_are_numbered_options_too(harness: Harness) -> None:
    await harness.text("quick")
    (menu,) = harness.standin.bodies()
    assert menu == "Pick a topic:\nReply 1, 2 or 3: 1) Side effects 2) Cost 3) Talk to staff"
    await harness.text("3")
    assert harness.bot.received[-1].text == BUTTONS[2]["payload"]


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
