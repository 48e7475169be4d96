"""The write-through conversation cache of the SQLite tracker store (clinicbot.tracker_cache).

Every check compares the cached store with Rasa's own reading of the same database file (a
store of the same file without the cache), so the cache must give exactly Rasa's trackers.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot import rasa_tuning, tracker_cache

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_price]
slots:
  last_topic:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "Hello"}]
"""
)


class CachedStore(SQLTrackerStore):
    """A separate class, so the cache installed here leaves Rasa's class to the other tests."""


tracker_cache.install(CachedStore, lambda store: rasa_tuning._is_sqlite_file(store.engine.url))


def _cached(db: Path) -> CachedStore:
    store = CachedStore(DOMAIN, dialect="sqlite", db=str(db))
    assert tracker_cache.is_cached(store)
    return store


def _rasa(db: Path) -> SQLTrackerStore:
    """Rasa's own store of the same file (no cache, whatever other tests installed)."""
    store = CachedStore(DOMAIN, dialect="sqlite", db=str(db))
    del store._clinic_tracker_cache
    assert not tracker_cache.is_cached(store)
    return store


def _dicts(tracker: DialogueStateTracker | None) -> Any:
    return None if tracker is None else [e.as_dict() for e in tracker.events]


def _user(text: str, intent: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9})


def _turn(text: str, intent: str) -> list[Event]:
    return [
        _user(text, intent),
        ActionExecuted("utter_greet"),
        BotUttered("Hello"),
        SlotSet("last_topic", intent),
        ActionExecuted("action_listen"),
    ]


def _new_session() -> list[Event]:
    now = time.time()
    return [
        ActionExecuted("action_session_start", timestamp=now),
        SessionStarted(timestamp=now + 0.001),
        SlotSet("last_topic", "carried", timestamp=now + 0.002),
        ActionExecuted("action_listen", timestamp=now + 0.003),
    ]


async def _extend(store: SQLTrackerStore, sender: str, events: list[Event]) -> None:
    tracker = await store.get_or_create_tracker(sender)
    for event in events:
        tracker.update(event, DOMAIN)
    await store.save(tracker)


async def test_the_cache_gives_rasas_tracker_through_turns_and_new_sessions(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tracker.db"
    store = _cached(db)
    steps = [_new_session(), _turn("hi", "greet"), _turn("price?", "ask_price"), _new_session()]
    steps += [_turn("hello again", "greet"), _new_session(), _new_session()]
    for step in steps:
        for sender in ("p1", "p2"):
            await _extend(store, sender, step)
            cached = await store.retrieve(sender)
            expected = await _rasa(db).retrieve(sender)
            assert _dicts(cached) == _dicts(expected)
            assert cached is not None and expected is not None
            assert cached.current_state() == expected.current_state()
            fresh = _cached(db)  # not cached yet: read from the database (a restarted server)
            assert _dicts(await fresh.retrieve(sender)) == _dicts(expected)
            fresh.engine.dispose()
    stats = tracker_cache.stats(store)
    assert stats["hits"] >= 2 * len(steps) and stats["conversations"] == 2
    # The full history (every session) is Rasa's own reading.
    full = await store.retrieve_full_tracker("p1")
    assert _dicts(full) == _dicts(await _rasa(db).retrieve_full_tracker("p1"))
    # Nothing was stored twice or left out: every event once, in order.
    assert len(full.events) == 1 + sum(len(step) for step in steps)  # + the first listen
    assert await store.retrieve("unknown") is None


async def test_rows_from_another_writer_are_seen(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    store = _cached(db)
    await _extend(store, "p1", _turn("hi", "greet"))
    await _extend(store, "p2", _turn("hi", "greet"))
    assert await store.retrieve("p1") is not None  # cached now
    other = _rasa(db)  # e.g. a second process on the same file
    await _extend(other, "p1", _turn("price?", "ask_price"))
    seen = await store.retrieve("p1")
    assert _dicts(seen) == _dicts(await other.retrieve("p1"))
    assert seen is not None and seen.latest_message.text == "price?"
    # The conversation the other writer did not touch stays cached.
    assert "p2" in store._clinic_tracker_cache.conversations
    # A save after the other writer's rows stores only what is new (Rasa's count rule).
    await _extend(store, "p1", _turn("and then?", "greet"))
    full = await other.retrieve_full_tracker("p1")
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [
        "hi",
        "price?",
        "and then?",
    ]


async def test_a_failed_save_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "tracker.db"
    store = _cached(db)
    await _extend(store, "p1", _turn("hi", "greet"))
    tracker = await store.retrieve("p1")
    assert tracker is not None
    tracker.update(_user("lost", "greet"), DOMAIN)
    from sqlalchemy.orm import Session

    def fail(self: Session) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Session, "commit", fail)
    with pytest.raises(RuntimeError):
        await store.save(tracker)
    monkeypatch.undo()
    assert "p1" not in store._clinic_tracker_cache.conversations
    after = await store.retrieve("p1")
    assert _dicts(after) == _dicts(await _rasa(db).retrieve("p1"))
    assert after is not None and after.latest_message.text == "hi"


async def test_the_cache_is_bounded(tmp_path: Path) -> None:
    store = _cached(tmp_path / "tracker.db")
    store._clinic_tracker_cache.max_conversations = 3
    for i in range(5):
        await _extend(store, f"p{i}", _turn("hi", "greet"))
    assert list(store._clinic_tracker_cache.conversations) == ["p2", "p3", "p4"]
    evicted = await store.retrieve("p0")  # read from the database again
    assert evicted is not None and evicted.latest_message.text == "hi"


def test_only_sqlite_files_are_cached(tmp_path: Path) -> None:
    assert not tracker_cache.is_cached(CachedStore(DOMAIN, dialect="sqlite", db=":memory:"))
    assert rasa_tuning._is_sqlite_file(f"sqlite:///{tmp_path / 't.db'}")
    assert not rasa_tuning._is_sqlite_file("postgresql://u@h/tracker")


def test_apply_installs_the_cache_on_rasas_store(tmp_path: Path) -> None:
    rasa_tuning.apply()
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert tracker_cache.is_cached(store)
    asyncio.run(_extend(store, "p1", _turn("hi", "greet")))
    assert tracker_cache.stats(store)["conversations"] == 1
