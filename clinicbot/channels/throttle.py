"""Rate limits for the patient channels (REST and socket.io), without ever delaying crisis help.

A script must not be able to flood the assistant, the urgent queue or the staff notifications
by opening conversations in a loop. Limits, all in memory and bounded:

* messages per client address per minute (``PATIENT_MESSAGES_PER_MINUTE``; not for loopback
  addresses, which behind a proxy without ``TRUSTED_PROXIES`` would be every patient's);
* messages per conversation per minute (``CONVERSATION_MESSAGES_PER_MINUTE``);
* new conversations per client address per hour (``NEW_CONVERSATIONS_PER_HOUR``). Escalations
  are opened per conversation, so this also caps the new (urgent) escalations, and with them
  the staff notifications, one source can cause.

A refused message never reaches Rasa, but it is still checked by the safety patterns
in-process: a crisis or emergency message gets the full crisis or emergency text at once, and
(when the caller names the conversation) a record in the urgent outbox
(:mod:`clinicbot.outbox`), from which the action server opens the urgent escalation; anything
else gets a short "please slow down" with the crisis lines.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Dict

import yaml

from clinicbot.nlg import clinic_values
from clinicbot.outbox import NOT_READY, THROTTLED, record_urgent
from clinicbot.paths import DOMAIN_FILE
from clinicbot.payload import CLARIFY, CRISIS, EMERGENCY, make_payload
from clinicbot.safety.replies import crisis_response
from clinicbot.settings import Settings
from clinicbot.texts import messages, resolve

logger = logging.getLogger(__name__)

#: Most keys each limit remembers (least recently used ones are dropped beyond it).
MAX_KEYS = 20_000
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

#: Reasons :meth:`PatientThrottle.check` returns.
IP = "ip"
CONVERSATION = "conversation"
NEW_CONVERSATION = "new_conversation"


class SlidingWindow:
    """Counts events per key in a sliding time window, remembering at most ``max_keys`` keys.

    Args:
        limit: Events allowed per window.
        window: Window length in seconds.
        max_keys: Keys kept (least recently used dropped first).
        clock: Monotonic clock (tests replace it).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates an empty window."""
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """Number of keys remembered."""
        return len(self._hits)

    def allow(self, key: str) -> bool:
        """Records an event unless the key is over its limit.

        Args:
            key: Who (an address, a conversation).

        Returns:
            True if allowed (and counted), False if over the limit.
        """
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


class PatientThrottle:
    """The patient channels' limits (see the module docstring).

    Args:
        per_ip: Messages per address per minute.
        per_conversation: Messages per conversation per minute.
        new_per_ip: New conversations per address per hour.
        clock: Monotonic clock (tests replace it).
        max_keys: Keys each limit remembers.
    """

    def __init__(
        self,
        per_ip: int = 20,
        per_conversation: int = 20,
        new_per_ip: int = 20,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        """Creates the limits."""
        self.ip = SlidingWindow(per_ip, 60.0, max_keys, clock)
        self.conversation = SlidingWindow(per_conversation, 60.0, max_keys, clock)
        self.new_conversations = SlidingWindow(new_per_ip, 3600.0, max_keys, clock)
        self.max_keys = max_keys
        self._known: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> PatientThrottle:
        """Creates the limits configured in the settings.

        Args:
            settings: Process settings.

        Returns:
            The throttle.
        """
        return cls(
            settings.patient_messages_per_minute,
            settings.conversation_messages_per_minute,
            settings.new_conversations_per_hour,
        )

    def check(self, ip: str, conversation_id: str) -> str | None:
        """Counts one patient message.

        Args:
            ip: The client's address.
            conversation_id: The conversation.

        Returns:
            None when the message may go to the assistant, else which limit refused it
            (``ip``, ``conversation`` or ``new_conversation``).
        """
        # A loopback address is this machine or a proxy that did not say who the client is
        # (TRUSTED_PROXIES unset): every patient would share it, so per-address limits would
        # throttle them all together. Only the per-conversation limit applies then (and the
        # proxy's own limit_req, see deploy/nginx).
        per_address = not _is_loopback(ip)
        if per_address and not self.ip.allow(ip):
            return IP
        if conversation_id not in self._known:
            if per_address and not self.new_conversations.allow(ip):
                return NEW_CONVERSATION
            self._known[conversation_id] = None
            while len(self._known) > self.max_keys:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(conversation_id)
        if not self.conversation.allow(conversation_id):
            return CONVERSATION
        return None

    def check_address(self, ip: str) -> str | None:
        """Counts one request to another public patient endpoint (per-address limit only).

        The same per-address limit (and loopback exemption) as :meth:`check`, for public
        writes that belong to no new conversation, such as the widget's answer feedback.

        Args:
            ip: The client's address.

        Returns:
            None when allowed, else ``ip``.
        """
        if not _is_loopback(ip) and not self.ip.allow(ip):
            return IP
        return None


def _is_loopback(ip: str) -> bool:
    if ip in ("", "unknown", "localhost"):
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# The reply to a refused message
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    from clinicbot.safety.detector import SafetyDetector

    return SafetyDetector()


@functools.lru_cache(maxsize=1)
def _domain_texts() -> Dict[str, str]:
    data = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    texts: Dict[str, str] = {}
    for name, variants in (data.get("responses") or {}).items():
        if isinstance(variants, list) and variants and isinstance(variants[0], dict):
            texts[str(name)] = resolve(str(variants[0].get("text") or ""))  # "@name" -> text
    return texts


def _fill(template: str) -> str:
    values = clinic_values()
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template).strip()


def is_urgent_text(text: str) -> bool:
    """Whether the safety patterns (no model needed) find a crisis or emergency in a text.

    Args:
        text: A patient message.

    Returns:
        True for crisis or emergency; True as well if the check itself fails (fail safe).
    """
    try:
        return bool(_detector().detect_patterns_only(text).is_urgent)
    except Exception:  # noqa: BLE001 - when unsure, treat it as urgent
        logger.exception("safety patterns failed")
        return True


def throttled_reply(
    text: str, sender: str | None = None, channel: str | None = None
) -> Dict[str, Any]:
    """The reply to a message refused by a rate limit.

    Crisis and emergency messages (by the safety patterns, which need no model) get the same
    full texts as always, and an urgent outbox record when ``sender`` is given; everything
    else gets the "slow down" message with the crisis lines.

    Args:
        text: The patient's (cleaned) message.
        sender: The conversation id (for the urgent outbox; never the message).
        channel: The channel's name.

    Returns:
        A bot message: ``{"text", "custom"}`` with the payload of the reply contract.
    """
    return refused_reply(text, "throttled", sender, channel, throttled=True)


def not_ready_reply(
    text: str, sender: str | None = None, channel: str | None = None
) -> Dict[str, Any]:
    """The reply to a message that reached a Rasa server without a loaded model.

    Like :func:`throttled_reply`: crisis and emergency messages get their full texts (the
    safety patterns need no model) and an urgent outbox record when ``sender`` is given;
    everything else gets the ``not_ready`` message of ``knowledge/messages.yml`` (send it
    again; the crisis lines).

    Args:
        text: The patient's (cleaned) message.
        sender: The conversation id (for the urgent outbox; never the message).
        channel: The channel's name.

    Returns:
        A bot message: ``{"text", "custom"}``; the payload carries ``unavailable: true``.
    """
    return refused_reply(text, "not_ready", sender, channel, unavailable=True)


#: The urgent outbox's reason for each refusal message.
_OUTBOX_REASONS = {"throttled": THROTTLED, "not_ready": NOT_READY}


def refused_reply(
    text: str,
    message_name: str,
    sender: str | None = None,
    channel: str | None = None,
    **flags: Any,
) -> Dict[str, Any]:
    """The reply to a message the assistant never sees, which never hides the crisis texts.

    A crisis or emergency reply also appends a record to the urgent outbox when ``sender``
    is given (the action server opens the escalation the crisis text promises).

    Args:
        text: The patient's (cleaned) message.
        message_name: The ``knowledge/messages.yml`` text for a message that is not urgent.
        sender: The conversation id (for the urgent outbox).
        channel: The channel's name.
        **flags: Extra payload keys of that reply (``throttled``, ``unavailable``).

    Returns:
        A bot message: ``{"text", "custom"}`` with the payload of the reply contract.
    """
    reply = _refused_reply(text, message_name, **flags)
    kind = reply["custom"].get("kind")
    if sender and kind in (CRISIS, EMERGENCY):
        record_urgent(sender, channel, kind, _OUTBOX_REASONS.get(message_name, NOT_READY))
    return reply


def _refused_reply(text: str, message_name: str, **flags: Any) -> Dict[str, Any]:
    try:
        verdict = _detector().detect_patterns_only(text)
    except Exception:  # noqa: BLE001 - never let a refusal hide the crisis lines
        logger.exception("refused message: safety patterns failed")
        verdict = None
    texts = _domain_texts()
    if verdict is not None and verdict.category == EMERGENCY:
        return {"text": _fill(texts["utter_emergency"]), "custom": make_payload(EMERGENCY)}
    if verdict is not None and verdict.category == CRISIS:
        name = crisis_response({"safety": verdict.to_dict()})
        body = texts.get(name) or texts["utter_crisis"]
        return {"text": _fill(body), "custom": make_payload(CRISIS)}
    message = messages()[message_name]
    return {"text": _fill(message), "custom": make_payload(CLARIFY, **flags)}
