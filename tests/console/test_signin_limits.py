"""Sign-in limits that an attacker cannot turn against the staff.

Behind the proxy every client arrives from 127.0.0.1, so the console takes the client address
from ``X-Forwarded-For`` (``TRUSTED_PROXIES``); limits count only failures, per address and
username, with a growing delay instead of a lockout that anyone could trigger; an
administrator can lift the delay.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clinicbot.console import cli
from clinicbot.store.audit import list_audit
from clinicbot.store.staff import StaffError
from tests.console.conftest import PASSWORD, Console, start_console


@pytest.fixture
async def proxied(tmp_path: Path) -> AsyncIterator[Console]:
    """A console behind one trusted proxy."""
    async for handle in start_console(tmp_path, trusted_proxies=1):
        yield handle


def xff(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_failures_from_one_address_do_not_block_the_user_elsewhere(
    proxied: Console,
) -> None:
    proxied.add_staff("dana")
    attacker = proxied.new_browser()
    for _ in range(30):
        response = await attacker.login("dana", "wrong password", headers=xff("198.51.100.7"))
        assert response.status in (401, 429)
    nurse = proxied.new_browser()
    assert (await nurse.login("dana", headers=xff("192.0.2.10"))).status == 303


async def test_successful_sign_ins_are_not_counted(proxied: Console) -> None:
    proxied.add_staff("dana")
    for _ in range(25):
        browser = proxied.new_browser()
        assert (await browser.login("dana", headers=xff("192.0.2.10"))).status == 303


async def test_progressive_delay_per_username_and_address(proxied: Console) -> None:
    proxied.add_staff("dana")
    proxied.add_staff("lee")
    clock = Clock()
    proxied.app.ctx.login_guard.clock = clock
    browser = proxied.new_browser()
    ip = xff("198.51.100.7")
    for _ in range(3):
        assert (await browser.login("dana", "wrong password", headers=ip)).status == 401
    delayed = await browser.login("dana", headers=ip)  # even the right password waits
    assert delayed.status == 429
    first_wait = int(delayed.headers["Retry-After"])
    assert first_wait >= 1
    # Another user from the same address, and the same user elsewhere, are not delayed.
    assert (await proxied.new_browser().login("lee", headers=ip)).status == 303
    assert (await proxied.new_browser().login("dana", headers=xff("192.0.2.10"))).status == 303
    clock.now += first_wait
    assert (await browser.login("dana", "wrong password", headers=ip)).status == 401
    second = await browser.login("dana", headers=ip)
    assert second.status == 429 and int(second.headers["Retry-After"]) > first_wait
    clock.now += 3600
    assert (await browser.login("dana", headers=ip)).status == 303
    assert "login_delayed" in [a.action for a in list_audit(proxied.engine)]


async def test_the_account_is_never_locked_by_failures(proxied: Console) -> None:
    proxied.add_staff("dana")
    for i in range(12):
        await proxied.new_browser().login("dana", "wrong password", headers=xff(f"198.51.100.{i}"))
    user = proxied.app.ctx.staff.get("dana")
    assert user is not None and not user.is_locked()
    assert (await proxied.new_browser().login("dana", headers=xff("192.0.2.10"))).status == 303


async def test_admin_can_lift_the_delay(proxied: Console) -> None:
    proxied.add_staff("dana")
    admin = await proxied.admin_browser("ada", headers=xff("192.0.2.1"))
    ip = xff("192.0.2.50")
    browser = proxied.new_browser()
    for _ in range(3):
        await browser.login("dana", "wrong password", headers=ip)
    assert (await browser.login("dana", headers=ip)).status == 429
    page = await admin.get("/console/admin/staff", headers=xff("192.0.2.1"))
    assert "Lift sign-in delay" in page.text
    csrf = await admin.csrf("/console/admin/staff")
    response = await admin.post(
        "/console/admin/staff/dana/unlock", data={"csrf_token": csrf}, headers=xff("192.0.2.1")
    )
    assert response.status == 303
    assert (await browser.login("dana", headers=ip)).status == 303
    assert "unlock_staff" in [a.action for a in list_audit(proxied.engine, actor="ada")]


async def test_untrusted_forwarded_for_is_ignored(console: Console) -> None:
    """Without a configured proxy, a client cannot pick its own address with the header."""
    console.add_staff("dana")
    clock = Clock()
    console.app.ctx.login_guard.clock = clock
    for i in range(3):
        await console.new_browser().login("dana", "wrong", headers=xff(f"198.51.100.{i}"))
    delayed = await console.new_browser().login("dana", headers=xff("192.0.2.99"))
    assert delayed.status == 429


def test_display_name_is_required_and_separate(console: Console) -> None:
    staff = console.app.ctx.staff
    with pytest.raises(StaffError):
        staff.create_user("lee", PASSWORD)
    with pytest.raises(StaffError):
        staff.create_user("lee", PASSWORD, display_name="lee")
    assert staff.create_user("lee", PASSWORD, display_name="Lee R.").display_name == "Lee R."


def test_cli_requires_a_display_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    err = io.StringIO()
    code = cli.main(
        [
            "--db-url",
            url,
            "create-staff",
            "--username",
            "lee",
            "--role",
            "staff",
            "--password-stdin",
        ],
        stdin=io.StringIO(PASSWORD + "\n"),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code != 0
