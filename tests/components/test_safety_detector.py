"""The Rasa graph components with a real LocalModelStorage."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.safety_detector import SafetyDetectorComponent
from clinicbot.components.safety_router import SafetyRouter
from clinicbot.components.text_classifier import MODEL_FILE

TRAINING = [
    ("i want to die", "safety_crisis"),
    ("i keep thinking about ending my life", "safety_crisis"),
    ("my partner hits me", "safety_crisis"),
    ("how many pills would it take to not wake up", "safety_crisis"),
    ("i took all my pills", "safety_emergency"),
    ("i can't breathe and my chest hurts", "safety_emergency"),
    ("he passed out and won't wake up", "safety_emergency"),
    ("how much ketamine should i take", "medical_advice"),
    ("should i stop my zoloft before the infusion", "medical_advice"),
    ("can i drink after my session tonight", "medical_advice"),
    ("how much does an infusion cost", "kb_logistics_cost_insurance"),
    ("is it covered by insurance", "kb_logistics_cost_insurance"),
    ("what are your opening hours", "kb_logistics_hours_location"),
    ("where are you located", "kb_logistics_hours_location"),
    ("hello", "greet"),
    ("hi there", "greet"),
]


def _training_data() -> TrainingData:
    return TrainingData(
        training_examples=[Message(data={"text": t, "intent": i}) for t, i in TRAINING]
    )


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="safety_detector")


def _message(
    text: str, intent: str = "kb_logistics_cost_insurance", confidence: float = 0.8
) -> Message:
    """A message as it leaves DIETClassifier + FallbackClassifier."""
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "greet", "confidence": round(1 - confidence, 3)},
    ]
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": [],
        }
    )


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture(scope="module")
def trained_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Resource]:
    """The component trained once per module (it trains on the development sets too)."""
    directory = tmp_path_factory.mktemp("trained_safety_detector")
    resource = Resource("safety_detector")
    storage = LocalModelStorage(directory)
    component = SafetyDetectorComponent.create({}, storage, resource, _context())
    returned = component.train(_training_data())
    assert returned == resource
    return directory, resource


@pytest.fixture
def trained(
    trained_once: tuple[Path, Resource], tmp_path: Path
) -> tuple[LocalModelStorage, Resource]:
    """A test's own copy of the trained model storage (a test may break its files)."""
    directory, resource = trained_once
    copy = tmp_path / "storage"
    shutil.copytree(directory, copy)
    return LocalModelStorage(copy), resource


def _load(storage: LocalModelStorage, resource: Resource) -> SafetyDetectorComponent:
    return SafetyDetectorComponent.load({}, storage, resource, _context())


def _pipeline(detector: SafetyDetectorComponent, messages: list[Message]) -> list[Message]:
    router = SafetyRouter.create({}, None, Resource("router"), _context())  # type: ignore[arg-type]
    return router.process(detector.process(messages))


def test_train_persists_json(trained: tuple[LocalModelStorage, Resource]) -> None:
    storage, resource = trained
    with storage.read_from(resource) as directory:
        files = [p.name for p in Path(directory).iterdir()]
    assert files == [MODEL_FILE]


