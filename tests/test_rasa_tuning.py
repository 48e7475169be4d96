"""The fixes applied inside the Rasa process (clinicbot.rasa_tuning), against real servers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from clinicbot import action_calls, rasa_tuning
from tests.fixtures.net import serve_stand_in
from tests.fixtures.outbox import outbox_records

VALID = {
    "events": [{"event": "slot", "name": "last_topic", "value": "safety.side_effects"}],
    "responses": [{"text": "An answer", "buttons": [], "custom": {"type": "answer"}}],
}
INVALID = {"events": [{"event": 3}], "responses": "not a list"}


def test_validation_accepts_and_rejects_as_rasa_does() -> None:
    spec = RemoteAction.action_response_format_spec()
    for result in (VALID, {"events": [], "responses": []}, {}):
        jsonschema.validate(result, spec)  # Rasa's own check accepts it ...
        assert action_calls.validate_action_result(None, result) is True  # ... and so does ours
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(INVALID, spec)
    with pytest.raises(jsonschema.ValidationError) as err:
        action_calls.validate_action_result(None, INVALID)
    assert "Failed to validate Action server response" in err.value.message


def test_the_schema_is_checked_once_not_per_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = []
    real_validator_for = jsonschema.validators.validator_for

    def counting_validator_for(schema: Any, *a: Any, **k: Any) -> Any:
        cls = real_validator_for(schema, *a, **k)

        class Counting(cls):  # type: ignore[misc, valid-type]
            @classmethod
            def check_schema(cls, schema: Any, *args: Any, **kwargs: Any) -> None:
                checks.append(1)
                super().check_schema(schema, *args, **kwargs)

        return Counting

    monkeypatch.setattr(jsonschema.validators, "validator_for", counting_validator_for)
    caches = (action_calls._action_result_validator, action_calls._event_validators)
    for cache in caches:
        cache.cache_clear()
    try:
        for _ in range(5):
            action_calls.validate_action_result(None, VALID)
    finally:
        for cache in caches:
            cache.cache_clear()
    assert len(checks) == 1  # jsonschema.validate would check the meta-schema 5 times


def _good_events() -> list[Any]:
    """Valid events of most kinds Rasa knows."""
    from rasa.shared.core import events as ev

    parse = {"intent": {"name": "ask", "confidence": 0.9}, "entities": [], "text": "hi"}
    good = [
        ev.UserUttered("hi", parse_data=parse),
        ev.ActionExecuted("action_answer_topic", policy="RulePolicy", confidence=1.0),
        ev.SlotSet("last_topic", "safety.side_effects"),
        ev.SlotSet("count", {"a": [1, 2]}),
        ev.BotUttered("Hello", {"buttons": [{"title": "Yes", "payload": "/yes"}]}),
        ev.FollowupAction("action_listen"),
        ev.ActiveLoop("intake_form"),
        ev.ActiveLoop(None),
        ev.SessionStarted(),
        ev.Restarted(),
        ev.AllSlotsReset(),
        ev.ConversationPaused(),
        ev.ConversationResumed(),
        ev.ActionReverted(),
        ev.UserUtteranceReverted(),
        ev.LoopInterrupted(True),
        ev.ActionExecutionRejected("action_x"),
        ev.EntitiesAdded([{"entity": "medicine", "value": "lexapro"}]),
    ]
    return good


def _answers() -> list[Any]:
    """Action answers, valid and not."""
    good = _good_events()
    answers: list[Any] = [VALID, INVALID, {}, {"events": []}, {"responses": []}]
    answers += [{"events": [e.as_dict()], "responses": []} for e in good]
    answers.append({"events": [e.as_dict() for e in good], "responses": VALID["responses"]})
    bad_events: list[Any] = [
        {"event": "slot", "name": "x"},  # no value
        {"event": "slot", "value": 1},  # no name
        {"event": "entities"},  # no entities
        {"event": "no_such_event"},
        {"event": 3},
        {"name": "x", "value": 1},  # no event
        {"event": "user", "text": 5},
        {"event": "user", "parse_data": {"entities": [{"value": 1}]}},  # entity without name
        {"event": "action", "name": 3},
        {"event": "action", "hide_rule_turn": "yes"},
        {"event": "bot", "timestamp": "noon"},
        {"event": "session_started", "metadata": []},
        "slot",
        None,
    ]
    answers += [{"events": [good[0].as_dict(), bad]} for bad in bad_events]
    answers += [{"events": "x"}, {"events": None}, [], "answer", {"responses": "text"}]
    return answers


def test_answers_checked_by_event_name_get_rasas_verdict() -> None:
    spec = RemoteAction.action_response_format_spec()
    verdicts = []
    for answer in _answers():
        try:
            jsonschema.validate(answer, spec)
            rasa_accepts = True
        except jsonschema.ValidationError:
            rasa_accepts = False
        try:
            ours = action_calls.validate_action_result(None, answer)
        except jsonschema.ValidationError:
            ours = False
        assert ours == rasa_accepts, answer
        if action_calls._valid_by_event_name(answer):
            assert rasa_accepts, answer
        verdicts.append(rasa_accepts)
    assert verdicts.count(True) >= 20 and verdicts.count(False) >= 15


def test_a_valid_answer_is_not_checked_against_every_event_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_check() -> Any:
        raise AssertionError("the full oneOf check ran for a valid answer")

    monkeypatch.setattr(action_calls, "_action_result_validator", full_check)
    assert action_calls.validate_action_result(None, VALID) is True
    every_kind = {"events": [e.as_dict() for e in _good_events()], "responses": []}
    assert action_calls.validate_action_result(None, every_kind) is True


class ActionServer:
    """A local HTTP server recording each request's connection; scripted failures first."""

    def __init__(self) -> None:
        """Nothing scripted."""
        self.peers: list[Any] = []
        self.headers: list[str] = []
        self.drop_first = 0  # requests answered by closing the connection without a reply
        self.status = 200
        self.delay = 0.0
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.peers.append(request.transport.get_extra_info("peername"))
        self.headers.append(request.headers.get("Authorization", ""))
        await request.read()
        if self.drop_first > 0:
            self.drop_first -= 1
            assert request.transport is not None
            request.transport.close()  # the client sees the connection closed, no answer
            return web.Response()
        await asyncio.sleep(self.delay)
        return web.json_response({"events": [], "responses": []}, status=self.status)


