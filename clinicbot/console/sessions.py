"""Server-side console sessions.

The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256
hash, the user and a per-session CSRF token. Sessions end after ``idle`` without activity (the
console's live polling does not count as activity) or ``max_age`` after sign-in, whichever
comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine

from clinicbot.store.schema import console_sessions, utcnow

#: Activity is written back at most this often (fewer writes; idle precision is this).
TOUCH_INTERVAL = timedelta(seconds=20)


def hash_token(token: str) -> str:
    """Hashes a session token for storage.

    Args:
        token: The cookie value.

    Returns:
        Hex SHA-256.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console session.

    Attributes:
        token_hash: Hash of the cookie token (the row's key).
        username: The signed-in staff member.
        csrf_token: Token every POST of this session must carry.
        created_at: Sign-in time.
        last_seen_at: Last activity.
    """

    token_hash: str
    username: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


class SessionStore:
    """Creates, finds and ends console sessions.

    Args:
        engine: Engine of a migrated clinic database.
        idle: Inactivity after which a session ends.
        max_age: Absolute lifetime of a session.
        clock: Returns the current UTC time (tests replace it).
    """

    def __init__(
        self,
        engine: Engine,
        idle: timedelta = timedelta(minutes=15),
        max_age: timedelta = timedelta(hours=12),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Creates the store; performs no I/O."""
        self.engine = engine
        self.idle = idle
        self.max_age = max_age
        self.clock = clock

    def create(self, username: str) -> tuple[str, ConsoleSession]:
        """Starts a session.

        Args:
            username: The signed-in staff member.

        Returns:
            The cookie token (shown to nobody else, stored only hashed) and the session.
        """
        token = secrets.token_urlsafe(32)
        now = self.clock()
        session = ConsoleSession(
            token_hash=hash_token(token),
            username=username,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
        with self.engine.begin() as conn:
            conn.execute(
                console_sessions.insert().values(
                    token_hash=session.token_hash,
                    username=username,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token, session

    def lookup(self, token: str | None, touch: bool = True) -> tuple[ConsoleSession | None, bool]:
        """Finds the session of a cookie token.

        Args:
            token: The cookie value (may be None).
            touch: Count this request as activity.

        Returns:
            ``(session, expired)``: the live session or None, and whether a session existed but
            had just expired (it is deleted).
        """
        if not token or len(token) > 200:
            return None, False
        token_hash = hash_token(token)
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(console_sessions).where(console_sessions.c.token_hash == token_hash)
            ).first()
            if row is None:
                return None, False
            m = row._mapping
            if now - m["last_seen_at"] > self.idle or now - m["created_at"] > self.max_age:
                conn.execute(
                    delete(console_sessions).where(console_sessions.c.token_hash == token_hash)
                )
                return None, True
            last_seen = m["last_seen_at"]
            if touch and now - last_seen >= TOUCH_INTERVAL:
                conn.execute(
                    console_sessions.update()
                    .where(console_sessions.c.token_hash == token_hash)
                    .values(last_seen_at=now)
                )
                last_seen = now
        return (
            ConsoleSession(token_hash, m["username"], m["csrf_token"], m["created_at"], last_seen),
            False,
        )

    def delete(self, token: str | None) -> None:
        """Ends the session of a cookie token (no-op for unknown tokens).

        Args:
            token: The cookie value.
        """
        if not token:
            return
        with self.engine.begin() as conn:
            conn.execute(
                delete(console_sessions).where(console_sessions.c.token_hash == hash_token(token))
            )

    def delete_for_user(self, username: str) -> None:
        """Ends every session of a user.

        Args:
            username: The staff member.
        """
        with self.engine.begin() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.username == username))

    def purge_expired(self) -> int:
        """Deletes expired sessions.

        Returns:
            How many were deleted.
        """
        now = self.clock()
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(console_sessions).where(
                    or_(
                        console_sessions.c.last_seen_at < now - self.idle,
                        console_sessions.c.created_at < now - self.max_age,
                    )
                )
            )
        return int(result.rowcount or 0)
