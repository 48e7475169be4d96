"""ActionAnswerTopic: answers from the knowledge base with the reply contract's payload."""

from __future__ import annotations

from typing import Any, Callable, Dict

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerTopic, resolve_followup
from clinicbot.knowledge import default_knowledge_base


async def _run(
    tracker_args: Dict[str, Any],
    make_tracker: Callable[..., Any],
    domain: Dict[str, Any],
) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerTopic().run(dispatcher, make_tracker(**tracker_args), domain)
    return dispatcher, events


async def test_answers_topic_with_sources_and_payload(make_tracker, domain) -> None:
    dispatcher, events = await _run(
        {"intent": "kb_safety_side_effects", "text": "side effects?"}, make_tracker, domain
    )
    kb = default_knowledge_base()
    entry = kb.get("safety.side_effects")
    assert entry is not None
    [message] = dispatcher.messages
    assert kb.render(entry) in message["text"]
    payload = message["custom"]
    assert payload["kind"] == "answer"
    assert payload["kb_id"] == "safety.side_effects"
    assert payload["sources"] == kb.citations(entry) and payload["sources"]
    assert SlotSet("last_topic", "safety.side_effects") in events
    assert message["buttons"], "related topics are offered"


async def test_disclaimer_only_the_first_time(make_tracker, domain) -> None:
    kb = default_knowledge_base()
    first, events = await _run({"intent": "kb_mechanism_how_it_works"}, make_tracker, domain)
    assert kb.message("disclaimer") in first.messages[0]["text"]
    assert SlotSet("disclaimer_shown", True) in events
    later, _ = await _run(
        {"intent": "kb_mechanism_how_it_works", "slots": {"disclaimer_shown": True}},
        make_tracker,
        domain,
    )
    assert kb.message("disclaimer") not in later.messages[0]["text"]


async def test_named_medicine_is_sent_to_a_clinician(make_tracker, domain) -> None:
    dispatcher, _ = await _run(
        {
            "intent": "kb_safety_drug_interactions",
            "text": "Can I take Zoloft with it?",
            "entities": [{"entity": "MEDICINE", "value": "Zoloft"}],
        },
        make_tracker,
        domain,
    )
    text = dispatcher.messages[0]["text"]
    assert "sertraline" in text  # brand name mapped to the lexicon's name
    assert dispatcher.messages[0]["custom"]["kb_id"] == "safety.drug_interactions"


async def test_sms_channel_gets_short_version_without_buttons(make_tracker, domain) -> None:
    kb = default_knowledge_base()
    entry = kb.get("logistics.cost_insurance")
    assert entry is not None
    dispatcher, _ = await _run(
        {
            "intent": "kb_logistics_cost_insurance",
            "channel": "twilio",
            "slots": {"disclaimer_shown": True},
        },
        make_tracker,
        domain,
    )
    message = dispatcher.messages[0]
    assert message["text"] == kb.render(entry, sms=True)
    assert not message["buttons"]


async def test_followup_uses_last_topic(make_tracker, domain) -> None:
    kb = default_knowledge_base()
    expected = resolve_followup(kb, "followup_duration", "safety.side_effects")
    assert expected is not None and expected.id != "safety.side_effects"
    dispatcher, _ = await _run(
        {
            "intent": "followup_duration",
            "text": "and how long does that last?",
            "slots": {"last_topic": "safety.side_effects", "disclaimer_shown": True},
        },
        make_tracker,
        domain,
    )
    assert dispatcher.messages[0]["custom"]["kb_id"] == expected.id


async def test_followup_without_context_has_sensible_default(make_tracker, domain) -> None:
    dispatcher, _ = await _run({"intent": "followup_duration"}, make_tracker, domain)
    assert dispatcher.messages[0]["custom"]["kb_id"] == "mechanism.onset_and_duration"


