"""Audit log rows and the administrator listing."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from clinicbot.store.audit import audit, list_audit


def test_audit_rows_are_listed_newest_first(engine: Engine) -> None:
    audit(engine, "dana", "login", detail={"ip": "127.0.0.1"})
    audit(engine, "dana", "view_escalation", "E-AAAAAA", {"transcript": "live"})
    audit(engine, "lee", "claim", "E-AAAAAA")
    rows = list_audit(engine)
    assert [r.action for r in rows] == ["claim", "view_escalation", "login"]
    assert rows[1].escalation_id == "E-AAAAAA" and rows[1].detail == {"transcript": "live"}
    assert rows[0].ts.tzinfo is not None and rows[0].detail == {}
    assert [r.action for r in list_audit(engine, escalation_id="E-AAAAAA")] == [
        "claim",
        "view_escalation",
    ]
    assert [r.actor for r in list_audit(engine, actor="lee")] == ["lee"]
    assert [r.action for r in list_audit(engine, action="login")] == ["login"]
    assert len(list_audit(engine, limit=1)) == 1
    assert [r.action for r in list_audit(engine, before_id=rows[0].id)] == [
        "view_escalation",
        "login",
    ]
