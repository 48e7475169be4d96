"""An atomic Redis ticket lock that also frees the tickets of a Rasa server that died.

Rasa serialises the turns of one conversation with a ticket lock (``LockStore.lock``): each
turn takes the next ticket and waits until it is served. Rasa's ``RedisLockStore`` keeps the
lock as one JSON value and changes it by reading, changing and writing it back from the
client, so two Rasa servers working on one conversation at the same instant overwrite each
other: a ticket taken meanwhile is lost, or ``cleanup`` deletes the lock while a turn waits on
it (that turn then fails with ``LockError``). And a ticket whose holder died (a killed
replica) stays until Rasa's 60 s lifetime ends, so the retried turn waits up to 60 s.

:class:`AtomicRedisLockStore` (``lock_store: type: clinicbot.lock_store.AtomicRedisLockStore``
in ``endpoints.production.yml``; same settings as Rasa's ``redis`` type) changes that:

* **Every change is one Lua script run inside Redis** (take a ticket, poll, give it back):
  nothing can interleave. The value keeps Rasa's format (``TicketLock.dumps``), with one
  more field per ticket, so ``get_lock`` still returns Rasa's ``TicketLock``. Each write
  sets an expiry (the longest ticket's), so no lock outlives its tickets.
* **A ticket names its holder.** Each lock store (one per Rasa process) has a random owner
  id and keeps a heartbeat key alive in Redis (``owner_ttl`` seconds, default 10, renewed
  every third of it by a daemon thread). A ticket whose holder's heartbeat is gone is dropped
  like an expired one, so a turn retried after its replica was killed waits about
  ``owner_ttl`` seconds, not the whole lifetime. The lifetime stays Rasa's (60 s): a live
  holder keeps its ticket however long its turn takes.
* **Served as a ticket lock means:** a ticket is served as soon as no live ticket issued
  before it is left (as :mod:`clinicbot.rasa_tuning` fixes for Rasa's own lock).

A process that is alive but cannot reach Redis for ``owner_ttl`` seconds loses its tickets
(another server may then run a turn of the same conversation); keep ``owner_ttl`` well above
Redis' worst answer time. The scripts touch the heartbeat keys they look up without declaring
them, which standalone Redis allows (not Redis Cluster).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)

#: Seconds a holder's heartbeat lives without renewal (endpoint setting ``owner_ttl``).
DEFAULT_OWNER_TTL = 10.0
#: Longest wait between two polls of a waiting turn (Rasa's default is 1 s).
MAX_POLL_SECONDS = 0.25

# Keeps the live tickets of the lock in KEYS[1]: not expired at ARGV[1] (now) and whose
# holder's heartbeat key (ARGV[2] .. owner) exists. Returns the decoded lock and live tickets.
_PRUNE = """
local function live_tickets(raw, now, owner_prefix)
  local lock = cjson.decode(raw)
  local kept = {}
  for _, text in ipairs(lock.tickets or {}) do
    local t = cjson.decode(text)
    local alive = t.expires >= now
    if alive and t.owner then
      alive = redis.call('EXISTS', owner_prefix .. t.owner) == 1
    end
    if alive then table.insert(kept, t) end
  end
  return lock, kept
end
local function save(key, lock, kept)
  if #kept == 0 then
    redis.call('DEL', key)
    return
  end
  local texts, last = {}, 0
  for i, t in ipairs(kept) do
    texts[i] = cjson.encode(t)
    if t.expires > last then last = t.expires end
  end
  lock.tickets = texts
  local ttl = math.max(1, math.ceil((last - tonumber(ARGV[1])) * 1000) + 1000)
  redis.call('SET', key, cjson.encode(lock), 'PX', ttl)
end
"""

#: Takes the next ticket. ARGV: now, owner prefix, owner, lifetime, conversation id.
ISSUE_SCRIPT = (
    _PRUNE
    + """
local now = tonumber(ARGV[1])
local raw = redis.call('GET', KEYS[1])
local lock, kept = {conversation_id = ARGV[5], tickets = {}}, {}
if raw then lock, kept = live_tickets(raw, now, ARGV[2]) end
local number = 0
if #kept > 0 then number = kept[#kept].number + 1 end
table.insert(kept, {number = number, expires = now + tonumber(ARGV[4]), owner = ARGV[3]})
save(KEYS[1], lock, kept)
return number
"""
)

#: Whether ticket ARGV[3] is served (no live ticket before it). ARGV: now, owner prefix, number.
#: Returns 1 when served, 0 when waiting.
POLL_SCRIPT = (
    _PRUNE
    + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 1 end
local lock, kept = live_tickets(raw, tonumber(ARGV[1]), ARGV[2])
save(KEYS[1], lock, kept)
local mine = tonumber(ARGV[3])
for _, t in ipairs(kept) do
  if t.number < mine then return 0 end
end
return 1
"""
)

