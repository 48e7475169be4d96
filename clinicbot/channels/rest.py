"""REST webhook (``/webhooks/rest/webhook``) whose every turn carries exactly one payload.

Rasa returns each bot message's text and its custom payload as separate list items. This
channel merges the payloads of one turn into one (``clinicbot.payload.merge_payloads``) and
returns it as the last item, validates input (clear 4xx errors), and never logs message text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinicbot.channels.common import (
    NOT_READY_RETRY_AFTER,
    BadInput,
    agent_ready,
    clean_rest_sender,
    clean_text,
    configure_server,
    failure_message,
    patient_message,
    patient_throttled,
    request_ip,
)
from clinicbot.channels.throttle import not_ready_reply, throttled_reply
from clinicbot.nlg import clinic_values
from clinicbot.payload import CRISIS, EMERGENCY, merge_payloads

logger = logging.getLogger(__name__)


def shape_turn(messages: List[Dict[str, Any]], recipient_id: str) -> List[Dict[str, Any]]:
    """Turns one turn's collected bot messages into the contract's shape.

    Args:
        messages: Messages from :class:`CollectingOutputChannel` (text and custom items).
        recipient_id: The conversation id.

    Returns:
        The messages without custom payloads, followed by one merged payload item (none when
        the bot said nothing, e.g. while staff hold the conversation).
    """
    payloads = [m["custom"] for m in messages if isinstance(m.get("custom"), dict)]
    shaped = []
    for message in messages:
        rest = {k: v for k, v in message.items() if k != "custom"}
        if set(rest) - {"recipient_id"}:
            shaped.append(rest)
    merged = merge_payloads(payloads)
    if merged is not None:
        shaped.append({"recipient_id": recipient_id, "custom": merged})
    return shaped


class ClinicRestInput(InputChannel):
    """Synchronous REST channel: POST ``{"sender", "message", "metadata"}``."""

    @classmethod
    def name(cls) -> str:
        """Channel name; the webhook is served at ``/webhooks/rest/webhook``."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Creates the Sanic blueprint with ``/`` (health) and ``/webhook``.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The blueprint.
        """
        bp = Blueprint("clinic_rest_webhook", __name__)
        configure_server(bp)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Also the Rasa server's readiness probe (make run's supervisor): 503 while no
            # model is loaded, when every turn would be answered with nothing.
            if not agent_ready(request.app):
                return response.json(
                    {"status": "not ready"},
                    status=503,
                    headers={"Retry-After": str(NOT_READY_RETRY_AFTER)},
                )
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "body must be a JSON object"}, status=400)
            try:
                # No shared "default" conversation: every client names its own.
                sender = clean_rest_sender(body.get("sender"))
                text = clean_text(body.get("message"))
            except BadInput as exc:
                return response.json({"error": exc.message}, status=exc.status)
            if not agent_ready(request.app):
                # Nothing is processed (so a retry is safe: nginx sends it to another replica).
                # The body still carries a reply for a client that shows one: the crisis or
                # emergency text for such a message, else "send it again" with the crisis lines.
                logger.warning("REST turn refused: the assistant is not ready (503)")
                return response.json(
                    {
                        "error": "the assistant is not ready (no model loaded); "
                        "the message was not processed, send it again",
                        "messages": shape_turn(
                            [
                                {
                                    "recipient_id": sender,
                                    **not_ready_reply(text, sender, self.name()),
                                }
                            ],
                            sender,
                        ),
                    },
                    status=503,
                    headers={"Retry-After": str(NOT_READY_RETRY_AFTER)},
                )
            if patient_throttled(request.app, request_ip(request), sender):
                # Never reaches the assistant; a crisis or emergency message still gets its
                # full text, and its urgent escalation goes through the outbox.
                reply = throttled_reply(text, sender, self.name())
                turn = shape_turn([{"recipient_id": sender, **reply}], sender)
                if reply["custom"]["kind"] in (CRISIS, EMERGENCY):
                    return response.json(turn)
                return response.json(turn, status=429, headers={"Retry-After": "60"})
            collector = CollectingOutputChannel()
            message = patient_message(text, collector, sender, self.name(), body.get("metadata"))
            failed = False
            try:
                await on_new_message(message)
            except CancelledError:
                failed = True
                logger.error("REST turn cancelled (timeout)")
            except Exception:  # noqa: BLE001 - the patient still gets a safe reply
                failed = True
                logger.exception("REST turn failed; sending the failure reply")
            if failed and not collector.messages:
                return response.json(failure_turn(sender))
            # No messages and no failure: staff hold the conversation, the bot stays quiet.
            return response.json(shape_turn(list(collector.messages), sender))

        return bp


def failure_turn(sender: str) -> List[Dict[str, Any]]:
    """The shaped turn sent when processing failed before any reply.

    Args:
        sender: The conversation id.

    Returns:
        Text item plus payload item.
    """
    failure = failure_message(clinic_values().get("clinic_phone", ""))
    return shape_turn([{"recipient_id": sender, **failure}], sender)
