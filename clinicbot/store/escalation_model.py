"""Escalations as values: statuses, priorities, ids, the Escalation and Note records.

Also the reading helpers the store's transactions share (:func:`get_escalation`,
:func:`load_escalations`). The store itself, with every state change, is
:mod:`clinicbot.store.escalations`, which re-exports the names of this module.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from clinicbot.store.db import record_from_row
from clinicbot.store.schema import escalation_reasons, escalations

OPEN = "open"
CLAIMED = "claimed"
RESOLVED = "resolved"
RETURNED_TO_BOT = "returned_to_bot"
STATUSES = (OPEN, CLAIMED, RESOLVED, RETURNED_TO_BOT)
ACTIVE_STATUSES = (OPEN, CLAIMED)

URGENT = "urgent"
NORMAL = "normal"
PRIORITIES = (URGENT, NORMAL)

NOTE = "note"
REPLY = "reply"

#: Outcomes of the urgent staff alert (``Escalation.alert_status``).
ALERT_SENT = "sent"
ALERT_PARTIAL = "partial"
ALERT_FAILED = "failed"
#: Within another urgent alert's window: covered by the summary sent when the window ends.
ALERT_COALESCED = "coalesced"
ALERT_STATUSES = (ALERT_SENT, ALERT_PARTIAL, ALERT_FAILED, ALERT_COALESCED)
MAX_ALERT_DETAIL = 300

#: Characters of escalation ids: digits and capitals without the look-alikes 0/O, 1/I/L, U.
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 6
ID_PATTERN = re.compile(rf"^E-[{ID_ALPHABET}]{{{ID_LENGTH}}}$")
_REASON_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
MAX_NOTE_LENGTH = 4000


class EscalationError(Exception):
    """Base class of escalation store errors."""


class EscalationNotFound(EscalationError, LookupError):
    """Raised when an escalation id does not exist."""


class InvalidTransition(EscalationError, ValueError):
    """Raised for a status change the escalation's current status does not allow."""


def new_escalation_id() -> str:
    """Draws a short, readable escalation id such as ``E-7K3QX9`` from a CSPRNG.

    Returns:
        The id (uniqueness is checked when it is stored).
    """
    return "E-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def is_escalation_id(value: str) -> bool:
    """Tells whether a string has the shape of an escalation id.

    Args:
        value: Candidate id.

    Returns:
        True if it looks like ``E-XXXXXX``.
    """
    return bool(ID_PATTERN.match(value or ""))


def validate_reason(reason: str) -> str:
    """Checks that a reason is a short machine code (never free text from a patient).

    Args:
        reason: For example ``crisis``, ``patient_request``, ``consultation_request``.

    Returns:
        The reason.

    Raises:
        ValueError: If it is not lower-case letters, digits and ``_ . : -`` (max 64).
    """
    if not isinstance(reason, str) or not _REASON_PATTERN.match(reason):
        raise ValueError(f"invalid escalation reason {reason!r}: use a short lower-case code")
    return reason


@dataclass(frozen=True)
class Note:
    """An internal note or a staff reply attached to an escalation.

    Attributes:
        id: Row id.
        escalation_id: The escalation.
        author: Staff username.
        kind: ``note`` (internal) or ``reply`` (sent to the patient).
        text: The text.
        delivered: For replies: whether Rasa accepted it (None while unknown).
        created_at: When it was written.
    """

    id: int
    escalation_id: str
    author: str
    kind: str
    text: str
    delivered: bool | None
    created_at: datetime


@dataclass(frozen=True)
class Escalation:
    """One escalation.

    Attributes:
        id: Readable id, for example ``E-7K3QX9``.
        conversation_id: The Rasa sender id.
        channel: Channel the patient wrote from (``socketio``, ``rest``, ``sms``, ...).
        reasons: Reason codes, first one first; a joined escalation appends its reason.
        priority: ``urgent`` or ``normal``.
        status: ``open``, ``claimed``, ``resolved`` or ``returned_to_bot``.
        transcript: Snapshot of the conversation when it was (last) escalated.
        kb_topics: Knowledge-base topic ids the assistant used.
        details: Structured extras (a consultation request's screening answers and contact
            details). Contains personal data: never log it or put it in notifications.
        created_at: When it was opened.
        updated_at: Last change.
        claimed_by: Username of the staff member who claimed it.
        claimed_at: When it was claimed.
        resolved_at: When it left the queue (resolved or returned to the assistant).
        resolved_by: Who closed it.
        alert_status: How the latest urgent staff alert went: ``sent`` (every configured
            channel), ``partial`` (some), ``failed`` (none, after retries), ``coalesced``
            (waiting for the summary at the end of an alert window, see
            :class:`clinicbot.notify.AlertCoalescer`); ``None`` when no alert was attempted.
        alert_detail: Short error codes of the failed channels (never patient data).
        alert_at: When the alert outcome was recorded.
        created: True when the call that returned it created it (not stored).
        priority_raised: True when the call that returned it raised a joined escalation to
            urgent (not stored).
    """

    id: str
    conversation_id: str
    channel: str
    reasons: list[str]
    priority: str
    status: str
    transcript: list[dict[str, Any]]
    kb_topics: list[str]
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    alert_status: str | None = None
    alert_detail: str = ""
    alert_at: datetime | None = None
    created: bool = field(default=False, compare=False)
    priority_raised: bool = field(default=False, compare=False)

    @property
    def reason(self) -> str:
        """The first (primary) reason."""
        return self.reasons[0] if self.reasons else ""

    @property
    def is_active(self) -> bool:
        """True while open or claimed."""
        return self.status in ACTIVE_STATUSES

    @property
    def needs_urgent_notification(self) -> bool:
        """True when staff should be alerted: a new urgent escalation, or one just raised."""
        return self.priority == URGENT and (self.created or self.priority_raised)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _reasons(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(escalation_reasons.c.escalation_id, escalation_reasons.c.reason)
        .where(escalation_reasons.c.escalation_id.in_(list(ids)))
        .order_by(escalation_reasons.c.id)
    )
    for esc_id, reason in rows:
        out[esc_id].append(reason)
    return out


def _from_row(row: Row, reasons: list[str]) -> Escalation:
    m = row._mapping
    return record_from_row(
        Escalation,
        row,
        reasons=reasons or [m["reason"]],
        transcript=_list(m["transcript"]),
        kb_topics=[str(t) for t in _list(m["kb_topics"])],
        details=_dict(m["details"]),
        alert_detail=m["alert_detail"] or "",
    )


def load_escalations(conn: Connection, rows: Iterable[Row]) -> list[Escalation]:
    """Builds escalations from rows of the escalations table (with their reasons).

    Args:
        conn: The connection the rows came from.
        rows: Rows of ``escalations``.

    Returns:
        The escalations, in the rows' order.
    """
    rows = list(rows)
    reasons = _reasons(conn, [r._mapping["id"] for r in rows])
    return [_from_row(r, reasons[r._mapping["id"]]) for r in rows]


def get_escalation(conn: Connection, escalation_id: str, lock: bool = False) -> Escalation:
    """Reads one escalation inside a transaction.

    Args:
        conn: The connection.
        escalation_id: The escalation.
        lock: Lock the row (``SELECT ... FOR UPDATE`` where supported).

    Returns:
        The escalation.

    Raises:
        EscalationNotFound: Unknown id.
    """
    query = select(escalations).where(escalations.c.id == escalation_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise EscalationNotFound(f"no escalation {escalation_id!r}")
    return load_escalations(conn, [row])[0]
