"""Audit log: who viewed or changed what, and when.

Details are small JSON objects of codes and counts. Never put patient message text, contact
details or passwords in them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from clinicbot.store.db import record_from_row
from clinicbot.store.schema import audit_log, utcnow


@dataclass(frozen=True)
class AuditEntry:
    """One audit row.

    Attributes:
        id: Row id (increasing).
        ts: When it happened (UTC).
        actor: Staff username, or ``anonymous`` / ``system``.
        action: Action code, for example ``view_escalation``, ``claim``, ``login_failed``.
        escalation_id: The escalation concerned, if any.
        detail: Extra codes and counts.
    """

    id: int
    ts: datetime
    actor: str
    action: str
    escalation_id: str | None
    detail: dict[str, Any]


def audit(
    engine: Engine,
    actor: str,
    action: str,
    escalation_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Writes an audit row.

    Args:
        engine: The clinic database.
        actor: Who acted (username, ``anonymous`` or ``system``).
        action: What they did (a short code).
        escalation_id: The escalation concerned, if any.
        detail: Extra codes and counts (no patient text, contact details or secrets).
    """
    with engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(
                ts=utcnow(),
                actor=(actor or "anonymous")[:64],
                action=action[:64],
                escalation_id=escalation_id,
                detail=dict(detail) if detail else None,
            )
        )


class AuditAggregator:
    """Writes unauthenticated events as one row per address, action and minute.

    Anyone can cause failed sign-ins or stale login forms, so each would otherwise be a row: a
    script could grow the audit log without limit. The first event of a minute inserts a row
    with ``detail = {"ip": ..., "count": 1}``; later ones in the same minute add to its count.
    The rows being counted are remembered in memory (bounded; after a restart counting starts
    in a new row).

    Args:
        engine: The clinic database.
        clock: Returns the current UTC time (tests replace it).
        max_keys: Rows remembered for counting.
    """

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = utcnow, max_keys: int = 10_000
    ) -> None:
        """Creates an aggregator; performs no I/O."""
        self.engine = engine
        self.clock = clock
        self.max_keys = max_keys
        self._rows: OrderedDict[tuple[str, str, str, str], tuple[int, dict[str, Any]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Rows currently remembered."""
        return len(self._rows)

    def record(
        self, actor: str, action: str, ip: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        """Counts one unauthenticated event.

        Args:
            actor: ``anonymous`` or the username that was tried.
            action: Action code (``login_failed``, ``login_delayed``, ``csrf_failed``).
            ip: Client address.
            detail: Codes of the first event of the minute (later ones only count).
        """
        now = self.clock()
        minute = now.strftime("%Y-%m-%dT%H:%M")
        key = ((actor or "anonymous")[:64], action[:64], ip[:64], minute)
        with self._lock, self.engine.begin() as conn:
            known = self._rows.get(key)
            if known is not None:
                row_id, values = known
                values = {**values, "count": int(values.get("count", 1)) + 1}
                conn.execute(
                    audit_log.update().where(audit_log.c.id == row_id).values(detail=values)
                )
                self._rows[key] = (row_id, values)
                self._rows.move_to_end(key)
                return
            values = {**dict(detail or {}), "ip": ip, "count": 1}
            result = conn.execute(
                audit_log.insert().values(
                    ts=now, actor=key[0], action=key[1], escalation_id=None, detail=values
                )
            )
            self._rows[key] = (int(result.inserted_primary_key[0]), values)
            while len(self._rows) > self.max_keys:
                self._rows.popitem(last=False)


def list_audit(
    engine: Engine,
    limit: int = 200,
    escalation_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Lists audit rows, newest first (for administrators).

    Args:
        engine: The clinic database.
        limit: Maximum number of rows.
        escalation_id: Only rows about this escalation.
        actor: Only rows by this actor.
        action: Only rows with this action.
        before_id: Only rows older than this id (paging).

    Returns:
        The rows.
    """
    query = select(audit_log)
    if escalation_id:
        query = query.where(audit_log.c.escalation_id == escalation_id)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    query = query.order_by(audit_log.c.id.desc()).limit(max(1, min(limit, 5000)))
    with engine.connect() as conn:
        return [
            record_from_row(AuditEntry, r, detail=dict(r.detail or {}))
            for r in conn.execute(query)
        ]
