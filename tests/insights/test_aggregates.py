"""Aggregates rolled up from the tracker store: counts, rates, incremental refresh, CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from clinicbot.insights import aggregates, rollup
from clinicbot.insights.synthetic import TrackerWriter
from clinicbot.store.escalations import EscalationStore
from clinicbot.store.schema import review_items
from tests.insights.conftest import DAY2

D1, D2 = date(2026, 11, 30), date(2026, 12, 1)


def _ro(path: Path) -> Engine:
    return aggregates.tracker_engine(f"sqlite:///{path}")


def test_counts_per_day_channel_topic_and_rates(clinic: Engine, tracker_path: Path) -> None:
    assert aggregates.refresh(clinic, _ro(tracker_path)) > 0
    ins = aggregates.summary(clinic, D1, D2)
    assert ins.conversations == {"2026-11-30": 2, "2026-12-01": 2}
    assert ins.messages == {
        "2026-11-30": {"widget": 2, "sms": 1},
        "2026-12-01": {"rest": 1, "widget": 2},
    }
    assert ins.conversations_by_channel == {
        "2026-11-30": {"widget": 1, "sms": 1},
        "2026-12-01": {"rest": 1, "widget": 1},
    }
    assert aggregates.channel_totals(ins, conversations=True) == {"rest": 1, "sms": 1, "widget": 2}
    assert dict(ins.topics) == {"logistics.cost_insurance": 1, "safety.side_effects": 1}
    assert ins.rate("2026-11-30", "clarify") == 1 / 3
    assert ins.rate("2026-12-01", "out_of_scope") == 1 / 3
    # Two crisis messages in one turn count once.
    assert ins.safety_weeks == {"2026-W49": {"crisis": 1, "emergency": 0}}
    assert ins.prescreen["started"] == 1 and ins.prescreen["finished"] == 1
    # The date range filters: only the first day.
    first = aggregates.summary(clinic, D1, D1)
    assert first.conversations == {"2026-11-30": 2} and first.safety_weeks == {}


def test_refresh_is_incremental(clinic: Engine, tracker_path: Path) -> None:
    ro = _ro(tracker_path)
    aggregates.refresh(clinic, ro)
    assert aggregates.refresh(clinic, ro) == 0
    writer = TrackerWriter(create_engine(f"sqlite:///{tracker_path}", future=True))
    writer.user("widget-" + "a" * 32, DAY2 + 900, "and the cost again", "kb_logistics_cost", 0.9)
    writer.bot("widget-" + "a" * 32, DAY2 + 900.2, "answer", "logistics.cost_insurance")
    writer.flush()
    assert aggregates.refresh(clinic, ro, batch_size=1) == 2
    ins = aggregates.summary(clinic, D1, D2)
    # A returning conversation is not counted again; its message is.
    assert ins.conversations == {"2026-11-30": 2, "2026-12-01": 2}
    assert ins.messages["2026-12-01"]["widget"] == 3
    assert dict(ins.topics)["logistics.cost_insurance"] == 2


def test_review_items_filed_with_reasons_and_safety(clinic: Engine, tracker_path: Path) -> None:
    aggregates.refresh(clinic, _ro(tracker_path))
    with clinic.connect() as conn:
        rows = conn.execute(select(review_items).order_by(review_items.c.id)).all()
    got = {(r.text, r.reason, bool(r.safety)) for r in rows}
    assert got == {
        ("parking garage validation??", "clarified", False),
        ("does it make u sick after", "low_confidence", False),
        ("book me a table for two", "out_of_scope", False),
        # Same conversation as a crisis message: safety-flagged.
        ("what was that thing again", "clarified", True),
    }
    # A confident answer and the crisis message itself are not review items.
    assert not {r.text for r in rows} & {"how much is it", "i cant go on anymore"}


def test_escalations_and_first_staff_reply(clinic: Engine, tracker_path: Path) -> None:
    store = EscalationStore(clinic)
    esc = store.open_or_join("widget-x", "socketio", "patient_request", "normal", [], [], {})
    store.claim(esc.id, "dana")
    store.record_staff_reply(esc.id, "dana", "hello")
    store.open_or_join("widget-y", "socketio", "consultation_request", "normal", [], [], {})
    today = esc.created_at.date()
    ins = aggregates.summary(clinic, today, today)
    assert ins.escalation_reasons == {"patient_request": 1, "consultation_request": 1}
    assert ins.prescreen["consultation_requested"] == 1
    assert len(ins.first_reply_minutes) == 1 and 0 <= ins.first_reply_minutes[0] < 1


def test_csv_has_aggregates_and_no_patient_text(clinic: Engine, tracker_path: Path) -> None:
    aggregates.refresh(clinic, _ro(tracker_path))
    text = aggregates.to_csv(aggregates.summary(clinic, D1, D2))
    lines = text.splitlines()
    assert lines[0] == "section,period,channel,key,value"
    assert "conversations,2026-11-30,all,,2" in lines
    assert "messages,2026-11-30,sms,,1" in lines
    assert "topics,2026-11-30..2026-12-01,all,logistics.cost_insurance,1" in lines
    for patient_text in ("how much is it", "parking", "book me a table", "cant go on"):
        assert patient_text not in text


def test_charts_carry_the_numbers(clinic: Engine, tracker_path: Path) -> None:
    aggregates.refresh(clinic, _ro(tracker_path))
    charts = {c.id: c for c in aggregates.charts(aggregates.summary(clinic, D1, D2))}
    assert [(b.label, b.value) for b in charts["conversations"].bars] == [
        ("11-30", 2),
        ("12-01", 2),
    ]
    assert charts["clarify-rate"].bars[0].shown == "33.3%"
    tallest = max(charts["topics"].bars, key=lambda b: b.height)
    assert tallest.height > 0 and all(b.y >= 0 for b in charts["topics"].bars)


def test_missing_tracker_table_is_not_an_error(clinic: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()
    assert aggregates.refresh(clinic, _ro(empty)) == 0
    assert aggregates.summary(clinic, D1, D1).conversations == {"2026-11-30": 0}


def test_concurrent_refreshes_count_each_event_once(
    clinic: Engine, tracker_path: Path, monkeypatch
) -> None:
    """Several web processes refreshing at once (no shared in-process lock) add nothing twice."""
    import contextlib
    import threading

    monkeypatch.setattr(rollup, "_REFRESH_LOCK", contextlib.nullcontext())
    ro = _ro(tracker_path)
    threads = [
        threading.Thread(target=aggregates.refresh, args=(clinic, ro), kwargs={"batch_size": 3})
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ins = aggregates.summary(clinic, D1, D2)
    assert ins.conversations == {"2026-11-30": 2, "2026-12-01": 2}
    assert sum(aggregates.channel_totals(ins).values()) == 6
    assert dict(ins.topics) == {"logistics.cost_insurance": 1, "safety.side_effects": 1}
