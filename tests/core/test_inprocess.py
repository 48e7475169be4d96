"""Pieces that run inside the Rasa server: the clinic NLG and the staff-hold policy."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.components.policies import StaffHoldPolicy
from clinicbot.knowledge import default_knowledge_base
from clinicbot.nlg import ClinicNLG, safety_reminder


def _tracker(domain: Domain, intent: str, **slots: object) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        "u1",
        [
            ActionExecuted(ACTION_LISTEN_NAME),
            *[SlotSet(k, v) for k, v in slots.items()],
            UserUttered("hi", intent={"name": intent, "confidence": 1.0}),
        ],
        domain.slots,
    )
    return tracker


async def test_crisis_text_names_the_clinic_and_crisis_lines(rasa_domain: Domain) -> None:
    nlg = ClinicNLG(domain=rasa_domain)
    response = await nlg.generate("utter_crisis", _tracker(rasa_domain, "safety_crisis"), "rest")
    assert response is not None
    values = default_knowledge_base().clinic.placeholders()
    text = response["text"]
    assert "988" in text and "911" in text
    assert values["clinic_phone"] in text and "{" not in text
    assert response["custom"]["kind"] == "crisis"


async def test_emergency_text_has_911_and_poison_help(rasa_domain: Domain) -> None:
    nlg = ClinicNLG(domain=rasa_domain)
    response = await nlg.generate(
        "utter_emergency", _tracker(rasa_domain, "safety_emergency"), "rest"
    )
    assert response is not None
    assert "911" in response["text"] and "1-800-222-1222" in response["text"]
    assert response["custom"]["kind"] == "emergency"


async def test_safe_mode_is_calm_and_repeats_resources(rasa_domain: Domain) -> None:
    nlg = ClinicNLG(domain=rasa_domain)
    normal = await nlg.generate("utter_greet", _tracker(rasa_domain, "greet"), "rest")
    safe = await nlg.generate(
        "utter_greet", _tracker(rasa_domain, "greet", safety_flag="crisis"), "rest"
    )
    assert normal is not None and safe is not None
    assert safety_reminder() not in normal["text"]
    assert safety_reminder() in safe["text"]
    assert "Hello!" not in safe["text"]  # no cheerful small talk in safe mode
    assert safe["custom"]["safe_mode"] is True
    crisis = await nlg.generate(
        "utter_crisis", _tracker(rasa_domain, "safety_crisis", safety_flag="crisis"), "rest"
    )
    assert crisis is not None and safety_reminder() not in crisis["text"]


def _policy(tmp_path) -> StaffHoldPolicy:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    return StaffHoldPolicy.create(
        StaffHoldPolicy.get_default_config(), storage, Resource("hold"), context
    )


@pytest.mark.parametrize(
    ("held", "intent", "listens"),
    [
        (True, "kb_logistics_booking", True),
        (True, "greet", True),
        (True, "safety_crisis", False),
        (True, "safety_emergency", False),
        (False, "kb_logistics_booking", False),
    ],
)
def test_bot_stays_quiet_while_staff_hold_except_safety(
    tmp_path, rasa_domain: Domain, held: bool, intent: str, listens: bool
) -> None:
    policy = _policy(tmp_path)
    tracker = _tracker(rasa_domain, intent, handoff_active=held)
    prediction = policy.predict_action_probabilities(tracker, rasa_domain)
    listen = prediction.probabilities[rasa_domain.index_for_action(ACTION_LISTEN_NAME)]
    assert (listen == 1.0) is listens
    assert prediction.policy_priority == 7
