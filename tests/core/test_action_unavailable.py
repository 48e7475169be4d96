"""An answering action that cannot run gets a "send it again" reply, not silence.

Rasa logs a failed action call and the turn gets no reply at all: with ``make run``, a patient
who wrote while the action server restarted heard nothing (round 17's smoke test).
``clinicbot.action_calls.run_or_apologise`` (installed on ``RemoteAction.run`` by
``clinicbot.rasa_tuning.apply``) sends the domain response ``utter_action_unavailable`` from
inside the Rasa server instead, for the actions that are the turn's reply, and only when the turn
has not replied yet.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from clinicbot import rasa_tuning
from clinicbot.action_calls import (
    REPLY_ACTIONS,
    UNAVAILABLE_RESPONSE,
    replied_since_latest_message,
    run_or_apologise,
)
from clinicbot.knowledge import default_knowledge_base
from clinicbot.nlg import ClinicNLG
from clinicbot.paths import DOMAIN_FILE

#: Nothing listens on the discard port: the action server is down.
CLOSED = "http://127.0.0.1:9/webhook"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


def _tracker(domain: Domain, *after_message: Event) -> DialogueStateTracker:
    events: List[Event] = [
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered("how long does a session take?", intent={"name": "kb_session_what_to_expect"}),
        *after_message,
    ]
    return DialogueStateTracker.from_events("unavailable", events, domain.slots)


def _apologise(run: Any, name: str, domain: Domain, tracker: DialogueStateTracker) -> List[Event]:
    """``run_or_apologise`` around ``run`` for the action ``name``, on the patient's channel."""
    action = RemoteAction(name, None)
    channel = CollectingOutputChannel()
    return asyncio.run(
        run_or_apologise(run, action, channel, ClinicNLG(domain=domain), tracker, domain)
    )


def _run(action: RemoteAction, domain: Domain, tracker: DialogueStateTracker) -> List[Event]:
    return asyncio.run(
        action.run(CollectingOutputChannel(), ClinicNLG(domain=domain), tracker, domain)
    )


def test_an_answer_with_the_action_server_down_is_the_send_again_reply(domain: Domain) -> None:
    rasa_tuning.apply()
    events = _run(
        RemoteAction("action_answer_topic", EndpointConfig(url=CLOSED)), domain, _tracker(domain)
    )
    assert len(events) == 1 and isinstance(events[0], BotUttered), events
    reply = events[0]
    assert reply.data["custom"]["kind"] == "clarify"
    assert reply.data["custom"]["kb_id"] is None
    phone = default_knowledge_base().clinic.placeholders()["clinic_phone"]
    text = reply.text or ""
    assert "again" in text and phone in text and "988" in text and "911" in text
    assert "{" not in text  # every placeholder filled


@pytest.mark.parametrize("name", sorted(REPLY_ACTIONS))
def test_every_reply_action_apologises_when_its_call_fails(domain: Domain, name: str) -> None:
    async def failing(*_: Any) -> List[Event]:
        raise asyncio.TimeoutError()

    events = _apologise(failing, name, domain, _tracker(domain))
    assert [e.data["custom"]["kind"] for e in events if isinstance(e, BotUttered)] == ["clarify"]


def test_actions_that_are_not_the_reply_still_fail_as_before(domain: Domain) -> None:
    """A form's question or validation, and the urgent escalation (the outbox covers it)."""
    rasa_tuning.apply()
    for name in ("action_ask_screen_age", "validate_screening_form"):
        with pytest.raises(RasaException):
            _run(RemoteAction(name, EndpointConfig(url=CLOSED)), domain, _tracker(domain))

    async def failing(*_: Any) -> List[Event]:
        raise RasaException("down")

    with pytest.raises(RasaException):
        _apologise(failing, "action_escalate_urgent", domain, _tracker(domain))


def test_no_apology_after_the_turn_has_replied(domain: Domain) -> None:
    """A turn that already said something (e.g. a crisis text) adds no "send it again"."""
    said = _tracker(domain, ActionExecuted("utter_crisis"), BotUttered("crisis text"))
    assert replied_since_latest_message(said)
    assert not replied_since_latest_message(_tracker(domain))
    rasa_tuning.apply()
    with pytest.raises(RasaException):
        _run(RemoteAction("action_escalate", EndpointConfig(url=CLOSED)), domain, said)


def test_a_rejection_is_passed_on_for_the_form_to_handle(domain: Domain) -> None:
    async def rejected(*_: Any) -> List[Event]:
        raise ActionExecutionRejection("action_answer_topic", "not this one")

    with pytest.raises(ActionExecutionRejection):
        _apologise(rejected, "action_answer_topic", domain, _tracker(domain))


def test_a_domain_without_the_response_fails_as_before(domain: Domain) -> None:
    async def failing(*_: Any) -> List[Event]:
        raise RasaException("down")

    bare = Domain.from_dict({"intents": ["greet"], "responses": {}})
    assert UNAVAILABLE_RESPONSE in domain.responses and UNAVAILABLE_RESPONSE not in bare.responses
    with pytest.raises(RasaException):
        _apologise(failing, "action_answer_topic", bare, _tracker(domain))


def test_a_successful_call_is_returned_untouched(domain: Domain) -> None:
    answer: List[Event] = [BotUttered("the answer", data={"custom": {"kind": "answer"}})]

    async def works(*_: Any) -> List[Event]:
        return answer

    got = _apologise(works, "action_answer_topic", domain, _tracker(domain))
    assert got is answer
