"""Synthetic tracker events in the shape of Rasa's SQL tracker store (tests and the benchmark).

:class:`TrackerWriter` writes ``events`` rows exactly as Rasa 3.6's ``SQLTrackerStore`` does (one
row per event, the event's JSON in ``data``). :func:`generate` makes many random conversations;
their wording comes from a few invented phrases (never from an evaluation set).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Engine

_md = MetaData()
#: The tracker store's table (Rasa 3.6 ``SQLTrackerStore.SQLEvent``).
events = Table(
    "events",
    _md,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
Index("ix_events_sender_id", events.c.sender_id)

TOPICS = (
    "safety.side_effects",
    "logistics.cost_insurance",
    "process.what_to_expect",
    "eligibility.who_is_candidate",
    "mechanism.how_it_works",
    "logistics.booking",
    "safety.recovery_after_session",
    "safety.addiction_abuse",
)
_PHRASES = (
    "question about {w} please",
    "tell me about {w}",
    "need info on {w} for my mom",
    "{w}???",
    "what is the deal with {w}",
)
_WORDS = ("parking", "billing", "the drive home", "snacks", "my dog", "wifi", "forms", "music")


@dataclass
class TrackerWriter:
    """Buffers tracker events and writes them in bulk.

    Attributes:
        engine: The tracker database (the table is created if missing).
    """

    engine: Engine
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Creates the ``events`` table if it is missing."""
        _md.create_all(self.engine)

    def user(
        self,
        sender: str,
        ts: float,
        text: str,
        intent: str,
        confidence: float,
        channel: str = "socketio",
    ) -> None:
        """Adds a patient message."""
        data = {
            "event": "user",
            "timestamp": ts,
            "metadata": {},
            "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "text": text},
            "input_channel": channel,
            "message_id": f"m{len(self.rows)}",
        }
        self.rows.append(self._row(sender, "user", ts, data, intent=intent))

    def bot(
        self,
        sender: str,
        ts: float,
        kind: str,
        kb_id: str | None = None,
        text: str = "(reply)",
        escalation_id: str | None = None,
    ) -> None:
        """Adds a bot message carrying the reply payload."""
        custom: dict[str, Any] = {
            "kind": kind,
            "kb_id": kb_id,
            "sources": [],
            "escalation_id": escalation_id,
        }
        data = {
            "event": "bot",
            "timestamp": ts,
            "metadata": {},
            "text": text,
            "data": {"buttons": None, "custom": custom},
        }
        self.rows.append(self._row(sender, "bot", ts, data))

    def action(self, sender: str, ts: float, name: str) -> None:
        """Adds an action event."""
        data = {"event": "action", "timestamp": ts, "name": name, "policy": None}
        self.rows.append(self._row(sender, "action", ts, data, action=name))

    @staticmethod
    def _row(
        sender: str,
        type_name: str,
        ts: float,
        data: dict[str, Any],
        intent: str | None = None,
        action: str | None = None,
    ) -> dict[str, Any]:
        return {
            "sender_id": sender,
            "type_name": type_name,
            "timestamp": ts,
            "intent_name": intent,
            "action_name": action,
            "data": json.dumps(data),
        }

    def flush(self) -> int:
        """Writes the buffered events.

        Returns:
            How many were written.
        """
        n = len(self.rows)
        if n:
            with self.engine.begin() as conn:
                conn.execute(events.insert(), self.rows)
        self.rows = []
        return n


def generate(
    engine: Engine, conversations: int, start_ts: float, days: int = 30, seed: int = 16
) -> int:
    """Writes random conversations spread over ``days`` days from ``start_ts``.

    Each has 1-4 patient messages; replies are answers (about 70 %), clarifications,
    out-of-scope replies, small talk and rarely crisis or emergency texts; some start and
    finish the pre-screen. Every turn also writes ``action_listen`` as Rasa does.

    Args:
        engine: The tracker database.
        conversations: How many.
        start_ts: Epoch seconds of the first day's start.
        days: Days to spread them over.
        seed: Random seed.

    Returns:
        The number of events written.
    """
    rng = random.Random(seed)
    writer = TrackerWriter(engine)
    total = 0
    kinds = ("answer",) * 70 + ("clarify",) * 12 + ("out_of_scope",) * 8 + ("smalltalk",) * 9
    for n in range(conversations):
        roll = rng.random()
        if roll < 0.6:
            sender, channel = f"widget-{rng.getrandbits(128):032x}", "socketio"
        elif roll < 0.9:
            sender, channel = f"sms-{rng.getrandbits(64):016x}", "twilio"
        else:
            sender, channel = f"app-{n}", "rest"
        ts = start_ts + rng.random() * days * 86400
        for _turn in range(rng.randint(1, 4)):
            kind = "crisis" if rng.random() < 0.005 else rng.choice(kinds)
            kb_id = rng.choice(TOPICS) if kind == "answer" else None
            text = rng.choice(_PHRASES).format(w=rng.choice(_WORDS))
            confidence = rng.uniform(0.3, 0.99)
            writer.user(sender, ts, text, "kb_x" if kb_id else "nlu_fallback", confidence, channel)
            writer.action(sender, ts + 0.1, "action_answer")
            writer.bot(sender, ts + 0.2, kind, kb_id)
            writer.action(sender, ts + 0.3, "action_listen")
            ts += rng.uniform(5, 120)
        if rng.random() < 0.05:
            writer.action(sender, ts, "action_screening_start")
            if rng.random() < 0.6:
                writer.action(sender, ts + 60, "action_screening_submit")
        if len(writer.rows) > 50_000:
            total += writer.flush()
    return total + writer.flush()