@pytest.fixture
async def server() -> AsyncIterator[ActionServer]:
    async with serve_stand_in(ActionServer(), "POST", "/webhook") as srv:
        yield srv


Made = list[action_calls.KeepAliveEndpoint]


@pytest.fixture
async def made() -> AsyncIterator[Made]:
    endpoints: Made = []
    yield endpoints
    for endpoint in endpoints:
        await endpoint.close()


def _endpoint(url: str, made: Made) -> action_calls.KeepAliveEndpoint:
    config = EndpointConfig(url=url, headers={"Authorization": "Bearer s3cret"}, extra="x")
    made.append(action_calls.KeepAliveEndpoint(config))
    return made[-1]


async def test_calls_reuse_one_connection_and_send_the_headers(
    server: ActionServer, made: Made
) -> None:
    endpoint = _endpoint(server.url, made)
    for _ in range(5):
        assert await endpoint.request(json={"next_action": "a"}) == {"events": [], "responses": []}
    assert len(server.peers) == 5
    assert len(set(server.peers)) == 1  # Rasa's own request() opens a new connection each time
    assert server.headers == ["Bearer s3cret"] * 5
    assert endpoint.kwargs == {"extra": "x"}  # the rest is the wrapped configuration
    with pytest.raises(AttributeError):
        action_calls.KeepAliveEndpoint.__new__(action_calls.KeepAliveEndpoint)._config  # noqa: B018


async def test_a_call_whose_connection_closed_without_answer_is_sent_again(
    server: ActionServer, made: Made
) -> None:
    server.drop_first = 2
    endpoint = _endpoint(server.url, made)
    assert await endpoint.request(json={"next_action": "a"}) == {"events": [], "responses": []}
    assert len(server.peers) == 3


async def test_retries_are_bounded(server: ActionServer, made: Made) -> None:
    server.drop_first = action_calls.RETRIES + 1
    with pytest.raises(aiohttp.ClientConnectionError):
        await _endpoint(server.url, made).request(json={})
    assert len(server.peers) == action_calls.RETRIES + 1


