"""The Twilio webhook (Rasa input channel) and the output channel that formats turns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from clinicbot.channels import sms_keywords
from clinicbot.channels.common import (
    BadInput,
    agent_ready,
    clean_text,
    failure_message,
    log_id,
)
from clinicbot.channels.sms_format import Option, TurnPart
from clinicbot.channels.sms_text import WHATSAPP
from clinicbot.channels.throttle import is_urgent_text, not_ready_reply
from clinicbot.channels.twilio.config import (
    CHANNEL_NAME,
    EMPTY_TWIML,
    MAX_INBOUND_CHARS,
    MAX_REQUEST_BYTES,
    TwilioConfig,
    parse_sender,
)
from clinicbot.channels.twilio.service import (
    TwilioService,
    clinic_contact,
    help_text,
    media_only_text,
    welcome_text,
    whatsapp_stop_text,
)
from clinicbot.insights import sms_feedback
from clinicbot.store.sms import Contact

logger = logging.getLogger(__name__)


class TwilioMessagingOutput(OutputChannel):
    """Collects the bot's messages and sends them as formatted SMS/WhatsApp messages.

    Buffered (the webhook's output): parts are kept until :meth:`flush`, which the webhook calls
    once Rasa has handled the message, so one turn is formatted as a whole. Unbuffered (what
    :meth:`TwilioMessagingInput.get_output_channel` returns, used for staff replies pushed
    through Rasa's HTTP API): every ``send_response`` is sent at once.

    Args:
        service: The channel's shared service.
        buffered: Whether to wait for :meth:`flush`.
        contact: The contact of the inbound message being answered, if any.
    """

    def __init__(
        self, service: TwilioService, buffered: bool = False, contact: Contact | None = None
    ) -> None:
        """Starts with nothing collected."""
        self.service = service
        self.buffered = buffered
        self.contact = contact
        self._parts: dict[str, list[TurnPart]] = {}
        self._depth = 0

    @classmethod
    def name(cls) -> str:
        """Name of the channel."""
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Takes one bot message (text, buttons, payload) and, unbuffered, sends it.

        Args:
            recipient_id: The conversation's pseudonym.
            message: The bot message.
        """
        self._depth += 1
        try:
            await super().send_response(recipient_id, dict(message))
        finally:
            self._depth -= 1
        await self._added()

    async def _added(self) -> None:
        if not self.buffered and self._depth == 0:
            await self.flush()

    async def _add(self, recipient_id: str, part: TurnPart) -> None:
        self._parts.setdefault(recipient_id, []).append(part)
        await self._added()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Collects a text.

        Args:
            recipient_id: The conversation's pseudonym.
            text: The text.
            **kwargs: Ignored (the payload arrives through :meth:`send_custom_json`).
        """
        await self._add(recipient_id, TurnPart(text=text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Collects a text with buttons (sent as numbered options).

        Args:
            recipient_id: The conversation's pseudonym.
            text: The text.
            buttons: Rasa buttons (``title``, ``payload``).
            **kwargs: Ignored.
        """
        options = [o for o in map(Option.from_button, buttons or []) if o is not None]
        await self._add(recipient_id, TurnPart(text=text, options=options))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Attaches the reply payload to the text it came with (or right after).

        Args:
            recipient_id: The conversation's pseudonym.
            json_message: The custom payload (``kind``, ``sources``, ...).
            **kwargs: Ignored.
        """
        parts = self._parts.setdefault(recipient_id, [])
        if parts and parts[-1].custom is None:
            parts[-1].custom = dict(json_message)
        else:
            parts.append(TurnPart(custom=dict(json_message)))
        await self._added()

    @property
    def empty(self) -> bool:
        """Whether nothing is waiting to be sent."""
        return not any(self._parts.values())

    async def flush(self) -> None:
        """Formats and sends everything collected, one turn per conversation."""
        pending, self._parts = self._parts, {}
        for recipient_id, parts in pending.items():
            known = (
                self.contact if self.contact and self.contact.pseudonym == recipient_id else None
            )
            await self.service.deliver(recipient_id, parts, known)


def _twiml(status: int = 200) -> HTTPResponse:
    return response.text(EMPTY_TWIML, status=status, content_type="text/xml")


def _form(body: bytes) -> RequestParameters:
    """Parses a form body keeping blank values (Twilio signs those too)."""
    return RequestParameters(
        parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    )


class TwilioMessagingInput(InputChannel):
    """Rasa input channel for SMS and WhatsApp messages from Twilio.

    Args:
        config: Channel settings (default: from the environment).
        service: Shared service to use (tests inject one with a test store or client).
    """

    def __init__(
        self, config: TwilioConfig | None = None, service: TwilioService | None = None
    ) -> None:
        """Keeps the settings; opens nothing yet."""
        self.config = service.config if service else (config or TwilioConfig.load())
        self.service = service or TwilioService(self.config)
        self.validator = RequestValidator(self.config.auth_token)
        #: Rasa's Sanic app (its ``ctx.agent`` answers), known once the server starts.
        self.app: Any = None

    @classmethod
    def name(cls) -> str:
        """Name of the channel (URL prefix ``/webhooks/twilio``)."""
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Builds the channel from ``credentials.yml`` and the environment (which wins).

        Args:
            credentials: The channel's section (may be empty).

        Returns:
            The channel.
        """
        config = TwilioConfig.load(credentials)
        if not config.auth_token:
            logger.warning("twilio: TWILIO_AUTH_TOKEN is not set; every webhook call gets 403")
        return cls(config)

    def get_output_channel(self) -> OutputChannel:
        """Returns an output channel that sends at once (staff replies, reminders).

        Returns:
            The output channel; it needs no request.
        """
        return TwilioMessagingOutput(self.service, buffered=False)

    def _signed(self, request: Request, form: RequestParameters) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        url = self.config.webhook_url or request.url
        return bool(self.validator.validate(url, form, signature))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Defines the webhook routes.

        Args:
            on_new_message: Rasa's handler of a user message.

        Returns:
            The blueprint (``GET /`` health, ``POST /webhook``).
        """
        bp = Blueprint("clinic_twilio_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.listener("after_server_start")
        async def process_left_over_messages(app: Any, *_: Any) -> None:
            self.app = app
            self.service.start_sweeper(lambda: self.redrive(on_new_message))

        @bp.listener("before_server_stop")
        async def finish_background_work(*_: Any) -> None:
            await self.service.stop_sweeper()
            await self.service.drain()

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.config.auth_token:
                logger.error("twilio: webhook refused: TWILIO_AUTH_TOKEN is not set")
                return response.text("forbidden", status=403)
            body = request.body or b""
            if len(body) > MAX_REQUEST_BYTES:
                return response.text("request too large", status=413)
            content_type = (request.headers.get("content-type") or "").split(";")[0]
            if content_type.strip().lower() != "application/x-www-form-urlencoded":
                return response.text("unsupported media type", status=415)
            form = _form(body)
            if not self._signed(request, form):
                logger.warning("twilio: webhook refused: missing or invalid signature")
                return response.text("forbidden", status=403)
            sid, sender, text = form.get("MessageSid"), form.get("From"), form.get("Body")
            if not sid or not sender or text is None:
                return response.text("MessageSid, From and Body are required", status=400)
            channel, address = parse_sender(sender)
            if not address:
                return response.text("From has no number", status=400)
            pseudonym = self.service.pseudonym(channel, address)
            contact = Contact(pseudonym, channel, address, None)
            sid = sid[:64]
            try:
                claimed = self.service.store.claim_message(
                    sid, pseudonym, text[:MAX_INBOUND_CHARS], self.service.instance_id
                )
                if not claimed:
                    logger.info(
                        "twilio: retry of a message already handled (%s)", log_id(pseudonym)
                    )
                    return _twiml()
                contact = self.service.store.record_inbound(pseudonym, channel, address)
            except SQLAlchemyError:
                # Without the database a retry cannot be told from a new message: fail closed
                # (Twilio retries or uses the fallback URL), except for crisis and emergency
                # messages, which are answered at once (a duplicate beats no crisis text).
                if not is_urgent_text(text):
                    logger.error(
                        "twilio: clinic database unavailable; refusing a message of %s (503)",
                        log_id(pseudonym),
                    )
                    return response.text(
                        "temporarily unavailable", status=503, headers={"Retry-After": "60"}
                    )
                logger.error(
                    "twilio: clinic database unavailable; answering an urgent message of %s",
                    log_id(pseudonym),
                )
            self.service.spawn(
                self.service.locks.run(pseudonym, self._process(contact, text, sid, on_new_message))
            )
            return _twiml()

        return bp

    async def redrive(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> int:
        """Processes messages that were claimed but never processed (a crash in between).

        Args:
            on_new_message: Rasa's handler of a user message.

        Returns:
            How many messages were scheduled.
        """
        service = self.service
        cfg = self.config
        pending, expired = await asyncio.to_thread(
            service.store.take_over_unprocessed,
            service.instance_id,
            timedelta(seconds=cfg.redrive_min_age),
            timedelta(seconds=cfg.redrive_max_age),
        )
        if expired:
            logger.warning(
                "twilio: %d inbound message(s) never processed and now too old; not answered",
                expired,
            )
        scheduled = 0
        for message in pending:
            contact = await asyncio.to_thread(service.store.contact, message.pseudonym)
            if contact is None or message.body is None:
                await asyncio.to_thread(service.store.mark_processed, message.message_sid)
                continue
            logger.warning(
                "twilio: processing a message of %s that was received but never processed",
                log_id(message.pseudonym),
            )
            service.spawn(
                service.locks.run(
                    message.pseudonym,
                    self._process(contact, message.body, message.message_sid, on_new_message),
                )
            )
            scheduled += 1
        return scheduled

    async def _process(
        self,
        contact: Contact,
        text: str,
        message_sid: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Handles a claimed message, then marks it processed (not when cancelled)."""
        try:
            await self._handle(contact, text, message_sid, on_new_message)
        except asyncio.CancelledError:
            raise  # Shutting down mid-turn: it stays claimed and is processed at the next start.
        except Exception as exc:  # noqa: BLE001 - a message that breaks the handler is not retried
            logger.error(
                "twilio: handling a message of %s failed: %s",
                log_id(contact.pseudonym),
                type(exc).__name__,
            )
        try:
            await asyncio.to_thread(self.service.store.mark_processed, message_sid)
        except SQLAlchemyError:
            logger.error(
                "twilio: could not mark a message of %s processed", log_id(contact.pseudonym)
            )

    async def _handle(
        self,
        contact: Contact,
        text: str,
        message_sid: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Handles one inbound message: keywords, option numbers, then the bot."""
        service = self.service
        keyword = sms_keywords.keyword_of(text)
        word = sms_keywords.normalise_word(text)
        try:
            store = service.store
            if keyword == sms_keywords.STOP:
                changed = store.set_opted_out(contact.pseudonym, True, word)
                logger.info("twilio: conversation %s opted out", log_id(contact.pseudonym))
                if changed and contact.channel == WHATSAPP:
                    await service.send_text(contact, whatsapp_stop_text(), bypass_opt_out=True)
                return
            if contact.opted_out:
                if keyword == sms_keywords.START or word == sms_keywords.OPT_IN_WHEN_OPTED_OUT:
                    store.set_opted_out(contact.pseudonym, False, word)
                    logger.info("twilio: conversation %s opted back in", log_id(contact.pseudonym))
                    await service.send_text(contact, welcome_text())
                else:
                    logger.info(
                        "twilio: message from opted-out conversation %s ignored",
                        log_id(contact.pseudonym),
                    )
                return
            if keyword == sms_keywords.START:
                await service.send_text(contact, welcome_text())
                return
            if keyword == sms_keywords.HELP:
                await service.send_text(contact, help_text())
                return
            stored = store.options(contact.pseudonym)
            options = [Option(o.title, o.payload) for o in stored]
        except SQLAlchemyError:
            logger.error(
                "twilio: clinic database unavailable while handling %s", log_id(contact.pseudonym)
            )
            if keyword is not None:
                return
            options = []
        try:
            text = clean_text(text[:MAX_INBOUND_CHARS])
        except BadInput:  # Only media, or only blanks.
            await service.send_text(contact, media_only_text())
            return
        metadata: dict[str, Any] = {"channel": contact.channel, "message_sid": message_sid}
        choice = sms_keywords.parse_option_reply(text, len(options))
        if choice is not None and sms_feedback.is_feedback(options[choice]):
            # An answer rating: stored with the topic id, never passed to the assistant.
            try:
                await asyncio.to_thread(
                    sms_feedback.record,
                    service.store.engine,
                    contact.pseudonym,
                    contact.channel,
                    options[choice],
                )
                await asyncio.to_thread(service.store.save_options, contact.pseudonym, [])
            except SQLAlchemyError:
                logger.error("twilio: could not store feedback of %s", log_id(contact.pseudonym))
            await service.send_text(contact, sms_feedback.thanks_text())
            return
        if not agent_ready(self.app):
            # Rasa would answer with nothing. Twilio does not retry an inbound message on a
            # 5xx (it only calls a fallback URL, if one is set), so a 503 could leave a patient
            # in crisis unanswered: answer now, the crisis or emergency text for such a message
            # (safety patterns, no model), else "send it again" with the crisis lines.
            logger.warning(
                "twilio: the assistant is not ready; answering %s without it",
                log_id(contact.pseudonym),
            )
            output = TwilioMessagingOutput(service, buffered=True, contact=contact)
            await output.send_response(
                contact.pseudonym, not_ready_reply(text, contact.pseudonym, self.name())
            )
            await output.flush()
            return
        if choice is not None:
            metadata["button_title"] = options[choice].title
            text = options[choice].payload
        output = TwilioMessagingOutput(service, buffered=True, contact=contact)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    contact.pseudonym,
                    input_channel=self.name(),
                    message_id=message_sid,
                    metadata=metadata,
                )
            )
        except Exception as exc:  # noqa: BLE001 - logged; the patient still gets a safe reply
            logger.error(
                "twilio: the bot failed on a message of %s: %s",
                log_id(contact.pseudonym),
                type(exc).__name__,
            )
            if output.empty:
                phone = clinic_contact()[1]
                await output.send_response(contact.pseudonym, failure_message(phone))
        finally:
            await output.flush()
