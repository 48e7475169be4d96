"""Sign-in, sessions, CSRF, lockout, rate limit, idle log-off, roles and security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from clinicbot.console.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from clinicbot.store.audit import list_audit
from clinicbot.store.schema import console_sessions, utcnow
from tests.console.conftest import PASSWORD, Browser, Console, start_console

ESC = "E-AAAAAA"
PAGES = ["/console/", f"/console/escalations/{ESC}", "/console/admin/audit", "/console/admin/staff"]
APIS = ["/console/api/queue", f"/console/api/escalations/{ESC}"]
POSTS = [
    "/console/logout",
    f"/console/escalations/{ESC}/claim",
    f"/console/escalations/{ESC}/resolve",
    f"/console/escalations/{ESC}/return",
    f"/console/escalations/{ESC}/note",
    f"/console/escalations/{ESC}/reply",
]


@pytest.mark.parametrize("path", PAGES)
async def test_anonymous_pages_redirect_to_login(console: Console, path: str) -> None:
    response = await console.browser.get(path)
    assert response.status == 302
    assert response.location.startswith("/console/login?next=")


@pytest.mark.parametrize("path", APIS)
async def test_anonymous_api_gets_401(console: Console, path: str) -> None:
    response = await console.browser.get(path)
    assert response.status == 401 and response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize("path", POSTS)
async def test_anonymous_posts_get_401(console: Console, path: str) -> None:
    response = await console.browser.post(path, data={"csrf_token": "x", "text": "hi"})
    assert response.status == 401


@pytest.mark.parametrize("path", POSTS)
async def test_posts_without_or_with_a_wrong_csrf_token_get_403(
    console: Console, staff: Browser, path: str
) -> None:
    esc = console.escalate()
    path = path.replace(ESC, esc.id)
    assert (await staff.post(path, data={"text": "hello"})).status == 403
    assert (await staff.post(path, data={"text": "hello", "csrf_token": "forged"})).status == 403
    bad_header = await staff.post(path, json={"text": "hi"}, headers={"X-CSRF-Token": "forged"})
    assert bad_header.status == 403
    assert console.rasa.appended == []
    assert console.store.get(esc.id).status == "open"  # type: ignore[union-attr]
    assert console.store.notes(esc.id) == []
    actions = [a.action for a in list_audit(console.engine, actor="dana")]
    assert "csrf_failed" in actions


async def test_login_page_and_csrf_on_login(console: Console) -> None:
    console.add_staff("dana")
    page = await console.browser.get("/console/login")
    assert page.status == 200 and 'name="csrf_token"' in page.text
    cookie = next(c for c in page.set_cookies if c.startswith(LOGIN_CSRF_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    no_token = await console.browser.post(
        "/console/login", data={"username": "dana", "password": PASSWORD}
    )
    assert no_token.status == 403
    wrong = await console.browser.post(
        "/console/login", data={"username": "dana", "password": PASSWORD, "csrf_token": "nope"}
    )
    assert wrong.status == 403
    assert SESSION_COOKIE not in console.browser.cookies


async def test_login_sets_a_hardened_session_cookie(console: Console) -> None:
    console.add_staff("dana")
    response = await console.browser.login("dana")
    assert response.status == 303 and response.location == "/console/"
    cookie = next(c for c in response.set_cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # secure_cookies=False in this app
    token = console.browser.cookies[SESSION_COOKIE]
    with console.engine.connect() as conn:
        stored = conn.execute(select(console_sessions.c.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored  # only the hash is stored
    page = await console.browser.get("/console/")
    assert page.status == 200 and "Escalation queue" in page.text
    assert [a.action for a in list_audit(console.engine, actor="dana")] == ["login"]


async def test_secure_cookies_when_configured(tmp_path: Path) -> None:
    async for console in start_console(tmp_path, secure_cookies=True):
        console.add_staff("dana")
        page = await console.browser.get("/console/login")
        assert all("Secure" in c for c in page.set_cookies)
        response = await console.browser.login("dana")
        assert all("Secure" in c for c in response.set_cookies)


async def test_login_redirects_to_a_safe_next(console: Console) -> None:
    console.add_staff("dana")
    esc = console.escalate()
    first = await console.browser.get(f"/console/escalations/{esc.id}")
    form = await console.browser.get(first.location)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    assert f'name="next" value="/console/escalations/{esc.id}"' in form.text
    response = await console.browser.post(
        "/console/login",
        data={
            "csrf_token": token,
            "username": "dana",
            "password": PASSWORD,
            "next": f"/console/escalations/{esc.id}",
        },
    )
    assert response.location == f"/console/escalations/{esc.id}"
    evil = console.new_browser()
    form = await evil.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = await evil.post(
        "/console/login",
        data={"csrf_token": token, "username": "dana", "password": PASSWORD, "next": "//evil"},
    )
    assert response.location == "/console/"


async def test_session_is_rotated_at_every_login(console: Console) -> None:
    console.add_staff("dana")
    await console.browser.login("dana")
    old = console.browser.cookies[SESSION_COOKIE]
    await console.browser.login("dana")
    new = console.browser.cookies[SESSION_COOKIE]
    assert new != old
    replay = console.new_browser()
    replay.cookies[SESSION_COOKIE] = old
    assert (await replay.get("/console/")).status == 302  # the old session is gone
    assert (await console.browser.get("/console/")).status == 200
    with console.engine.connect() as conn:
        assert len(conn.execute(select(console_sessions)).all()) == 1


async def test_logout_ends_the_session(console: Console, staff: Browser) -> None:
    token = staff.cookies[SESSION_COOKIE]
    assert (await staff.post("/console/logout")).status == 403  # CSRF required
    csrf = await staff.csrf()
    response = await staff.post("/console/logout", data={"csrf_token": csrf})
    assert response.status == 303 and response.location == "/console/login"
    assert SESSION_COOKIE not in staff.cookies
    replay = console.new_browser()
    replay.cookies[SESSION_COOKIE] = token
    assert (await replay.get("/console/")).status == 302
    assert "logout" in [a.action for a in list_audit(console.engine, actor="dana")]


async def test_wrong_password_fails_generically(console: Console) -> None:
    console.add_staff("dana")
    wrong = await console.browser.login("dana", "not the password")
    unknown = await console.browser.login("nobody", PASSWORD)
    assert wrong.status == unknown.status == 401
    assert "Sign-in failed" in wrong.text and "Sign-in failed" in unknown.text
    assert SESSION_COOKIE not in console.browser.cookies
    audit = list_audit(console.engine, action="login_failed")
    assert [a.actor for a in audit] == ["anonymous", "dana"]
    assert all(PASSWORD not in str(a.detail) for a in audit)


async def test_failures_delay_further_attempts_without_locking_out(console: Console) -> None:
    console.add_staff("dana")
    for _ in range(3):
        assert (await console.browser.login("dana", "wrong password")).status == 401
    delayed = await console.browser.login("dana")
    assert delayed.status == 429 and int(delayed.headers["Retry-After"]) >= 1
    assert SESSION_COOKIE not in console.browser.cookies
    user = console.app.ctx.staff.get("dana")
    assert user is not None and not user.is_locked()
    console.app.ctx.login_guard.unlock("dana")
    assert (await console.browser.login("dana")).status == 303


async def test_password_spraying_from_one_address_is_limited(console: Console) -> None:
    console.add_staff("dana")
    statuses = [(await console.browser.login(f"user{i}", "whatever")).status for i in range(30)]
    assert statuses == [401] * 30
    limited = await console.browser.login("dana")
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "login_delayed" in [a.action for a in list_audit(console.engine)]


async def test_idle_sessions_are_logged_off(console: Console, staff: Browser) -> None:
    assert (await staff.get("/console/")).status == 200
    with console.engine.begin() as conn:
        conn.execute(update(console_sessions).values(last_seen_at=utcnow() - timedelta(minutes=16)))
    page = await staff.get("/console/")
    assert page.status == 302 and "expired=1" in page.location
    assert SESSION_COOKIE not in staff.cookies
    login = await staff.get(page.location)
    assert "without activity" in login.text


async def test_polling_does_not_keep_a_session_alive(console: Console, staff: Browser) -> None:
    idle_since = utcnow() - timedelta(minutes=10)
    with console.engine.begin() as conn:
        conn.execute(update(console_sessions).values(last_seen_at=idle_since))
    assert (await staff.get("/console/api/queue")).status == 200
    with console.engine.connect() as conn:
        seen = conn.execute(select(console_sessions.c.last_seen_at)).scalar_one()
    assert abs((seen - idle_since).total_seconds()) < 1
    assert (await staff.get("/console/")).status == 200  # a page view is activity
    with console.engine.connect() as conn:
        seen = conn.execute(select(console_sessions.c.last_seen_at)).scalar_one()
    assert (utcnow() - seen).total_seconds() < 5
    with console.engine.begin() as conn:
        conn.execute(update(console_sessions).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    expired = await staff.get("/console/api/queue")
    assert expired.status == 401 and expired.json()["expired"] is True


async def test_disabled_users_are_signed_out(console: Console, staff: Browser) -> None:
    console.app.ctx.staff.set_disabled("dana", True)
    assert (await staff.get("/console/")).status == 302


@pytest.mark.parametrize("path", ["/console/admin/audit", "/console/admin/staff"])
async def test_admin_pages_are_forbidden_to_staff(
    console: Console, staff: Browser, admin: Browser, path: str
) -> None:
    denied = await staff.get(path)
    assert denied.status == 403 and "administrators" in denied.text
    allowed = await admin.get(path)
    assert allowed.status == 200
    assert "forbidden" in [a.action for a in list_audit(console.engine, actor="dana")]


async def test_staff_page_lists_accounts_and_audit_page_lists_rows(
    console: Console, staff: Browser, admin: Browser
) -> None:
    page = await admin.get("/console/admin/staff")
    assert "dana" in page.text and "ada" in page.text and "admin" in page.text
    assert "password" not in page.text.lower().replace("create-staff", "")
    audit = await admin.get("/console/admin/audit")
    assert "login" in audit.text and "view_staff" in audit.text
    admin_actions = [a.action for a in list_audit(console.engine, actor="ada")]
    assert {"view_staff", "view_audit"} <= set(admin_actions)
    assert "Audit log" in (await admin.get("/console/")).text  # admin nav
    assert "Audit log" not in (await staff.get("/console/")).text


async def test_security_headers(console: Console, staff: Browser) -> None:
    for path in ["/console/", "/console/login", "/console/api/queue"]:
        response = await staff.get(path)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    static = await staff.get("/console/static/console.js")
    assert (
        static.status == 200 and "textContent" in static.text and "innerHTML =" not in static.text
    )
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    css = await staff.get("/console/static/console.css")
    assert css.status == 200
