"""Insights and the learning loop end to end: real servers, real Chromium, a real model.

A scripted day of REST conversations goes through Rasa (the tracker store is Rasa's own); a
staff member signs in in Chromium, reads the charts' numbers back from the insights page,
labels a clarified question in the review inbox, and ``python -m clinicbot.insights.learn
--dry-run`` retrains on that label and prints the before/after comparison (the dry run puts
``data/nlu/reviewed.yml`` back and promotes nothing, so the work tree is unchanged).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from clinicbot.insights.learn import REVIEWED_FILE
from clinicbot.paths import REPO_ROOT
from clinicbot.store.audit import list_audit
from clinicbot.store.db import get_engine
from clinicbot.store.migrations import migrate
from clinicbot.store.schema import review_items
from clinicbot.store.staff import StaffStore
from tests.widget.browser_helpers import chromium

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "insights e2e password"
CLARIFIED = "xyzzy plugh frobnicate quux"
#: The scripted day: (conversation, message) in order.
SCRIPT = [
    (0, "what are the side effects?"),
    (0, CLARIFIED),
    (1, "how much does treatment cost?"),
    (2, "can you book me a table at a restaurant tonight"),
    (3, "what are the side effects?"),
    (3, "is ketamine addictive?"),
]


def _numbers(page: Any) -> dict[str, Any]:
    day = datetime.now(timezone.utc).strftime("%m-%d")
    bar = "[data-chart={chart}] .bar[data-label='{label}']"

    def value(chart: str, label: str) -> float:
        loc = page.locator(bar.format(chart=chart, label=label))
        return float(loc.get_attribute("data-value")) if loc.count() else 0.0

    return {
        "conversations": int(page.locator("#kpi-conversations").inner_text()),
        "messages": int(page.locator("#kpi-messages").inner_text()),
        "conversations_today": value("conversations", day),
        "messages_today": value("messages", day),
        "clarify_rate_today": value("clarify-rate", day),
        "rest_total": int(page.locator("[data-channel-total=rest]").inner_text() or 0)
        if page.locator("[data-channel-total=rest]").count()
        else 0,
        "topics": {
            g.get_attribute("data-label"): float(g.get_attribute("data-value"))
            for g in page.locator("[data-chart=topics] .bar").all()
        },
    }


def test_insights_review_and_learn(live_stack: Any) -> None:
    engine = get_engine(live_stack.db_url)
    migrate(engine)
    StaffStore(engine).create_user("ines", PASSWORD, "staff", display_name="Ines")
    today = datetime.now(timezone.utc).date().isoformat()
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{live_stack.web_url}/console/login")
        page.fill("input[name=username]", "ines")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_stack.web_url}/console/")
        insights = f"{live_stack.web_url}/console/insights?start={today}&end={today}"
        page.goto(insights)
        before = _numbers(page)

        senders = [live_stack.new_sender() for _ in range(4)]
        kinds: Counter = Counter()
        topics: Counter = Counter()
        for index, message in SCRIPT:
            payload = live_stack.payload(live_stack.rest(senders[index], message))
            kinds[payload["kind"]] += 1
            if payload["kind"] == "answer":
                topics[payload["kb_id"]] += 1
        assert kinds["clarify"] >= 1  # the gibberish line

        # The roll-up may finish after the page (it never makes the page wait long): reload.
        deadline = time.monotonic() + 60
        while True:
            page.goto(insights)
            after = _numbers(page)
            done = after["messages"] - before["messages"] >= len(SCRIPT)
            if done or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert after["conversations"] - before["conversations"] == 4
        assert after["conversations_today"] - before["conversations_today"] == 4
        assert after["messages"] - before["messages"] == len(SCRIPT)
        assert after["messages_today"] - before["messages_today"] == len(SCRIPT)
        assert after["rest_total"] - before["rest_total"] == len(SCRIPT)
        for kb_id, count in topics.items():
            assert after["topics"].get(kb_id, 0) - before["topics"].get(kb_id, 0) == count
        assert after["clarify_rate_today"] > 0
        for _, message in SCRIPT:
            assert message not in page.content()  # aggregates only
        page.screenshot(path=str(REPO_ROOT / "tests" / "artifacts" / "console-insights.png"))

        # Label the clarified question in the review inbox.
        page.goto(f"{live_stack.web_url}/console/review")
        item = page.locator("li[data-item]", has_text=CLARIFIED).first
        item.wait_for()
        group = page.locator("section.review-group", has=item)
        group.locator("select[name=label]").select_option("mechanism.what_is_ketamine")
        group.get_by_role("button", name="Save label").click()
        page.wait_for_url("**/console/review?notice=labeled")
        assert page.locator(".notice").inner_text() == "Label saved."
        assert CLARIFIED not in page.content()
        page.screenshot(path=str(REPO_ROOT / "tests" / "artifacts" / "console-review.png"))

    with engine.connect() as conn:
        row = conn.execute(select(review_items).where(review_items.c.text == CLARIFIED)).first()
    assert row is not None and (row.status, row.label) == ("labeled", "mechanism.what_is_ketamine")
    assert any(e.action == "review_label" for e in list_audit(engine, actor="ines"))

    previous = REVIEWED_FILE.read_text(encoding="utf-8") if REVIEWED_FILE.exists() else None
    result = subprocess.run(
        [sys.executable, "-m", "clinicbot.insights.learn", "--dry-run"],
        cwd=REPO_ROOT,
        env={**os.environ, **live_stack.env, "CLINIC_DB_URL": live_stack.db_url},
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    out = result.stdout
    assert "exported 1 examples" in out, out + result.stderr[-2000:]
    assert "figure" in out and "before" in out and "after" in out
    assert "held-out: intent accuracy" in out and "DRY RUN" in out
    assert result.returncode in (0, 1)
    assert (
        REVIEWED_FILE.read_text(encoding="utf-8") if REVIEWED_FILE.exists() else None
    ) == previous
    print(out)
