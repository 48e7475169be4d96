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
:class:`InvalidTransition`. Timestamps are aware UTC datetimes. The records, statuses and ids
are in :mod:`clinicbot.store.escalation_model` (re-exported here); the notes, staff replies and
alert outcomes the store also records are in :mod:`clinicbot.store.escalation_notes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from clinicbot.store.db import write_transaction
from clinicbot.store.escalation_model import (
    ACTIVE_STATUSES,
    ALERT_COALESCED,
    CLAIMED,
    MAX_NOTE_LENGTH,
    NORMAL,
    OPEN,
    PRIORITIES,
    RESOLVED,
    RETURNED_TO_BOT,
    URGENT,
    Escalation,
    EscalationError,
    EscalationNotFound,
    InvalidTransition,
    Note,
    get_escalation,
    is_escalation_id,
    load_escalations,
    new_escalation_id,
    validate_reason,
)
from clinicbot.store.escalation_notes import EscalationNotes
from clinicbot.store.schema import escalation_reasons, escalations, utcnow

__all__ = [  # the store, and what callers import with it (defined in escalation_model)
    "ALERT_COALESCED", "CLAIMED", "MAX_NOTE_LENGTH", "NORMAL", "OPEN", "RESOLVED",
    "RETURNED_TO_BOT", "URGENT", "Escalation", "EscalationNotFound", "EscalationStore",
    "InvalidTransition", "Note", "is_escalation_id", "new_escalation_id",
]


class EscalationStore(EscalationNotes):
    """Reads and writes escalations (and, inherited, their notes, replies and alert outcomes).

    Args:
        engine: Engine of a migrated clinic database.
    """

    # ---------------------------------------------------------------- reading

    def get(self, escalation_id: str) -> Escalation | None:
        """Fetches one escalation.

        Args:
            escalation_id: The id.

        Returns:
            The escalation, or None if there is none with that id.
        """
        with self.engine.connect() as conn:
            try:
                return get_escalation(conn, escalation_id)
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
        return load_escalations(conn, [row])[0] if row is not None else None

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
            return load_escalations(conn, conn.execute(query))

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
            return load_escalations(conn, conn.execute(query))

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
                return replace(get_escalation(conn, current.id), priority_raised=raised)
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
            return replace(get_escalation(conn, esc_id), created=True)

    # ---------------------------------------------------------------- transitions

    def _transition(
        self,
        escalation_id: str,
        allowed_from: Sequence[str],
        action: str,
        values: dict[str, Any],
    ) -> Escalation:
        with write_transaction(self.engine) as conn:
            current = get_escalation(conn, escalation_id, lock=True)
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
            return get_escalation(conn, escalation_id)

    def _close(
        self, escalation_id: str, staff_username: str, status: str, action: str
    ) -> Escalation:
        """Takes an open or claimed escalation out of the queue with a closing status."""
        now = utcnow()
        values: dict[str, Any] = {"status": status, "resolved_by": staff_username}
        values.update(resolved_at=now, updated_at=now)
        return self._transition(escalation_id, ACTIVE_STATUSES, action, values)

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
        return self._close(escalation_id, staff_username, RESOLVED, "resolve")

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
        return self._close(
            escalation_id, staff_username, RETURNED_TO_BOT, "return to the assistant"
        )
