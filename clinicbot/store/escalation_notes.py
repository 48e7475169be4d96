"""What is recorded on an escalation besides its status: notes, staff replies, alert outcomes.

Staff write internal notes (never shown to the patient) and replies to the patient (recorded
before delivery, then marked delivered or not); the urgent staff alert's outcome is stored on the
escalation for the console. :class:`EscalationNotes` holds these writes and reads;
:class:`clinicbot.store.escalations.EscalationStore` (the escalations' lifecycle) inherits them,
and callers use that store.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from clinicbot.store.db import record_from_row, write_transaction
from clinicbot.store.escalation_model import (
    ALERT_STATUSES,
    MAX_ALERT_DETAIL,
    MAX_NOTE_LENGTH,
    NOTE,
    REPLY,
    InvalidTransition,
    Note,
    get_escalation,
)
from clinicbot.store.schema import escalation_notes, escalations, utcnow


class EscalationNotes:
    """Reads and writes the notes, staff replies and alert outcomes of escalations.

    Args:
        engine: Engine of a migrated clinic database.
    """

    def __init__(self, engine: Engine) -> None:
        """Creates the store; performs no I/O."""
        self.engine = engine

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
            current = get_escalation(conn, escalation_id, lock=True)
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
            return [record_from_row(Note, row) for row in conn.execute(query)]
