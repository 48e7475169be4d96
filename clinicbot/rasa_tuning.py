"""Speed and robustness fixes for Rasa 3.6, applied inside the Rasa process.

:func:`apply` is called by the Rasa launcher (``clinicbot.web.rasa_server``) before Rasa
starts, and by ``make bench-load``'s in-process breakdown so that it measures the same code.
Each fix keeps Rasa's behaviour and only removes a cost or a failure found by profiling a turn
under load (README "Scale-out"):

* **Action results validated with a prepared validator.** Rasa checks every action server
  answer with ``jsonschema.validate``, which first validates the *schema itself* against the
  JSON Schema meta-schema on every call: about 110 ms of CPU per action call, a third of a
  whole turn. The same schema, checked once, validates the same answers in about 1 ms and
  raises the same ``ValidationError``.
* **Action calls over kept-alive connections, retried when nothing reached the server.**
  Rasa opens a new HTTP session, and so a new TCP connection, for every action call. Under a
  burst the action server's listen queue overflows; the call then fails with "Can not write
  request body" or a reset, and Rasa drops the answer action silently (the turn gets no
  reply). Here each Rasa process keeps one connection pool to the action server (idle
  connections closed after :data:`KEEPALIVE_SECONDS`, before Sanic's own 5 s, so a reused
  connection is never one the server is closing) and retries a call up to
  :data:`RETRIES` times when the connection failed before any answer (refused, reset, closed,
  body not written). A call that timed out is never sent again (the action may be running).
  When a call of ``action_escalate_urgent`` still fails (or answers without an escalation: the
  clinic database was unreachable), a record goes to the urgent outbox
  (:mod:`clinicbot.outbox`), which the action server drains: staff still hear of the crisis.
* **Event classes looked up in a table.** Rebuilding a conversation from the tracker store,
  and reading an action's answer, finds each event's class by walking every subclass of
  Rasa's ``Event`` (``Event.resolve_by_type``): ~1,500 walks a turn. The table gives the same
  class (the first match, as Rasa's walk does) and is refilled when a name is not in it.
* **SQLite tracker store in WAL mode with ``synchronous=NORMAL``** (as the clinic database,
  ``clinicbot/store/db.py``), **over pooled connections**: a turn's commit no longer waits for
  an fsync while blocking Rasa's event loop, and each save or read no longer opens and closes
  the database file (SQLAlchemy 1.4 opens a new SQLite connection per session; closing the
  last one checkpoints the WAL). Rasa uses the store from its one event-loop thread. A
  committed turn survives a crash of any process; a power cut may lose the last turns (the
  database stays consistent). PostgreSQL is unchanged.
* **A waiting turn is not stuck behind tickets that expired.** Rasa's ticket lock (Redis in
  the cluster, in memory in ``make run``) serves ticket ``n`` when ``n`` is the *first* live
  ticket, and counts "no live ticket" as serving ticket 0. A turn that waits (polling once a
  second) behind a ticket that expires, because its holder died (a killed replica) or outlived
  the lock's lifetime, is served only if one of its polls falls between the expiry of the
  ticket ahead and its own: when both have expired at the next poll (the two were issued less
  than a poll apart, or the event loop was busy), the lock holds no ticket, Rasa reads that as
  "serving 0" and the turn waits for ever (the cluster's fault test: turns on the surviving
  replica hung until nginx's 120 s timeout). Here a ticket is served as soon as no live ticket
  issued *before* it is left, as a ticket lock means; the order of live tickets is unchanged.
* **The loaded model is kept out of the garbage collector's full passes.** Once the model is
  loaded the process holds ~480,000 Python objects (TensorFlow, spaCy, scikit-learn, Rasa's
  graph), and each full (generation 2) collection walks all of them: ~0.2-0.4 s during which
  the event loop serves nothing. Turns create enough objects for such a pass every few
  hundred turns, so at 40 messages a second the queue grew behind each pause (the one-process
  stalls of README "Scale-out"). After each model load the objects alive are moved to the
  permanent generation (``gc.freeze()``): they are still freed by reference counting, only
  not scanned again; a full pass then walks only what turns created. Passes longer than
  :data:`GC_PAUSE_LOG_MS` are logged (generation and milliseconds), so a stall can be told
  from other waits.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import ssl
import time
from typing import Any, Dict

import aiohttp

from clinicbot.outbox import ACTION_FAILED, NO_ESCALATION, record_urgent

logger = logging.getLogger(__name__)

#: Extra attempts of an action call whose connection failed before any answer.
RETRIES = 2
#: Seconds between attempts (times the attempt number).
RETRY_DELAY_SECONDS = 0.05
#: Idle seconds after which a pooled connection is closed (Sanic closes at 5 s).
KEEPALIVE_SECONDS = 2.0
#: Connections per Rasa process to the action server at most (further calls wait for one).
MAX_CONNECTIONS = 64

#: Garbage-collection passes longer than this are logged (milliseconds).
GC_PAUSE_LOG_MS = 100.0

_applied = False


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    """Rasa's action answer schema with its validator class, checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` (same schema, same errors).

    Args:
        _action: The remote action (unused; the schema is the same for all).
        result: The action server's answer.

    Returns:
        True when valid.

    Raises:
        jsonschema.ValidationError: As Rasa raises it, with Rasa's hint appended.
    """
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_result_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def retryable(exc: BaseException) -> bool:
    """Tells whether a failed action call can be sent again without running it twice.

    Args:
        exc: What the call raised.

    Returns:
        True for connection failures before any answer (refused, reset, closed by the
        server, body not written); False for timeouts and HTTP answers.
    """
    if isinstance(exc, asyncio.TimeoutError):
        return False  # includes aiohttp.ServerTimeoutError: the action may be running
    return isinstance(exc, aiohttp.ClientConnectionError)


class KeepAliveEndpoint:
    """Sends requests to one endpoint over a kept-alive connection pool, with retries.

    Wraps Rasa's :class:`rasa.utils.endpoints.EndpointConfig` (every other attribute is the
    wrapped one's) and replaces its ``request`` with the same headers, parameters,
    certificate and error handling, minus a new session per call.

    Args:
        config: Rasa's endpoint configuration (from ``endpoints.yml``).
    """

    def __init__(self, config: Any) -> None:
        """Wraps ``config``."""
        self._config = config
        self._sessions: Dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def __getattr__(self, name: str) -> Any:
        """Everything but ``request`` is the wrapped configuration's."""
        if name.startswith("_"):  # never recurse before __init__ ran (copy, pickle)
            raise AttributeError(name)
        return getattr(self._config, name)

    async def close(self) -> None:
        """Closes this event loop's connections (Rasa keeps them for the process's life)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            for old in [lp for lp in self._sessions if lp.is_closed()]:
                del self._sessions[old]  # sessions of finished loops (tests)
            auth = None
            if self._config.basic_auth:
                auth = aiohttp.BasicAuth(
                    self._config.basic_auth["username"], self._config.basic_auth["password"]
                )
            session = aiohttp.ClientSession(
                auth=auth,
                connector=aiohttp.TCPConnector(
                    limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS
                ),
            )
            self._sessions[loop] = session
        return session

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any | None:
        """Sends a request; returns the JSON answer, if any (as Rasa's ``request``).

        Args:
            method: HTTP method.
            subpath: Path below the endpoint's URL.
            content_type: Content-Type header.
            compress: Compress the body.
            **kwargs: Passed to ``aiohttp``'s ``request`` (``json``, ``timeout``, ...).

        Returns:
            The decoded JSON answer, or None when it is not JSON.

        Raises:
            rasa.utils.endpoints.ClientResponseError: For an answer with status >= 400.
            aiohttp.ClientError: When the call fails after the retries.
        """
        from rasa.utils.endpoints import ClientResponseError, concat_url

        headers: Dict[str, Any] = {}
        if content_type:
            headers["Content-Type"] = content_type
        headers.update(kwargs.pop("headers", None) or {})
        headers.update(self._config.headers or {})
        url = concat_url(self._config.url, subpath)
        sslcontext = None
        if self._config.cafile:
            sslcontext = ssl.create_default_context(cafile=self._config.cafile)
        params = self._config.combine_parameters(kwargs)
        kwargs.setdefault("timeout", aiohttp.ClientTimeout(total=300))
        urgent = urgent_call(kwargs.get("json"))
        attempt = 0
        while True:
            try:
                async with self._session().request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    compress=compress,
                    ssl=sslcontext,
                    **kwargs,
                ) as response:
                    if response.status >= 400:
                        raise ClientResponseError(
                            response.status, response.reason or "", await response.content.read()
                        )
                    try:
                        answer = await response.json()
                    except aiohttp.ContentTypeError:
                        answer = None
                    if urgent is not None and not opened_escalation(answer):
                        await asyncio.to_thread(record_urgent, *urgent, NO_ESCALATION)
                    return answer
            except Exception as exc:
                if attempt >= RETRIES or not retryable(exc):
                    if urgent is not None:
                        await asyncio.to_thread(record_urgent, *urgent, ACTION_FAILED)
                    raise
                attempt += 1
                # The error's class only: its text may carry the URL, never a message.
                logger.warning(
                    "action call failed before an answer (%s); sending again (attempt %d)",
                    type(exc).__name__,
                    attempt + 1,
                )
                await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)


#: The action that opens the urgent escalation after a crisis or emergency text.
URGENT_ACTION = "action_escalate_urgent"


def _mapping(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def urgent_call(body: Any) -> tuple[str, str, str] | None:
    """Tells whether an action call is the urgent escalation, and for whom.

    Args:
        body: The JSON body Rasa sends to the action server.

    Returns:
        ``(conversation id, channel, kind)`` for ``action_escalate_urgent`` (the kind as the
        action reads it: ``emergency`` for the ``safety_emergency`` intent, else ``crisis``),
        else None.
    """
    if not isinstance(body, dict) or body.get("next_action") != URGENT_ACTION:
        return None
    tracker = _mapping(body.get("tracker"))
    intent = _mapping(_mapping(tracker.get("latest_message")).get("intent"))
    kind = "emergency" if intent.get("name") == "safety_emergency" else "crisis"
    channel = tracker.get("latest_input_channel") or "unknown"
    return str(body.get("sender_id") or ""), str(channel), kind


def opened_escalation(answer: Any) -> bool:
    """Whether the urgent action's answer sets ``escalation_id`` (it does once stored).

    Args:
        answer: The action server's JSON answer.

    Returns:
        True when an event sets the ``escalation_id`` slot to a value.
    """
    events = answer.get("events") if isinstance(answer, dict) else None
    return any(
        isinstance(event, dict)
        and event.get("event") == "slot"
        and event.get("name") == "escalation_id"
        and event.get("value")
        for event in (events if isinstance(events, list) else [])
    )


#: One wrapper (one connection pool) per endpoint configuration object, by identity (Rasa's
#: ``EndpointConfig`` defines ``__eq__`` without ``__hash__``).
_wrappers: Dict[int, KeepAliveEndpoint] = {}


def keep_alive(config: Any) -> KeepAliveEndpoint:
    """The one :class:`KeepAliveEndpoint` of an endpoint configuration (shared pool).

    Args:
        config: Rasa's endpoint configuration.

    Returns:
        Its wrapper, created on first use.
    """
    wrapper = _wrappers.get(id(config))
    if wrapper is None or wrapper._config is not config:
        wrapper = _wrappers[id(config)] = KeepAliveEndpoint(config)
    return wrapper


#: Event class by ``type_name`` (the first subclass of ``Event`` with it, as Rasa's walk).
_event_types: Dict[str, Any] = {}


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """Drop-in for ``rasa.shared.core.events.Event.resolve_by_type`` (same results).

    Args:
        type_name: The event's ``event`` field.
        default: Class returned for an unknown name (else ``ValueError``).

    Returns:
        The event class (None for the legacy ``topic`` event).

    Raises:
        ValueError: For an unknown name without a default.
    """
    found = _event_types.get(type_name)
    if found is not None:
        return found
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    for cls in all_subclasses(Event):  # a name not seen yet, or classes imported since
        _event_types.setdefault(cls.type_name, cls)
    found = _event_types.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # as Rasa: old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _is_sqlite_file(url: Any) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(str(url)) if isinstance(url, str) else url
    return bool(
        parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    )


def sqlite_engine_kwargs(url: Any) -> Dict[str, Any]:
    """Engine options for a SQLite file: a small connection pool instead of none.

    Args:
        url: The tracker store's database URL.

    Returns:
        ``create_engine`` keyword arguments (empty for anything but a SQLite file).
    """
    if not _is_sqlite_file(url):
        return {}
    import sqlalchemy as sa

    return {
        "poolclass": sa.pool.QueuePool,
        "pool_size": 2,
        "max_overflow": 8,
        # Rasa's event loop thread is the only user; SQLAlchemy's pool hands one connection
        # to one session at a time.
        "connect_args": {"check_same_thread": False},
    }


def ticket_is_locked(lock: Any, ticket_number: int) -> bool:
    """Drop-in for ``rasa.core.lock.TicketLock.is_locked`` that skips expired tickets.

    Args:
        lock: Rasa's ``TicketLock`` (its expired tickets are removed, as Rasa's check does).
        ticket_number: The waiting turn's ticket.

    Returns:
        True while a live ticket issued before this one is left (that turn goes first).
    """
    lock.remove_expired_tickets()
    return any(ticket.number < ticket_number for ticket in lock.tickets)


def freeze_loaded_objects() -> None:
    """Collects once, then moves every object alive to the permanent generation.

    Frozen objects are freed by reference counting as before; the collector only stops
    scanning them (and cannot free a reference cycle among them: a model loaded again calls
    ``gc.unfreeze()`` first, see :func:`apply`).
    """
    callbacks = list(gc.callbacks)
    gc.callbacks.clear()  # this one pass happens before serving: not a stall to report
    try:
        gc.collect()
    finally:
        gc.callbacks.extend(callbacks)
    gc.freeze()
    logger.info(
        "model loaded: %d objects left out of the collector's passes",
        gc.get_freeze_count(),
    )


class GcPauses:
    """Times the garbage collector's passes (``gc.callbacks``) and logs the long ones."""

    def __init__(self, log_ms: float = GC_PAUSE_LOG_MS) -> None:
        """Starts nothing; :meth:`install` registers the callback."""
        self.log_ms = log_ms
        self.ms: Dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: Dict[str, Any]) -> None:
        """``gc.callbacks`` entry: ``start`` and ``stop`` of each pass."""
        if phase == "start":
            self._started = time.perf_counter()
            return
        ms = (time.perf_counter() - self._started) * 1000
        generation = int(info.get("generation", 0))
        self.ms.setdefault(generation, []).append(ms)
        if ms >= self.log_ms:
            logger.info("garbage collection paused %.0f ms (generation %d)", ms, generation)

    def install(self) -> GcPauses:
        """Registers this timer (once) and returns it."""
        if self not in gc.callbacks:
            gc.callbacks.append(self)
        return self

    def uninstall(self) -> None:
        """Removes this timer."""
        if self in gc.callbacks:
            gc.callbacks.remove(self)


