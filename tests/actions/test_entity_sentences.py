"""Issue 12, critical items: answers rendered WITH the entity a patient named.

The messages go through the project's real spaCy entity ruler (built from
``knowledge/lexicon.yml`` into a temporary folder), so these tests cover the lexicon, the
ruler, the entity kinds and the action together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerTopic
from clinicbot import spacy_build
from clinicbot.knowledge import default_knowledge_base

#: The sentence the old lexicon produced for cannabis and alcohol (read as permission).
KEEP_USING = re.compile(r"don't stop or change it|don't change it on your own", re.I)
#: The old condition sentence's claims.
OLD_CONDITION_CLAIMS = ("apart from depression", "whether it makes sense for you")


@pytest.fixture(scope="module")
def nlp(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import spacy

    folder: Path = tmp_path_factory.mktemp("spacy") / "pipeline"
    spacy_build.build(folder)
    return spacy.load(folder)


def _entities(nlp: Any, text: str) -> List[Dict[str, Any]]:
    """Entities as Rasa's SpacyEntityExtractor reports them."""
    return [
        {"entity": ent.label_, "value": ent.text, "start": ent.start_char, "end": ent.end_char}
        for ent in nlp(text).ents
    ]


async def _answer(
    nlp: Any, intent: str, text: str, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> str:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent=intent,
        text=text,
        entities=_entities(nlp, text),
        slots={"disclaimer_shown": True},
    )
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    return str(message["text"])


def _sentences_about(text: str, name: str) -> str:
    """The entity sentence(s) that start with "You mentioned <name>"."""
    start = text.find(f"You mentioned {name}")
    assert start >= 0, f"no sentence about {name!r} in: {text[-400:]}"
    return text[start:]


# --------------------------------------------------------------------------- critical 1


def test_alcohol_and_cannabis_are_substances_not_medicines(nlp: Any) -> None:
    labels = {e["value"].lower(): e["entity"] for e in _entities(nlp, "weed, beer and zoloft")}
    assert labels == {"weed": "SUBSTANCE", "beer": "SUBSTANCE", "zoloft": "MEDICINE"}


@pytest.mark.parametrize(
    "intent",
    ["kb_safety_drug_interactions", "kb_eligibility_current_medications", "kb_process_preparation"],
)
async def test_cannabis_gets_the_substance_sentence(
    nlp: Any, intent: str, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    text = await _answer(
        nlp, intent, "can I smoke weed during my ketamine treatment?", make_tracker, domain
    )
    about = _sentences_about(text, "cannabis")
    assert not KEEP_USING.search(about)
    assert "prescriber" not in about  # the medicine sentence's advice
    assert "avoid cannabis" in about.lower()
    assert "before and after your sessions" in about
    assert "how often you use them" in about


@pytest.mark.parametrize("intent", ["kb_safety_drug_interactions", "kb_process_preparation"])
async def test_alcohol_gets_the_alcohol_sentence(
    nlp: Any, intent: str, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    message = "is a glass of wine ok the night before?"
    text = await _answer(nlp, intent, message, make_tracker, domain)
    about = _sentences_about(text, "alcohol")
    assert not KEEP_USING.search(about)
    assert "avoid alcohol" in about.lower()
    assert "every day or drink a lot" in about  # daily or heavy drinking: tell the clinic
    assert "Stopping all at once can be risky" in about


async def test_medicine_and_substance_in_one_message_each_get_their_own_sentence(
    nlp: Any, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    text = await _answer(
        nlp,
        "kb_safety_drug_interactions",
        "I take Zoloft and smoke weed, and I drink beer on weekends",
        make_tracker,
        domain,
    )
    medicine = text[text.index("You mentioned sertraline") :]
    medicine = medicine[: medicine.index("You mentioned", 5)]
    assert "don't stop or change it on your own" in medicine  # right for a medicine
    assert "cannabis" not in medicine and "alcohol" not in medicine
    assert not KEEP_USING.search(_sentences_about(text, "alcohol"))
    assert "avoid cannabis" in _sentences_about(text, "cannabis").lower()


# --------------------------------------------------------------------------- critical 2

CONDITION_CASES = [
    ("I have schizophrenia", "schizophrenia", "exclusion"),
    ("I had psychosis two years ago", "psychosis", "exclusion"),
    ("I have high blood pressure", "high blood pressure", "exclusion"),
    ("I struggle with substance use", "substance use disorder", "caution"),
    ("I have bipolar disorder", "bipolar depression", "caution"),
    ("I have depression", "depression", "possible_indication"),
    ("what about PTSD", "PTSD", "possible_indication"),
]


@pytest.mark.parametrize(
    "intent", ["kb_mechanism_evidence_other_conditions", "kb_eligibility_who_is_candidate"]
)
@pytest.mark.parametrize(("message", "name", "kind"), CONDITION_CASES)
async def test_condition_sentence_follows_the_conditions_kind(
    nlp: Any,
    intent: str,
    message: str,
    name: str,
    kind: str,
    make_tracker: Callable[..., Any],
    domain: Dict[str, Any],
) -> None:
    text = await _answer(nlp, intent, message, make_tracker, domain)
    about = _sentences_about(text, name)
    for claim in OLD_CONDITION_CLAIMS:
        assert claim not in about.lower()
    if kind == "exclusion":
        assert "often rules ketamine treatment out" in about
        assert "off-label" not in about  # not framed as a possible use
    elif kind == "caution":
        assert "needs extra care" in about
        assert "must review your history" in about
    else:
        assert "off-label" in about
        assert "rules" not in about
    if name == "depression":
        # No claim that IV ketamine is approved for depression.
        assert "IV ketamine is approved only for anesthesia" in about or (
            "IV ketamine is off-label for it" in about
        )


async def test_possible_use_and_exclusion_in_one_message_are_not_mixed(
    nlp: Any, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    text = await _answer(
        nlp,
        "kb_eligibility_who_is_candidate",
        "can someone with depression and schizophrenia get ketamine?",
        make_tracker,
        domain,
    )
    depression = text[text.index("You mentioned depression") :]
    depression = depression[: depression.index("You mentioned", 5)]
    assert "rules" not in depression and "schizophrenia" not in depression
    assert "often rules ketamine treatment out" in _sentences_about(text, "schizophrenia")


# --------------------------------------------------------------------------- critical 3


async def test_contraindications_give_high_blood_pressure_its_label_status(
    nlp: Any, make_tracker: Callable[..., Any], domain: Dict[str, Any]
) -> None:
    text = await _answer(
        nlp,
        "kb_eligibility_contraindications",
        "is uncontrolled high blood pressure a problem?",
        make_tracker,
        domain,
    )
    assert "rather than official US rules" not in text
    assert "clinic policies" not in text
    body = text[: text.index("You mentioned")]
    assert "ketamine injection" in body and "label" in body
    assert "high blood pressure that is not under control rules it out" in body
    assert "often rules ketamine treatment out" in _sentences_about(text, "high blood pressure")


def test_old_entity_sentences_are_gone_from_the_knowledge_base() -> None:
    kb = default_knowledge_base()
    texts = [s for by_kind in kb.lexicon.sentences.values() for s in by_kind.values()]
    for entry in kb.entries.values():
        for spec in entry.entity_templates.values():
            texts.extend([spec] if isinstance(spec, str) else spec.values())
    for text in texts:
        assert "apart from depression" not in text.lower()
        assert "whether it makes sense for you" not in text.lower()
