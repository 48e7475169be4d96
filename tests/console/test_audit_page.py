"""Unauthenticated requests cannot flood the audit log; the audit page pages and filters."""

from __future__ import annotations

import re
from datetime import timedelta

from clinicbot.store.audit import AuditAggregator, audit, list_audit
from clinicbot.store.schema import utcnow
from tests.console.conftest import Browser, Console


async def test_failed_sign_ins_are_aggregated_per_address_per_minute(console: Console) -> None:
    for i in range(25):
        assert (await console.new_browser().login(f"user{i}", "whatever pass")).status == 401
    rows = list_audit(console.engine, action="login_failed")
    assert len(rows) == 1
    assert rows[0].actor == "anonymous" and rows[0].detail["count"] == 25
    assert rows[0].detail["ip"] == "127.0.0.1"


async def test_stale_login_forms_are_aggregated_too(console: Console) -> None:
    for _ in range(10):
        browser = console.new_browser()
        response = await browser.post(
            "/console/login", data={"csrf_token": "bogus", "username": "x", "password": "y"}
        )
        assert response.status == 403
    rows = list_audit(console.engine, action="csrf_failed")
    assert len(rows) == 1 and rows[0].detail["count"] == 10


def test_aggregation_starts_a_new_row_each_minute_and_per_address(console: Console) -> None:
    now = [utcnow()]
    agg = AuditAggregator(console.engine, clock=lambda: now[0], max_keys=10)
    for _ in range(3):
        agg.record("anonymous", "login_failed", "10.0.0.1")
    agg.record("anonymous", "login_failed", "10.0.0.2")
    now[0] += timedelta(minutes=1)
    agg.record("anonymous", "login_failed", "10.0.0.1")
    counts = sorted(
        (r.detail["ip"], r.detail["count"])
        for r in list_audit(console.engine, action="login_failed")
    )
    assert counts == [("10.0.0.1", 1), ("10.0.0.1", 3), ("10.0.0.2", 1)]
    for i in range(50):
        agg.record("anonymous", "login_failed", f"10.1.0.{i}")
    assert len(agg) <= 10


async def test_audit_page_pages_through_everything(console: Console, admin: Browser) -> None:
    for i in range(230):
        audit(console.engine, "dana" if i % 2 else "lee", "claim" if i % 3 else "reply")
    first = await admin.get("/console/admin/audit")
    assert first.status == 200
    ids = [int(x) for x in re.findall(r'<td class="id">(\d+)</td>', first.text)]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/console/admin/audit\?[^"]*before=\d+[^"]*)"', first.text)
    assert older, "no link to older entries"
    second = await admin.get(older.group(1).replace("&amp;", "&"))
    ids2 = [int(x) for x in re.findall(r'<td class="id">(\d+)</td>', second.text)]
    assert len(ids2) == 100 and max(ids2) < min(ids)
    seen, page = set(ids) | set(ids2), second
    while link := re.search(r'href="(/console/admin/audit\?[^"]*before=\d+[^"]*)"', page.text):
        page = await admin.get(link.group(1).replace("&amp;", "&"))
        seen |= {int(x) for x in re.findall(r'<td class="id">(\d+)</td>', page.text)}
    assert len(seen) >= 230


async def test_audit_page_filters_by_actor_and_action(console: Console, admin: Browser) -> None:
    for i in range(30):
        audit(console.engine, "dana" if i % 2 else "lee", "claim" if i % 3 else "reply")
    page = await admin.get("/console/admin/audit?actor=dana&action=reply")
    rows = re.findall(r"<td>(dana|lee|ada)</td><td>(\w+)</td>", page.text)
    assert rows and all(r == ("dana", "reply") for r in rows)
    expected = list_audit(console.engine, actor="dana", action="reply")
    assert len(rows) == len(expected)
    assert 'value="dana"' in page.text  # the filter form keeps the values
