"""``python -m clinicbot.console``: create-staff, migrate, list-staff and friends."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinicbot.console.cli import main
from clinicbot.paths import REPO_ROOT
from clinicbot.store.audit import list_audit
from clinicbot.store.db import dispose_engine, get_engine
from clinicbot.store.staff import StaffStore

GOOD = "twelve chars ok"


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    db = f"sqlite:///{tmp_path / 'clinic.db'}"
    yield db
    dispose_engine(db)


def run(url: str, *args: str, stdin: str = "", prompts: list[str] | None = None) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    answers = iter(prompts or [])
    code = main(
        ["--db-url", url, *args],
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        getpass=lambda prompt: next(answers),
    )
    return code, out.getvalue(), err.getvalue()


def test_migrate(url: str) -> None:
    code, out, _ = run(url, "migrate")
    assert code == 0 and "applied migrations 0001" in out and "schema version 0001" in out
    code, out, _ = run(url, "migrate")
    assert code == 0 and "applied" not in out


def test_create_staff_from_stdin(url: str) -> None:
    code, out, err = run(
        url, "create-staff", "--username", "Dana", "--role", "admin", "--password-stdin",
        "--display-name", "Dana R.", stdin=GOOD + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert "created admin 'dana'" in out and GOOD not in out
    store = StaffStore(get_engine(url))
    assert store.verify("dana", GOOD).ok
    assert store.get("dana").display_name == "Dana R."  # type: ignore[union-attr]
    [entry] = list_audit(get_engine(url), action="create_staff")
    assert entry.actor == "cli" and GOOD not in str(entry.detail)


def test_create_staff_with_prompts(url: str) -> None:
    code, _, err = run(url, "create-staff", "--username", "lee", "--role", "staff",
                       "--display-name", "Lee", prompts=[GOOD, GOOD])  # fmt: skip
    assert code == 0, err
    code, _, err = run(url, "create-staff", "--username", "kim", "--role", "staff",
                       "--display-name", "Kim", prompts=[GOOD, GOOD + "x"])  # fmt: skip
    assert code == 1 and "do not match" in err


def test_short_passwords_are_refused(url: str) -> None:
    code, _, err = run(
        url, "create-staff", "--username", "dana", "--role", "staff", "--password-stdin",
        "--display-name", "Dana", stdin="short\n",
    )  # fmt: skip
    assert code == 1 and "at least 12 characters" in err
    assert StaffStore(get_engine(url)).list_users() == []


def test_existing_users_need_reset_password(url: str) -> None:
    args = ["create-staff", "--username", "dana", "--role", "staff", "--password-stdin"]
    assert run(url, *args, stdin=GOOD)[0] == 1  # a new account needs a display name
    args += ["--display-name", "Dana"]
    assert run(url, *args, stdin=GOOD)[0] == 0
    code, _, err = run(url, *args, stdin="another password")
    assert code == 1 and "already exists" in err and "--reset-password" in err
    assert StaffStore(get_engine(url)).verify("dana", GOOD).ok
    code, out, _ = run(url, *args, "--reset-password", stdin="another password")
    assert code == 0 and "password reset" in out
    assert StaffStore(get_engine(url)).verify("dana", "another password").ok


def test_list_unlock_disable_enable(url: str) -> None:
    code, out, _ = run(url, "list-staff")
    assert code == 0 and "no staff accounts" in out
    run(url, "create-staff", "--username", "dana", "--role", "admin", "--password-stdin",
        "--display-name", "Dana R.", stdin=GOOD)  # fmt: skip
    code, out, _ = run(url, "list-staff")
    assert code == 0 and "dana\tadmin\tactive\tDana R." in out
    assert run(url, "disable-staff", "--username", "dana")[0] == 0
    assert "disabled" in run(url, "list-staff")[1]
    assert run(url, "enable-staff", "--username", "dana")[0] == 0
    assert run(url, "unlock-staff", "--username", "dana")[0] == 0
    code, _, err = run(url, "unlock-staff", "--username", "nobody")
    assert code == 1 and "no user" in err


def test_usage_errors_exit_2(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(url, "create-staff", "--username", "dana", "--role", "root")[0] == 2
    assert run(url)[0] == 2
    code, _, err = run(url, "create-staff", "--username", "x y", "--role", "staff",
                       "--password-stdin", stdin=GOOD)  # fmt: skip
    assert code == 1 and "username" in err


def test_module_entry_point(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "clinicbot.console", "--db-url", db, "create-staff",
         "--username", "dana", "--role", "staff", "--display-name", "Dana", "--password-stdin"],
        input=GOOD + "\n", capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "clinicbot.console", "--db-url", db, "list-staff"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.startswith("dana\tstaff\tactive")
