"""Staff accounts: argon2id hashes, lockout, dummy verification, rehashing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from clinicbot.store.schema import staff_users
from clinicbot.store.staff import (
    DISABLED,
    INVALID,
    LOCKED,
    OK,
    StaffError,
    StaffExists,
    StaffStore,
    UnknownStaff,
)
from tests.store.conftest import cheap_hasher

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        """Starts on a fixed Monday morning."""
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        """A cheap hasher that has verified nothing yet."""
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def staff(engine: Engine, clock: Clock) -> StaffStore:
    return StaffStore(engine, hasher=cheap_hasher(), clock=clock)


def stored_hash(engine: Engine, username: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(staff_users.c.password_hash).where(staff_users.c.username == username)
            ).scalar_one()
        )


def test_no_default_accounts(staff: StaffStore) -> None:
    assert staff.list_users() == []


def test_create_and_verify(staff: StaffStore, engine: Engine) -> None:
    user = staff.create_user("Dana", PASSWORD, role="admin", display_name="Dana R.")
    assert user.username == "dana" and user.role == "admin" and user.is_admin
    assert user.display_name == "Dana R." and not user.disabled
    assert stored_hash(engine, "dana").startswith("$argon2id$")
    assert PASSWORD not in stored_hash(engine, "dana")
    result = staff.verify("DANA", PASSWORD)
    assert result.ok and result.status == OK and result.user is not None
    assert result.user.last_login_at is not None
    with pytest.raises(StaffError):  # patients see the display name: never the username
        staff.create_user("lee", PASSWORD)


def test_wrong_password_and_unknown_user_fail_alike(engine: Engine) -> None:
    hasher = CountingHasher()
    store = StaffStore(engine, hasher=hasher)
    store.create_user("dana", PASSWORD, display_name="Dana")
    hasher.verifications = 0
    assert store.verify("dana", "wrong password!!").status == INVALID
    assert store.verify("nobody", PASSWORD).status == INVALID
    assert store.verify("not a valid name!", PASSWORD).status == INVALID
    assert hasher.verifications == 3  # unknown users are checked against a dummy hash


def test_failures_never_lock_the_account_by_default(staff: StaffStore) -> None:
    """Anyone who knows a username could lock it; the console delays per address instead."""
    staff.create_user("dana", PASSWORD, display_name="Dana")
    results = [staff.verify("dana", f"wrong password {i}").status for i in range(20)]
    assert results == [INVALID] * 20
    assert staff.verify("dana", PASSWORD).ok


def test_optional_lockout(engine: Engine, clock: Clock) -> None:
    staff = StaffStore(engine, hasher=cheap_hasher(), clock=clock, max_failures=5)
    staff.create_user("dana", PASSWORD, display_name="Dana")
    results = [staff.verify("dana", f"wrong password {i}").status for i in range(5)]
    assert results == [INVALID] * 4 + [LOCKED]
    assert staff.verify("dana", PASSWORD).status == LOCKED  # even the right password
    user = staff.get("dana")
    assert user is not None and user.is_locked(clock.now)
    clock.now += timedelta(minutes=16)
    assert staff.verify("dana", PASSWORD).ok


def test_success_resets_the_failure_count(staff: StaffStore) -> None:
    staff.create_user("dana", PASSWORD, display_name="Dana")
    for _ in range(4):
        staff.verify("dana", "wrong password xx")
    assert staff.verify("dana", PASSWORD).ok
    for _ in range(4):
        assert staff.verify("dana", "wrong password xx").status == INVALID
    assert staff.get("dana").failed_attempts == 4  # type: ignore[union-attr]


def test_unlock(staff: StaffStore) -> None:
    staff.create_user("dana", PASSWORD, display_name="Dana")
    for _ in range(5):
        staff.verify("dana", "wrong password xx")
    staff.unlock("dana")
    assert staff.verify("dana", PASSWORD).ok
    with pytest.raises(UnknownStaff):
        staff.unlock("nobody")


def test_disabled_accounts_cannot_sign_in(staff: StaffStore, engine: Engine) -> None:
    staff.create_user("dana", PASSWORD, display_name="Dana")
    staff.set_disabled("dana", True)
    assert staff.verify("dana", PASSWORD).status == DISABLED
    staff.set_disabled("dana", False)
    assert staff.verify("dana", PASSWORD).ok


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [
        ("dana", "short", "staff"),
        ("dana", "x" * 11, "staff"),
        ("d", PASSWORD, "staff"),
        ("dana smith", PASSWORD, "staff"),
        ("dana", PASSWORD, "root"),
    ],
)
def test_policy(staff: StaffStore, username: str, password: str, role: str) -> None:
    with pytest.raises(StaffError):
        staff.create_user(username, password, role=role, display_name="Someone")


def test_existing_users_are_not_overwritten_unless_asked(
    staff: StaffStore, engine: Engine, clock: Clock
) -> None:
    staff.create_user("dana", PASSWORD, display_name="Dana")
    with pytest.raises(StaffExists):
        staff.create_user("dana", "another long password", display_name="Dana")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO console_sessions VALUES ('h', 'dana', 'c', '2026-01-05', '2026-01-05')"
            )
        )
    user = staff.create_user(
        "dana", "another long password", role="admin", display_name="Dana", reset_password=True
    )
    assert user.role == "admin"
    assert staff.verify("dana", "another long password").ok
    assert staff.verify("dana", PASSWORD).status == INVALID
    with engine.connect() as conn:  # the reset signed the user out everywhere
        assert conn.execute(text("SELECT COUNT(*) FROM console_sessions")).scalar() == 0


def test_hash_is_upgraded_when_parameters_change(engine: Engine) -> None:
    StaffStore(engine, hasher=cheap_hasher(time_cost=1)).create_user(
        "dana", PASSWORD, display_name="Dana"
    )
    old = stored_hash(engine, "dana")
    assert "t=1" in old
    stronger = StaffStore(engine, hasher=cheap_hasher(time_cost=2))
    assert stronger.verify("dana", PASSWORD).ok
    new = stored_hash(engine, "dana")
    assert new != old and "t=2" in new
    assert stronger.verify("dana", PASSWORD).ok
    assert stored_hash(engine, "dana") == new
    assert not stronger.rehash("dana", PASSWORD)