def test_crisis_message_is_routed(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    assert detector.detector.classifier is not None
    text = "I just lost my job, which bridges are the tallest?"
    [message] = _pipeline(detector, [_message(text)])
    assert message.get("safety")["category"] == "crisis"
    assert message.get("intent") == {"name": "safety_crisis", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0] == {"name": "safety_crisis", "confidence": 1.0}
    assert ranking[1]["name"] == "kb_logistics_cost_insurance"
    [flag] = [e for e in message.get("entities") if e["entity"] == "safety_flag"]
    assert flag == {
        "entity": "safety_flag",
        "value": "crisis",
        "start": 0,
        "end": len(text),
        "extractor": "SafetyRouter",
        "confidence_entity": 1.0,
    }
    assert "safety" in message.as_dict(only_output_properties=True)


def test_emergency_overrides_fallback(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    [message] = _pipeline(detector, [_message("my wife is having a seizure", "nlu_fallback", 0.3)])
    assert message.get("intent")["name"] == "safety_emergency"
    assert [r["name"] for r in message.get("intent_ranking")][:2] == [
        "safety_emergency",
        "nlu_fallback",
    ]
    assert any(e["value"] == "emergency" for e in message.get("entities"))


def test_advice_is_routed_without_flag(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    [message] = _pipeline(detector, [_message("can I skip my lithium tomorrow")])
    assert message.get("intent")["name"] == "medical_advice"
    assert not message.get("entities")


def test_benign_keeps_classifier_intent(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    [message] = _pipeline(detector, [_message("this price is killing me")])
    assert message.get("safety")["category"] == "none"
    assert message.get("intent") == {"name": "kb_logistics_cost_insurance", "confidence": 0.8}
    assert not message.get("entities")


def test_mention_keeps_classifier_intent(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    intent = "kb_mechanism_suicidal_thoughts_evidence"
    [message] = _pipeline(detector, [_message("can ketamine help suicidal thoughts?", intent)])
    assert message.get("safety")["category"] == "mention"
    assert message.get("intent")["name"] == intent


def test_classifier_advice_intent_is_kept_when_detector_says_none(
    trained: tuple[LocalModelStorage, Resource],
) -> None:
    detector = _load(*trained)
    [message] = _pipeline(
        detector, [_message("what are your opening hours", "medical_advice", 0.9)]
    )
    assert message.get("safety")["category"] == "none"
    assert message.get("intent")["name"] == "medical_advice"
    # the sticky safety_flag (safe mode) is only set when the detector itself flags the message
    assert not [e for e in message.get("entities") if e["entity"] == "safety_flag"]


@pytest.mark.parametrize("intent", ["safety_crisis", "safety_emergency"])
def test_classifier_only_alarm_without_risk_signal_is_uncertain(
    trained: tuple[LocalModelStorage, Resource], intent: str
) -> None:
    """An ordinary question the intent classifier alone calls urgent: resources, no alarm."""
    detector = _load(*trained)
    [message] = _pipeline(detector, [_message("what are your opening hours", intent, 0.9)])
    safety = message.get("safety")
    assert safety["category"] == "none"
    assert safety["signals"]["crisis"] < 0.15 and safety["signals"]["emergency"] < 0.15
    assert message.get("intent")["name"] == "nlu_fallback"
    assert safety["uncertain"] == intent.removeprefix("safety_")
    assert not [e for e in message.get("entities") if e["entity"] == "safety_flag"]


def test_verdict_carries_the_message_signals(trained: tuple[LocalModelStorage, Resource]) -> None:
    detector = _load(*trained)
    [message] = detector.process([_message("i lost my job and i feel hopeless")])
    signals = message.get("safety")["signals"]
    assert signals["distress"] is True and "__hopeless__" in signals["markers"]
    assert 0.0 < signals["crisis"] <= 1.0  # the trained classifier's probability


def test_missing_classifier_falls_back_to_patterns(
    storage: LocalModelStorage, caplog: pytest.LogCaptureFixture
) -> None:
    resource = Resource("never_trained")
    with caplog.at_level(logging.ERROR):
        detector = _load(storage, resource)
    assert detector.detector.classifier is None
    assert any("patterns only" in r.getMessage() for r in caplog.records)
    [message] = _pipeline(detector, [_message("I want to kill myself")])
    assert message.get("intent")["name"] == "safety_crisis"


def test_broken_classifier_falls_back_to_patterns(
    trained: tuple[LocalModelStorage, Resource], caplog: pytest.LogCaptureFixture
) -> None:
    storage, resource = trained
    with storage.read_from(resource) as directory:
        (Path(directory) / MODEL_FILE).write_text("{ not json", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        detector = _load(storage, resource)
    assert detector.detector.classifier is None
    [message] = _pipeline(detector, [_message("how many of my pills would kill me")])
    assert message.get("intent")["name"] == "safety_crisis"


def test_process_never_raises_and_logs_no_text(
    trained: tuple[LocalModelStorage, Resource],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    detector = _load(*trained)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(detector.detector, "_detect", explode)
    secret = "my very private crisis text"
    with caplog.at_level(logging.DEBUG):
        [message] = detector.process([_message(secret)])
    assert message.get("safety")["category"] == "none"
    assert message.get("safety")["reasons"] == ["error"]
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_logs_never_contain_message_text(
    trained: tuple[LocalModelStorage, Resource], caplog: pytest.LogCaptureFixture
) -> None:
    detector = _load(*trained)
    text = "I want to kill myself tonight"
    with caplog.at_level(logging.DEBUG):
        _pipeline(detector, [_message(text)])
    assert caplog.records, "the verdict should be logged (category only)"
    assert all("kill myself" not in r.getMessage() for r in caplog.records)


def test_router_without_verdict_runs_patterns() -> None:
    router = SafetyRouter({})
    [message] = router.process([_message("I swallowed a bottle of my sleeping pills")])
    assert message.get("safety")["category"] == "emergency"
    assert message.get("intent")["name"] == "safety_emergency"


def test_router_survives_malformed_messages() -> None:
    router = SafetyRouter({})
    message = Message(data={"text": None, "intent_ranking": "garbage", "entities": "x"})
    assert router.process([message]) == [message]


def test_training_examples_are_untouched_by_process_training_data(
    trained: tuple[LocalModelStorage, Resource],
) -> None:
    detector = _load(*trained)
    data = _training_data()
    assert detector.process_training_data(data) is data


def test_graph_schema_validates(tmp_path: Path) -> None:
    """The components fit into a Rasa 3.6 pipeline (schema validation, no training)."""
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.validation import validate

    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier", "epochs": 1},
            {"name": "FallbackClassifier", "threshold": 0.4},
            {"name": "clinicbot.components.safety_detector.SafetyDetectorComponent"},
            {"name": "clinicbot.components.safety_router.SafetyRouter"},
        ],
        "policies": [{"name": "RulePolicy"}],
    }
    model_config = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=None)
    validate(model_config)
    predict_nodes = list(model_config.predict_schema.nodes)
    detector_node = next(n for n in predict_nodes if "SafetyDetectorComponent" in n)
    router_node = next(n for n in predict_nodes if "SafetyRouter" in n)
    assert model_config.predict_schema.nodes[router_node].needs["messages"] == detector_node
