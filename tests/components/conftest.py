"""Shared helpers of the component tests: train a component into a real model storage, load it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Tuple, TypeVar

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.base import JsonPersistedComponent

C = TypeVar("C", bound=JsonPersistedComponent)
TrainAndLoad = Callable[..., Any]


def training_data(examples: Iterable[Tuple[str, str]]) -> TrainingData:
    """NLU training data from ``(text, intent)`` pairs."""
    return TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples])


@pytest.fixture
def train_and_load(tmp_path: Path) -> TrainAndLoad:
    """Trains a component class on ``(text, intent)`` pairs, persists it and loads it back."""

    def run(cls: type[C], examples: Iterable[Tuple[str, str]], **config: Any) -> C:
        storage = LocalModelStorage(tmp_path)
        resource = Resource(cls.__name__)
        context = ExecutionContext(GraphSchema({}), "test")
        settings = {**cls.get_default_config(), **config}
        cls.create(settings, storage, resource, context).train(training_data(examples))
        return cls.load(settings, storage, resource, context)

    return run
