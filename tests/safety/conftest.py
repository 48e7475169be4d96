"""Shared fixtures for the safety tests: detectors trained once per session."""

from __future__ import annotations

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.evaluate import train_detector


@pytest.fixture(scope="session")
def trained_detector() -> SafetyDetector:
    """A detector trained on everything under data/ (as evaluate does)."""
    return train_detector()


@pytest.fixture(scope="session")
def pattern_detector() -> SafetyDetector:
    """A detector without classifier: patterns only."""
    return SafetyDetector()