def apply() -> None:
    """Installs the fixes into Rasa's classes (once per process; see the module docstring)."""
    global _applied
    if _applied:
        return
    import sqlalchemy as sa
    from rasa.core.actions.action import RemoteAction
    from rasa.core.lock import TicketLock
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import Event

    TicketLock.is_locked = ticket_is_locked  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[assignment]
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

    original_init = RemoteAction.__init__

    @functools.wraps(original_init)
    def init(self: Any, name: str, action_endpoint: Any) -> None:
        if action_endpoint is not None and not isinstance(action_endpoint, KeepAliveEndpoint):
            action_endpoint = keep_alive(action_endpoint)
        original_init(self, name, action_endpoint)

    RemoteAction.__init__ = init  # type: ignore[method-assign]

    from rasa.core import tracker_store

    rasa_engine_kwargs = tracker_store.create_engine_kwargs

    def engine_kwargs(url: Any) -> Dict[str, Any]:
        return sqlite_engine_kwargs(url) or rasa_engine_kwargs(url)

    tracker_store.create_engine_kwargs = engine_kwargs  # type: ignore[assignment]
    store_init = SQLTrackerStore.__init__

    @functools.wraps(store_init)
    def store_init_wal(self: Any, *args: Any, **kwargs: Any) -> None:
        store_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.engine.dispose()  # connections opened before get the pragmas too

    SQLTrackerStore.__init__ = store_init_wal  # type: ignore[method-assign]

    from rasa.core import agent as rasa_agent

    original_load = rasa_agent.load_agent

    @functools.wraps(original_load)
    async def load_agent(*args: Any, **kwargs: Any) -> Any:
        gc.unfreeze()  # a model loaded again: the previous one's objects can be collected
        loaded = await original_load(*args, **kwargs)
        freeze_loaded_objects()
        return loaded

    rasa_agent.load_agent = load_agent  # type: ignore[assignment]
    GcPauses().install()
    _applied = True
