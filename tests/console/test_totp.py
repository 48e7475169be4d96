"""TOTP second factor for staff accounts: optional for staff, enforced for administrators."""

from __future__ import annotations

import io
import re

import pyotp
from sqlalchemy import select

from clinicbot.console import cli
from clinicbot.store.schema import staff_recovery_codes
from tests.console.conftest import Browser, Console


def _secret(page_text: str) -> str:
    match = re.search(r'name="secret" value="([A-Z2-7]+)"', page_text)
    assert match, "no secret on the setup page"
    return match.group(1)


async def enroll(browser: Browser) -> tuple[str, list[str]]:
    page = await browser.get("/console/account/totp")
    assert page.status == 200
    secret = _secret(page.text)
    assert "otpauth://totp/" in page.text
    csrf = await browser.csrf("/console/account/totp")
    done = await browser.post(
        "/console/account/totp",
        data={"csrf_token": csrf, "secret": secret, "code": pyotp.TOTP(secret).now()},
    )
    assert done.status == 200, done.text
    codes = re.findall(r'<li class="recovery-code"><code>([a-f0-9-]+)</code></li>', done.text)
    return secret, codes


async def test_staff_can_set_up_totp_and_then_need_it(console: Console, staff: Browser) -> None:
    secret, codes = await enroll(staff)
    assert len(codes) == 10 and len(set(codes)) == 10
    with console.engine.connect() as conn:
        stored = [r.code_hash for r in conn.execute(select(staff_recovery_codes))]
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    browser = console.new_browser()
    assert (await browser.login("dana")).status == 401  # the password alone is not enough
    assert (await browser.login("dana", totp="000000")).status == 401
    assert (await browser.login("dana", totp=pyotp.TOTP(secret).now())).status == 303


async def test_a_wrong_first_code_does_not_enable_totp(console: Console, staff: Browser) -> None:
    page = await staff.get("/console/account/totp")
    secret = _secret(page.text)
    csrf = await staff.csrf("/console/account/totp")
    bad = await staff.post(
        "/console/account/totp", data={"csrf_token": csrf, "secret": secret, "code": "123456"}
    )
    assert bad.status == 400
    user = console.app.ctx.staff.get("dana")
    assert user is not None and not user.totp_enabled
    assert (await console.new_browser().login("dana")).status == 303


async def test_recovery_codes_work_once(console: Console, staff: Browser) -> None:
    _, codes = await enroll(staff)
    assert (await console.new_browser().login("dana", totp=codes[0])).status == 303
    assert (await console.new_browser().login("dana", totp=codes[0])).status == 401
    assert (await console.new_browser().login("dana", totp=codes[1].upper())).status == 303


async def test_administrators_must_set_up_totp(console: Console) -> None:
    console.add_staff("ada", role="admin")
    browser = console.new_browser()
    assert (await browser.login("ada")).status == 303
    for path in ("/console/", "/console/admin/audit", "/console/api/queue"):
        response = await browser.get(path)
        assert response.status in (302, 403), path
        if response.status == 302:
            assert response.location.startswith("/console/account/totp")
    secret, _ = await enroll(browser)
    assert (await browser.get("/console/admin/audit")).status == 200
    again = console.new_browser()
    assert (await again.login("ada")).status == 401
    assert (await again.login("ada", totp=pyotp.TOTP(secret).now())).status == 303


async def test_cli_resets_totp(console: Console, staff: Browser) -> None:
    await enroll(staff)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["--db-url", console.settings.db_url, "reset-totp", "--username", "dana"],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    assert (await console.new_browser().login("dana")).status == 303
