"""JsonPersistedComponent: train/persist/load written once, JSON only, damaged state tolerated."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.base import JsonPersistedComponent
from clinicbot.components.json_state import StateFormatError, read_json


class WordCount(JsonPersistedComponent):
    """A toy component: remembers how many training examples it saw."""

    state_file: ClassVar[str] = "count.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"scale": 1}

    def __init__(self, config, model_storage=None, resource=None) -> None:
        super().__init__(config, model_storage, resource)
        self.count: int | None = None

    def fit(self, training_data: TrainingData) -> None:
        self.count = len(training_data.training_examples) * self.config["scale"]

    def state(self) -> Any:
        return None if self.count is None else {"count": self.count}

    def restore(self, state: Any) -> None:
        if not isinstance(state, dict) or not isinstance(state.get("count"), int):
            raise StateFormatError("no count")
        self.count = state["count"]


CONTEXT = ExecutionContext(GraphSchema({}), "test")
DATA = TrainingData([Message(data={"text": t, "intent": "a"}) for t in ("x", "y", "z")])


def test_train_persists_json_and_load_restores(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("count")
    component = WordCount.create({"scale": 2}, storage, resource, CONTEXT)
    assert component.train(DATA) == resource
    with storage.read_from(resource) as directory:
        assert [p.name for p in Path(directory).iterdir()] == ["count.json"]
        assert read_json(Path(directory) / "count.json") == {"count": 6}
    loaded = WordCount.load({"scale": 2}, storage, resource, CONTEXT)
    assert loaded.count == 6
    assert loaded.config == {"scale": 2}


def test_config_is_merged_over_the_defaults() -> None:
    assert WordCount({}).config == {"scale": 1}
    assert WordCount(None).config == {"scale": 1}


@pytest.mark.parametrize("content", ['{"count": NaN}', "{broken", '{"count": "6"}', "[1, 2]"])
def test_damaged_state_loads_without_it_and_says_so(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("count")
    with storage.write_to(resource) as directory:
        (Path(directory) / "count.json").write_text(content, encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        loaded = WordCount.load({}, storage, resource, CONTEXT)
    assert loaded.count is None
    assert any("WordCount" in r.getMessage() for r in caplog.records)
    assert content not in caplog.text  # the error type is logged, never the content


def test_missing_resource_loads_without_state(tmp_path: Path) -> None:
    loaded = WordCount.load({}, LocalModelStorage(tmp_path), Resource("never"), CONTEXT)
    assert loaded.count is None


def test_nothing_to_persist_writes_no_file(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("count")
    WordCount({}, storage, resource).persist()
    with storage.read_from(resource) as directory:
        assert list(Path(directory).iterdir()) == []


def test_nan_is_never_written(tmp_path: Path) -> None:
    component = WordCount({}, LocalModelStorage(tmp_path), Resource("count"))
    component.count = float("nan")  # type: ignore[assignment]
    with pytest.raises(ValueError):
        component.persist()
