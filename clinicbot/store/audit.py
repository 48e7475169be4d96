"""Audit log: who viewed or changed what, and when.

Details are small JSON objects of codes and counts. Never put patient message text, contact
details or passwords in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

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
            AuditEntry(
                id=r.id,
                ts=r.ts,
                actor=r.actor,
                action=r.action,
                escalation_id=r.escalation_id,
                detail=dict(r.detail or {}),
            )
            for r in conn.execute(query)
        ]
