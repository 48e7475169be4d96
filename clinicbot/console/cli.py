r"""Command-line administration of the console: staff accounts and database migrations.

Usage::

    python -m clinicbot.console migrate
    python -m clinicbot.console create-staff --username dana --role staff --display-name 'Dana R.'
    printf '%s\n' "$PASSWORD" | python -m clinicbot.console create-staff --username dana \
        --role admin --display-name 'Dana R.' --password-stdin
    python -m clinicbot.console create-staff --username dana --role staff --reset-password
    python -m clinicbot.console list-staff
    python -m clinicbot.console unlock-staff --username dana
    python -m clinicbot.console reset-totp --username dana
    python -m clinicbot.console disable-staff --username dana
    python -m clinicbot.console enable-staff --username dana

The database is ``CLINIC_DB_URL`` (or ``--db-url``). Exit codes: 0 success, 1 refused or failed
(the message says why), 2 invalid command line.
"""

from __future__ import annotations

import argparse
import getpass as getpass_module
import sys
from collections.abc import Callable
from typing import TextIO

from clinicbot.settings import load_settings
from clinicbot.store.audit import audit
from clinicbot.store.db import get_engine
from clinicbot.store.migrations import current_version, migrate
from clinicbot.store.staff import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    StaffError,
    StaffExists,
    StaffStore,
    check_password_policy,
    normalize_username,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """Builds the argument parser.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m clinicbot.console", description="Staff console administration."
    )
    parser.add_argument(
        "--db-url", help="SQLAlchemy URL of the clinic database (default: CLINIC_DB_URL)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply pending database migrations")

    create = sub.add_parser("create-staff", help="create a staff account (or reset its password)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--display-name",
        help="name shown to patients, e.g. 'Dana R.' (required for a new account; not the "
        "username)",
    )
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    create.add_argument(
        "--reset-password", action="store_true", help="replace the password of an existing account"
    )

    sub.add_parser("list-staff", help="list staff accounts")
    for name, text in (
        ("unlock-staff", "clear an account's sign-in lockout"),
        ("reset-totp", "remove an account's two-step sign-in (it must set it up again)"),
        ("disable-staff", "disable an account and end its sessions"),
        ("enable-staff", "re-enable a disabled account"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--username", required=True)
    return parser


def _read_password(
    from_stdin: bool, stdin: TextIO, getpass: Callable[[str], str], err: TextIO
) -> str | None:
    if from_stdin:
        line = stdin.readline()
        return line.rstrip("\r\n")
    first = getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    second = getpass("Repeat the password: ")
    if first != second:
        print("error: the passwords do not match", file=err)
        return None
    return first


def main(
    argv: list[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    getpass: Callable[[str], str] = getpass_module.getpass,
) -> int:
    """Runs the command line.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).
        stdin: Input for ``--password-stdin``.
        stdout: Output stream.
        stderr: Error stream.
        getpass: No-echo prompt function.

    Returns:
        The exit code.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    url = args.db_url or load_settings().db_url
    try:
        engine = get_engine(url)
        applied = migrate(engine)
    except Exception as exc:  # noqa: BLE001 - report, do not trace back
        print(
            f"error: cannot open or migrate the database: {exc.__class__.__name__}: {exc}", file=err
        )
        return EXIT_FAILED
    if args.command == "migrate":
        if applied:
            print(f"applied migrations {', '.join(map(str, applied))}", file=out)
        print(f"database is at schema version {current_version(engine)}", file=out)
        return EXIT_OK

    staff = StaffStore(engine)
    if args.command == "list-staff":
        users = staff.list_users()
        if not users:
            print("no staff accounts (create one with create-staff)", file=out)
        for u in users:
            state = "disabled" if u.disabled else ("locked" if u.is_locked() else "active")
            print(f"{u.username}\t{u.role}\t{state}\t{u.display_name}", file=out)
        return EXIT_OK

    try:
        username = normalize_username(args.username)
        if args.command == "create-staff":
            existing = staff.get(username)
            if existing is not None and not args.reset_password:
                print(
                    f"error: user {username!r} already exists; use --reset-password to replace "
                    "its password",
                    file=err,
                )
                return EXIT_FAILED
            display_name = args.display_name or (existing.display_name if existing else None)
            if not display_name:
                print(
                    "error: --display-name is required: the name patients see, e.g. 'Dana R.'",
                    file=err,
                )
                return EXIT_FAILED
            password = _read_password(args.password_stdin, stdin or sys.stdin, getpass, err)
            if password is None:
                return EXIT_FAILED
            check_password_policy(password)
            user = staff.create_user(
                username,
                password,
                role=args.role,
                display_name=display_name,
                reset_password=args.reset_password,
            )
            action = "reset_staff_password" if existing else "create_staff"
            audit(engine, "cli", action, detail={"username": user.username, "role": user.role})
            verb = "password reset for" if existing else "created"
            print(f"{verb} {user.role} {user.username!r} ({user.display_name})", file=out)
            return EXIT_OK
        if args.command == "reset-totp":
            staff.reset_totp(username)
            audit(engine, "cli", "reset_totp", detail={"username": username})
            print(f"two-step sign-in removed for {username!r}", file=out)
            return EXIT_OK
        if args.command == "unlock-staff":
            staff.unlock(username)
            audit(engine, "cli", "unlock_staff", detail={"username": username})
            print(f"unlocked {username!r}", file=out)
            return EXIT_OK
        disabled = args.command == "disable-staff"
        staff.set_disabled(username, disabled)
        audit(engine, "cli", args.command.replace("-", "_"), detail={"username": username})
        print(f"{'disabled' if disabled else 'enabled'} {username!r}", file=out)
        return EXIT_OK
    except StaffExists as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    except StaffError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    except (EOFError, KeyboardInterrupt):
        print("error: cancelled", file=err)
        return EXIT_FAILED
