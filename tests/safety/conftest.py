"""Shared fixtures for the safety tests: detectors trained, and the shipped model loaded, once."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from clinicbot.safety.cases import load_training_examples
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.dev_sets import dev_training_examples, safety_training_examples
from tests.fixtures.trained import cached_detector


@pytest.fixture(scope="session")
def trained_detector() -> SafetyDetector:
    """A detector trained on everything under data/ (as evaluate does).

    Trained once and cached by a digest of its examples and code (``tests.fixtures.trained``).
    """
    return cached_detector(
        load_training_examples() + dev_training_examples() + safety_training_examples()
    )


@pytest.fixture(scope="session")
def pattern_detector() -> SafetyDetector:
    """A detector without classifier: patterns only."""
    return SafetyDetector()


@pytest.fixture(scope="session")
def shipped_parse() -> Callable[[str], dict[str, Any]]:
    """The current trained model's parse function (full Rasa pipeline), loaded once."""
    from clinicbot.evaluate import model_parser
    from clinicbot.run import current_model

    model = current_model()
    if model is None:
        pytest.fail("no current model: `make test` trains one before the slow tests")
    return model_parser(model)


@pytest.fixture(scope="session")
def shipped_verdict(shipped_parse: Callable[[str], dict[str, Any]]) -> Any:
    """The current trained model's verdict function, one message at a time."""
    from clinicbot.safety.evaluate import pipeline_verdict

    return pipeline_verdict(shipped_parse)


@pytest.fixture(scope="session")
def shipped_case_verdict(shipped_parse: Callable[[str], dict[str, Any]]) -> Any:
    """As ``make evaluate-safety`` scores: a two-message case with its context (full pipeline)."""
    from clinicbot.safety.evaluate import pipeline_case_verdict

    return pipeline_case_verdict(shipped_parse)
