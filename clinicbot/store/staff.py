"""Staff accounts of the console: argon2id password hashes, roles and failure counts.

There are no default accounts: an administrator creates them with
``python -m clinicbot.console create-staff``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from clinicbot.store.db import write_transaction
from clinicbot.store.schema import console_sessions, staff_recovery_codes, staff_users, utcnow
from clinicbot.store.staff_model import (
    ADMIN,
    DISABLED,
    INVALID,
    LOCKED,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    OK,
    RECOVERY_CODES,
    ROLES,
    STAFF,
    TOTP_CODE_PATTERN,
    USERNAME_PATTERN,
    AuthResult,
    StaffError,
    StaffExists,
    StaffUser,
    UnknownStaff,
    check_password_policy,
    default_hasher,
    hash_recovery_code,
    new_totp_secret,
    normalize_username,
    totp_uri,
    user_from_row,
)

__all__ = [  # the store, and the account records and rules (from staff_model)
    "ADMIN", "AuthResult", "DISABLED", "INVALID", "LOCKED", "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH", "OK", "RECOVERY_CODES", "ROLES", "STAFF", "StaffError",
    "StaffExists", "StaffStore", "StaffUser", "USERNAME_PATTERN", "UnknownStaff",
    "check_password_policy", "default_hasher", "new_totp_secret", "normalize_username",
    "totp_uri",
]


class StaffStore:
    """Staff accounts.

    Args:
        engine: Engine of a migrated clinic database.
        hasher: argon2 hasher (tests pass a cheap one); defaults to :func:`default_hasher`.
        max_failures: Failed sign-ins that lock the account; None (the default) never locks,
            because anyone who knows a username could lock it. The console delays failed
            attempts per address and username instead (``clinicbot.console.security``).
        lockout: How long a lockout lasts.
        clock: Returns the current UTC time (tests replace it).
    """

    def __init__(
        self,
        engine: Engine,
        hasher: PasswordHasher | None = None,
        max_failures: int | None = None,
        lockout: timedelta = timedelta(minutes=15),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Creates the store; performs no I/O."""
        self.engine = engine
        self.hasher = hasher or default_hasher()
        self.max_failures = max_failures
        self.lockout = lockout
        self.clock = clock
        self._dummy_hash: str | None = None

    def _dummy_verify(self, password: str) -> None:
        # Spend the same work as a real check so response times do not reveal usernames.
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(24))
        try:
            self.hasher.verify(self._dummy_hash, password or "")
        except (VerificationError, InvalidHashError):
            pass

    def get(self, username: str) -> StaffUser | None:
        """Fetches an account.

        Args:
            username: The username (case-insensitive).

        Returns:
            The account, or None.
        """
        try:
            name = normalize_username(username)
        except StaffError:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_users).where(staff_users.c.username == name)).first()
        return user_from_row(row) if row is not None else None

    def list_users(self) -> list[StaffUser]:
        """Lists all accounts by username.

        Returns:
            The accounts.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(select(staff_users).order_by(staff_users.c.username))
            return [user_from_row(r) for r in rows]

    def create_user(
        self,
        username: str,
        password: str,
        role: str = STAFF,
        display_name: str | None = None,
        *,
        reset_password: bool = False,
    ) -> StaffUser:
        """Creates an account, or resets an existing one's password when asked to.

        Resetting also sets the role and display name, clears the lockout and signs the user
        out of every console session.

        Args:
            username: Login name (normalised to lower case).
            password: At least :data:`MIN_PASSWORD_LENGTH` characters.
            role: ``staff`` or ``admin``.
            display_name: Name shown to patients; required, and not the username.
            reset_password: Allow replacing an existing account's password.

        Returns:
            The account.

        Raises:
            StaffError: Invalid username, role or password.
            StaffExists: The user exists and ``reset_password`` is False.
        """
        name = normalize_username(username)
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        check_password_policy(password)
        shown = (display_name or "").strip()
        if not shown or shown == name:
            # Patients see it ("Dana from the clinic team"); the login name must stay private.
            raise StaffError("a display name other than the username is required")
        if len(shown) > 100:
            raise StaffError("display name must have at most 100 characters")
        password_hash = self.hasher.hash(password)
        now = self.clock()
        with write_transaction(self.engine) as conn:
            exists = conn.execute(
                select(staff_users.c.username).where(staff_users.c.username == name)
            ).first()
            if exists is not None and not reset_password:
                raise StaffExists(f"user {name!r} already exists (use --reset-password)")
            values = {
                "display_name": shown,
                "password_hash": password_hash,
                "role": role,
                "failed_attempts": 0,
                "locked_until": None,
                "updated_at": now,
            }
            if exists is None:
                conn.execute(
                    staff_users.insert().values(
                        username=name, disabled=False, created_at=now, **values
                    )
                )
            else:
                conn.execute(
                    staff_users.update().where(staff_users.c.username == name).values(**values)
                )
                conn.execute(delete(console_sessions).where(console_sessions.c.username == name))
            row = conn.execute(select(staff_users).where(staff_users.c.username == name)).one()
        return user_from_row(row)

    def _update_user(self, conn: Connection, name: str, **values: Any) -> None:
        """Updates one account's row (and ``updated_at``) inside a transaction.

        Raises:
            UnknownStaff: No such account.
        """
        result = conn.execute(
            staff_users.update()
            .where(staff_users.c.username == name)
            .values(updated_at=values.pop("updated_at", None) or self.clock(), **values)
        )
        if result.rowcount == 0:
            raise UnknownStaff(f"no user {name!r}")

    @staticmethod
    def _replace_recovery_codes(
        conn: Connection, name: str, codes: list[str], now: datetime
    ) -> None:
        """Replaces an account's recovery codes with the hashes of ``codes`` (none: removed)."""
        conn.execute(delete(staff_recovery_codes).where(staff_recovery_codes.c.username == name))
        for code in codes:
            conn.execute(
                staff_recovery_codes.insert().values(
                    username=name, code_hash=hash_recovery_code(code), created_at=now
                )
            )

    def set_disabled(self, username: str, disabled: bool) -> StaffUser:
        """Disables or re-enables an account (disabling signs it out everywhere).

        Args:
            username: The account.
            disabled: New state.

        Returns:
            The account.

        Raises:
            UnknownStaff: No such account.
        """
        name = normalize_username(username)
        with write_transaction(self.engine) as conn:
            self._update_user(conn, name, disabled=disabled)
            if disabled:
                conn.execute(delete(console_sessions).where(console_sessions.c.username == name))
            row = conn.execute(select(staff_users).where(staff_users.c.username == name)).one()
        return user_from_row(row)

    def unlock(self, username: str) -> None:
        """Clears an account's lockout and failure count.

        Args:
            username: The account.

        Raises:
            UnknownStaff: No such account.
        """
        name = normalize_username(username)
        with write_transaction(self.engine) as conn:
            self._update_user(conn, name, failed_attempts=0, locked_until=None)

    def verify(self, username: str, password: str) -> AuthResult:
        """Checks a sign-in attempt, counting failures and locking the account.

        Failures are counted; only with :attr:`max_failures` set does the account lock for
        :attr:`lockout` (attempts while locked fail without checking the password). Unknown
        users cost the same hashing work as known ones. On success the failure count is reset
        and the hash is upgraded if the hasher's parameters changed (see :meth:`rehash`).

        Args:
            username: As typed.
            password: As typed.

        Returns:
            The outcome.
        """
        now = self.clock()
        try:
            name = normalize_username(username)
        except StaffError:
            self._dummy_verify(password)
            return AuthResult(INVALID)
        if not password or len(password) > MAX_PASSWORD_LENGTH:
            self._dummy_verify("")
            return AuthResult(INVALID)
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_users).where(staff_users.c.username == name)).first()
        if row is None:
            self._dummy_verify(password)
            return AuthResult(INVALID)
        user = user_from_row(row)
        if user.disabled:
            self._dummy_verify(password)
            return AuthResult(DISABLED)
        if user.is_locked(now):
            self._dummy_verify(password)
            return AuthResult(LOCKED)
        stored_hash = row._mapping["password_hash"]
        try:
            self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return AuthResult(self._record_failure(name, now))
        with write_transaction(self.engine) as conn:
            conn.execute(
                staff_users.update()
                .where(staff_users.c.username == name)
                .values(failed_attempts=0, locked_until=None, last_login_at=now)
            )
        self.rehash(name, password, stored_hash)
        refreshed = self.get(name)
        return AuthResult(OK, refreshed or user)

    def _record_failure(self, name: str, now: datetime) -> str:
        with write_transaction(self.engine) as conn:
            conn.execute(
                staff_users.update()
                .where(staff_users.c.username == name)
                .values(failed_attempts=staff_users.c.failed_attempts + 1)
            )
            failures = conn.execute(
                select(staff_users.c.failed_attempts).where(staff_users.c.username == name)
            ).scalar_one()
            if self.max_failures is not None and failures >= self.max_failures:
                conn.execute(
                    staff_users.update()
                    .where(staff_users.c.username == name)
                    .values(failed_attempts=0, locked_until=now + self.lockout)
                )
                return LOCKED
        return INVALID

    def enable_totp(self, username: str, secret: str, code: str) -> list[str]:
        """Sets up TOTP after checking a first code, and issues new recovery codes.

        Args:
            username: The account.
            secret: The base32 secret the user added to their authenticator app.
            code: A current code from the app (proves the app has the secret).

        Returns:
            The recovery codes (shown once; only their hashes are stored).

        Raises:
            StaffError: If the code does not match the secret.
            UnknownStaff: No such account.
        """
        name = normalize_username(username)
        if not TOTP_CODE_PATTERN.match((code or "").strip()) or not pyotp.TOTP(secret).verify(
            code.strip(), valid_window=1
        ):
            raise StaffError("the code does not match; check the app's clock and try again")
        codes = [
            "-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES)
        ]
        now = self.clock()
        with write_transaction(self.engine) as conn:
            self._update_user(conn, name, totp_secret=secret, updated_at=now)
            self._replace_recovery_codes(conn, name, codes, now)
        return codes

    def reset_totp(self, username: str) -> None:
        """Removes an account's TOTP and recovery codes (it must set them up again).

        Args:
            username: The account.

        Raises:
            UnknownStaff: No such account.
        """
        name = normalize_username(username)
        now = self.clock()
        with write_transaction(self.engine) as conn:
            self._update_user(conn, name, totp_secret=None, updated_at=now)
            self._replace_recovery_codes(conn, name, [], now)

    def check_second_factor(self, username: str, code: str) -> bool:
        """Checks a TOTP code, or a recovery code (which is then used up).

        Args:
            username: The account (TOTP set up).
            code: Six digits from the app, or a recovery code.

        Returns:
            True if it is valid.
        """
        name = normalize_username(username)
        code = (code or "").strip()
        if not code or len(code) > 64:
            return False
        with self.engine.connect() as conn:
            secret = conn.execute(
                select(staff_users.c.totp_secret).where(staff_users.c.username == name)
            ).scalar()
        if not secret:
            return False
        if TOTP_CODE_PATTERN.match(code):
            return bool(pyotp.TOTP(secret).verify(code, valid_window=1))
        wanted = hash_recovery_code(code)
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                select(staff_recovery_codes.c.id, staff_recovery_codes.c.code_hash).where(
                    staff_recovery_codes.c.username == name,
                    staff_recovery_codes.c.used_at.is_(None),
                )
            ).all()
            for row_id, code_hash in rows:
                if hmac.compare_digest(code_hash, wanted):
                    conn.execute(
                        staff_recovery_codes.update()
                        .where(staff_recovery_codes.c.id == row_id)
                        .values(used_at=self.clock())
                    )
                    return True
        return False

    def rehash(self, username: str, password: str, stored_hash: str | None = None) -> bool:
        """Re-hashes a verified password if the hasher's parameters changed.

        Args:
            username: The account.
            password: Its password, already verified by the caller.
            stored_hash: The current hash (read from the database when omitted).

        Returns:
            True if a new hash was stored.
        """
        name = normalize_username(username)
        if stored_hash is None:
            with self.engine.connect() as conn:
                stored_hash = conn.execute(
                    select(staff_users.c.password_hash).where(staff_users.c.username == name)
                ).scalar()
        if stored_hash is None or not self.hasher.check_needs_rehash(stored_hash):
            return False
        new_hash = self.hasher.hash(password)
        with write_transaction(self.engine) as conn:
            conn.execute(
                staff_users.update()
                .where(staff_users.c.username == name)
                .where(staff_users.c.password_hash == stored_hash)
                .values(password_hash=new_hash, updated_at=self.clock())
            )
        return True
