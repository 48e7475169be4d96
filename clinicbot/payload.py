"""The reply payload every bot turn carries (see shared/reply-contract.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CRISIS = "crisis"
EMERGENCY = "emergency"
REFUSAL = "refusal"
HANDOFF = "handoff"
ANSWER = "answer"
CLARIFY = "clarify"
SMALLTALK = "smalltalk"
OUT_OF_SCOPE = "out_of_scope"

#: Every kind, most important first. When one turn holds several bot messages, the merged
#: payload takes the first kind of this list that any of them has.
KINDS: tuple = (CRISIS, EMERGENCY, REFUSAL, HANDOFF, ANSWER, CLARIFY, OUT_OF_SCOPE, SMALLTALK)


def make_payload(
    kind: str,
    kb_id: str | None = None,
    sources: Iterable[str] = (),
    escalation_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Builds a reply payload.

    Args:
        kind: One of :data:`KINDS`.
        kb_id: Knowledge-base topic id the reply answers from, if any.
        sources: Full citations of that entry.
        escalation_id: Id of the staff escalation the turn created or joined.
        **extra: Additional keys (for example ``from_staff``, ``safe_mode``).

    Returns:
        The payload dictionary.

    Raises:
        ValueError: If ``kind`` is not a known kind.

    """
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}")
    payload: dict[str, Any] = {
        "kind": kind,
        "kb_id": kb_id,
        "sources": list(sources),
        "escalation_id": escalation_id,
    }
    payload.update(extra)
    return payload


def merge_payloads(payloads: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Merges the payloads of one turn's bot messages into the turn's single payload.

    Args:
        payloads: Payloads in the order the messages were sent.

    Returns:
        ``None`` when there is none; otherwise one payload whose kind is the most important
        kind present, with the first non-null ``kb_id`` and ``escalation_id`` and the union of
        the sources in order.

    """
    if not payloads:
        return None
    rank = {k: i for i, k in enumerate(KINDS)}
    top: dict[str, Any] = min(payloads, key=lambda p: rank.get(str(p.get("kind")), len(KINDS)))
    merged = dict(top)
    for key in ("kb_id", "escalation_id"):
        merged[key] = next((p[key] for p in payloads if p.get(key)), None)
    sources: list[str] = []
    for p in payloads:
        for s in p.get("sources") or []:
            if s not in sources:
                sources.append(s)
    merged["sources"] = sources
    return merged
