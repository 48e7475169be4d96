"""Fixtures for the clinic database tests: a fresh SQLite file per test, a cheap hasher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy.engine import Engine

from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.migrations import migrate


def cheap_hasher(time_cost: int = 1) -> PasswordHasher:
    """An argon2id hasher with tiny parameters so tests stay fast."""
    return PasswordHasher(time_cost=time_cost, memory_cost=8, parallelism=1, type=Type.ID)


@pytest.fixture
def db_url(database_url: str) -> Iterator[str]:
    """URL of an empty database: a SQLite file that does not exist yet, or PostgreSQL."""
    url = database_url
    yield url
    dispose_engine(url)


@pytest.fixture
def raw_engine(db_url: str) -> Engine:
    """An engine on a database that has not been migrated."""
    return get_engine(db_url)


@pytest.fixture
def engine(raw_engine: Engine) -> Engine:
    """An engine on a freshly migrated database."""
    migrate(raw_engine)
    return raw_engine
