"""Staff accounts as values: roles, username and password rules, the StaffUser record, TOTP.

The store that reads and changes accounts is :mod:`clinicbot.store.staff`, which re-exports
these names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2 import PasswordHasher, Type
from sqlalchemy.engine import Row

from clinicbot.store.db import record_from_row
from clinicbot.store.schema import utcnow

STAFF = "staff"
ADMIN = "admin"
ROLES = (STAFF, ADMIN)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

#: Results of :meth:`StaffStore.verify`.
OK = "ok"
INVALID = "invalid"
LOCKED = "locked"
DISABLED = "disabled"


#: Recovery codes issued when TOTP is set up (each works once).
RECOVERY_CODES = 10
TOTP_CODE_PATTERN = re.compile(r"^\d{6}$")


def hash_recovery_code(code: str) -> str:
    """SHA-256 of a normalised recovery code (codes are random, 50 bits: no slow hash needed)."""
    normalised = re.sub(r"[^a-z0-9]", "", (code or "").lower())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def new_totp_secret() -> str:
    """Returns a new random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, username: str, issuer: str = "Clinic console") -> str:
    """The ``otpauth://`` URI authenticator apps import.

    Args:
        secret: Base32 secret.
        username: Account name shown in the app.
        issuer: Issuer shown in the app.

    Returns:
        The URI.
    """
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


class StaffError(ValueError):
    """Raised for invalid staff account operations (the message says why)."""


class StaffExists(StaffError):
    """Raised when creating a user that already exists."""


class UnknownStaff(StaffError, LookupError):
    """Raised when a username does not exist."""


def default_hasher() -> PasswordHasher:
    """Returns the argon2id hasher used for staff passwords (argon2-cffi's RFC 9106 defaults).

    Returns:
        The hasher.
    """
    return PasswordHasher(type=Type.ID)


def normalize_username(username: str) -> str:
    """Lower-cases and validates a username.

    Args:
        username: As typed.

    Returns:
        The normalised username.

    Raises:
        StaffError: If it is not 2-64 characters of ``a-z 0-9 . _ -``.
    """
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise StaffError(
            "username must be 2-64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    return name


def check_password_policy(password: str) -> None:
    """Checks a new password against the policy.

    Args:
        password: The password.

    Raises:
        StaffError: If it is shorter than :data:`MIN_PASSWORD_LENGTH` or absurdly long.
    """
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"password must have at most {MAX_PASSWORD_LENGTH} characters")


@dataclass(frozen=True)
class StaffUser:
    """A staff account (without its hash).

    Attributes:
        username: Login name.
        display_name: Name shown to patients ("Dana from the clinic team").
        role: ``staff`` or ``admin``.
        disabled: Disabled accounts cannot sign in.
        failed_attempts: Consecutive failed sign-ins since the last success or lockout.
        locked_until: Sign-in refused until then (UTC), if set.
        created_at: Creation time.
        last_login_at: Last successful sign-in.
        totp_enabled: Whether a TOTP second factor is set up.
    """

    username: str
    display_name: str
    role: str
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    totp_enabled: bool = False

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.role == ADMIN

    def is_locked(self, now: datetime | None = None) -> bool:
        """Tells whether the account is locked out.

        Args:
            now: Reference time (defaults to now).

        Returns:
            True while ``locked_until`` is in the future.
        """
        return self.locked_until is not None and self.locked_until > (now or utcnow())


@dataclass(frozen=True)
class AuthResult:
    """Outcome of a sign-in attempt.

    Attributes:
        status: ``ok``, ``invalid`` (unknown user or wrong password), ``locked`` or
            ``disabled``. Show users one generic message for every failure.
        user: The account when ``status`` is ``ok``.
    """

    status: str
    user: StaffUser | None = None

    @property
    def ok(self) -> bool:
        """True for a successful sign-in."""
        return self.status == OK


def user_from_row(row: Row) -> StaffUser:
    """Builds a StaffUser from a row of ``staff_users``.

    Args:
        row: The row.

    Returns:
        The account.
    """
    m = row._mapping
    return record_from_row(
        StaffUser,
        row,
        disabled=bool(m["disabled"]),
        failed_attempts=int(m["failed_attempts"]),
        totp_enabled=bool(m.get("totp_secret")),
    )
