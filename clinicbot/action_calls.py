"""Rasa's calls to the action server, faster and safer (installed by ``clinicbot.rasa_tuning``).

* **Action results validated with a prepared validator.** Rasa checks every action server
  answer with ``jsonschema.validate``, which first validates the *schema itself* against the
  JSON Schema meta-schema on every call: about 110 ms of CPU per action call, a third of a
  whole turn. The same schema, checked once, validates the same answers in about 1 ms and
  raises the same ``ValidationError``. An answer is first checked event by event against the
  schema of its own event name (Rasa's ``oneOf`` tries all 23): an answer that passes is one
  the full schema accepts; any other goes through the full check, which raises as Rasa does.
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
* **A reply, not silence, when an answering action cannot run.** When the call of an action
  that answers the patient (:data:`REPLY_ACTIONS`: a knowledge-base answer, a clarification, a
  hand-off, the pre-screen's start or end) fails for good (the action server is restarting
  under ``make run``, timed out, or answered with an error), Rasa logs it and the turn gets no
  reply at all. :func:`run_or_apologise` sends the domain response
  :data:`UNAVAILABLE_RESPONSE` instead (from inside the Rasa server: "please send it again in a
  minute", the clinic's number, 988 and 911), unless the turn has already replied (a crisis
  text before ``action_escalate_urgent``: that action is never one of these).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List

import aiohttp

from clinicbot.outbox import ACTION_FAILED, NO_ESCALATION, record_urgent

if TYPE_CHECKING:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

#: Extra attempts of an action call whose connection failed before any answer.
RETRIES = 2
#: Seconds between attempts (times the attempt number).
RETRY_DELAY_SECONDS = 0.05
#: Idle seconds after which a pooled connection is closed (Sanic closes at 5 s).
KEEPALIVE_SECONDS = 2.0
#: Connections per Rasa process to the action server at most (further calls wait for one).
MAX_CONNECTIONS = 64


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    """Rasa's action answer schema with its validator class, checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@functools.lru_cache(maxsize=1)
def _event_validators() -> tuple[Any, Dict[str, Any]] | None:
    """The answer schema without its per-event ``oneOf``, and one validator per event name.

    Rasa's schema checks every event against ``oneOf`` 23 event schemas, each of which
    starts with ``"event": {"const": <name>}``: an event whose ``event`` is a string valid
    for exactly one of them is the event valid for the schema of its own name (every other
    fails on its ``const``). Checking that one schema gives the same verdict for a fraction
    of the work. None when the schema is not of that shape (then only the full check runs).
    """
    import copy

    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as the full validator's
    try:
        items = schema["properties"]["events"]["items"]
        if "event" not in items["required"] or items["properties"]["event"] != {"type": "string"}:
            return None
        branches = items.pop("oneOf")
        by_event: Dict[str, Any] = {}
        for branch in branches:
            name = branch["properties"]["event"]["const"]
            if not isinstance(name, str) or name in by_event:
                return None
            by_event[name] = cls(branch)
    except (KeyError, TypeError, AttributeError):
        return None
    if "$ref" in repr(schema) or "$ref" in repr(branches):
        return None  # a branch checked alone would not resolve references
    return cls(schema), by_event


def _valid_by_event_name(result: Any) -> bool:
    """True only when the full schema accepts ``result`` (False: let the full check decide)."""
    prepared = _event_validators()
    if prepared is None:
        return False
    without_events_one_of, by_event = prepared
    if not without_events_one_of.is_valid(result):
        return False
    for event in result.get("events") or ():  # objects with a string "event" (checked above)
        validator = by_event.get(event["event"])
        if validator is None or not validator.is_valid(event):
            return False
    return True


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

    if _valid_by_event_name(result):
        return True
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


#: The actions whose run is the turn's reply to the patient. When one cannot run, the patient
#: gets :data:`UNAVAILABLE_RESPONSE` instead of no reply (the form's slot questions and
#: validation are left to the form, the urgent escalation to the outbox).
REPLY_ACTIONS = frozenset(
    {
        "action_answer_topic",
        "action_clarify",
        "action_escalate",
        "action_screening_start",
        "action_screening_submit",
    }
)
#: The domain response sent when a reply action cannot run (kind ``clarify``: send it again).
UNAVAILABLE_RESPONSE = "utter_action_unavailable"


def replied_since_latest_message(tracker: DialogueStateTracker) -> bool:
    """Whether the bot has already said something since the patient's latest message.

    Args:
        tracker: The conversation as the action sees it.

    Returns:
        True when a bot message follows the latest user message.
    """
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return True
    return False


RemoteRun = Callable[
    ["RemoteAction", "OutputChannel", "NaturalLanguageGenerator", "DialogueStateTracker", "Domain"],
    Awaitable[List["Event"]],
]


async def run_or_apologise(
    run: RemoteRun,
    action: RemoteAction,
    output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    domain: Domain,
) -> List[Event]:
    """Runs a remote action; a reply action that fails answers with :data:`UNAVAILABLE_RESPONSE`.

    Args:
        run: Rasa's ``RemoteAction.run``.
        action: The remote action.
        output_channel: The patient's channel.
        nlg: The response generator (``ClinicNLG``).
        tracker: The conversation.
        domain: The model's domain.

    Returns:
        The action's events, or the apology's bot message when it could not run.

    Raises:
        ActionExecutionRejection: As Rasa raises it (a form's validation rejected the input).
        Exception: What the call raised, for any other action, or when the turn has replied.
    """
    from rasa.core.actions.action import ActionExecutionRejection, create_bot_utterance

    try:
        return await run(action, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except Exception as exc:
        if (
            action.name() not in REPLY_ACTIONS
            or UNAVAILABLE_RESPONSE not in domain.responses
            or replied_since_latest_message(tracker)
        ):
            raise
        # The error's class only: its text may carry the URL, never a message.
        logger.error(
            "action %s could not run (%s); the patient is asked to send the message again",
            action.name(),
            type(exc).__name__,
        )
        message = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
        if message is None:
            raise
        return [create_bot_utterance(message)]
