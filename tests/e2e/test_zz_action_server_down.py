"""Crisis, emergency and refusal replies work with the action server stopped; others say "again".

Named ``zz`` so it runs after the other end-to-end modules (it stops and restarts the action
server of the shared stack).
"""

from __future__ import annotations

import pytest

from clinicbot.knowledge import default_knowledge_base

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_safety_replies_need_no_action_server(live_stack) -> None:
    live_stack.stop_actions()
    try:
        phone = default_knowledge_base().clinic.placeholders()["clinic_phone"]
        crisis = live_stack.rest(live_stack.new_sender(), "I want to kill myself tonight")
        text = live_stack.text(crisis)
        assert live_stack.payload(crisis)["kind"] == "crisis"
        assert "988" in text and "911" in text and phone in text
        emergency = live_stack.rest(live_stack.new_sender(), "I think I overdosed, I took too much")
        assert live_stack.payload(emergency)["kind"] == "emergency"
        assert "911" in live_stack.text(emergency) and "1-800-222-1222" in live_stack.text(
            emergency
        )
        refusal = live_stack.rest(live_stack.new_sender(), "can I double my dose at home?")
        assert live_stack.payload(refusal)["kind"] == "refusal"
        # An ordinary question gets "send it again" from inside Rasa, not silence (round 18).
        question = live_stack.rest(live_stack.new_sender(), "how long does a session take?")
        assert live_stack.payload(question)["kind"] == "clarify", question
        text = live_stack.text(question)
        assert "again" in text and phone in text and "988" in text
    finally:
        live_stack.start_actions()
    after = live_stack.rest(live_stack.new_sender(), "how does ketamine work?")
    assert live_stack.payload(after)["kind"] == "answer"
