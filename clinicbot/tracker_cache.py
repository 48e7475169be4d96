"""A write-through cache of conversations for Rasa's SQL tracker store on a SQLite file.

Rasa 3.6's ``SQLTrackerStore`` rebuilds the conversation from the database on every turn: it
reads the events of the latest session (a query with a sub-query for the last session start)
and, when saving, counts those events again to find which ones are new. Under load both
queries were a quarter of the Rasa process's CPU per turn (README "Scale-out"). On a SQLite
file the Rasa server is the only process that writes conversations (``make run``: one Rasa
process, an in-memory lock store; the console's staff replies and every channel go through
its HTTP API, hence through this store), so the rows of each conversation's latest session
can be kept in memory, written through on every save:

* ``retrieve`` answers from the cached rows (the same JSON, parsed into a new tracker each
  time, exactly as Rasa does from the database); a conversation not cached is read from the
  database once, as before.
* ``save`` inserts the events beyond the cached count (Rasa's rule, without its count query)
  and, once committed, adds them to the cache, keeping only the rows Rasa's query would
  return (from the latest ``session_started`` by timestamp on).
* **Another writer** is noticed: every use first reads the highest row id of the table
  (one indexed lookup) and compares it with the highest id this process has seen; rows added
  by anyone else drop the conversations they belong to from the cache. A failed save drops
  its conversation too. Rows changed or deleted in place by another process are not noticed:
  nothing in this project does that.
* At most :data:`MAX_CONVERSATIONS` conversations are kept (least recently used first out).

PostgreSQL (``make cluster``, several replicas writing the same tables) is never cached: see
:func:`install`. ``retrieve_full_tracker`` (every session) is not cached either.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Tuple

logger = logging.getLogger(__name__)

#: Conversations kept in memory per tracker store.
MAX_CONVERSATIONS = 2000

#: Rasa's event type of a session start (``SessionStarted.type_name``).
SESSION_STARTED = "session_started"


@dataclass
class CachedConversation:
    """The stored rows of one conversation's latest session, as Rasa's query returns them.

    Attributes:
        rows: ``(timestamp, data)`` of each row in id order (``data``: the event's JSON).
        session_start: Timestamp of the latest ``session_started`` row of the conversation
            (None when it has none: then every row belongs to the session).
    """

    rows: List[Tuple[float | None, str]] = field(default_factory=list)
    session_start: float | None = None

    def append(self, added: Iterable[Tuple[str, float | None, str]]) -> None:
        """Adds newly stored rows ``(type_name, timestamp, data)``.

        Then drops the rows a new session start leaves out (as Rasa's query does with
        ``timestamp >= latest session start``).
        """
        for type_name, timestamp, data in added:
            self.rows.append((timestamp, data))
            if type_name == SESSION_STARTED and timestamp is not None:
                if self.session_start is None or timestamp > self.session_start:
                    self.session_start = timestamp
        start = self.session_start
        if start is not None:
            self.rows = [(ts, data) for ts, data in self.rows if ts is not None and ts >= start]


class TrackerCache:
    """The cached conversations of one tracker store (see the module docstring)."""

    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        """Empty; ``max_conversations`` bounds how many conversations are kept."""
        self.max_conversations = max(1, int(max_conversations))
        self.conversations: OrderedDict[str, CachedConversation] = OrderedDict()
        self.last_id: int | None = None  # highest row id seen (None: not known yet)
        self.hits = 0
        self.misses = 0
        self.invalidated = 0

    def get(self, sender_id: str) -> CachedConversation | None:
        """The cached conversation (marked as recently used), or None."""
        found = self.conversations.get(sender_id)
        if found is not None:
            self.conversations.move_to_end(sender_id)
        return found

    def put(self, sender_id: str, conversation: CachedConversation) -> None:
        """Caches a conversation, dropping the least recently used beyond the bound."""
        self.conversations[sender_id] = conversation
        self.conversations.move_to_end(sender_id)
        while len(self.conversations) > self.max_conversations:
            self.conversations.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        """Forgets one conversation."""
        if self.conversations.pop(sender_id, None) is not None:
            self.invalidated += 1

    def clear(self) -> None:
        """Forgets everything (the next use reads the database again)."""
        self.invalidated += len(self.conversations)
        self.conversations.clear()
        self.last_id = None


def _cursor(session: Any) -> Any:
    """A DBAPI cursor on the session's connection (inside its transaction).

    The few statements of the cached path go to SQLite directly: through SQLAlchemy's ORM
    and expression layers, building them cost more CPU than running them.
    """
    return session.connection().connection.cursor()


def check_other_writers(store: Any, cache: TrackerCache, session: Any) -> None:
    """Drops the conversations that rows added by another writer belong to.

    Args:
        store: The ``SQLTrackerStore``.
        cache: Its cache.
        session: A session of the store's database.
    """
    table = store.SQLEvent.__table__.name
    cursor = _cursor(session)
    try:
        highest = cursor.execute(f"SELECT max(id) FROM {table}").fetchone()[0]  # noqa: S608
        if highest == cache.last_id:
            return
        if cache.last_id is None or highest is None or highest < cache.last_id:
            cache.clear()  # first use, or rows were deleted: start again from the database
        else:
            changed = cursor.execute(
                f"SELECT DISTINCT sender_id FROM {table} WHERE id > ?",  # noqa: S608
                (cache.last_id,),
            ).fetchall()
            for (sender_id,) in changed:
                cache.drop(sender_id)
        cache.last_id = highest
    finally:
        cursor.close()


def _load(store: Any, session: Any, sender_id: str) -> CachedConversation:
    """Reads a conversation's latest session from the database, as Rasa's query selects it.

    Rasa's ``_event_query``: the rows of the sender whose timestamp is at least that of its
    latest ``session_started`` row (all its rows when it has none), in id order.
    """
    table = store.SQLEvent.__table__.name
    cursor = _cursor(session)
    try:
        start = cursor.execute(
            f"SELECT max(timestamp) FROM {table} "  # noqa: S608
            "WHERE sender_id = ? AND type_name = ?",
            (sender_id, SESSION_STARTED),
        ).fetchone()[0]
        if start is None:
            query = f"SELECT timestamp, data FROM {table} WHERE sender_id = ? ORDER BY id"  # noqa: S608
            rows = cursor.execute(query, (sender_id,)).fetchall()
        else:
            query = (
                f"SELECT timestamp, data FROM {table} "  # noqa: S608
                "WHERE sender_id = ? AND timestamp >= ? ORDER BY id"
            )
            rows = cursor.execute(query, (sender_id, start)).fetchall()
    finally:
        cursor.close()
    return CachedConversation(rows=[(ts, data) for ts, data in rows], session_start=start)


async def cached_retrieve(
    store: Any, original: Any, sender_id: str, fetch_events_from_all_sessions: bool
) -> Any:
    """``SQLTrackerStore._retrieve`` answered from the cache (same tracker as Rasa builds).

    Args:
        store: The tracker store.
        original: Rasa's ``_retrieve`` (used for every session's events).
        sender_id: The conversation.
        fetch_events_from_all_sessions: True for the full history (never cached).

    Returns:
        The tracker, or None when the conversation has no events.
    """
    cache: TrackerCache = store._clinic_tracker_cache
    if fetch_events_from_all_sessions:
        return await original(store, sender_id, fetch_events_from_all_sessions)
    from rasa.shared.core.trackers import DialogueStateTracker

    with store.session_scope() as session:
        check_other_writers(store, cache, session)
        conversation = cache.get(sender_id)
        if conversation is None:
            cache.misses += 1
            conversation = _load(store, session, sender_id)
            cache.put(sender_id, conversation)
        else:
            cache.hits += 1
    events = [json.loads(data) for _ts, data in conversation.rows]
    if store.domain and events:
        return DialogueStateTracker.from_dict(sender_id, events, store.domain.slots)
    return None


async def cached_save(store: Any, tracker: Any) -> None:
    """``SQLTrackerStore.save`` without re-counting the stored events (see module docstring).

    Args:
        store: The tracker store.
        tracker: The conversation to store (its events beyond those stored are inserted).
    """
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    cache: TrackerCache = store._clinic_tracker_cache
    await store.stream_events(tracker)
    sender_id = tracker.sender_id
    try:
        with store.session_scope() as session:
            check_other_writers(store, cache, session)
            conversation = cache.get(sender_id)
            if conversation is None:
                conversation = _load(store, session, sender_id)
            added: List[Tuple[str, float | None, str]] = []
            ids: List[int] = []
            insert = (
                f"INSERT INTO {store.SQLEvent.__table__.name} "  # noqa: S608
                "(sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)"
            )
            cursor = _cursor(session)
            try:
                for event in list(tracker.events)[len(conversation.rows) :]:
                    data = event.as_dict()
                    intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                    text = json.dumps(data)
                    timestamp = data.get("timestamp")
                    row = (sender_id, event.type_name, timestamp, intent, data.get("name"), text)
                    cursor.execute(insert, row)
                    ids.append(int(cursor.lastrowid))
                    added.append((event.type_name, timestamp, text))
            finally:
                cursor.close()
            session.commit()
    except BaseException:
        cache.drop(sender_id)  # unknown what was stored: read it again next time
        raise
    conversation.append(added)
    cache.put(sender_id, conversation)
    if ids and cache.last_id is not None and min(ids) == cache.last_id + 1:
        # Only our rows since the last check: nobody else wrote in between. Otherwise the
        # next check finds the gap and drops the conversations written there (ours too).
        cache.last_id = max(ids)
    logger.debug("Tracker stored to database (cached)")


def is_cached(store: Any) -> bool:
    """Whether a tracker store has the cache installed."""
    return isinstance(getattr(store, "_clinic_tracker_cache", None), TrackerCache)


def install(store_class: Any, enabled_for: Any) -> None:
    """Routes ``_retrieve`` and ``save`` of ``store_class`` through the cache.

    A store gets a cache when it is created and ``enabled_for(store)`` is true (a SQLite file:
    one writer); other stores keep Rasa's methods unchanged.

    Args:
        store_class: Rasa's ``SQLTrackerStore``.
        enabled_for: Predicate on a new store instance.
    """
    original_init = store_class.__init__
    original_retrieve = store_class._retrieve
    original_save = store_class.save

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if enabled_for(self):
            self._clinic_tracker_cache = TrackerCache()

    @functools.wraps(original_retrieve)
    async def retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        if not is_cached(self):
            return await original_retrieve(self, sender_id, fetch_events_from_all_sessions)
        return await cached_retrieve(
            self, original_retrieve, sender_id, fetch_events_from_all_sessions
        )

    @functools.wraps(original_save)
    async def save(self: Any, tracker: Any) -> None:
        if not is_cached(self):
            return await original_save(self, tracker)
        return await cached_save(self, tracker)

    store_class.__init__ = init
    store_class._retrieve = retrieve
    store_class.save = save


def stats(store: Any) -> Dict[str, int]:
    """Hits, misses, invalidations and size of a store's cache (empty when not cached)."""
    cache = getattr(store, "_clinic_tracker_cache", None)
    if not isinstance(cache, TrackerCache):
        return {}
    return {
        "hits": cache.hits,
        "misses": cache.misses,
        "invalidated": cache.invalidated,
        "conversations": len(cache.conversations),
    }
