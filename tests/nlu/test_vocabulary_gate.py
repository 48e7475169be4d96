"""The vocabulary gate on the project's own vocabulary (``clinicbot.components.vocabulary_gate``).

``tests/components/test_vocabulary_gate.py`` checks persistence and gibberish on a
two-sentence toy vocabulary. Here the gate learns what the shipped model learns (every NLU
example under ``data/``): messages in another language and keyboard mash fall back, ordinary
patient questions it never saw (the NLU held-out set) keep their intent, and the threshold, the
one-typo tolerance and an existing fallback behave as documented.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.vocabulary_gate import FALLBACK_INTENT, Vocabulary, VocabularyGate
from clinicbot.safety.evaluate import load_benign_questions, load_training_examples

HELDOUT = Path(__file__).with_name("heldout.yml")
TOPIC = "kb_logistics_cost_insurance"

#: Not English: the classifier would still pick a topic, the gate must ask to rephrase.
OTHER_LANGUAGE = [
    "necesito hablar con alguien hoy por favor",
    "quanto custa o tratamento e quando posso marcar",
    "ich habe angst vor der spritze",
    "¿cuánto cuesta una sesión y cuándo abren mañana?",
]
GIBBERISH = ["asdkjh qwpeoiru zxmcnv", "jfjfjfjf kdkdkd slslsl", "blorft snarg quibblewop"]
ORDINARY = [
    "how much does one infusion cost",
    "do you take insurance",
    "what should i wear to my appointment",
    "can someone drive me home after",
    "where do i park",
]


def _message(text: str, intent: str = TOPIC) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.93}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": 0.93}], add_to_output=True)
    return message


def _gate(tmp_path: Path, **config: float) -> VocabularyGate:
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    gate = VocabularyGate.create(
        {**VocabularyGate.get_default_config(), **config}, storage, Resource("gate"), context
    )
    examples = load_training_examples()
    assert len(examples) > 1000, "no NLU training data found under data/"
    gate.train(TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples]))
    return gate


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> VocabularyGate:
    return _gate(tmp_path_factory.mktemp("gate"))


def _intent(gate: VocabularyGate, text: str, intent: str = TOPIC) -> str:
    [message] = gate.process([_message(text, intent)])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", OTHER_LANGUAGE + GIBBERISH)
def test_other_languages_and_gibberish_fall_back(gate: VocabularyGate, text: str) -> None:
    [message] = gate.process([_message(text)])
    assert message.get("intent")["name"] == FALLBACK_INTENT
    ranking = message.get("intent_ranking")
    # The classifier's guess stays in the ranking, after the fallback, for the clarification.
    assert [r["name"] for r in ranking] == [FALLBACK_INTENT, TOPIC]
    ratio = gate.vocabulary.known_ratio(text)
    assert ratio is not None and message.get("intent")["confidence"] == pytest.approx(1 - ratio)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_question_keeps_its_intent(gate: VocabularyGate, text: str) -> None:
    [message] = gate.process([_message(text)])
    assert message.get("intent") == {"name": TOPIC, "confidence": 0.93}
    assert [r["name"] for r in message.get("intent_ranking")] == [TOPIC]


def test_held_out_questions_pass_the_gate(gate: VocabularyGate) -> None:
    """Questions the model never trained on are ordinary English: at most 1 % is gated."""
    questions = [case.text for case in load_benign_questions(HELDOUT)]
    assert len(questions) > 300
    gated = [q for q in questions if _intent(gate, q) == FALLBACK_INTENT]
    assert len(gated) <= len(questions) // 100, gated[:20]


def test_a_message_already_in_fallback_is_left_alone(gate: VocabularyGate) -> None:
    [message] = gate.process([_message("asdkjh qwpeoiru zxmcnv", FALLBACK_INTENT)])
    assert message.get("intent") == {"name": FALLBACK_INTENT, "confidence": 0.93}
    assert len(message.get("intent_ranking")) == 1, "the fallback was added twice"


def test_the_threshold_is_the_share_of_known_words(tmp_path: Path) -> None:
    """Half the words unknown: kept at the default 0.5, gated when the threshold is raised."""
    text = "insurance cost blorft snarg"
    default = _gate(tmp_path / "default")
    assert default.vocabulary.known_ratio(text) == pytest.approx(0.5)
    assert _intent(default, text) == TOPIC
    strict = _gate(tmp_path / "strict", min_known_ratio=0.75)
    assert _intent(strict, text) == FALLBACK_INTENT


def test_one_typo_is_tolerated_in_longer_words_only() -> None:
    vocabulary = Vocabulary(["infusion", "cost", "park", "ok"])
    assert vocabulary.knows("infusion")
    assert vocabulary.knows("infusoin")  # two neighbours swapped (symmetric deletions)
    assert vocabulary.knows("infuson")  # deletion
    assert vocabulary.knows("infussion")  # insertion
    assert vocabulary.knows("infusiun")  # substitution
    assert not vocabulary.knows("infsn")  # two deletions
    assert vocabulary.knows("cosy") and not vocabulary.knows("cozy")  # 4 letters: one edit
    assert not vocabulary.knows("oj")  # short words must match exactly
    assert vocabulary.known_ratio("!!! 123") is None
    assert vocabulary.known_ratio("Infusion COST zzzz") == pytest.approx(2 / 3)