async def test_a_timed_out_call_is_not_sent_again(server: ActionServer, made: Made) -> None:
    server.delay = 1.0
    with pytest.raises(asyncio.TimeoutError):
        await _endpoint(server.url, made).request(json={}, timeout=aiohttp.ClientTimeout(total=0.3))
    await asyncio.sleep(0.8)
    assert len(server.peers) == 1


async def test_an_error_status_is_raised_as_rasa_does_without_retry(
    server: ActionServer, made: Made
) -> None:
    server.status = 500
    with pytest.raises(ClientResponseError) as err:
        await _endpoint(server.url, made).request(json={})
    assert err.value.status == 500
    assert len(server.peers) == 1


def _urgent_body(intent: str = "safety_crisis", sender: str = "rest-abc") -> dict[str, Any]:
    return {
        "next_action": "action_escalate_urgent",
        "sender_id": sender,
        "tracker": {
            "latest_message": {"text": "PRIVATE TEXT", "intent": {"name": intent}},
            "latest_input_channel": "rest",
        },
    }


async def test_a_failed_urgent_escalation_call_goes_to_the_outbox(
    server: ActionServer, made: Made, outbox: Path
) -> None:
    server.drop_first = action_calls.RETRIES + 1  # the action server never answers
    with pytest.raises(aiohttp.ClientConnectionError):
        await _endpoint(server.url, made).request(json=_urgent_body("safety_emergency"))
    (record,) = outbox_records(outbox)
    assert record["conversation_id"] == "rest-abc"
    assert record["channel"] == "rest"
    assert record["kind"] == "emergency"
    assert record["reason"] == "action_failed"
    assert "PRIVATE TEXT" not in outbox.read_text()  # never the message


async def test_an_urgent_call_answered_with_an_error_goes_to_the_outbox(
    server: ActionServer, made: Made, outbox: Path
) -> None:
    server.status = 500
    with pytest.raises(ClientResponseError):
        await _endpoint(server.url, made).request(json=_urgent_body())
    assert [r["kind"] for r in outbox_records(outbox)] == ["crisis"]


async def test_an_urgent_call_answered_without_an_escalation_goes_to_the_outbox(
    server: ActionServer, made: Made, outbox: Path
) -> None:
    # The action answers [] when the clinic database was unreachable.
    await _endpoint(server.url, made).request(json=_urgent_body())
    assert [r["reason"] for r in outbox_records(outbox)] == ["no_escalation"]


async def test_other_failed_calls_and_stored_escalations_write_nothing(
    server: ActionServer, made: Made, outbox: Path
) -> None:
    server.status = 500
    with pytest.raises(ClientResponseError):
        await _endpoint(server.url, made).request(json={"next_action": "action_answer"})
    assert not outbox.exists()
    assert action_calls.opened_escalation(
        {"events": [{"event": "slot", "name": "escalation_id", "value": "E-1"}]}
    )
    assert not action_calls.opened_escalation({"events": "junk"})
    assert action_calls.urgent_call({"next_action": "action_escalate_urgent", "tracker": 3}) == (
        "",
        "unknown",
        "crisis",
    )


