"""Console routes for signing in and out and for setting up two-step sign-in (TOTP)."""

from __future__ import annotations

import secrets

from sanic import Request
from sanic.response import HTTPResponse, redirect

from clinicbot.console.common import current_user, page, write_audit
from clinicbot.console.render import render
from clinicbot.console.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    authorized,
    clear_cookie,
    client_ip,
    field,
    forbidden,
    safe_next,
    set_cookie,
    tokens_equal,
)
from clinicbot.console.stores import stores
from clinicbot.store.staff import StaffError, new_totp_secret, totp_uri

_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

LOGIN_FAILED = (
    "Sign-in failed. Check your username, password and (if you use two-step sign-in) the "
    "code. After 3 failed attempts each further one makes you wait longer before the next."
)


def _login_form(
    request: Request, status: int = 200, error: str | None = None, token: str | None = None
) -> HTTPResponse:
    token = token or secrets.token_urlsafe(32)
    response = render(
        "login.html",
        status=status,
        title="Sign in",
        user=None,
        csrf_token=token,
        next=safe_next(request.args.get("next") or field(request, "next")),
        expired=request.args.get("expired") == "1",
        idle_minutes=request.app.ctx.settings.session_idle_minutes,
        error=error,
    )
    set_cookie(
        response, LOGIN_CSRF_COOKIE, token, request.app.ctx.settings.secure_cookies, max_age=3600
    )
    return response


async def login_page(request: Request) -> HTTPResponse:
    """GET /console/login: the sign-in form (already signed-in users go to the queue)."""
    session, _ = await stores(request).sessions.lookup(
        request.cookies.get(SESSION_COOKIE), touch=False
    )
    if session is not None:
        return redirect("/console/")
    return _login_form(request)


async def login_submit(request: Request) -> HTTPResponse:
    """POST /console/login: checks CSRF, the rate limit and the credentials; rotates the session."""
    ctx = request.app.ctx
    db = stores(request)
    secure = ctx.settings.secure_cookies
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE)
    ip = client_ip(request)
    if not tokens_equal(cookie_token, field(request, "csrf_token")):
        # Unauthenticated events: one audit row per address, action and minute.
        await db.audit.record_anonymous("anonymous", "csrf_failed", ip, {"path": "/console/login"})
        return forbidden(request, "The sign-in form was stale or incomplete. Reload the page.")
    username = field(request, "username") or ""
    password = field(request, "password") or ""
    guard = ctx.login_guard
    wait = guard.wait(ip, username)
    if wait > 0:
        known = await db.staff.get(username)
        await db.audit.record_anonymous(
            known.username if known else "anonymous", "login_delayed", ip, {"wait": wait}
        )
        return render(
            "error.html",
            status=429,
            headers={"Retry-After": str(wait)},
            user=None,
            csrf_token="",
            title="Too many attempts",
            message=f"Too many failed sign-ins. Try again in {wait} seconds.",
        )
    result = await db.staff.verify(username, password)
    if not result.ok or result.user is None:
        guard.failed(ip, username)
        known = await db.staff.get(username)
        await db.audit.record_anonymous(
            known.username if known else "anonymous",
            "login_failed",
            ip,
            {"result": result.status},
        )
        return _login_form(request, status=401, error=LOGIN_FAILED, token=cookie_token)
    user = result.user
    if user.totp_enabled:
        code = field(request, "totp") or ""
        if not await db.staff.check_second_factor(user.username, code):
            guard.failed(ip, username)
            await db.audit.record_anonymous(
                user.username, "login_failed", ip, {"result": "second_factor"}
            )
            return _login_form(request, status=401, error=LOGIN_FAILED, token=cookie_token)
    guard.succeeded(ip, username)
    await db.sessions.delete(request.cookies.get(SESSION_COOKIE))
    token, _session = await db.sessions.create(user.username)
    await write_audit(request, "login", actor=user.username, detail={"ip": ip})
    response = redirect(safe_next(field(request, "next")), status=303)
    set_cookie(response, SESSION_COOKIE, token, secure)
    clear_cookie(response, LOGIN_CSRF_COOKIE, secure)
    return response


@authorized()
async def logout(request: Request) -> HTTPResponse:
    """POST /console/logout: ends the session."""
    await stores(request).sessions.delete(request.cookies.get(SESSION_COOKIE))
    await write_audit(request, "logout")
    response = redirect("/console/login", status=303)
    clear_cookie(response, SESSION_COOKIE, request.app.ctx.settings.secure_cookies)
    return response


def _totp_form(
    request: Request, secret: str, status: int = 200, error: str | None = None
) -> HTTPResponse:
    """The set-up page showing ``secret`` (as text and as an ``otpauth:`` URI)."""
    user = current_user(request)
    return page(
        request,
        "totp.html",
        status=status,
        title="Two-step sign-in",
        secret=secret,
        uri=totp_uri(secret, user.username),
        enabled=user.totp_enabled,
        required=user.is_admin and not user.totp_enabled,
        codes=None,
        error=error,
    )


@authorized()
async def totp_page(request: Request) -> HTTPResponse:
    """GET /console/account/totp: set up (or renew) two-step sign-in with an authenticator app."""
    return _totp_form(request, new_totp_secret())


@authorized()
async def totp_submit(request: Request) -> HTTPResponse:
    """POST /console/account/totp: turns TOTP on after checking a first code from the app."""
    user = current_user(request)
    secret = (field(request, "secret") or "").strip().upper()
    code = (field(request, "code") or "").strip()
    valid_secret = 16 <= len(secret) <= 64 and all(c in _BASE32 for c in secret)
    try:
        if not valid_secret:
            raise StaffError("the key was changed; reload the page")
        codes = await stores(request).staff.enable_totp(user.username, secret, code)
    except StaffError as exc:
        fresh = secret if valid_secret else new_totp_secret()
        await write_audit(request, "totp_setup_failed")
        return _totp_form(request, fresh, status=400, error=str(exc).capitalize() + ".")
    await write_audit(request, "totp_enabled", detail={"recovery_codes": len(codes)})
    return page(
        request,
        "totp.html",
        title="Two-step sign-in",
        codes=codes,
        enabled=True,
        required=False,
        error=None,
        secret="",
        uri="",
    )
