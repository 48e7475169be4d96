"""Speed and robustness fixes for Rasa 3.6, applied inside the Rasa process.

:func:`apply` is called by the Rasa launcher (``clinicbot.web.rasa_server``) before Rasa
starts, and by ``make bench-load``'s in-process breakdown so that it measures the same code.
Each fix keeps Rasa's behaviour and only removes a cost or a failure found by profiling a turn
under load (README "Scale-out"):

* **Action calls** (:mod:`clinicbot.action_calls`): action results validated with a prepared
  validator, calls over kept-alive connections and retried when nothing reached the server, a
  failed urgent escalation recorded in the urgent outbox, and an answering action that cannot
  run replaced by a "please send it again" reply (never silence).
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
* **Conversations cached in memory on a SQLite file** (:mod:`clinicbot.tracker_cache`): Rasa
  read the latest session's events back from the database on every turn and counted them
  again to save; the store keeps them in memory, written through, and notices rows another
  writer added. Only for a SQLite file (one Rasa process writes it); never PostgreSQL.
* **Graphs run without dask's scheduler.** Every graph run of a turn (NLU, each action
  prediction) went through ``dask.get``, whose bookkeeping cost more than most nodes; the
  same task graph is evaluated node by node in dependency order (:func:`run_graph_in_order`).
* **RulePolicy checks only the rules that can match.** It checked each of its ~250 rules
  against the conversation's last state twice a turn; the rules are indexed by the previous
  action and intent their last state requires (:func:`possible_rule_keys`), and only those
  that can match are checked, with Rasa's own check.
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

import functools
import gc
import logging
import time
from typing import Any, Dict, List

from clinicbot import tracker_cache
from clinicbot.action_calls import (
    KeepAliveEndpoint,
    keep_alive,
    run_or_apologise,
    validate_action_result,
)

logger = logging.getLogger(__name__)

#: Garbage-collection passes longer than this are logged (milliseconds).
GC_PAUSE_LOG_MS = 100.0

_applied = False


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


def run_graph_in_order(runner: Any, inputs: Any = None, targets: Any = None) -> Dict[str, Any]:
    """Drop-in for ``DaskGraphRunner.run``: the same task graph, run in dependency order.

    Rasa hands every graph run (NLU, then each of a turn's action predictions) to
    ``dask.get``, whose scheduler (ordering, task states, callbacks) cost more CPU per turn
    than most graph nodes. Here the same graph Rasa builds (node ``name -> (GraphNode,
    *needs)``, inputs ``name -> (name, value)``) is evaluated directly: each node once,
    after the nodes it needs, with their ``(name, output)`` results as its arguments, as dask
    does; errors are raised as Rasa raises them.

    Args:
        runner: Rasa's ``DaskGraphRunner``.
        inputs: Graph inputs (``{placeholder: value}``).
        targets: Nodes whose results are wanted (default: the schema's targets).

    Returns:
        ``{target: output}`` as Rasa's ``run`` returns it.

    Raises:
        GraphRunError: Where Rasa's ``run`` raises it.
    """
    from rasa.engine.exceptions import GraphRunError

    run_targets = list(targets if targets else runner._graph_schema.target_names)
    key = tuple(run_targets)
    schemas = runner.__dict__.setdefault("_clinic_minimal_schemas", {})
    minimal_schema = schemas.get(key)
    if minimal_schema is None:  # the schema never changes once loaded
        minimal_schema = schemas[key] = runner._graph_schema.minimal_graph_schema(run_targets)
    graph = runner._build_dask_graph(minimal_schema)
    if inputs:
        runner._add_inputs_to_graph(inputs, graph)
    done: Dict[str, Any] = {}

    def value(name: str) -> Any:
        if name in done:
            return done[name]
        if name not in graph:
            return name  # a need that is no key: dask passes the literal on
        task = graph[name]
        if isinstance(task, tuple) and task and callable(task[0]):
            result = task[0](*(value(need) for need in task[1:]))
        else:
            result = task  # an input: ``(name, value)``, passed on as dask passes it
        done[name] = result
        return result

    try:
        return dict(value(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_ANY = object()  # a rule state that does not fix the value: matches any


def _rule_index(policy: Any, lookup: Dict[str, Any]) -> Dict[Any, set]:
    """Rule keys by (previous action, intent) their last state requires (``_ANY``: none)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
    from rasa.shared.nlu.constants import ACTION_NAME, INTENT

    cache = policy.__dict__.setdefault("_clinic_rule_index", {})
    found = cache.get(id(lookup))
    if found is not None and found[0] is lookup and found[1] == len(lookup):
        return found[2]

    def fixed(state: Dict[str, Any], part: str, key: str) -> Any:
        value = (state.get(part) or {}).get(key)
        # Only a set value other than SHOULD_NOT_BE_SET must equal the conversation's.
        if not value or value == SHOULD_NOT_BE_SET or not isinstance(value, str):
            return _ANY
        return value

    index: Dict[Any, set] = {}
    for rule_key in lookup:
        states = policy._rule_key_to_state(rule_key)
        last = states[-1] if states else {}
        if not last.get(PREVIOUS_ACTION):
            # A conversation-start rule: Rasa accepts it for a start state without comparing
            # anything else, so it is never ruled out here.
            pair = (_ANY, _ANY)
        else:
            pair = (fixed(last, PREVIOUS_ACTION, ACTION_NAME), fixed(last, USER, INTENT))
        index.setdefault(pair, set()).add(rule_key)
    cache[id(lookup)] = (lookup, len(lookup), index)
    return index


def possible_rule_keys(policy: Any, lookup: Dict[str, Any], states: Any) -> set:
    """Drop-in for ``RulePolicy._get_possible_keys`` (the same keys).

    Rasa checks every rule (~250 here) against the conversation's last state, then the
    survivors against the states before it. A rule whose last state names a previous action
    or an intent can only match a conversation whose last state has that same one, so only
    the rules indexed under the conversation's (previous action, intent), or that fix
    neither, are checked, with Rasa's own check, state by state as Rasa does.

    Args:
        policy: The ``RulePolicy``.
        lookup: Rule keys (JSON of the rule's states) to actions.
        states: The conversation's states, oldest first.

    Returns:
        The keys of the rules that apply.
    """
    from rasa.shared.core.constants import PREVIOUS_ACTION, USER
    from rasa.shared.nlu.constants import ACTION_NAME, INTENT

    if not states:
        return set(lookup.keys())
    index = _rule_index(policy, lookup)
    last = states[-1]
    action = (last.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    intent = (last.get(USER) or {}).get(INTENT)
    actions = (_ANY, action) if isinstance(action, str) else (_ANY,)
    intents = (_ANY, intent) if isinstance(intent, str) else (_ANY,)
    possible: set = set()
    for a in actions:
        for i in intents:
            possible |= index.get((a, i), set())
    for turn, state in enumerate(reversed(states)):
        possible = {key for key in possible if policy._is_rule_applicable(key, turn, state)}
    return possible


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
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    DaskGraphRunner.run = run_graph_in_order  # type: ignore[method-assign]
    from rasa.core.policies.rule_policy import RulePolicy

    RulePolicy._get_possible_keys = possible_rule_keys  # type: ignore[method-assign]
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
    original_run = RemoteAction.run

    @functools.wraps(original_run)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        return await run_or_apologise(original_run, self, output_channel, nlg, tracker, domain)

    RemoteAction.run = run  # type: ignore[method-assign]

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
    # Conversations cached in memory, written through: SQLite files only (one writer).
    tracker_cache.install(SQLTrackerStore, lambda store: _is_sqlite_file(store.engine.url))

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
