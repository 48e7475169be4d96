"""Staff escalations: conversations handed from the assistant to the clinic team.

An escalation belongs to one conversation (the Rasa sender id). While it is ``open`` (waiting
in the queue) or ``claimed`` (a staff member has joined the chat) every further escalation of
the same conversation joins it instead of creating another. Staff end it with ``resolved`` or
``returned_to_bot``.

Transitions::

    open ----claim----> claimed
    open | claimed ----resolve------> resolved
    open | claimed ----return_to_bot-> returned_to_bot

Anything else (claiming twice, resolving a resolved escalation, ...) raises
:class:`InvalidTransition`. Timestamps are aware UTC datetimes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from clinicbot.store.db import write_transaction
from clinicbot.store.schema import escalation_notes, escalation_reasons, escalations, utcnow

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


class EscalationStore:
    """Reads and writes escalations.

    Args:
        engine: Engine of a migrated clinic database.
    """

    def __init__(self, engine: Engine) -> None:
        """Creates the store; performs no I/O."""
        self.engine = engine

    # ---------------------------------------------------------------- reading

    def _reasons(self, conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
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

    @staticmethod
    def _from_row(row: Row, reasons: list[str]) -> Escalation:
        m = row._mapping
        return Escalation(
            id=m["id"],
            conversation_id=m["conversation_id"],
            channel=m["channel"],
            reasons=reasons or [m["reason"]],
            priority=m["priority"],
            status=m["status"],
            transcript=_list(m["transcript"]),
            kb_topics=[str(t) for t in _list(m["kb_topics"])],
            details=_dict(m["details"]),
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            claimed_by=m["claimed_by"],
            claimed_at=m["claimed_at"],
            resolved_at=m["resolved_at"],
            resolved_by=m["resolved_by"],
            alert_status=m["alert_status"],
            alert_detail=m["alert_detail"] or "",
            alert_at=m["alert_at"],
        )

    def _load(self, conn: Connection, rows: Iterable[Row]) -> list[Escalation]:
        rows = list(rows)
        reasons = self._reasons(conn, [r._mapping["id"] for r in rows])
        return [self._from_row(r, reasons[r._mapping["id"]]) for r in rows]

    def _get(self, conn: Connection, escalation_id: str, lock: bool = False) -> Escalation:
        query = select(escalations).where(escalations.c.id == escalation_id)
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise EscalationNotFound(f"no escalation {escalation_id!r}")
        return self._load(conn, [row])[0]

    def get(self, escalation_id: str) -> Escalation | None:
        """Fetches one escalation.

        Args:
            escalation_id: The id.

        Returns:
            The escalation, or None if there is none with that id.
        """
        with self.engine.connect() as conn:
            try:
                return self._get(conn, escalation_id)
            except EscalationNotFound:
                return None

    def find_open_for_conversation(self, conversation_id: str) -> Escalation | None:
        """Finds the open or claimed escalation of a conversation.

        Args:
            conversation_id: The Rasa sender id.

        Returns:
            The active escalation, or None.
        """
        with self.engine.connect() as conn:
            return self._find_active(conn, conversation_id)

    def _find_active(
        self, conn: Connection, conversation_id: str, lock: bool = False
    ) -> Escalation | None:
        query = (
            select(escalations)
            .where(escalations.c.conversation_id == conversation_id)
            .where(escalations.c.status.in_(ACTIVE_STATUSES))
            .order_by(escalations.c.created_at.desc())
            .limit(1)
        )
        if lock:
            query = query.with_for_update()
        row = conn.execute(query).first()
        return self._load(conn, [row])[0] if row is not None else None

    def queue(self, statuses: Iterable[str] = ACTIVE_STATUSES) -> list[Escalation]:
        """Lists escalations for the staff queue: urgent first, then oldest first.

        Args:
            statuses: Statuses to include.

        Returns:
            The escalations.
        """
        statuses = list(statuses)
        urgent_first = case((escalations.c.priority == URGENT, 0), else_=1)
        query = (
            select(escalations)
            .where(escalations.c.status.in_(statuses))
            .order_by(urgent_first, escalations.c.created_at, escalations.c.id)
        )
        with self.engine.connect() as conn:
            return self._load(conn, conn.execute(query))

    def list_by_reason(
        self, reason: str, statuses: Iterable[str] | None = None, limit: int = 500
    ) -> list[Escalation]:
        """Lists escalations that have a reason (as first or later reason), newest first.

        Args:
            reason: Reason code, for example ``consultation_request``.
            statuses: Restrict to these statuses (all when None).
            limit: Maximum number returned.

        Returns:
            The escalations.
        """
        having = select(escalation_reasons.c.escalation_id).where(
            escalation_reasons.c.reason == reason
        )
        query = select(escalations).where(escalations.c.id.in_(having))
        if statuses is not None:
            query = query.where(escalations.c.status.in_(list(statuses)))
        query = query.order_by(escalations.c.created_at.desc(), escalations.c.id).limit(limit)
        with self.engine.connect() as conn:
            return self._load(conn, conn.execute(query))

    # ---------------------------------------------------------------- opening

    def open_or_join(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        priority: str,
        transcript: Sequence[Mapping[str, Any]],
        kb_topics: Iterable[str],
        details: Mapping[str, Any] | None = None,
    ) -> Escalation:
        """Opens an escalation for a conversation, or joins its active one.

        If the conversation already has an ``open`` or ``claimed`` escalation, that one is
        reused: it becomes urgent if ``priority`` is urgent, ``reason`` is appended to its
        reasons (once), the transcript snapshot is replaced, knowledge-base topics are merged
        and ``details`` are merged over the stored ones. Otherwise a new escalation is created.

        Args:
            conversation_id: The Rasa sender id.
            channel: Channel name (``socketio``, ``rest``, ``sms``, ...).
            reason: Reason code (lower-case, for example ``crisis``, ``patient_request``).
            priority: ``urgent`` or ``normal``.
            transcript: Conversation snapshot (``transcript_from_events`` output).
            kb_topics: Knowledge-base topic ids used.
            details: Structured extras (screening answers, contact details).

        Returns:
            The escalation; ``created`` / ``priority_raised`` tell what happened, and
            ``needs_urgent_notification`` whether to call ``notify_urgent``.

        Raises:
            ValueError: For an unknown priority, an invalid reason or an empty conversation id.
        """
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}, got {priority!r}")
        validate_reason(reason)
        if not conversation_id:
            raise ValueError("conversation_id is empty")
        snapshot = [dict(item) for item in transcript]
        topics = [str(t) for t in kb_topics]
        extra = dict(details or {})
        last_error: Exception | None = None
        for _ in range(8):
            try:
                return self._open_or_join_once(
                    conversation_id, channel, reason, priority, snapshot, topics, extra
                )
            except IntegrityError as exc:  # id collision or a concurrent opener: try again
                last_error = exc
        raise EscalationError("could not store the escalation") from last_error

    def _open_or_join_once(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        priority: str,
        transcript: list[dict[str, Any]],
        kb_topics: list[str],
        details: dict[str, Any],
    ) -> Escalation:
        now = utcnow()
        with write_transaction(self.engine) as conn:
            current = self._find_active(conn, conversation_id, lock=True)
            if current is not None:
                raised = priority == URGENT and current.priority != URGENT
                topics = list(current.kb_topics)
                topics += [t for t in kb_topics if t not in topics]
                merged = {**current.details, **details}
                conn.execute(
                    escalations.update()
                    .where(escalations.c.id == current.id)
                    .values(
                        priority=URGENT if raised else current.priority,
                        transcript=transcript,
                        kb_topics=topics,
                        details=merged,
                        channel=channel or current.channel,
                        updated_at=now,
                    )
                )
                if reason not in current.reasons:
                    conn.execute(
                        escalation_reasons.insert().values(
                            escalation_id=current.id, reason=reason, added_at=now
                        )
                    )
                return replace(self._get(conn, current.id), priority_raised=raised)
            esc_id = new_escalation_id()
            while conn.execute(select(escalations.c.id).where(escalations.c.id == esc_id)).first():
                esc_id = new_escalation_id()
            conn.execute(
                escalations.insert().values(
                    id=esc_id,
                    conversation_id=conversation_id,
                    channel=channel,
                    reason=reason,
                    priority=priority,
                    status=OPEN,
                    transcript=transcript,
                    kb_topics=kb_topics,
                    details=details,
                    created_at=now,
                    updated_at=now,
                )
            )
            conn.execute(
                escalation_reasons.insert().values(
                    escalation_id=esc_id, reason=reason, added_at=now
                )
            )
            return replace(self._get(conn, esc_id), created=True)

    # ---------------------------------------------------------------- transitions

    def _transition(
        self,
        escalation_id: str,
        allowed_from: Sequence[str],
        action: str,
        values: dict[str, Any],
    ) -> Escalation:
        with write_transaction(self.engine) as conn:
            current = self._get(conn, escalation_id, lock=True)
            if current.status not in allowed_from:
                who = f" by {current.claimed_by}" if current.status == CLAIMED else ""
                raise InvalidTransition(
                    f"cannot {action} escalation {escalation_id}: it is already "
                    f"{current.status}{who}"
                )
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(**{"updated_at": utcnow(), **values})
            )
            return self._get(conn, escalation_id)

    def claim(self, escalation_id: str, staff_username: str) -> Escalation:
        """Marks an open escalation as claimed by a staff member.

        Args:
            escalation_id: The escalation.
            staff_username: Who claims it.

        Returns:
            The updated escalation.

        Raises:
            EscalationNotFound: Unknown id.
            InvalidTransition: It is not open (already claimed, resolved, ...).
        """
        now = utcnow()
        return self._transition(
            escalation_id,
            (OPEN,),
            "claim",
            {"status": CLAIMED, "claimed_by": staff_username, "claimed_at": now, "updated_at": now},
        )

    def resolve(self, escalation_id: str, staff_username: str) -> Escalation:
        """Closes an open or claimed escalation as resolved.

        Args:
            escalation_id: The escalation.
            staff_username: Who resolves it.

        Returns:
            The updated escalation.

        Raises:
            EscalationNotFound: Unknown id.
            InvalidTransition: It is already resolved or returned to the assistant.
        """
        now = utcnow()
        return self._transition(
            escalation_id,
            ACTIVE_STATUSES,
            "resolve",
            {
                "status": RESOLVED,
                "resolved_at": now,
                "resolved_by": staff_username,
                "updated_at": now,
            },
        )

    def return_to_bot(self, escalation_id: str, staff_username: str) -> Escalation:
        """Hands an open or claimed escalation's conversation back to the assistant.

        Args:
            escalation_id: The escalation.
            staff_username: Who returns it.

        Returns:
            The updated escalation.

        Raises:
            EscalationNotFound: Unknown id.
            InvalidTransition: It is already resolved or returned to the assistant.
        """
        now = utcnow()
        return self._transition(
            escalation_id,
            ACTIVE_STATUSES,
            "return to the assistant",
            {
                "status": RETURNED_TO_BOT,
                "resolved_at": now,
                "resolved_by": staff_username,
                "updated_at": now,
            },
        )

    # ---------------------------------------------------------------- notes and replies

    def _add(
        self, escalation_id: str, author: str, kind: str, text: str, delivered: bool | None
    ) -> Note:
        text = (text or "").strip()
        if not text:
            raise ValueError("text is empty")
        if len(text) > MAX_NOTE_LENGTH:
            raise ValueError(f"text is longer than {MAX_NOTE_LENGTH} characters")
        now = utcnow()
        with write_transaction(self.engine) as conn:
            current = self._get(conn, escalation_id, lock=True)
            if kind == REPLY and not current.is_active:
                raise InvalidTransition(
                    f"cannot reply on escalation {escalation_id}: it is {current.status}"
                )
            result = conn.execute(
                escalation_notes.insert().values(
                    escalation_id=escalation_id,
                    author=author,
                    kind=kind,
                    text=text,
                    delivered=delivered,
                    created_at=now,
                )
            )
            conn.execute(
                escalations.update().where(escalations.c.id == escalation_id).values(updated_at=now)
            )
            note_id = int(result.inserted_primary_key[0])
        return Note(note_id, escalation_id, author, kind, text, delivered, now)

    def add_note(self, escalation_id: str, staff_username: str, text: str) -> Note:
        """Adds an internal note (never shown to the patient).

        Args:
            escalation_id: The escalation (any status).
            staff_username: Author.
            text: The note.

        Returns:
            The note.

        Raises:
            EscalationNotFound: Unknown id.
            ValueError: Empty or too long text.
        """
        return self._add(escalation_id, staff_username, NOTE, text, None)

    def record_staff_reply(
        self,
        escalation_id: str,
        staff_username: str,
        text: str,
        delivered: bool | None = None,
    ) -> Note:
        """Records a message a staff member sends to the patient.

        Record it before delivering it, then call :meth:`set_reply_delivered`.

        Args:
            escalation_id: The escalation (must be open or claimed).
            staff_username: Author.
            text: The message.
            delivered: Delivery state if already known.

        Returns:
            The recorded reply.

        Raises:
            EscalationNotFound: Unknown id.
            InvalidTransition: The escalation is closed.
            ValueError: Empty or too long text.
        """
        return self._add(escalation_id, staff_username, REPLY, text, delivered)

    def set_reply_delivered(self, note_id: int, delivered: bool) -> None:
        """Stores whether a recorded reply reached Rasa.

        Args:
            note_id: Id of the reply.
            delivered: True if Rasa accepted it.
        """
        with self.engine.begin() as conn:
            conn.execute(
                escalation_notes.update()
                .where(escalation_notes.c.id == note_id)
                .values(delivered=delivered)
            )

    def record_alert(self, escalation_id: str, status: str, detail: str = "") -> None:
        """Stores how the urgent staff alert of an escalation went (the console shows it).

        Args:
            escalation_id: The escalation.
            status: ``sent``, ``partial``, ``failed`` or ``coalesced``.
            detail: Short error codes (channel, exception class, HTTP status), cut to 300
                characters.

        Raises:
            ValueError: For an unknown status.
        """
        if status not in ALERT_STATUSES:
            raise ValueError(f"alert status must be one of {ALERT_STATUSES}, got {status!r}")
        with self.engine.begin() as conn:
            conn.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id)
                .values(
                    alert_status=status,
                    alert_detail=detail[:MAX_ALERT_DETAIL],
                    alert_at=utcnow(),
                )
            )

    def notes(self, escalation_id: str, kinds: Iterable[str] = (NOTE, REPLY)) -> list[Note]:
        """Lists the notes and staff replies of an escalation, oldest first.

        Args:
            escalation_id: The escalation.
            kinds: ``note`` and/or ``reply``.

        Returns:
            The notes.
        """
        query = (
            select(escalation_notes)
            .where(escalation_notes.c.escalation_id == escalation_id)
            .where(escalation_notes.c.kind.in_(list(kinds)))
            .order_by(escalation_notes.c.created_at, escalation_notes.c.id)
        )
        with self.engine.connect() as conn:
            return [
                Note(
                    id=r.id,
                    escalation_id=r.escalation_id,
                    author=r.author,
                    kind=r.kind,
                    text=r.text,
                    delivered=r.delivered,
                    created_at=r.created_at,
                )
                for r in conn.execute(query)
            ]
