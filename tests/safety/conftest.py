"""Shared fixtures for the safety tests: detectors trained once per session."""

from __future__ import annotations

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
