"""Turns Rasa tracker events into a readable transcript (for staff and the widget history)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _payload_of(event: dict[str, Any]) -> dict[str, Any] | None:
    data = event.get("data") or {}
    custom = data.get("custom")
    return custom if isinstance(custom, dict) else None


def transcript_from_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Extracts the messages of a conversation from its tracker events.

    Patient messages are ``user`` events; bot and staff messages are ``bot`` events (a staff
    reply's payload has ``from_staff: true``). A bot event that only carries a payload (no
    text) is folded into the message before it.

    Args:
        events: Tracker events as JSON dictionaries, oldest first.

    Returns:
        A list of ``{"role", "text", "ts", "kind", "kb_id", "sources", "buttons"}``
        dictionaries where role is ``patient``, ``bot`` or ``staff``.

    """
    out: list[dict[str, Any]] = []
    for event in events:
        etype = event.get("event")
        if etype == "user":
            raw = event.get("text") or ""
            text = raw
            if raw.startswith("/"):
                # A button press: show the button's title when the channel recorded one. The
                # title comes from the client (anyone can send any), so the raw payload that
                # was acted on is kept beside it.
                text = (event.get("metadata") or {}).get("button_title") or raw
            out.append(
                {
                    "role": "patient",
                    "text": text,
                    "payload": raw if text != raw else None,
                    "ts": event.get("timestamp"),
                    "intent": (event.get("parse_data") or {}).get("intent", {}).get("name"),
                }
            )
        elif etype == "bot":
            payload = _payload_of(event)
            text = event.get("text")
            buttons = (event.get("data") or {}).get("buttons") or []
            if not text and payload and out and out[-1]["role"] in {"bot", "staff"}:
                out[-1].update(
                    kind=payload.get("kind"),
                    kb_id=payload.get("kb_id"),
                    sources=payload.get("sources") or [],
                )
                continue
            out.append(
                {
                    "role": "staff" if payload and payload.get("from_staff") else "bot",
                    "text": text or "",
                    "ts": event.get("timestamp"),
                    "kind": payload.get("kind") if payload else None,
                    "kb_id": payload.get("kb_id") if payload else None,
                    "sources": (payload.get("sources") or []) if payload else [],
                    "buttons": [
                        {"title": b.get("title"), "payload": b.get("payload")} for b in buttons
                    ],
                    "staff_name": payload.get("staff_name") if payload else None,
                }
            )
    return out


def kb_topics_used(transcript: Iterable[dict[str, Any]]) -> list[str]:
    """Lists the knowledge-base topics the bot answered from, in first-use order.

    Args:
        transcript: Output of :func:`transcript_from_events`.

    Returns:
        Distinct topic ids.

    """
    seen: list[str] = []
    for item in transcript:
        kb_id = item.get("kb_id")
        if kb_id and kb_id not in seen:
            seen.append(kb_id)
    return seen
