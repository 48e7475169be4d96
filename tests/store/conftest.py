"""The clinic database tests use the shared database fixtures (``tests/fixtures/db.py``).

``db_url``, ``raw_engine`` and ``engine`` run each test on a SQLite file, then on PostgreSQL.
"""

from tests.fixtures.db import cheap_hasher

__all__ = ["cheap_hasher"]
