"""The warm reply to low mood told without risk (clinicbot.support, clarify and out-of-scope)."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarify
from clinicbot.knowledge import default_knowledge_base
from clinicbot.nlg import ClinicNLG
from clinicbot.paths import DOMAIN_FILE
from clinicbot.support import asks_something, low_mood

# Sentences written for these tests (not from any evaluation set).
FEELINGS = [
    "been feeling so low since the move, nothing major just flat",
    "i'm really stressed out about my exams",
    "rough couple of weeks tbh, rough week at work",
    "today has been so heavy",
    "my grandma passed away last month and i miss her",
    "i feel kinda lonely now the kids have moved out",
    "honestly I’m exhausted",
    "we split up in june",
]
NOT_FEELINGS = [
    "how much is a session",
    "i'm down for booking a consult",
    "i am off on friday, any slots?",
    "i'm low on gas money, is there parking close by",
    "i'm lost, which entrance is it",
    "can my partner come with me",
    "",
    None,
]


@pytest.mark.parametrize("text", FEELINGS)
def test_a_feeling_told_is_read_as_low_mood(text: str) -> None:
    assert low_mood(text)


@pytest.mark.parametrize("text", NOT_FEELINGS)
def test_questions_and_everyday_words_are_not_low_mood(text: str | None) -> None:
    assert not low_mood(text)


def test_a_long_story_is_not_read_as_a_feeling_told() -> None:
    story = "i'm so sad " + "and then we drove to the coast and back " * 20
    assert not low_mood(story)
    assert low_mood(story[:40])


def test_a_question_alongside_is_noticed() -> None:
    assert asks_something("i'm anxious, what happens at the first visit")
    assert asks_something("feeling low. is it for me?")
    assert not asks_something("my dog died and i keep crying")


def _ranking() -> list[dict]:
    return [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "kb_logistics_cost_insurance", "confidence": 0.3},
    ]


async def test_clarify_answers_a_feeling_warmly_without_topics_or_a_failure(
    make_tracker, domain
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="nlu_fallback",
        text="my grandma passed away last month and i miss her",
        ranking=_ranking(),
        slots={"fallback_count": 1.0},
    )
    events = await ActionClarify().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages  # no hand-off although one failure was counted before
    assert message["text"] == default_knowledge_base().message("support_low_mood")
    assert "988" in message["text"]
    assert message["custom"]["kind"] == "clarify"
    assert message["custom"]["variant"] == "support"
    assert [b["payload"] for b in message["buttons"]] == ["/request_human"]
    assert not any(isinstance(e, SlotSet) for e in events) and events == []


async def test_clarify_keeps_the_topics_when_a_question_comes_with_the_feeling(
    make_tracker, domain
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="nlu_fallback", text="i'm so stressed, what does it cost", ranking=_ranking()
    )
    await ActionClarify().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["custom"]["variant"] == "support"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/kb_logistics_cost_insurance", "/request_human"]


async def test_clarify_without_a_feeling_is_unchanged(make_tracker, domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="nlu_fallback", text="what about the thing", ranking=_ranking())
    events = await ActionClarify().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["text"] == default_knowledge_base().message("clarify")
    assert "variant" not in message["custom"]
    assert SlotSet("fallback_count", 1.0) in events


def _tracker(text: str, slots: dict | None = None) -> DialogueStateTracker:
    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events(
        "u1",
        [ActionExecuted("action_listen"), UserUttered(text, {"name": "out_of_scope"})],
        domain.slots,
    )
    for name, value in (slots or {}).items():
        tracker.slots[name].value = value
    return tracker


async def _generate(text: str, slots: dict | None = None) -> dict:
    nlg = ClinicNLG(domain=Domain.load(str(DOMAIN_FILE)))
    response = await nlg.generate("utter_out_of_scope", _tracker(text, slots), "rest")
    assert response is not None
    return response


async def test_out_of_scope_reply_to_a_feeling_is_the_warm_one() -> None:
    response = await _generate("today was terrible, my boss shouted at me")
    assert response["text"] == default_knowledge_base().message("support_low_mood")
    assert response["custom"] == {
        "kind": "out_of_scope",
        "kb_id": None,
        "sources": [],
        "escalation_id": None,
        "variant": "support",
    }
    assert [b["payload"] for b in response["buttons"]] == ["/request_human"]


async def test_out_of_scope_reply_to_anything_else_is_unchanged() -> None:
    response = await _generate("what's the weather in denver")
    assert response["text"] == default_knowledge_base().message("out_of_scope")
    assert "variant" not in response["custom"]


async def test_the_warm_reply_keeps_the_safe_mode_reminder() -> None:
    response = await _generate("feeling really down", {"safety_flag": True})
    assert response["text"].startswith(default_knowledge_base().message("support_low_mood"))
    assert response["custom"]["safe_mode"] is True
    assert response["text"] != default_knowledge_base().message("support_low_mood")
