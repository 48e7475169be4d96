"""SafetyInterruptsLoopPolicy: a crisis inside the pre-screening needs no action server."""

from __future__ import annotations

from typing import List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.components.policies import SafetyInterruptsLoopPolicy, actions_since_latest_message


@pytest.fixture
def policy(tmp_path) -> SafetyInterruptsLoopPolicy:
    return SafetyInterruptsLoopPolicy.create(
        SafetyInterruptsLoopPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("loop_safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _tracker(
    domain: Domain, intent: str, in_form: bool = True, after: List[str] | None = None
) -> DialogueStateTracker:
    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME)]
    if in_form:
        events += [
            ActionExecuted("screening_form"),
            ActiveLoop("screening_form"),
            SlotSet("requested_slot", "screen_reason"),
            ActionExecuted(ACTION_LISTEN_NAME),
        ]
    events.append(UserUttered("...", intent={"name": intent, "confidence": 1.0}))
    events += [ActionExecuted(name) for name in after or []]
    return DialogueStateTracker.from_events("u1", events, domain.slots)


@pytest.mark.parametrize(
    ("intent", "after", "expected"),
    [
        ("safety_crisis", [], "utter_crisis"),
        ("safety_crisis", ["utter_crisis"], "action_escalate_urgent"),
        ("safety_crisis", ["utter_crisis", "action_escalate_urgent"], "action_deactivate_loop"),
        ("safety_emergency", [], "utter_emergency"),
        ("safety_emergency", ["utter_emergency"], "action_escalate_urgent"),
    ],
)
def test_the_safety_sequence_runs_inside_a_form(
    policy: SafetyInterruptsLoopPolicy,
    rasa_domain: Domain,
    intent: str,
    after: List[str],
    expected: str,
) -> None:
    prediction = policy.predict_action_probabilities(
        _tracker(rasa_domain, intent, after=after), rasa_domain
    )
    assert prediction.probabilities[rasa_domain.index_for_action(expected)] == 1.0
    assert prediction.is_no_user_prediction  # outranks RulePolicy's loop prediction
    assert prediction.policy_priority == 8


@pytest.mark.parametrize(
    ("intent", "in_form", "after"),
    [
        ("kb_safety_side_effects", True, []),  # not a safety message
        ("safety_crisis", False, []),  # no form: the rules answer it
        ("safety_crisis", True, ["screening_form"]),  # the form ran: not this policy's turn
    ],
)
def test_no_opinion_otherwise(
    policy: SafetyInterruptsLoopPolicy,
    rasa_domain: Domain,
    intent: str,
    in_form: bool,
    after: List[str],
) -> None:
    prediction = policy.predict_action_probabilities(
        _tracker(rasa_domain, intent, in_form=in_form, after=after), rasa_domain
    )
    assert max(prediction.probabilities) == 0.0
    assert not prediction.is_no_user_prediction


def test_actions_since_latest_message(rasa_domain: Domain) -> None:
    tracker = _tracker(rasa_domain, "safety_crisis", after=["utter_crisis"])
    assert actions_since_latest_message(tracker) == ["utter_crisis"]
