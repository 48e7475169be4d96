"""Shared fixtures: tracker, dispatcher, domain and clinic hours for action tests (as in rasa-demo).

The other shared fixtures live in ``tests/fixtures/`` and are loaded here as plugins: clinic
databases (``database_url``, ``db_url``, ``raw_engine``, ``engine``, ``clinic_db``, ``clinic``,
``postgres_server``), the browser (``browser``, ``widget_pages``), the shipped knowledge base,
lexicon and Rasa domain (``kb``, ``lexicon``, ``rasa_domain``), a test's own urgent outbox
(``outbox``). Loopback helpers
(``free_port``, ``wait_http``, ``serve_sanic``, ``serve_aiohttp``) are in
:mod:`tests.fixtures.net`. Tests whose fixtures start a server or Chromium are marked ``server``
or ``browser`` at collection (:mod:`tests.fixtures.markers`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.paths import DOMAIN_FILE
from tests.fixtures.markers import mark_by_fixtures

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.browser",
    "tests.fixtures.knowledge",
    "tests.fixtures.outbox",
    "pytester",
]


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects
def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Marks tests ``server`` / ``browser`` by the fixtures they use."""
    mark_by_fixtures(items)


@pytest.fixture(scope="session", autouse=True)
def urgent_outbox_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test process and the servers it starts write the urgent outbox to a temp file.

    Never ``var/urgent-outbox.jsonl``, which a running action server would turn into real
    urgent escalations.
    """
    path = tmp_path_factory.mktemp("outbox") / "urgent-outbox.jsonl"
    previous = os.environ.get("URGENT_OUTBOX")
    os.environ["URGENT_OUTBOX"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("URGENT_OUTBOX", None)
    else:
        os.environ["URGENT_OUTBOX"] = previous


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The project's domain, as the action server receives it."""
    with DOMAIN_FILE.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A dispatcher that collects the messages an action sends."""
    return CollectingDispatcher()


def build_tracker(
    intent: str,
    text: str = "",
    slots: Dict[str, Any] | None = None,
    entities: List[Dict[str, Any]] | None = None,
    events: List[Dict[str, Any]] | None = None,
    channel: str = "rest",
    ranking: List[Dict[str, Any]] | None = None,
    safety: Dict[str, Any] | None = None,
    sender: str = "test-user",
) -> Tracker:
    """Builds a tracker whose latest message has the given NLU result."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    if safety is not None:
        latest["safety"] = safety
    history = list(events or []) + [
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
    ]
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """Factory for trackers (see :func:`build_tracker`)."""
    return build_tracker


@pytest.fixture
def open_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-off actions see the clinic open."""
    from actions.handoff import EscalatingAction

    monkeypatch.setattr(EscalatingAction, "clinic_is_open", lambda self: True)


@pytest.fixture
def closed_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-off actions see the clinic closed."""
    from actions.handoff import EscalatingAction

    monkeypatch.setattr(EscalatingAction, "clinic_is_open", lambda self: False)
