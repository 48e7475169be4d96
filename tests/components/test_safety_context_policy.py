"""SafetyContextPolicy: a veiled message right after a distress message gets the crisis sequence.

The trackers carry the ``safety`` verdicts as the NLU pipeline writes them into the parse data;
the rule itself (``contextual_risk``) is tested in ``test_safety_context.py``.
"""

from __future__ import annotations

from typing import Any, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.components.policies import SafetyContextPolicy, user_messages
from clinicbot.paths import DOMAIN_FILE

DISTRESS = {
    "category": "none",
    "subcategory": "none",
    "signals": {"crisis": 0.2, "emergency": 0.0, "markers": [], "distress": True},
}
VEILED = {
    "category": "none",
    "subcategory": "none",
    "signals": {"crisis": 0.6, "emergency": 0.0, "markers": [], "distress": False},
}
ORDINARY = {
    "category": "none",
    "subcategory": "none",
    "signals": {"crisis": 0.01, "emergency": 0.0, "markers": [], "distress": False},
}


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(DOMAIN_FILE))


@pytest.fixture
def policy(tmp_path) -> SafetyContextPolicy:
    return SafetyContextPolicy.create(
        SafetyContextPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("context_safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _said(safety: Any, intent: str = "nlu_fallback") -> UserUttered:
    return UserUttered(
        "...",
        intent={"name": intent, "confidence": 0.9},
        parse_data={"intent": {"name": intent, "confidence": 0.9}, "safety": safety},
    )


def _tracker(
    domain: Domain,
    previous: Any,
    latest: Any,
    intent: str = "nlu_fallback",
    after: List[str] | None = None,
    in_form: bool = False,
) -> DialogueStateTracker:
    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME)]
    if previous is not None:
        events += [_said(previous), ActionExecuted("action_clarify")]
    if in_form:
        events += [
            ActionExecuted("screening_form"),
            ActiveLoop("screening_form"),
            SlotSet("requested_slot", "screen_reason"),
        ]
    events += [ActionExecuted(ACTION_LISTEN_NAME), _said(latest, intent)]
    events += [ActionExecuted(name) for name in after or []]
    return DialogueStateTracker.from_events("u1", events, domain.slots)


def _predicted(policy: SafetyContextPolicy, domain: Domain, tracker: DialogueStateTracker) -> str:
    prediction = policy.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) == 0.0:
        return ""
    assert prediction.is_no_user_prediction
    assert prediction.policy_priority == 9
    return domain.action_names_or_texts[prediction.probabilities.index(1.0)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ([], "utter_crisis"),
        (["utter_crisis"], "action_escalate_urgent"),
        (["utter_crisis", "action_escalate_urgent"], ACTION_LISTEN_NAME),
    ],
)
def test_veiled_message_after_distress_gets_the_crisis_sequence(
    policy: SafetyContextPolicy, rasa_domain: Domain, after: List[str], expected: str
) -> None:
    tracker = _tracker(rasa_domain, DISTRESS, VEILED, after=after)
    assert _predicted(policy, rasa_domain, tracker) == expected


def test_the_same_veiled_message_overrides_a_refusal(
    policy: SafetyContextPolicy, rasa_domain: Domain
) -> None:
    tracker = _tracker(rasa_domain, DISTRESS, VEILED, intent="medical_advice")
    assert _predicted(policy, rasa_domain, tracker) == "utter_crisis"


def test_inside_a_form_the_form_is_closed(policy: SafetyContextPolicy, rasa_domain: Domain) -> None:
    after = ["utter_crisis", "action_escalate_urgent"]
    tracker = _tracker(rasa_domain, DISTRESS, VEILED, after=after, in_form=True)
    assert _predicted(policy, rasa_domain, tracker) == "action_deactivate_loop"


@pytest.mark.parametrize(
    ("previous", "latest", "intent"),
    [
        (DISTRESS, ORDINARY, "kb_logistics_hours_location"),  # a sad message, then a question
        (ORDINARY, VEILED, "nlu_fallback"),  # no distress before
        (None, VEILED, "nlu_fallback"),  # the first message of the conversation
        (DISTRESS, VEILED, "safety_crisis"),  # already a crisis: the rules answer it
        (DISTRESS, None, "nlu_fallback"),  # no verdict (e.g. an older model)
    ],
)
def test_no_opinion_otherwise(
    policy: SafetyContextPolicy, rasa_domain: Domain, previous: Any, latest: Any, intent: str
) -> None:
    tracker = _tracker(rasa_domain, previous, latest, intent=intent)
    assert _predicted(policy, rasa_domain, tracker) == ""


def test_no_opinion_once_the_sequence_is_done_or_replaced(
    policy: SafetyContextPolicy, rasa_domain: Domain
) -> None:
    done = ["utter_crisis", "action_escalate_urgent", ACTION_LISTEN_NAME]
    assert (
        _predicted(policy, rasa_domain, _tracker(rasa_domain, DISTRESS, VEILED, after=done)) == ""
    )
    other = ["action_clarify"]
    assert (
        _predicted(policy, rasa_domain, _tracker(rasa_domain, DISTRESS, VEILED, after=other)) == ""
    )


def test_user_messages_latest_first(rasa_domain: Domain) -> None:
    tracker = _tracker(rasa_domain, DISTRESS, VEILED)
    latest, previous = user_messages(tracker, 2)
    assert latest.parse_data["safety"] == VEILED
    assert previous.parse_data["safety"] == DISTRESS


