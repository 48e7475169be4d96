"""Rasa events the console appends when staff join, reply to, or leave a conversation.

Staff messages are ``bot`` events whose custom payload has ``kind: handoff`` (see
shared/reply-contract.md) and ``from_staff: true``; Rasa delivers them to the patient's channel
when they are appended with ``output_channel="latest"``.
"""

from __future__ import annotations

from typing import Any

from clinicbot.payload import HANDOFF, make_payload
from clinicbot.texts import text

HANDOFF_SLOT = "handoff_active"
SAFETY_SLOT = "safety_flag"


def _staff_payload(escalation_id: str, staff_name: str) -> dict[str, Any]:
    return make_payload(
        HANDOFF, escalation_id=escalation_id, from_staff=True, staff_name=staff_name
    )


def staff_message_event(escalation_id: str, staff_name: str, text: str) -> dict[str, Any]:
    """Builds the bot event that carries a staff member's message to the patient.

    Args:
        escalation_id: The escalation.
        staff_name: Display name of the staff member.
        text: The message.

    Returns:
        A Rasa ``bot`` event.
    """
    return {
        "event": "bot",
        "text": text,
        "data": {"custom": _staff_payload(escalation_id, staff_name)},
    }


def joined_events(escalation_id: str, staff_name: str) -> list[dict[str, Any]]:
    """Events for a staff member claiming a conversation.

    Args:
        escalation_id: The escalation.
        staff_name: Display name of the staff member.

    Returns:
        ``handoff_active = True`` and the "has joined the chat" message.
    """
    return [
        {"event": "slot", "name": HANDOFF_SLOT, "value": True},
        staff_message_event(escalation_id, staff_name, text("staff_joined", staff_name=staff_name)),
    ]


def back_to_bot_events(escalation_id: str, tell_patient: bool = True) -> list[dict[str, Any]]:
    """Events handing a conversation back to the assistant.

    Args:
        escalation_id: The escalation.
        tell_patient: Also send the "You're back with the assistant" message.

    Returns:
        ``handoff_active = False``, ``safety_flag = None`` and optionally the message.
    """
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": HANDOFF_SLOT, "value": False},
        {"event": "slot", "name": SAFETY_SLOT, "value": None},
    ]
    if tell_patient:
        events.append(
            {
                "event": "bot",
                "text": text("back_to_bot"),
                "data": {
                    "custom": make_payload(HANDOFF, escalation_id=escalation_id, from_staff=False)
                },
            }
        )
    return events
