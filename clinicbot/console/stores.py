"""Async facade over the console's database stores.

The stores (:class:`~clinicbot.store.escalations.EscalationStore`,
:class:`~clinicbot.store.staff.StaffStore`, :class:`~clinicbot.console.sessions.SessionStore`,
the audit log) are synchronous SQLAlchemy code; on SQLite a write may wait up to 30 s for a lock.
Console handlers run on Sanic's event loop, so they reach the stores only through this facade:
every call runs in a worker thread with :func:`asyncio.to_thread` (as the action server does),
and one slow call no longer stalls every other console request.

Usage in a handler: ``db = stores(request)`` then ``await db.escalations.queue()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sanic import Request

from clinicbot.console.sessions import ConsoleSession, SessionStore
from clinicbot.store.audit import AuditAggregator, AuditEntry, audit, list_audit
from clinicbot.store.escalations import Escalation, EscalationStore, Note
from clinicbot.store.staff import AuthResult, StaffStore, StaffUser


class AsyncEscalations:
    """The escalation store's calls the console makes, as coroutines.

    Args:
        store: The synchronous store.
    """

    def __init__(self, store: EscalationStore) -> None:
        """Wraps ``store``."""
        self._store = store

    async def get(self, escalation_id: str) -> Escalation | None:
        """See :meth:`EscalationStore.get`."""
        return await asyncio.to_thread(self._store.get, escalation_id)

    async def queue(self) -> list[Escalation]:
        """See :meth:`EscalationStore.queue` (open and claimed escalations)."""
        return await asyncio.to_thread(self._store.queue)

    async def notes(self, escalation_id: str) -> list[Note]:
        """See :meth:`EscalationStore.notes`."""
        return await asyncio.to_thread(self._store.notes, escalation_id)

    async def claim(self, escalation_id: str, username: str) -> Escalation:
        """See :meth:`EscalationStore.claim`."""
        return await asyncio.to_thread(self._store.claim, escalation_id, username)

    async def resolve(self, escalation_id: str, username: str) -> Escalation:
        """See :meth:`EscalationStore.resolve`."""
        return await asyncio.to_thread(self._store.resolve, escalation_id, username)

    async def return_to_bot(self, escalation_id: str, username: str) -> Escalation:
        """See :meth:`EscalationStore.return_to_bot`."""
        return await asyncio.to_thread(self._store.return_to_bot, escalation_id, username)

    async def add_note(self, escalation_id: str, username: str, text: str) -> Note:
        """See :meth:`EscalationStore.add_note`."""
        return await asyncio.to_thread(self._store.add_note, escalation_id, username, text)

    async def record_staff_reply(self, escalation_id: str, username: str, text: str) -> Note:
        """See :meth:`EscalationStore.record_staff_reply`."""
        return await asyncio.to_thread(
            self._store.record_staff_reply, escalation_id, username, text
        )

    async def set_reply_delivered(self, note_id: int, delivered: bool) -> None:
        """See :meth:`EscalationStore.set_reply_delivered`."""
        await asyncio.to_thread(self._store.set_reply_delivered, note_id, delivered)


class AsyncStaff:
    """The staff store's calls the console makes, as coroutines.

    Args:
        store: The synchronous store.
    """

    def __init__(self, store: StaffStore) -> None:
        """Wraps ``store``."""
        self._store = store

    async def get(self, username: str) -> StaffUser | None:
        """See :meth:`StaffStore.get`."""
        return await asyncio.to_thread(self._store.get, username)

    async def list_users(self) -> list[StaffUser]:
        """See :meth:`StaffStore.list_users`."""
        return await asyncio.to_thread(self._store.list_users)

    async def verify(self, username: str, password: str) -> AuthResult:
        """See :meth:`StaffStore.verify` (argon2: CPU-heavy as well as a database call)."""
        return await asyncio.to_thread(self._store.verify, username, password)

    async def check_second_factor(self, username: str, code: str) -> bool:
        """See :meth:`StaffStore.check_second_factor`."""
        return await asyncio.to_thread(self._store.check_second_factor, username, code)

    async def enable_totp(self, username: str, secret: str, code: str) -> list[str]:
        """See :meth:`StaffStore.enable_totp`."""
        return await asyncio.to_thread(self._store.enable_totp, username, secret, code)

    async def unlock(self, username: str) -> None:
        """See :meth:`StaffStore.unlock`."""
        await asyncio.to_thread(self._store.unlock, username)


class AsyncSessions:
    """The console session store's calls, as coroutines.

    Args:
        store: The synchronous store.
    """

    def __init__(self, store: SessionStore) -> None:
        """Wraps ``store``."""
        self._store = store

    async def lookup(
        self, token: str | None, touch: bool = True
    ) -> tuple[ConsoleSession | None, bool]:
        """See :meth:`SessionStore.lookup`."""
        return await asyncio.to_thread(self._store.lookup, token, touch)

    async def create(self, username: str) -> tuple[str, ConsoleSession]:
        """See :meth:`SessionStore.create`."""
        return await asyncio.to_thread(self._store.create, username)

    async def delete(self, token: str | None) -> None:
        """See :meth:`SessionStore.delete`."""
        await asyncio.to_thread(self._store.delete, token)


class AsyncAudit:
    """The audit log, as coroutines.

    Args:
        engine: The clinic database.
        aggregator: Counts unauthenticated events (one row per address, action and minute).
    """

    def __init__(self, engine: Any, aggregator: AuditAggregator) -> None:
        """Wraps the engine and the aggregator."""
        self._engine = engine
        self._aggregator = aggregator

    async def write(
        self,
        actor: str,
        action: str,
        escalation_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Writes an audit row (see :func:`clinicbot.store.audit.audit`)."""
        await asyncio.to_thread(audit, self._engine, actor, action, escalation_id, detail)

    async def record_anonymous(
        self, actor: str, action: str, ip: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        """Counts an unauthenticated event (see :meth:`AuditAggregator.record`)."""
        await asyncio.to_thread(self._aggregator.record, actor, action, ip, detail)

    async def entries(self, **filters: Any) -> list[AuditEntry]:
        """Lists audit rows, newest first (see :func:`clinicbot.store.audit.list_audit`)."""
        return await asyncio.to_thread(list_audit, self._engine, **filters)


@dataclass(frozen=True)
class ConsoleStores:
    """Every store the console uses, async.

    Attributes:
        escalations: Escalations and their notes.
        staff: Staff accounts.
        sessions: Console sessions.
        audit: The audit log.
    """

    escalations: AsyncEscalations
    staff: AsyncStaff
    sessions: AsyncSessions
    audit: AsyncAudit


def stores(request: Request) -> ConsoleStores:
    """The async stores of the request's app (built from ``app.ctx``; cheap, no I/O).

    Args:
        request: The request; its app holds ``escalations``, ``staff``, ``sessions``,
            ``engine`` and ``audit_aggregator`` (see :func:`clinicbot.web.app.create_app`).

    Returns:
        The facade.
    """
    ctx = request.app.ctx
    return ConsoleStores(
        escalations=AsyncEscalations(ctx.escalations),
        staff=AsyncStaff(ctx.staff),
        sessions=AsyncSessions(ctx.sessions),
        audit=AsyncAudit(ctx.engine, ctx.audit_aggregator),
    )