async def test_an_unwritable_outbox_never_fails_the_call_differently(
    server: ActionServer, made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("URGENT_OUTBOX", str(blocker / "outbox.jsonl"))  # parent is a file
    server.status = 500
    with pytest.raises(ClientResponseError):  # the same error as without the outbox
        await _endpoint(server.url, made).request(json=_urgent_body())


def test_apply_wraps_the_action_endpoint_and_turns_sqlite_to_wal(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_tuning.apply()
    rasa_tuning.apply()  # idempotent
    config = EndpointConfig(url="http://127.0.0.1:1/webhook", enable_selective_domain=True)
    action = RemoteAction("action_answer_topic", config)
    assert isinstance(action.action_endpoint, action_calls.KeepAliveEndpoint)
    assert RemoteAction("action_clarify", config).action_endpoint is action.action_endpoint
    assert action._is_selective_domain_enabled()  # endpoint options still read
    assert RemoteAction._validate_action_result is action_calls.validate_action_result
    from rasa.shared.core.events import Event, SlotSet

    assert Event.resolve_by_type("user") is UserUttered
    assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == SlotSet("a", 1)

    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Connections are pooled: saving and reading a conversation twice opens one connection.
    opened = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    tracker = DialogueStateTracker.from_events("p1", [UserUttered("hello")])
    for _ in range(2):
        asyncio.run(store.save(tracker))
        assert asyncio.run(store.retrieve("p1")).latest_message.text == "hello"
    assert len(opened) <= 1
    assert rasa_tuning.sqlite_engine_kwargs("postgresql://u@h/db") == {}
    assert rasa_tuning.sqlite_engine_kwargs("sqlite://") == {}


def test_event_types_resolve_as_rasa_does() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    def rasa_resolve(name: str) -> Any:  # Rasa 3.6's walk, as released
        for cls in all_subclasses(Event):
            if cls.type_name == name:
                return cls
        raise ValueError(name)

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started", "active_loop"} <= names
    for name in sorted(names):
        assert rasa_tuning.resolve_event_type(name) is rasa_resolve(name)
        assert rasa_tuning.resolve_event_type(name) is rasa_resolve(name)  # from the table
    assert rasa_tuning.resolve_event_type("topic") is None
    assert rasa_tuning.resolve_event_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError, match="no_such_event"):
        rasa_tuning.resolve_event_type("no_such_event")


def test_live_tickets_are_served_in_order_and_expired_ones_are_skipped() -> None:
    from rasa.core.lock import TicketLock

    rasa_tuning.apply()
    lock = TicketLock("p1")
    first, second, third = (lock.issue_ticket(60) for _ in range(3))
    assert not lock.is_locked(first)
    assert lock.is_locked(second) and lock.is_locked(third)
    lock.remove_ticket_for(first)
    assert not lock.is_locked(second) and lock.is_locked(third)
    # The holder of `second` died: once its ticket expires, `third` goes, even if its own
    # ticket has expired too by the time it looks (Rasa then read "serving 0" for ever).
    for ticket in lock.tickets:
        ticket.expires = 0.0
    assert not lock.is_locked(third)


async def test_a_turn_behind_a_dead_replicas_ticket_goes_when_that_ticket_expires() -> None:
    import time

    from rasa.core.lock_store import InMemoryLockStore

    rasa_tuning.apply()
    store = InMemoryLockStore()  # the same TicketLock as the cluster's Redis lock store
    # A replica took ticket 0 for this conversation and was killed: nobody releases it.
    store.issue_ticket("p1", lock_lifetime=0.2)
    start = time.monotonic()

    async def retried_turn() -> float:
        # Issued 0.1 s after the dead one, polling every 0.5 s: at its second look both
        # tickets have expired (as when a retry reaches the surviving replica quickly).
        async with store.lock("p1", lock_lifetime=0.3, wait_time_in_seconds=0.5):
            return time.monotonic() - start

    waited = await asyncio.wait_for(retried_turn(), timeout=5)
    assert 0.15 <= waited < 2  # not before the dead ticket expired, not stuck after it
    assert store.get_lock("p1") is None  # released: the next turn does not wait


async def test_a_loaded_model_is_frozen_out_of_the_collectors_full_passes() -> None:
    import gc

    from rasa.core import agent as rasa_agent

    rasa_tuning.apply()
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        with pytest.warns(UserWarning):  # no model given: Rasa warns and returns an agent
            loaded = await rasa_agent.load_agent()
        assert loaded is not None
        # Everything alive after the load (here: this test process's modules) is frozen.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_long_garbage_collection_passes_are_timed_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import gc
    import logging

    timer = rasa_tuning.GcPauses(log_ms=0.0).install()
    try:
        with caplog.at_level(logging.INFO, logger="clinicbot.rasa_tuning"):
            gc.collect(2)
    finally:
        timer.uninstall()
    assert timer not in gc.callbacks
    assert len(timer.ms[2]) >= 1 and all(ms >= 0 for ms in timer.ms[2])
    assert "garbage collection paused" in caplog.text and "(generation 2)" in caplog.text
