"""Fixtures of the pre-screening tests."""

from __future__ import annotations

import pytest

from clinicbot.knowledge import KnowledgeBase, default_knowledge_base
from clinicbot.screening import Screening, default_screening


@pytest.fixture(scope="session")
def screen() -> Screening:
    """The pre-screening data shipped with the project."""
    return default_screening()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with the project."""
    return default_knowledge_base()
