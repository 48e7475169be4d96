"""Shared fixtures: tracker, dispatcher and domain for action tests (as in RasaHQ/rasa-demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.paths import DOMAIN_FILE
from tests.pg import PostgresServer, postgres_available


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the whole run (Debian's binaries, temp dir)."""
    if not postgres_available():
        pytest.skip("PostgreSQL is missing (make install installs it as root)")
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


#: The clinic database's engines under test: SQLite (default) and PostgreSQL (slow).
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty clinic database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.new_database()
    return f"sqlite:///{tmp_path / 'var' / 'clinic.db'}"


@pytest.fixture
def clinic_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh clinic database for code that uses the escalation store."""
    url = database_url
    monkeypatch.setenv("CLINIC_DB_URL", url)
    from actions.handoff import escalation_store

    escalation_store.cache_clear()
    yield url
    escalation_store.cache_clear()