async def test_safe_mode_and_suicide_mentions_repeat_the_resources(make_tracker, domain) -> None:
    reminder = default_knowledge_base().message("safety_reminder")
    in_safe_mode, _ = await _run(
        {"intent": "kb_logistics_booking", "slots": {"safety_flag": "crisis"}},
        make_tracker,
        domain,
    )
    assert reminder in in_safe_mode.messages[0]["text"]
    assert in_safe_mode.messages[0]["custom"]["safe_mode"] is True
    mention, _ = await _run(
        {
            "intent": "kb_mechanism_suicidal_thoughts_evidence",
            "safety": {"category": "mention"},
        },
        make_tracker,
        domain,
    )
    assert reminder in mention.messages[0]["text"]
    ordinary, _ = await _run({"intent": "kb_logistics_booking"}, make_tracker, domain)
    assert reminder not in ordinary.messages[0]["text"]


async def test_unknown_intent_asks_to_rephrase(make_tracker, domain) -> None:
    dispatcher, _ = await _run({"intent": "kb_no_such_topic"}, make_tracker, domain)
    assert dispatcher.messages[0]["custom"]["kind"] == "clarify"


async def test_eligibility_answers_offer_the_prescreen_others_do_not(make_tracker, domain) -> None:
    for intent, offered in [
        ("kb_eligibility_age_requirements", True),
        ("kb_eligibility_who_is_candidate", True),
        ("kb_logistics_booking", False),
    ]:
        dispatcher, _ = await _run({"intent": intent}, make_tracker, domain)
        payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
        assert ("/start_screening" in payloads) is offered, intent


async def test_middling_answer_offers_runner_ups_first_with_did_you_mean(
    make_tracker, domain
) -> None:
    tracker = make_tracker(intent="kb_safety_side_effects", text="is spravato safe")
    tracker.latest_message["alternatives"] = [
        "kb_mechanism_esketamine_vs_ketamine",
        "kb_safety_side_effects",  # the answered topic itself is never offered again
        "not_an_intent",
    ]
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    kb = default_knowledge_base()
    [message] = dispatcher.messages
    assert message["custom"]["kb_id"] == "safety.side_effects"
    assert message["custom"]["alternatives"] == ["mechanism.esketamine_vs_ketamine"]
    assert message["buttons"][0]["payload"] == "/kb_mechanism_esketamine_vs_ketamine"
    assert kb.message("did_you_mean") in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert len(payloads) == len(set(payloads)), "no button twice"


async def test_confident_answer_has_no_did_you_mean(make_tracker, domain) -> None:
    tracker = make_tracker(intent="kb_safety_side_effects", text="side effects?")
    tracker.latest_message["alternatives"] = []
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["custom"]["alternatives"] == []
    assert default_knowledge_base().message("did_you_mean") not in message["text"]


async def test_sms_answer_stays_short_without_alternatives(make_tracker, domain) -> None:
    tracker = make_tracker(intent="kb_safety_side_effects", text="is it safe", channel="twilio")
    tracker.latest_message["alternatives"] = ["kb_safety_long_term_risks"]
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert not message["buttons"]
    assert default_knowledge_base().message("did_you_mean") not in message["text"]


async def test_clarification_offers_the_nlu_choice_and_reports_it(make_tracker, domain) -> None:
    from actions.clarify import ActionClarify

    tracker = make_tracker(
        intent="nlu_fallback",
        text="what about the spray thing",
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "kb_logistics_booking", "confidence": 0.2},
        ],
    )
    tracker.latest_message["alternatives"] = [
        "kb_mechanism_esketamine_vs_ketamine",
        "kb_process_routes",
    ]
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["custom"]["kind"] == "clarify"
    assert message["custom"]["alternatives"] == [
        "mechanism.esketamine_vs_ketamine",
        "process.routes",
    ]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == [
        "/kb_mechanism_esketamine_vs_ketamine",
        "/kb_process_routes",
        "/request_human",
    ]


async def test_clarification_without_alternatives_falls_back_to_the_ranking(
    make_tracker, domain
) -> None:
    from actions.clarify import ActionClarify

    tracker = make_tracker(
        intent="nlu_fallback",
        text="hmm",
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "kb_logistics_booking", "confidence": 0.2},
        ],
    )
    dispatcher = CollectingDispatcher()
    await ActionClarify().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["buttons"][0]["payload"] == "/kb_logistics_booking"
    assert message["custom"]["alternatives"] == ["logistics.booking"]
