"""Bases of the project's graph components: configuration, and state persisted as JSON.

``ConfiguredComponent`` is the part every component shares: the configuration merged over
``get_default_config()`` and a ``create`` that needs nothing else. ``JsonPersistedComponent``
adds what a trained component needs, written once: ``train`` fits, then ``persist`` writes
the component's state as one JSON file into Rasa's model storage, and ``load`` reads it back
(``clinicbot.components.json_state``: never pickle; NaN and Infinity are neither written nor
read). A component whose state cannot be read still loads (``state_unavailable`` says
what it does instead), so a damaged model never stops the server.
"""

from __future__ import annotations

import abc
import logging
from pathlib import Path
from typing import Any, ClassVar, Dict, Type, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.components.json_state import read_json, write_json

logger = logging.getLogger(__name__)

_C = TypeVar("_C", bound="ConfiguredComponent")
_P = TypeVar("_P", bound="JsonPersistedComponent")


class ConfiguredComponent(GraphComponent):
    """A graph component built from its configuration alone.

    Args:
        config: The configuration (merged over ``get_default_config()``).
        model_storage: Where a trained component persists its state.
        resource: This component's resource in the model storage.
    """

    def __init__(
        self,
        config: Dict[str, Any] | None,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
    ) -> None:
        self.config: Dict[str, Any] = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: Type[_C],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _C:
        """Creates the component (untrained, for a trainable one)."""
        return cls(config, model_storage, resource)


class JsonPersistedComponent(ConfiguredComponent, abc.ABC):
    """A trainable component whose state is one JSON file in the model storage.

    Subclasses name the file (``state_file``) and implement ``fit`` (learn from the training
    data), ``state`` (what to persist) and ``restore`` (rebuild from it); ``state_unavailable``
    says what the component does when its state cannot be loaded (it logs an error and runs
    without it by default).
    """

    #: The file name of the state inside the component's resource.
    state_file: ClassVar[str] = "state.json"
    #: Errors while loading that mean "no usable state" (anything else propagates).
    load_errors: ClassVar[tuple[type[Exception], ...]] = (OSError, ValueError)

    @abc.abstractmethod
    def fit(self, training_data: TrainingData) -> None:
        """Learns the component's state from the training data."""

    @abc.abstractmethod
    def state(self) -> Any:
        """The state to persist as JSON; ``None`` persists nothing."""

    @abc.abstractmethod
    def restore(self, state: Any) -> None:
        """Rebuilds the component from persisted state.

        Raises:
            ValueError: If the state is malformed.
        """

    def uses_state(self) -> bool:
        """Whether ``load`` reads the persisted state (a subclass may switch it off)."""
        return True

    def state_unavailable(self, error: Exception) -> None:
        """Called by ``load`` when the state cannot be read; logs the error type only.

        Args:
            error: What went wrong.
        """
        logger.error(
            "%s: no usable trained state (%s); it runs without one.",
            type(self).__name__,
            type(error).__name__,
        )

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the component and persists its state.

        Args:
            training_data: The NLU training data.

        Returns:
            The resource holding the state.
        """
        self.fit(training_data)
        self.persist()
        return self._storage()[1]

    def persist(self) -> None:
        """Writes the state (if any) as JSON into the model storage."""
        model_storage, resource = self._storage()
        with model_storage.write_to(resource) as directory:
            state = self.state()
            if state is not None:
                write_json(Path(directory) / self.state_file, state)

    def _storage(self) -> tuple[ModelStorage, Resource]:
        """The model storage and resource (a trained component always has both)."""
        if self._model_storage is None or self._resource is None:
            raise RuntimeError(f"{type(self).__name__} has no model storage to persist to")
        return self._model_storage, self._resource

    @classmethod
    def load(
        cls: Type[_P],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> _P:
        """Loads the persisted state; without a usable one the component still loads.

        Args:
            config: The component configuration.
            model_storage: The model storage.
            resource: This component's resource.
            execution_context: The graph execution context.
            **kwargs: Unused.

        Returns:
            The component.
        """
        component = cls(config, model_storage, resource)
        if not component.uses_state():
            return component
        try:
            with model_storage.read_from(resource) as directory:
                component.restore(read_json(Path(directory) / cls.state_file))
        except cls.load_errors as error:
            component.state_unavailable(error)
        return component
