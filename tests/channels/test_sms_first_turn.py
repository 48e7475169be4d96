"""Issue 12 (minor): the first SMS answer fits its segment budget and no part is cut in half."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerTopic
from clinicbot.channels import sms_format as f
from clinicbot.channels import sms_text as t
from clinicbot.channels.sms_format import TurnPart
from clinicbot.knowledge import default_knowledge_base


def _paragraphs(*sizes: int) -> List[str]:
    return [
        " ".join(f"Part {i} sentence {j} says one thing." for j in range(n))
        for i, n in enumerate(sizes)
    ]


def test_truncate_paragraphs_drops_whole_paragraphs_only() -> None:
    first, long_one, reminder = _paragraphs(3, 20, 2)
    text = "\n\n".join([first, long_one, reminder])
    short = t.truncate_paragraphs(text, lambda s: len(s) <= 300)
    assert short == first + "\n\n" + reminder  # the long one went whole; the reminder stayed
    assert t.truncate_paragraphs(first, lambda s: len(s) <= 300) == first


def test_truncate_paragraphs_cuts_on_sentences_when_the_first_is_too_long() -> None:
    [only] = _paragraphs(20)
    short = t.truncate_paragraphs(only, lambda s: len(s) <= 120)
    assert short and only.startswith(short) and short.endswith(".") and len(short) <= 120


def test_format_turn_never_sends_half_a_paragraph() -> None:
    parts_text = _paragraphs(4, 6, 12, 2)
    turn = f.format_turn([TurnPart(text="\n\n".join(parts_text))])
    [message] = turn.messages
    assert t.segment_count(message) <= t.MAX_SEGMENTS
    kept = message.split("\n\n")
    assert all(p in parts_text for p in kept)
    assert parts_text[0] in kept and parts_text[-1] in kept


async def _first_sms_turn(
    intent: str,
    make_tracker: Callable[..., Any],
    domain: Dict[str, Any],
    entities: List[Dict[str, Any]] | None = None,
    safety: Dict[str, Any] | None = None,
) -> tuple[str, List[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent=intent, channel="twilio", entities=entities, safety=safety)
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    part = TurnPart(text=message["text"], custom=message["custom"])
    return message["text"], f.format_turn([part]).messages


@pytest.mark.parametrize("topic", sorted(default_knowledge_base().entries))
async def test_every_first_sms_answer_arrives_whole(
    topic: str, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    kb = default_knowledge_base()
    entry = kb.entries[topic]
    _, messages = await _first_sms_turn(entry.intent, make_tracker, domain)
    [message] = messages
    assert t.segment_count(message) <= t.MAX_SEGMENTS
    assert t.sms_friendly(kb.message("disclaimer_sms")) in message
    assert t.sms_friendly(kb.render(entry, sms=True)) in message


async def test_first_sms_turn_keeps_the_substance_warning_and_the_safety_reminder(
    make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    kb = default_knowledge_base()
    entry = kb.get("safety.drug_interactions")
    assert entry is not None
    text, [message] = await _first_sms_turn(
        "kb_safety_drug_interactions",
        make_tracker,
        domain,
        entities=[{"entity": "SUBSTANCE", "value": "weed"}],
    )
    [warning] = kb.entity_sentences(entry, {"substance": ["weed"]}, sms=True)
    assert warning in text and t.sms_friendly(warning) in message
    assert "avoid it" in warning and "how often you use them" in warning
    assert t.segment_count(message) <= t.MAX_SEGMENTS

    _, [mention] = await _first_sms_turn(
        "kb_mechanism_suicidal_thoughts_evidence",
        make_tracker,
        domain,
        safety={"category": "mention"},
    )
    assert t.sms_friendly(kb.message("safety_reminder")) in mention
    assert t.segment_count(mention) <= t.MAX_SEGMENTS
