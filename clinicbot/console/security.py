"""Console access control.

Session cookies, the ``@authorized`` decorator, CSRF checks, the login rate limit and the
security headers.
"""

from __future__ import annotations

import hmac
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import quote

from sanic import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, json, redirect

from clinicbot.console.render import render
from clinicbot.console.stores import stores
from clinicbot.store.staff import ADMIN

SESSION_COOKIE = "clinic_console_session"
LOGIN_CSRF_COOKIE = "clinic_console_login_csrf"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

Handler = Callable[..., Awaitable[HTTPResponse]]
H = TypeVar("H", bound=Handler)

_NEXT_PATTERN = re.compile(r"^/console(/[A-Za-z0-9_\-/]*)?$")


def set_cookie(
    response: HTTPResponse, name: str, value: str, secure: bool, max_age: int | None = None
) -> None:
    """Sets a console cookie: HttpOnly, SameSite=Strict, Path=/console, Secure if asked.

    Args:
        response: The response.
        name: Cookie name.
        value: Cookie value.
        secure: Add the Secure attribute.
        max_age: Lifetime in seconds (None for a browser-session cookie; 0 deletes).
    """
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if secure:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(response: HTTPResponse, name: str, secure: bool) -> None:
    """Tells the browser to drop a console cookie.

    Args:
        response: The response.
        name: Cookie name.
        secure: Whether the cookie was set with Secure.
    """
    set_cookie(response, name, "", secure, max_age=0)


def tokens_equal(expected: str | None, given: Any) -> bool:
    """Compares two tokens in constant time.

    Args:
        expected: The known token.
        given: The submitted value (anything).

    Returns:
        True only if both are non-empty equal strings.
    """
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def wants_json(request: Request) -> bool:
    """Tells whether a request expects a JSON answer (fetch from the console's scripts).

    Args:
        request: The request.

    Returns:
        True for ``/console/api/`` paths and ``Accept: application/json``.
    """
    accept = request.headers.get("accept", "")
    return request.path.startswith("/console/api/") or "application/json" in accept


def field(request: Request, name: str) -> str | None:
    """Reads a submitted field from a form or a JSON body.

    Args:
        request: The request.
        name: Field name.

    Returns:
        The value, or None.
    """
    if "application/json" in request.headers.get("content-type", ""):
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - a malformed body is just "no field"
            return None
        value = body.get(name) if isinstance(body, dict) else None
        return value if isinstance(value, str) else None
    form = request.form
    value = form.get(name) if form else None
    return value if isinstance(value, str) else None


def safe_next(value: str | None) -> str:
    """Validates a post-login redirect target.

    Args:
        value: The ``next`` parameter.

    Returns:
        The target if it is a console path, else ``/console/``.
    """
    if value and _NEXT_PATTERN.match(value) and "//" not in value:
        return value
    return "/console/"


def client_ip(request: Request) -> str:
    """Returns the client's address.

    Behind a reverse proxy set ``TRUSTED_PROXIES`` (Sanic's ``PROXIES_COUNT``): ``remote_addr``
    is then the address the proxy saw (from ``X-Forwarded-For``); without it the header is
    ignored and the socket's peer is used, so clients cannot choose their own address.

    Args:
        request: The request.

    Returns:
        The address.
    """
    return str(request.remote_addr or request.ip or "unknown")


def _unauthenticated(request: Request, expired: bool) -> HTTPResponse:
    if request.method == "GET" and not wants_json(request):
        target = f"/console/login?next={quote(request.path, safe='/')}"
        if expired:
            target += "&expired=1"
        response = redirect(target)
    else:
        response = json({"error": "unauthenticated", "expired": expired}, status=401)
    if expired:
        clear_cookie(response, SESSION_COOKIE, request.app.ctx.settings.secure_cookies)
    return response


def forbidden(request: Request, message: str) -> HTTPResponse:
    """Builds a 403 answer.

    Args:
        request: The request.
        message: Fixed explanation (no user input).

    Returns:
        JSON or an HTML page.
    """
    if wants_json(request):
        return json({"error": "forbidden", "message": message}, status=403)
    user = getattr(request.ctx, "user", None)
    session = getattr(request.ctx, "session", None)
    return render(
        "error.html",
        status=403,
        title="Not allowed",
        message=message,
        user=user,
        csrf_token=session.csrf_token if session else "",
    )


#: Pages an administrator without TOTP may still use (to set it up, or to leave).
TOTP_EXEMPT_PATHS = frozenset({"/console/account/totp", "/console/logout"})


def _totp_exempt(path: str) -> bool:
    return path in TOTP_EXEMPT_PATHS


