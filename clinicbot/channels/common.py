"""Input validation and failure replies shared by the project's Rasa channels."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict

from clinicbot.payload import CLARIFY, make_payload

#: Longest patient message accepted (the widget stops at 2,000 characters).
MAX_MESSAGE_CHARS = 5000
#: Conversation ids are opaque tokens chosen by the client (UUIDs in the widget).
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


class BadInput(ValueError):
    """A request the channel refuses, with an HTTP status and a patient-safe message."""

    def __init__(self, status: int, message: str) -> None:
        """Records the status and message."""
        super().__init__(message)
        self.status = status
        self.message = message


def clean_text(value: Any) -> str:
    """Validates and cleans a patient message.

    Removes control and format characters (keeping newlines and tabs) and surrounding
    whitespace.

    Args:
        value: The raw ``message`` field.

    Returns:
        The cleaned text.

    Raises:
        BadInput: If the value is not a string, is empty after cleaning, or is too long.
    """
    if not isinstance(value, str):
        raise BadInput(400, "'message' must be a string")
    if len(value) > MAX_MESSAGE_CHARS:
        raise BadInput(413, f"message is too long (at most {MAX_MESSAGE_CHARS} characters)")
    text = "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in _CONTROL
    ).strip()
    if not text:
        raise BadInput(400, "message must not be empty")
    return text


def clean_sender(value: Any) -> str:
    """Validates a conversation id.

    Args:
        value: The raw ``sender`` / ``session_id`` field.

    Returns:
        The id.

    Raises:
        BadInput: If it is missing or not a short token.
    """
    if not isinstance(value, str) or not SENDER_RE.match(value):
        raise BadInput(400, "'sender' must be 1-128 characters of letters, digits and _.:@-")
    return value


def clean_metadata(value: Any) -> Dict[str, Any] | None:
    """Accepts client metadata only as a small mapping.

    Args:
        value: The raw ``metadata`` field.

    Returns:
        The mapping, or None.
    """
    if isinstance(value, dict) and len(str(value)) <= 2000:
        return value
    return None


def failure_message(clinic_phone: str = "") -> Dict[str, Any]:
    """The reply when the assistant failed internally: safe, with urgent contacts.

    Args:
        clinic_phone: The clinic's phone number, if known.

    Returns:
        A bot message with text and payload.
    """
    call = f" or call us at {clinic_phone}" if clinic_phone else ""
    return {
        "text": (
            "Sorry, something went wrong on our side and I couldn't answer. Please try again"
            f"{call}. If this is urgent, call 911, or call or text 988."
        ),
        "custom": make_payload(CLARIFY, error=True),
    }
