"""The vocabulary gate: gibberish falls back, typos of known words do not."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from clinicbot.components.vocabulary_gate import VocabularyGate
from tests.components.conftest import TrainAndLoad


def _message(text: str, intent: str = "kb_safety_side_effects") -> Message:
    m = Message(data={"text": text})
    m.set("intent", {"name": intent, "confidence": 0.95}, add_to_output=True)
    m.set("intent_ranking", [{"name": intent, "confidence": 0.95}], add_to_output=True)
    return m


def test_trained_gate_survives_persistence_and_gates_gibberish(
    train_and_load: TrainAndLoad,
) -> None:
    examples = [
        ("what are the side effects of ketamine", "a"),
        ("how much does an infusion cost", "b"),
    ]
    loaded = train_and_load(VocabularyGate, examples)
    gibberish, typo, known, empty = loaded.process(
        [
            _message("xyzzy plugh frobnicate"),
            _message("side efects of ketamin?"),
            _message("infusion cost"),
            _message("???"),
        ]
    )
    assert gibberish.get("intent")["name"] == "nlu_fallback"
    assert gibberish.get("intent_ranking")[1]["name"] == "kb_safety_side_effects"
    assert typo.get("intent")["name"] == "kb_safety_side_effects"
    assert known.get("intent")["name"] == "kb_safety_side_effects"
    assert empty.get("intent")["name"] == "kb_safety_side_effects"  # no words: leave it


def test_untrained_gate_does_nothing(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    gate = VocabularyGate.load(
        VocabularyGate.get_default_config(), storage, Resource("missing"), context
    )
    [message] = gate.process([_message("xyzzy plugh")])
    assert message.get("intent")["name"] == "kb_safety_side_effects"
