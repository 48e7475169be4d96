"""The Twilio channel served over real HTTP for tests, with a fake bot and a Twilio stand-in.

The channel's blueprint is mounted in a Sanic app exactly as Rasa mounts it
(``rasa.core.channels.channel.register``) and served on a free local port; :class:`FakeBot`
plays Rasa's ``on_new_message``; replies go to a local Twilio API stand-in
(``twilio_standin``). The fixtures ``db_url``, ``standin`` and ``harness`` are in this folder's
``conftest.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from twilio.request_validator import RequestValidator

from clinicbot.channels.twilio import TwilioConfig, TwilioMessagingInput
from clinicbot.payload import make_payload
from tests.channels.twilio_standin import TwilioStandin, free_port

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
    #: What ``Agent.is_ready()`` says (False: a Rasa server whose model is not loaded).
    ready: bool = True

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        out, sender, text = message.output_channel, message.sender_id, message.text or ""
        if text == "menu":
            await out.send_response(sender, {"text": "What would you like to know?"})
            await out.send_response(
                sender, {"text": "Pick a topic:", "buttons": [dict(b) for b in BUTTONS]}
            )
            await out.send_response(sender, {"custom": make_payload("clarify")})
        elif text == "quick":  # quick replies: Rasa's OutputChannel sends them as buttons
            await out.send_response(
                sender, {"text": "Pick a topic:", "quick_replies": [dict(b) for b in BUTTONS]}
            )
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


async def serve(channel: TwilioMessagingInput, bot: FakeBot) -> tuple[Any, int]:
    """Serves the channel the way ``rasa run`` does, with the fake bot as Rasa's agent."""
    app = Sanic(f"twilio_test_{secrets.token_hex(4)}", configure_logging=False)
    app.ctx.agent = SimpleNamespace(handle_message=bot, is_ready=lambda: bot.ready)
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.after_start()
    return server, port


async def start_channel(
    standin: TwilioStandin, db_url: str, session: aiohttp.ClientSession, **config: Any
) -> tuple[Harness, Any]:
    """Starts a channel instance (as a starting Rasa does) on a database and stand-in.

    Args:
        standin: The Twilio API stand-in.
        db_url: The clinic database.
        session: The HTTP session the harness posts with.
        **config: Channel settings that differ from :func:`make_config`'s.

    Returns:
        The harness and the Sanic server (stop it when done).
    """
    channel = TwilioMessagingInput(make_config(standin, db_url, **config))
    bot = FakeBot()
    server, port = await serve(channel, bot)
    url = f"http://127.0.0.1:{port}/webhooks/twilio/webhook"
    return Harness(channel, url, bot, standin, session, db_url), server