#: Gives ticket ARGV[3] back; deletes the lock when no live ticket is left.
FINISH_SCRIPT = (
    _PRUNE
    + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local lock, kept = live_tickets(raw, tonumber(ARGV[1]), ARGV[2])
local others = {}
for _, t in ipairs(kept) do
  if t.number ~= tonumber(ARGV[3]) then table.insert(others, t) end
end
save(KEYS[1], lock, others)
return #others
"""
)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic changes and tickets freed when their holder dies.

    Args:
        endpoint_config: The ``lock_store`` section of the endpoint file (Rasa passes it):
            ``url`` is the host; ``port``, ``db``, ``password``, ``use_ssl`` ... as Rasa's
            ``redis`` type, plus ``owner_ttl`` (seconds, default :data:`DEFAULT_OWNER_TTL`).
        **kwargs: The same settings given directly (tests), with ``host``.
    """

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        """Connects lazily (redis-py opens connections on first use)."""
        settings = dict(getattr(endpoint_config, "kwargs", None) or {})
        settings.update(kwargs)
        if endpoint_config is not None and getattr(endpoint_config, "url", None):
            settings.setdefault("host", endpoint_config.url)
        settings.pop("type", None)
        self.owner_ttl = float(settings.pop("owner_ttl", DEFAULT_OWNER_TTL))
        if self.owner_ttl <= 0:
            raise ValueError("owner_ttl must be positive")
        super().__init__(**settings)
        self.owner = uuid.uuid4().hex
        self.owner_prefix = self.key_prefix + "owner:"
        self._issue = self.red.register_script(ISSUE_SCRIPT)
        self._poll = self.red.register_script(POLL_SCRIPT)
        self._finish = self.red.register_script(FINISH_SCRIPT)
        self._heartbeat: threading.Thread | None = None
        self._stop = threading.Event()
        self._start_lock = threading.Lock()

    # ------------------------------------------------------------------ heartbeat

    def beat(self) -> None:
        """Renews this holder's heartbeat key once."""
        self.red.set(self.owner_prefix + self.owner, "1", px=int(self.owner_ttl * 1000))

    def _beat_forever(self) -> None:
        while not self._stop.wait(self.owner_ttl / 3):
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - retried at the next beat
                logger.warning("lock store: heartbeat failed (%s)", type(exc).__name__)

    def _ensure_heartbeat(self) -> None:
        if self._heartbeat is not None:
            return
        with self._start_lock:
            if self._heartbeat is None:
                self.beat()
                thread = threading.Thread(target=self._beat_forever, name="lock-heartbeat")
                thread.daemon = True
                thread.start()
                self._heartbeat = thread

    def close(self) -> None:
        """Stops the heartbeat and removes it (this holder's tickets are then freed)."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(self.owner_ttl)
        self.red.delete(self.owner_prefix + self.owner)

    # ------------------------------------------------------------------ the lock

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Takes the next ticket atomically (see the module docstring).

        Args:
            conversation_id: The conversation.
            lock_lifetime: Seconds the ticket lives at most.

        Returns:
            The ticket's number.

        Raises:
            LockError: When Redis cannot be used.
        """
        try:
            self._ensure_heartbeat()
            args = [time.time(), self.owner_prefix, self.owner, lock_lifetime, conversation_id]
            return int(self._issue(keys=[self._key(conversation_id)], args=args))
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{type(exc).__name__}") from exc

    def is_served(self, conversation_id: str, ticket: int) -> bool:
        """Whether no live ticket issued before ``ticket`` is left (drops dead ones)."""
        args = [time.time(), self.owner_prefix, ticket]
        return bool(int(self._poll(keys=[self._key(conversation_id)], args=args)))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Gives a ticket back atomically; the lock is deleted when no live ticket is left."""
        args = [time.time(), self.owner_prefix, ticket_number]
        self._finish(keys=[self._key(conversation_id)], args=args)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Gives a ticket back (one atomic step: never deletes a ticket taken meanwhile)."""
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        """Drops expired and dead tickets (atomically; Rasa calls it between polls)."""
        self.is_served(conversation_id, -1)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        poll = min(max(wait_time_in_seconds, 0.01), MAX_POLL_SECONDS)
        while not self.is_served(conversation_id, ticket):
            await asyncio.sleep(poll)
        return self.get_lock(conversation_id) or TicketLock(conversation_id)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for the body of a ``async with`` (one turn).

        Args:
            conversation_id: The conversation.
            lock_lifetime: Seconds the ticket lives at most.
            wait_time_in_seconds: Rasa's poll interval (capped at :data:`MAX_POLL_SECONDS`).

        Yields:
            The lock (Rasa's ``TicketLock``).
        """
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)


def ticket_numbers(raw: bytes | str | None) -> list[int]:
    """The ticket numbers in a stored lock value (for tests and debugging)."""
    if not raw:
        return []
    data = json.loads(raw)
    return [int(json.loads(t)["number"]) for t in data.get("tickets", [])]
