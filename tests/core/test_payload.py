"""The reply contract's payload and the REST channel's one-payload-per-turn shaping."""

from __future__ import annotations

import pytest

from clinicbot.channels.common import BadInput, clean_sender, clean_text
from clinicbot.channels.rest import shape_turn
from clinicbot.payload import make_payload, merge_payloads


def test_payload_has_contract_keys() -> None:
    p = make_payload("answer", kb_id="safety.side_effects", sources=["R10"])
    assert p == {
        "kind": "answer",
        "kb_id": "safety.side_effects",
        "sources": ["R10"],
        "escalation_id": None,
    }
    with pytest.raises(ValueError):
        make_payload("chitchat")


def test_crisis_outranks_handoff_and_keeps_escalation_id() -> None:
    merged = merge_payloads(
        [make_payload("crisis"), make_payload("handoff", escalation_id="E-ABC123")]
    )
    assert merged is not None
    assert merged["kind"] == "crisis"
    assert merged["escalation_id"] == "E-ABC123"


def test_turn_with_two_messages_gets_exactly_one_payload_at_the_end() -> None:
    messages = [
        {"recipient_id": "u", "text": "crisis text"},
        {"recipient_id": "u", "custom": make_payload("crisis")},
        {"recipient_id": "u", "text": "team alerted"},
        {"recipient_id": "u", "custom": make_payload("crisis", escalation_id="E-1")},
    ]
    shaped = shape_turn(messages, "u")
    assert [m.get("text") for m in shaped[:-1]] == ["crisis text", "team alerted"]
    assert sum("custom" in m for m in shaped) == 1
    assert shaped[-1]["custom"]["escalation_id"] == "E-1"


def test_quiet_turn_has_no_payload() -> None:
    assert shape_turn([], "u") == []


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (None, 400),
        (42, 400),
        ("", 400),
        ("   \n\t ", 400),
        ("\u200b\u0000", 400),
        ("x" * 5001, 413),
    ],
)
def test_bad_messages_are_rejected_clearly(value: object, status: int) -> None:
    with pytest.raises(BadInput) as info:
        clean_text(value)
    assert info.value.status == status


def test_control_characters_are_removed_but_text_kept() -> None:
    assert clean_text(" hi\u0007 there\n ") == "hi there"


@pytest.mark.parametrize("sender", ["", "a" * 129, "../etc", "a b", None])
def test_bad_sender_ids_are_rejected(sender: object) -> None:
    with pytest.raises(BadInput):
        clean_sender(sender)