def _after_urgent(
    domain: Domain, urgent_intent: str, text: str, safety: Any, held: bool = False
) -> DialogueStateTracker:
    """An urgent message answered by the rules, then ``text`` (an FAQ question by intent)."""
    reply = "utter_crisis" if urgent_intent == "safety_crisis" else "utter_emergency"
    events: List[Event] = [
        ActionExecuted(ACTION_LISTEN_NAME),
        _said(ORDINARY, urgent_intent),
        ActionExecuted(reply),
        ActionExecuted("action_escalate_urgent"),
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered(
            text,
            intent={"name": "kb_logistics_hours_location", "confidence": 0.9},
            parse_data={
                "intent": {"name": "kb_logistics_hours_location", "confidence": 0.9},
                "safety": safety,
            },
        ),
    ]
    if held:
        events.insert(0, SlotSet("handoff_active", True))
    return DialogueStateTracker.from_events("u2", events, domain.slots)


WEAK_RISK = {
    "category": "none",
    "subcategory": "none",
    "signals": {"crisis": 0.2, "emergency": 0.0, "markers": [], "distress": False},
}


@pytest.mark.parametrize(
    ("urgent_intent", "safety", "expected"),
    [
        ("safety_crisis", WEAK_RISK, "utter_crisis"),
        ("safety_crisis", ORDINARY, ""),  # no risk signal: the question gets its answer
        ("safety_emergency", ORDINARY, "utter_emergency"),
    ],
)
def test_the_message_after_an_urgent_reply_gets_it_again(
    policy: SafetyContextPolicy,
    rasa_domain: Domain,
    urgent_intent: str,
    safety: Any,
    expected: str,
) -> None:
    tracker = _after_urgent(rasa_domain, urgent_intent, "what time do you open", safety)
    assert _predicted(policy, rasa_domain, tracker) == expected


@pytest.mark.parametrize(
    ("text", "safety", "held"),
    [
        ("ok thanks, calling them now", WEAK_RISK, False),  # acknowledges the reply
        ("what time do you open", {**WEAK_RISK, "subcategory": "negated"}, False),
        ("what time do you open", WEAK_RISK, True),  # staff hold the conversation
    ],
)
def test_no_repeat_after_an_acknowledgement_a_safe_message_or_under_staff_hold(
    policy: SafetyContextPolicy, rasa_domain: Domain, text: str, safety: Any, held: bool
) -> None:
    tracker = _after_urgent(rasa_domain, "safety_crisis", text, safety, held=held)
    assert _predicted(policy, rasa_domain, tracker) == ""


# -- round 17: a personal decision asked about the medicine the previous message named


def _pair(
    domain: Domain,
    previous: str,
    latest: str,
    intent: str = "nlu_fallback",
    after: List[str] | None = None,
    held: bool = False,
    in_form: bool = False,
) -> DialogueStateTracker:
    def said(text: str, name: str) -> UserUttered:
        return UserUttered(
            text,
            intent={"name": name, "confidence": 0.9},
            parse_data={"intent": {"name": name, "confidence": 0.9}, "safety": ORDINARY},
        )

    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME)]
    if held:
        events.append(SlotSet("handoff_active", True))
    events += [said(previous, "kb_eligibility_current_medications"), ActionExecuted("action_kb")]
    if in_form:
        events += [ActionExecuted("screening_form"), ActiveLoop("screening_form")]
    events += [ActionExecuted(ACTION_LISTEN_NAME), said(latest, intent)]
    events += [ActionExecuted(name) for name in after or []]
    return DialogueStateTracker.from_events("u2", events, domain.slots)


MEDICINE_TOLD = "i take wellbutrin 300 every morning"
DECISION_ASKED = "so should i skip it on thursday?"


@pytest.mark.parametrize(
    ("after", "expected"), [([], "utter_refusal"), (["utter_refusal"], ACTION_LISTEN_NAME)]
)
def test_a_decision_about_the_medicine_named_before_gets_the_refusal(
    policy: SafetyContextPolicy, rasa_domain: Domain, after: List[str], expected: str
) -> None:
    tracker = _pair(rasa_domain, MEDICINE_TOLD, DECISION_ASKED, after=after)
    assert _predicted(policy, rasa_domain, tracker) == expected


@pytest.mark.parametrize(
    ("previous", "latest", "intent", "held", "in_form"),
    [
        (MEDICINE_TOLD, "does it interact with ketamine?", "nlu_fallback", False, False),
        ("my appointment is on thursday", DECISION_ASKED, "nlu_fallback", False, False),
        (MEDICINE_TOLD, DECISION_ASKED, "medical_advice", False, False),  # the rules refuse it
        (MEDICINE_TOLD, DECISION_ASKED, "nlu_fallback", True, False),  # staff answer it
        (MEDICINE_TOLD, DECISION_ASKED, "nlu_fallback", False, True),  # the form's own turn
    ],
)
def test_no_refusal_without_a_decision_a_medicine_or_outside_the_bot(
    policy: SafetyContextPolicy,
    rasa_domain: Domain,
    previous: str,
    latest: str,
    intent: str,
    held: bool,
    in_form: bool,
) -> None:
    tracker = _pair(rasa_domain, previous, latest, intent=intent, held=held, in_form=in_form)
    assert _predicted(policy, rasa_domain, tracker) == ""
