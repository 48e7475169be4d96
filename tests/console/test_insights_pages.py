"""Console insights page, CSV, review inbox and the widget's feedback endpoint (real server)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from clinicbot.insights.synthetic import TrackerWriter
from clinicbot.store.audit import list_audit
from clinicbot.store.schema import answer_feedback, review_items
from tests.console.conftest import Console, start_console
from tests.insights.conftest import DAY1, script_day

RANGE = "start=2026-11-30&end=2026-12-01"


@pytest.fixture
async def ins_console(tmp_path: Path) -> AsyncIterator[Console]:
    """A console whose tracker store holds the scripted conversations."""
    tracker = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{tracker}", future=True)
    script_day(TrackerWriter(engine))
    engine.dispose()
    async for handle in start_console(tmp_path, tracker_db_url=f"sqlite:///{tracker}"):
        handle.app.ctx.insights_refresh_budget = 60.0  # figures complete on the first view
        yield handle


async def _staff(console: Console):
    console.add_staff("dana", display_name="Dana")
    browser = console.new_browser()
    assert (await browser.login("dana")).status == 303
    return browser


async def test_insights_page_shows_aggregates_only(ins_console: Console) -> None:
    browser = await _staff(ins_console)
    page = await browser.get(f"/console/insights?{RANGE}")
    assert page.status == 200
    assert re.search(r'id="kpi-conversations">4<', page.text)
    assert re.search(r'id="kpi-messages">6<', page.text)
    assert 'data-label="logistics.cost_insurance" data-value="1' in page.text
    assert 'data-label="11-30" data-value="0.333' in page.text  # clarification rate
    assert 'data-label="2026-W49 crisis" data-value="1' in page.text
    assert 'data-channel-conversations="widget">2<' in page.text
    assert 'data-channel-total="sms">1<' in page.text
    for patient_text in ("how much is it", "parking garage", "book me a table", "cant go on"):
        assert patient_text not in page.text
    actions = [e.action for e in list_audit(ins_console.engine, actor="dana")]
    assert "view_insights" in actions


async def test_insights_csv_and_bad_range(ins_console: Console) -> None:
    browser = await _staff(ins_console)
    csv = await browser.get(f"/console/insights.csv?{RANGE}")
    assert csv.status == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    assert "conversations,2026-12-01,all,,2" in csv.text.splitlines()
    assert (await browser.get("/console/insights?start=2026-12-05&end=2026-12-01")).status == 400
    assert (await browser.get("/console/insights?start=nonsense")).status == 400
    assert (await browser.get("/console/insights?start=2020-01-01&end=2026-01-01")).status == 400


async def test_page_does_not_wait_for_a_long_roll_up(ins_console: Console) -> None:
    ins_console.app.ctx.insights_refresh_budget = 0.0
    browser = await _staff(ins_console)
    page = await browser.get("/console/insights")
    assert page.status == 200
    # Either the roll-up was already done, or the page says it is still catching up.
    task = ins_console.app.ctx.insights_refresh
    assert task.done() or 'id="catching-up"' in page.text
    await task
    ins_console.app.ctx.insights_refresh_budget = 60.0
    page = await browser.get(f"/console/insights?{RANGE}")
    assert 'id="catching-up"' not in page.text
    assert re.search(r'id="kpi-conversations">4<', page.text)


async def test_pages_need_sign_in(ins_console: Console) -> None:
    anonymous = ins_console.new_browser()
    for path in ("/console/insights", "/console/review", "/console/insights.csv"):
        response = await anonymous.get(path)
        assert response.status in (302, 303) and "/console/login" in response.location


async def test_review_inbox_labels_and_audits(ins_console: Console) -> None:
    browser = await _staff(ins_console)
    page = await browser.get("/console/review")
    assert page.status == 200
    assert "parking garage validation??" in page.text
    # The clarified message of the crisis conversation has no escalation: text withheld.
    assert "what was that thing again" not in page.text
    assert "Text withheld" in page.text
    with ins_console.engine.connect() as conn:
        item_id = conn.execute(
            select(review_items.c.id).where(review_items.c.text == "parking garage validation??")
        ).scalar_one()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = await browser.post(
        "/console/review/label", data={"csrf_token": token, "ids": str(item_id), "label": "nope"}
    )
    assert bad.status == 400
    done = await browser.post(
        "/console/review/label",
        data={"csrf_token": token, "ids": str(item_id), "label": "logistics.hours_location"},
    )
    assert done.status == 303, done.text
    with ins_console.engine.connect() as conn:
        row = conn.execute(select(review_items).where(review_items.c.id == item_id)).one()
    assert (row.status, row.label) == ("labeled", "logistics.hours_location")
    assert row.labeled_by == "dana"
    entries = list_audit(ins_console.engine, actor="dana")
    labels = [e for e in entries if e.action == "review_label"]
    assert labels and labels[0].detail["item_ids"] == [item_id]
    views = [e for e in entries if e.action == "view_review"]
    assert views and item_id in views[0].detail["item_ids"]
    # No longer pending.
    assert "parking garage validation??" not in (await browser.get("/console/review")).text


async def test_safety_message_shown_with_escalation_context(ins_console: Console) -> None:
    esc = ins_console.escalate("widget-" + "d" * 32, reason="crisis", priority="urgent")
    browser = await _staff(ins_console)
    page = await browser.get("/console/review")
    assert "what was that thing again" in page.text
    assert f'href="/console/escalations/{esc.id}"' in page.text
    assert "Escalation context" in page.text


def _answer_tracker(ins_console: Console, conversation: str) -> None:
    ins_console.rasa.trackers[conversation] = [
        {"event": "user", "timestamp": DAY1, "text": "cost?"},
        {
            "event": "bot",
            "timestamp": DAY1 + 1,
            "text": "It costs ...",
            "data": {"custom": {"kind": "answer", "kb_id": "logistics.cost_insurance"}},
        },
    ]


async def test_widget_feedback_once_per_answer(ins_console: Console) -> None:
    session = "0f" * 16
    _answer_tracker(ins_console, f"widget-{session}")
    post = ins_console.browser.session.post
    url = ins_console.base + "/widget/api/feedback"
    body = json.dumps(
        {"session_id": session, "kb_id": "logistics.cost_insurance", "helpful": False}
    )
    async with post(url, data=body, headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 204
    async with post(url, data=body, headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 409
    other = body.replace("logistics.cost_insurance", "safety.side_effects")
    assert other != body
    async with post(url, data=other) as resp:
        assert resp.status == 404
    for bad in ("", "[]", '{"session_id": "x", "kb_id": "a.b", "helpful": true}', "x" * 5000):
        async with post(url, data=bad) as resp:
            assert resp.status == 400
    with ins_console.engine.connect() as conn:
        rows = conn.execute(select(answer_feedback)).all()
    assert [(r.conversation_id, r.kb_id, r.helpful, r.channel) for r in rows] == [
        (f"widget-{session}", "logistics.cost_insurance", False, "widget")
    ]
