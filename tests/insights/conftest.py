"""Fixtures: a tracker store file with scripted conversations (``clinic``: tests/fixtures/db.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from clinicbot.insights.synthetic import TrackerWriter

#: 2026-11-30 00:00 UTC (a Monday) and the next day.
DAY1 = 1_795_996_800.0
DAY2 = DAY1 + 86_400


def script_day(writer: TrackerWriter) -> None:
    """Four conversations over two days (see the tests for what each one exercises)."""
    a, b = "widget-" + "a" * 32, "sms-" + "b" * 16
    writer.user(a, DAY1 + 100, "how much is it", "kb_logistics_cost", 0.92)
    writer.action(a, DAY1 + 100.1, "action_answer")
    writer.bot(a, DAY1 + 100.2, "answer", "logistics.cost_insurance")
    writer.user(a, DAY1 + 200, "parking garage validation??", "nlu_fallback", 0.2)
    writer.bot(a, DAY1 + 200.2, "clarify")
    writer.user(
        b, DAY1 + 300, "does it make u sick after", "kb_safety_side_effects", 0.35, "twilio"
    )
    writer.bot(b, DAY1 + 300.2, "answer", "safety.side_effects")
    writer.user("app-7", DAY2 + 100, "book me a table for two", "out_of_scope", 0.8, "rest")
    writer.bot("app-7", DAY2 + 100.2, "out_of_scope")
    d = "widget-" + "d" * 32
    writer.user(d, DAY2 + 500, "i cant go on anymore", "safety_crisis", 0.99)
    writer.bot(d, DAY2 + 500.2, "crisis")
    writer.bot(d, DAY2 + 500.3, "crisis")  # a second crisis message of the same turn
    writer.user(d, DAY2 + 600, "what was that thing again", "nlu_fallback", 0.1)
    writer.bot(d, DAY2 + 600.2, "clarify")
    writer.action(d, DAY2 + 700, "action_screening_start")
    writer.action(d, DAY2 + 800, "action_screening_submit")
    writer.flush()


@pytest.fixture
def tracker_path(tmp_path: Path) -> Path:
    """A tracker store file holding the scripted conversations."""
    path = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{path}", future=True)
    script_day(TrackerWriter(engine))
    engine.dispose()
    return path
