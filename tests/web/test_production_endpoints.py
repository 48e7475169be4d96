"""The production endpoints encrypt and authenticate the connections to PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from rasa.utils.endpoints import read_endpoint_config

from clinicbot.paths import REPO_ROOT

PRODUCTION = str(REPO_ROOT / "endpoints.production.yml")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in {
        "TRACKER_HOST": "db.internal",
        "TRACKER_PORT": "5432",
        "TRACKER_DB": "rasa",
        "TRACKER_USER": "rasa",
        "TRACKER_PASSWORD": "pg-secret",
        "REDIS_HOST": "redis.internal",
        "REDIS_PORT": "6380",
        "REDIS_PASSWORD": "redis-secret",
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_TOKEN": "x" * 32,
    }.items():
        monkeypatch.setenv(var, value)


def test_postgresql_requires_tls() -> None:
    config = read_endpoint_config(PRODUCTION, "tracker_store")
    assert config is not None
    assert config.kwargs["query"]["sslmode"] in ("require", "verify-ca", "verify-full")


def test_redis_uses_a_password_and_tls() -> None:
    config = read_endpoint_config(PRODUCTION, "lock_store")
    assert config is not None
    assert config.kwargs["password"] == "redis-secret"
    assert config.kwargs["use_ssl"] is True