def authorized(role: str | None = None, *, touch: bool = True) -> Callable[[H], H]:
    """Requires a signed-in staff member (and a role, and a CSRF token on POST).

    On success the handler finds ``request.ctx.user`` (a ``StaffUser``) and
    ``request.ctx.session`` (a ``ConsoleSession``). Without a valid session, GET pages redirect
    to the login page and everything else gets 401; a wrong role gets 403; an unsafe method
    without the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``)
    gets 403.

    Args:
        role: ``admin`` to restrict to administrators; None for any staff member.
        touch: Whether the request counts as activity (live polling does not).

    Returns:
        The decorator.
    """

    def decorator(handler: H) -> H:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            db = stores(request)
            token = request.cookies.get(SESSION_COOKIE)
            session, expired = await db.sessions.lookup(token, touch=touch)
            if session is None:
                return _unauthenticated(request, expired)
            user = await db.staff.get(session.username)
            if user is None or user.disabled:
                await db.sessions.delete(token)
                return _unauthenticated(request, False)
            request.ctx.session = session
            request.ctx.user = user
            if request.method not in SAFE_METHODS:
                given = request.headers.get(CSRF_HEADER) or field(request, CSRF_FIELD)
                if not tokens_equal(session.csrf_token, given):
                    await db.audit.write(
                        user.username, "csrf_failed", detail={"path": request.path}
                    )
                    return forbidden(request, "The form was stale or incomplete (CSRF check).")
            if user.is_admin and not user.totp_enabled and not _totp_exempt(request.path):
                # Administrators use the console only with a second factor.
                if request.method == "GET" and not wants_json(request):
                    return redirect("/console/account/totp?required=1")
                return forbidden(request, "Set up two-step sign-in first.")
            if role == ADMIN and not user.is_admin:
                await db.audit.write(user.username, "forbidden", detail={"path": request.path})
                return forbidden(request, "This page is for administrators.")
            return await handler(request, *args, **kwargs)

        return cast(H, wrapper)

    return decorator


class LoginGuard:
    """Sign-in limits that count failures only, keyed on address and username.

    * Per address and username: after :attr:`free_failures` failures the next attempt waits
      1 s, and each further failure doubles the wait (2 s, 4 s ... up to :attr:`max_delay`).
      Nobody can lock an account: the delay applies to that address only.
    * Per address: at most :attr:`ip_failures` failures in :attr:`ip_window` seconds across all
      usernames (password spraying).
    * A success clears the address+username record; :meth:`unlock` (administrators) clears a
      username's records at every address.

    Memory is bounded: at most :attr:`max_keys` records each (least recently used dropped).

    Args:
        free_failures: Failures per address+username before delays start.
        max_delay: Longest delay in seconds.
        ip_failures: Failures allowed per address per window.
        ip_window: That window in seconds.
        clock: Monotonic clock (tests replace it).
        max_keys: Records kept.
    """

    def __init__(
        self,
        free_failures: int = 3,
        max_delay: float = 900.0,
        ip_failures: int = 30,
        ip_window: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 20_000,
    ) -> None:
        """Creates empty records."""
        self.free_failures = free_failures
        self.max_delay = max_delay
        self.ip_failures = ip_failures
        self.ip_window = ip_window
        self.clock = clock
        self.max_keys = max_keys
        self._users: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
        self._ips: OrderedDict[str, deque[float]] = OrderedDict()

    @staticmethod
    def _name(username: str) -> str:
        return (username or "").strip().lower()[:64]

    def wait(self, ip: str, username: str) -> int:
        """Seconds before this address may try this username again (0: now).

        Args:
            ip: Client address.
            username: As typed.

        Returns:
            Whole seconds to wait.
        """
        now = self.clock()
        waits = [0.0]
        record = self._users.get((ip, self._name(username)))
        if record is not None:
            waits.append(record[1] - now)
        hits = self._ips.get(ip)
        if hits:
            while hits and hits[0] <= now - self.ip_window:
                hits.popleft()
            if len(hits) >= self.ip_failures:
                waits.append(hits[0] + self.ip_window - now)
        longest = max(waits)
        return int(longest) + 1 if longest > 0 else 0

    def failed(self, ip: str, username: str) -> None:
        """Records a failed attempt.

        Args:
            ip: Client address.
            username: As typed.
        """
        now = self.clock()
        key = (ip, self._name(username))
        failures = self._users.get(key, (0, 0.0))[0] + 1
        extra = failures - self.free_failures
        delay = 0.0 if extra < 0 else min(self.max_delay, 2.0**extra)
        self._users[key] = (failures, now + delay)
        self._users.move_to_end(key)
        hits = self._ips.setdefault(ip, deque())
        self._ips.move_to_end(ip)
        hits.append(now)
        for table in (self._users, self._ips):
            while len(table) > self.max_keys:
                table.popitem(last=False)

    def succeeded(self, ip: str, username: str) -> None:
        """Forgets the failures of this address and username.

        Args:
            ip: Client address.
            username: The account.
        """
        self._users.pop((ip, self._name(username)), None)

    def unlock(self, username: str) -> None:
        """Lifts the delays of a username at every address (administrator action).

        Args:
            username: The account.
        """
        name = self._name(username)
        for key in [k for k in self._users if k[1] == name]:
            del self._users[key]


async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
    """Response middleware adding security headers to everything under ``/console``.

    Args:
        request: The request.
        response: The response to decorate.
    """
    if not (request.path == "/console" or request.path.startswith("/console/")):
        return
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.path.startswith("/console/static/"):
        headers["Cache-Control"] = "no-cache"
    else:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
