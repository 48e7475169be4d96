"""Input validation and failure replies shared by the project's Rasa channels."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from typing import Any, Dict

from clinicbot import texts
from clinicbot.payload import CLARIFY, make_payload

#: Only when knowledge/messages.yml cannot be read: the urgent numbers still go out.
FAILURE_FALLBACK = "Sorry, something went wrong. If this is urgent, call 911, or call or text 988."

#: Longest patient message accepted (the widget stops at 2,000 characters).
MAX_MESSAGE_CHARS = 5000
#: Largest request body the Rasa server accepts (Sanic's default is 100 MB). Patient messages,
#: Twilio webhooks and the console's events are a few KB; Sanic refuses bigger bodies with 413
#: while reading them, before any handler buffers them.
RASA_REQUEST_MAX_SIZE = 64 * 1024
#: Conversation ids are opaque tokens chosen by the client (UUIDs in the widget).
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}

#: Conversation-id namespaces: each channel files its conversations under its own prefix, and
#: no channel accepts an id from another's namespace (REST cannot write into an SMS or widget
#: conversation; a socket cannot name an SMS pseudonym).
WIDGET_PREFIX = "widget-"
SMS_PREFIX = "sms-"
WHATSAPP_PREFIX = "wa-"
RESERVED_PREFIXES = (WIDGET_PREFIX, SMS_PREFIX, WHATSAPP_PREFIX)
#: A widget session id: a UUID, with or without dashes (``crypto.randomUUID()``).
WIDGET_SESSION_RE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


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


def clean_rest_sender(value: Any) -> str:
    """Validates a REST conversation id: present, short, and not another channel's.

    Args:
        value: The raw ``sender`` field.

    Returns:
        The id.

    Raises:
        BadInput: If it is missing, malformed or in another channel's namespace.
    """
    sender = clean_sender(value)
    if sender.lower().startswith(RESERVED_PREFIXES):
        raise BadInput(
            400,
            "'sender' must not start with "
            + ", ".join(RESERVED_PREFIXES)
            + " (conversation ids of another channel)",
        )
    return sender


def is_widget_session(value: Any) -> bool:
    """Tells whether a value is a widget session id (a UUID, dashes optional).

    Args:
        value: Anything.

    Returns:
        True for a UUID string.
    """
    return isinstance(value, str) and WIDGET_SESSION_RE.fullmatch(value) is not None


def widget_conversation_id(session_id: str) -> str:
    """The Rasa conversation id of a widget session.

    Args:
        session_id: The widget's session id (a UUID).

    Returns:
        ``widget-<32 lower-case hex digits>`` (one id whatever the UUID's spelling).

    Raises:
        BadInput: If ``session_id`` is not a UUID.
    """
    if not is_widget_session(session_id):
        raise BadInput(400, "session_id must be the widget's session id (a UUID)")
    return WIDGET_PREFIX + uuid.UUID(session_id).hex


def log_id(conversation_id: str) -> str:
    """A short, stable tag of a conversation id (or pseudonym) for log lines.

    Logs never carry the id itself: with it anyone reading logs could write into the
    conversation (widget) or link it to a phone number's pseudonym (SMS).

    Args:
        conversation_id: The id.

    Returns:
        ``c:`` plus 8 hex digits of its SHA-256.
    """
    return "c:" + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:8]


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


def patient_message(text: str, output: Any, sender: str, channel: str, metadata: Any) -> Any:
    """The ``UserMessage`` Rasa handles for a patient's text, the client's metadata checked.

    Args:
        text: The message.
        output: The output channel the replies go to.
        sender: The conversation id.
        channel: The input channel's name.
        metadata: The client's raw ``metadata`` field (kept only as :func:`clean_metadata`
            allows).

    Returns:
        The ``rasa.core.channels.channel.UserMessage``.
    """
    from rasa.core.channels.channel import UserMessage

    return UserMessage(
        text, output, sender, input_channel=channel, metadata=clean_metadata(metadata)
    )


def patient_throttled(app: Any, address: str, sender: str) -> bool:
    """Whether the server's shared patient throttle refuses this message.

    Args:
        app: The Sanic app (None, or one without a throttle: never throttled).
        address: The client's address.
        sender: The conversation id.

    Returns:
        True when the message must not reach the assistant.
    """
    throttle = getattr(app.ctx, "patient_throttle", None) if app is not None else None
    return throttle is not None and bool(throttle.check(address, sender))


def configure_server(bp: Any) -> None:
    """Makes the server that serves a channel safe for the public (Rasa's own Sanic app).

    Registers a ``before_server_start`` listener on the channel's blueprint that sets a small
    ``REQUEST_MAX_SIZE`` (:data:`RASA_REQUEST_MAX_SIZE`), the trusted proxies
    (``TRUSTED_PROXIES``: the client address then comes from ``X-Forwarded-For``) and one
    shared :class:`clinicbot.channels.throttle.PatientThrottle` (``app.ctx.patient_throttle``).
    Every channel calls it; the first one to run does the work.

    Args:
        bp: The channel's blueprint.
    """
    from clinicbot.channels.throttle import PatientThrottle
    from clinicbot.settings import load_settings

    async def _configure(app: Any, _loop: Any) -> None:
        if getattr(app.ctx, "patient_throttle", None) is not None:
            return
        settings = load_settings()
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, RASA_REQUEST_MAX_SIZE)
        if settings.trusted_proxies > 0:
            app.config.PROXIES_COUNT = settings.trusted_proxies
        app.ctx.patient_throttle = PatientThrottle.from_settings(settings)

    bp.listener("before_server_start")(_configure)


def request_ip(request: Any) -> str:
    """The client's address of a Sanic request (after the trusted proxies, if configured).

    Args:
        request: The request.

    Returns:
        The address, or ``unknown``.
    """
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "unknown")


#: Seconds a client is told to wait (``Retry-After``) when the assistant is not loaded yet.
NOT_READY_RETRY_AFTER = 10


def agent_ready(app: Any) -> bool:
    """Whether the Rasa server's agent can answer (a model is loaded).

    Rasa 3.6 keeps accepting messages while its agent has no model (the model failed to load,
    or is still being replaced) and answers them with nothing: ``Agent.handle_message`` ignores
    a message when ``Agent.is_ready()`` is false. The channels ask first, so that a patient is
    never answered with silence.

    Args:
        app: Rasa's Sanic app (``app.ctx.agent`` is its agent), or ``None``.

    Returns:
        True when there is an agent and it is ready; False otherwise (no app, no agent, an
        agent without ``is_ready``, or ``is_ready()`` false or failing).
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    is_ready = getattr(agent, "is_ready", None)
    if not callable(is_ready):
        return False
    try:
        return bool(is_ready())
    except Exception:  # noqa: BLE001 - an agent that cannot say is not ready
        return False


def failure_message(clinic_phone: str = "") -> Dict[str, Any]:
    """The reply when the assistant failed internally: safe, with urgent contacts.

    Args:
        clinic_phone: The clinic's phone number, if known.

    Returns:
        A bot message with text and payload.
    """
    try:
        text = (
            texts.text("failure", clinic_phone=clinic_phone)
            if clinic_phone
            else (texts.text("failure_no_phone"))
        )
    except Exception:  # noqa: BLE001 - this reply must go out even if messages.yml is broken
        text = FAILURE_FALLBACK
    return {
        "text": text,
        "custom": make_payload(CLARIFY, error=True),
    }
