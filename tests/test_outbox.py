"""The urgent outbox (clinicbot.outbox, clinicbot.outbox_delivery): each record escalated once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from clinicbot import outbox as ob
from clinicbot import outbox_delivery as od
from clinicbot.store.escalations import EscalationStore
from tests.fixtures.db import migrated_engine, sqlite_url


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine(sqlite_url(tmp_path)) as eng:
        yield eng


@pytest.fixture
def store(engine: Engine) -> EscalationStore:
    return EscalationStore(engine)


@pytest.fixture
def box(tmp_path: Path) -> ob.UrgentOutbox:
    return ob.UrgentOutbox(tmp_path / "var" / "urgent-outbox.jsonl")


def _record(box: ob.UrgentOutbox, conversation: str, kind: str = "crisis", **kw: Any) -> None:
    assert ob.record_urgent(conversation, kw.get("channel", "rest"), kind, ob.NOT_READY, box.path)


def _urgent(store: EscalationStore) -> list[Any]:
    return [e for e in store.queue() if e.priority == "urgent"]


def test_a_record_is_one_json_line_without_content(box: ob.UrgentOutbox) -> None:
    _record(box, "widget-" + "a" * 32, "emergency", channel="socketio")
    (line,) = box.path.read_text().splitlines()
    data = json.loads(line)
    assert data["conversation_id"] == "widget-" + "a" * 32
    assert (data["channel"], data["kind"], data["reason"]) == ("socketio", "emergency", "not_ready")
    assert set(data) == {"v", "id", "conversation_id", "channel", "kind", "reason", "at"}
    assert box.path.stat().st_mode & 0o077 == 0  # private to its user


def test_bad_fields_are_refused_and_never_raise(box: ob.UrgentOutbox) -> None:
    assert not ob.record_urgent("", "rest", "crisis", ob.NOT_READY, box.path)
    assert not ob.record_urgent("x" * 300, "rest", "crisis", ob.NOT_READY, box.path)
    assert not ob.record_urgent("a\nb", "rest", "crisis", ob.NOT_READY, box.path)
    assert not ob.record_urgent("c", "rest", "joy", ob.NOT_READY, box.path)
    assert not ob.record_urgent("c", "Bad Channel!", "crisis", ob.NOT_READY, box.path)
    assert not ob.record_urgent("c", "rest", "crisis", "made_up", box.path)
    blocked = box.path.parent / "file"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("x")
    assert not ob.record_urgent("c", "rest", "crisis", ob.NOT_READY, blocked / "outbox.jsonl")
    assert not box.path.exists()


def test_the_drainer_opens_one_urgent_escalation_per_record(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    _record(box, "conv-1")
    _record(box, "conv-2", "emergency", channel="twilio")
    notified: list[Any] = []
    result = od.drain_into_store(box, store, notified.append)
    assert (result.escalated, result.skipped, result.failed) == (2, 0, False)
    one = store.find_open_for_conversation("conv-1")
    two = store.find_open_for_conversation("conv-2")
    assert one is not None and two is not None
    assert one.priority == two.priority == "urgent"
    assert one.reasons == ["crisis"] and two.reasons == ["emergency"]
    assert two.channel == "twilio" and one.details["outbox_reason"] == "not_ready"
    assert [e.id for e in notified] == [one.id, two.id]  # staff notified, as by the action
    assert box.path.read_bytes() == b""  # all done: emptied
    assert od.drain_into_store(box, store).escalated == 0


def test_a_record_joins_the_conversations_escalation_and_keeps_its_transcript(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    transcript = [{"role": "patient", "text": "hello"}]
    first = store.open_or_join("conv-1", "rest", "patient_request", "normal", transcript, ["a"])
    _record(box, "conv-1")
    od.drain_into_store(box, store)
    joined = store.find_open_for_conversation("conv-1")
    assert joined is not None and joined.id == first.id
    assert joined.priority == "urgent" and "crisis" in joined.reasons
    assert joined.transcript == transcript and joined.kb_topics == ["a"]


def test_draining_again_after_a_restart_escalates_nothing_twice(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    for i in range(3):
        _record(box, f"conv-{i}")
    handled: list[str] = []

    def crash_on_third(record: ob.OutboxRecord) -> None:
        if len(handled) == 2:
            raise RuntimeError("the process died here")
        od.escalate_record(store, record)
        handled.append(record.conversation_id)

    assert box.drain(crash_on_third).failed
    assert len(_urgent(store)) == 2
    restarted = ob.UrgentOutbox(box.path)  # a new process: only the offset file remembers
    assert od.drain_into_store(restarted, store).escalated == 1
    assert sorted(e.conversation_id for e in _urgent(store)) == ["conv-0", "conv-1", "conv-2"]
    assert od.drain_into_store(restarted, store).escalated == 0


def test_a_crash_between_escalation_and_mark_merges_into_one_escalation(
    box: ob.UrgentOutbox, store: EscalationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(box, "conv-1")

    def die(_offset: int) -> None:
        raise KeyboardInterrupt  # killed after the escalation, before the offset was written

    monkeypatch.setattr(box, "_write_offset", die)
    with pytest.raises(KeyboardInterrupt):
        od.drain_into_store(box, store)
    monkeypatch.undo()
    assert od.drain_into_store(ob.UrgentOutbox(box.path), store).escalated == 1  # not lost
    assert len(_urgent(store)) == 1  # the duplicate merged


def test_a_database_failure_keeps_the_record_for_the_next_pass(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    _record(box, "conv-1")

    class Down:
        def find_open_for_conversation(self, _conversation: str) -> None:
            raise ConnectionError("database down")

    result = od.drain_into_store(box, Down())
    assert result.failed and result.escalated == 0
    assert od.drain_into_store(box, store).escalated == 1


def test_malformed_and_hostile_lines_are_skipped_and_the_others_kept(
    box: ob.UrgentOutbox, store: EscalationStore, caplog: pytest.LogCaptureFixture
) -> None:
    _record(box, "before")
    hostile = [
        b"not json at all\n",
        b'{"v": 1, "conversation_id": "x"}\n',  # fields missing
        b"[" * 3000 + b"\n",  # deep nesting
        b'{"v":1,"id":"a","conversation_id":"SECRET","channel":"rest","kind":"crisis",'
        b'"reason":"throttled","at":"' + b"9" * 5000 + b'"}\n',  # oversized
        b"\xff\xfe garbage\n",
        json.dumps(  # well-formed JSON, hostile values
            {
                "v": 1,
                "id": "x",
                "conversation_id": "c\u0000d",
                "channel": "rest",
                "kind": "crisis",
                "reason": "throttled",
                "at": "2026-12-03T00:00:00+00:00",
            }
        ).encode()
        + b"\n",
        b"1e999999\n",
        b'"just a string"\n',
        b"\n",
    ]
    with box.path.open("ab") as fh:
        fh.write(b"".join(hostile))
        fh.write(b"x" * 200_000 + b"\n")  # a huge line
    _record(box, "after")
    with caplog.at_level(logging.ERROR, logger="clinicbot.outbox"):
        result = od.drain_into_store(box, store)
    assert result.escalated == 2 and result.skipped == len(hostile) + 1
    assert sorted(e.conversation_id for e in _urgent(store)) == ["after", "before"]
    assert "SECRET" not in caplog.text and "garbage" not in caplog.text  # no content logged


def test_an_unfinished_line_waits_and_never_swallows_the_next_record(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    _record(box, "conv-1")
    with box.path.open("ab") as fh:
        fh.write(b'{"v":1,"id":"half')  # no newline yet
    assert od.drain_into_store(box, store).escalated == 1
    assert box.path.stat().st_size > 0  # not emptied while a line was pending
    _record(box, "conv-2")  # its writer died: the next record starts on a line of its own
    result = od.drain_into_store(box, store)
    assert (result.escalated, result.skipped) == (1, 1)
    assert store.find_open_for_conversation("conv-2") is not None


def test_a_second_drainer_skips_the_pass(box: ob.UrgentOutbox, store: EscalationStore) -> None:
    _record(box, "conv-1")
    inner: list[ob.DrainResult] = []

    def handle(record: ob.OutboxRecord) -> None:
        inner.append(od.drain_into_store(ob.UrgentOutbox(box.path), store))
        od.escalate_record(store, record)

    box.drain(handle)
    assert inner[0].handled == 0  # the lock was held
    assert len(_urgent(store)) == 1


async def test_the_drain_loop_escalates_new_records_and_notifies_on_the_loop(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    notified: list[Any] = []
    loop = asyncio.get_running_loop()

    def notify(escalation: Any) -> None:
        assert asyncio.get_running_loop() is loop  # scheduled on the server's loop
        notified.append(escalation)

    task = asyncio.create_task(od.drain_forever(box, lambda: store, notify, 0.05))
    try:
        await asyncio.sleep(0.1)  # an empty (absent) outbox is fine
        _record(box, "conv-1")
        for _ in range(100):
            if notified:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert [e.conversation_id for e in notified] == ["conv-1"]


async def test_the_action_server_drains_the_outbox_while_it_serves(
    box: ob.UrgentOutbox,
    store: EscalationStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sanic import Sanic

    import actions.handoff
    from clinicbot import action_server
    from tests.fixtures.net import serve_sanic

    monkeypatch.setenv("URGENT_OUTBOX", str(box.path))
    monkeypatch.setenv("URGENT_OUTBOX_DRAIN_SECONDS", "0.5")
    monkeypatch.setattr(actions.handoff, "escalation_store", lambda: store)
    notified: list[Any] = []
    monkeypatch.setattr(actions.handoff, "notify_in_background", notified.append)
    monkeypatch.setattr(Sanic, "test_mode", True)
    _record(box, "written-while-it-was-down")  # drained at start
    app = action_server.create_app("s3cret", drain_outbox=True)
    async with serve_sanic(app):
        for _ in range(100):
            if notified:
                break
            await asyncio.sleep(0.05)
        _record(box, "written-while-it-runs")  # drained by the next pass
        for _ in range(100):
            if len(notified) == 2:
                break
            await asyncio.sleep(0.05)
    assert [e.conversation_id for e in notified] == [
        "written-while-it-was-down",
        "written-while-it-runs",
    ]
    assert not action_server.create_app("s3cret").listeners["after_server_start"]  # tests' apps


def test_a_crash_while_emptying_the_file_loses_nothing_written_after(
    box: ob.UrgentOutbox, store: EscalationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(box, "conv-1")

    def killed(_fd: int, _size: int) -> None:
        raise KeyboardInterrupt  # killed between the offset reset and the truncation

    monkeypatch.setattr(ob.os, "ftruncate", killed)
    with pytest.raises(KeyboardInterrupt):
        od.drain_into_store(box, store)
    monkeypatch.undo()
    for i in range(5):
        _record(box, f"later-{i}")  # more bytes than the old offset
    result = od.drain_into_store(ob.UrgentOutbox(box.path), store)
    assert result.escalated == 6 and result.skipped == 0  # conv-1 again (merged) + all new
    assert len(_urgent(store)) == 6


def test_a_record_seen_before_changes_nothing_even_after_staff_resolved_it(
    box: ob.UrgentOutbox, store: EscalationStore
) -> None:
    record = ob.make_record("conv-1", "rest", "crisis", ob.ACTION_FAILED)
    notified: list[Any] = []
    first = od.escalate_and_notify(store, record, notified.append)
    assert first.created and first.details["outbox_ids"] == [record.id]
    store.resolve(first.id, "nurse")
    again = od.escalate_and_notify(store, record, notified.append)  # the answer was lost
    assert again.id == first.id and not again.needs_urgent_notification
    assert [e.id for e in notified] == [first.id]  # staff alerted once
    assert store.find_open_for_conversation("conv-1") is None  # nothing reopened
    other = ob.make_record("conv-1", "rest", "emergency", ob.ACTION_FAILED)
    assert od.escalate_record(store, other).id != first.id  # a new record is a new alarm


def test_the_outbox_route_is_next_to_the_webhook() -> None:
    assert od.outbox_url("http://actions.internal:5055/webhook") == (
        "http://actions.internal:5055/urgent-outbox"
    )
    assert od.outbox_url("http://a:1/webhook/") == "http://a:1/urgent-outbox"
    assert od.endpoints_path(["run", "--endpoints", "/e.yml"]) == Path("/e.yml")
    assert od.endpoints_path(["run", "--endpoints=/f.yml"]) == Path("/f.yml")
    assert od.endpoints_path(["run"]) is None


async def test_a_record_written_while_the_action_server_is_down_becomes_one_escalation(
    tmp_path: Path, store: EscalationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Rasa replica on another host: its own outbox file, sent over HTTP, no shared storage."""
    from sanic import Sanic

    import actions.handoff
    from clinicbot import action_server
    from tests.fixtures.net import free_port, serve_sanic

    # The action server's machine has an outbox file of its own (empty): nothing shared.
    monkeypatch.setenv("URGENT_OUTBOX", str(tmp_path / "actions-host" / "outbox.jsonl"))
    monkeypatch.setattr(actions.handoff, "escalation_store", lambda: store)
    notified: list[Any] = []
    monkeypatch.setattr(actions.handoff, "notify_in_background", notified.append)
    monkeypatch.setattr(Sanic, "test_mode", True)
    replica_box = ob.UrgentOutbox(tmp_path / "rasa-host" / "outbox.jsonl")
    headers = {"Authorization": "Bearer s3cret"}
    down = f"http://127.0.0.1:{free_port()}/urgent-outbox"  # nothing listens: server down
    sender = od.OutboxSender(replica_box, down, headers, interval=60)
    assert ob.record_urgent("conv-9", "socketio", "crisis", ob.ACTION_FAILED, replica_box.path)
    result = await asyncio.to_thread(sender.send_pending)
    assert result.failed and result.escalated == 0
    assert b"conv-9" in replica_box.path.read_bytes()  # kept
    assert _urgent(store) == []

    app = action_server.create_app("s3cret", drain_outbox=True)
    async with serve_sanic(app) as base:
        sender.url = base + od.OUTBOX_ROUTE  # the action server is back
        result = await asyncio.to_thread(sender.send_pending)
        assert (result.escalated, result.failed) == (1, False)
        assert replica_box.path.read_bytes() == b""  # delivered: emptied
        (escalation,) = _urgent(store)
        (sent_id,) = escalation.details["outbox_ids"]
        again = ob.make_record(  # the same record sent again (its first answer was lost)
            "conv-9",
            "socketio",
            "crisis",
            ob.ACTION_FAILED,
            sent_id,
            escalation.details["outbox_at"],
        )
        await asyncio.to_thread(od.send_record, again, sender.url, headers)
        with pytest.raises(OSError, match="401"):  # without the secret nothing runs
            await asyncio.to_thread(od.send_record, again, sender.url, {})
        status, body = await od.receive_record(b'{"v": 1, "id": "x"}', lambda: store, print)
        assert status == 400 and "record" in body["error"]  # not a record: dropped by sender
        await asyncio.sleep(0.1)
    urgent = _urgent(store)
    assert [e.conversation_id for e in urgent] == ["conv-9"]  # exactly one escalation
    assert urgent[0].channel == "socketio" and urgent[0].details["outbox_reason"] == "action_failed"
    assert [e.conversation_id for e in notified] == ["conv-9"]  # staff alerted once


def test_a_rasa_process_sends_to_the_action_endpoint_of_its_endpoint_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions.internal:5055/webhook")
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "s3cret")
    monkeypatch.setenv("URGENT_OUTBOX", str(tmp_path / "outbox.jsonl"))
    from clinicbot.paths import REPO_ROOT

    production = yaml.safe_load((REPO_ROOT / "endpoints.production.yml").read_text())
    endpoints = tmp_path / "endpoints.yml"  # its action endpoint, as Rasa reads it
    endpoints.write_text(yaml.safe_dump({"action_endpoint": production["action_endpoint"]}))
    args = ["run", "--endpoints", str(endpoints)]
    sender = od.start_sender(args)
    assert sender is not None
    try:
        assert sender.url == "http://actions.internal:5055/urgent-outbox"
        assert sender.headers == {"Authorization": "Bearer s3cret"}
        assert sender.outbox.path == tmp_path / "outbox.jsonl"
    finally:
        sender.stop()
    assert od.start_sender(["run", "--endpoints", str(tmp_path / "missing.yml")]) is None
