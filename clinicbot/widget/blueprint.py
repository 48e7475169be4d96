"""Blueprint serving the chat widget: its assets, its history API and a demo clinic page.

Routes:

* ``GET /`` -- a SAMPLE clinic homepage that embeds the widget the way any website would (one
  script tag plus an optional config object), with a strict Content-Security-Policy.
* ``GET /widget/widget.js`` (the loader embeds use), ``/widget/js/<module>.js`` (the widget's
  ES modules, :data:`WIDGET_MODULES`), ``/widget/css/<name>.css`` (its stylesheets,
  :data:`WIDGET_STYLESHEETS`), ``/widget/demo.css``, ``/widget/vendor/socket.io.min.js`` --
  static files from ``static/`` (only these), with
  ``Access-Control-Allow-Origin: *`` (module scripts on other sites are fetched with CORS).
* ``POST /widget/api/history`` with ``{"session_id": "<uuid>"}`` (or the ``X-Widget-Session``
  header) -- the current session of the patient's conversation, read from Rasa's tracker, so a
  reload or a new tab shows it again; nothing after ``WIDGET_IDLE_MINUTES`` without activity.

Nothing is read at import time: the clinic facts and the templates load on first use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinicbot.channels.common import widget_conversation_id
from clinicbot.clinic import CLINIC_FILE, clinic_facts
from clinicbot.kb_files import KnowledgeError
from clinicbot.rasa_client import RasaAPIError, RasaClient
from clinicbot.settings import Settings, load_settings
from clinicbot.transcript import transcript_from_events

bp = Blueprint("widget")

WIDGET_DIR = Path(__file__).resolve().parent
STATIC_DIR = WIDGET_DIR / "static"
TEMPLATES_DIR = WIDGET_DIR / "templates"

#: Session ids the widget creates: ``crypto.randomUUID()`` (dashes optional, so Rasa's own
#: ``uuid4().hex`` ids pass too). Other sender ids (an SMS sender's phone number) are refused,
#: so this public endpoint cannot read conversations of other channels.
SESSION_ID_RE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
MAX_SESSION_ID_LENGTH = 64
#: At most this many of the latest messages are returned by the history API.
MAX_HISTORY_MESSAGES = 300

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_SHORT_CACHE = "public, max-age=300"
_LONG_CACHE = "public, max-age=86400"


@dataclass(frozen=True)
class StaticAsset:
    """One file the blueprint serves from ``static/``.

    Attributes:
        relative_path: Path below ``static/``.
        content_type: ``Content-Type`` header value.
        cache_control: ``Cache-Control`` header value.
    """

    relative_path: str
    content_type: str
    cache_control: str


#: The widget's ES modules in ``static/js/`` (entry: ``main.js``); ``widget.js`` is the classic
#: loader existing embeds use. Each is served at ``/widget/js/<name>.js``.
WIDGET_MODULES = (
    "main",
    "config",
    "contrast",
    "buttons",
    "richtext",
    "dom",
    "storage",
    "transport",
    "messages",
    "ui",
    "view",
    "chat",
)

#: The widget's stylesheets in ``static/css/``, in the cascade order ``STYLESHEETS`` in
#: ``js/ui.js`` links them (base and theme, panel, messages, composer, media queries last).
#: Each is served at ``/widget/css/<name>.css``.
WIDGET_STYLESHEETS = ("base", "panel", "messages", "composer", "media")

#: URL path -> asset. Only these files are served; there is no directory listing or lookup.
STATIC_ASSETS: dict[str, StaticAsset] = {
    "/widget/widget.js": StaticAsset("widget.js", _JS, _SHORT_CACHE),
    **{
        f"/widget/js/{name}.js": StaticAsset(f"js/{name}.js", _JS, _SHORT_CACHE)
        for name in WIDGET_MODULES
    },
    **{
        f"/widget/css/{name}.css": StaticAsset(f"css/{name}.css", _CSS, _SHORT_CACHE)
        for name in WIDGET_STYLESHEETS
    },
    "/widget/demo.css": StaticAsset("demo.css", _CSS, _SHORT_CACHE),
    "/widget/vendor/socket.io.min.js": StaticAsset("vendor/socket.io.min.js", _JS, _LONG_CACHE),
}

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# --------------------------------------------------------------------------------------------
# Lazy loaders
# --------------------------------------------------------------------------------------------


def load_clinic() -> Mapping[str, Any]:
    """The clinic facts for the demo page (``clinicbot.clinic.clinic_facts``, cached).

    Returns:
        The checked, read-only mapping; empty when the file is missing.
    """
    try:
        return clinic_facts().raw
    except KnowledgeError:
        if not CLINIC_FILE.is_file():
            return {}
        raise


@functools.lru_cache(maxsize=1)
def _jinja_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=32)
def _read_asset(path: str, mtime_ns: int) -> tuple[bytes, str]:
    """Reads a static file and its ETag; cached per modification time."""
    body = (STATIC_DIR / path).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return body, etag


def _settings(request: Request) -> Settings:
    """Returns the app's settings (``app.ctx.settings``), else the environment's."""
    settings = getattr(request.app.ctx, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def _rasa_client(request: Request, settings: Settings) -> Any:
    """The app's Rasa client (``app.ctx.rasa``) when it has one, else a new one."""
    client = getattr(request.app.ctx, "rasa", None)
    if client is not None and hasattr(client, "get_tracker"):
        return client
    return RasaClient.from_settings(settings)


def widget_origins(settings: Settings) -> list[str]:
    """Lists the page origins allowed to read the history API from another origin.

    Args:
        settings: Process settings (``widget_origins``, from ``WIDGET_ORIGINS``, as the
            socket.io channel reads it).

    Returns:
        Origins such as ``https://www.clinic.example``; ``*`` is never honoured here.
    """
    return [o for o in settings.widget_origins if o != "*"]


# --------------------------------------------------------------------------------------------
# Static files
# --------------------------------------------------------------------------------------------


def _asset_response(request: Request, asset: StaticAsset) -> HTTPResponse:
    path = STATIC_DIR / asset.relative_path
    try:
        body, etag = _read_asset(asset.relative_path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        return response.json({"error": "not found"}, status=404)
    headers = {
        "Cache-Control": asset.cache_control,
        "ETag": etag,
        # Public, credential-free assets: any page may embed the widget.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        **_SECURITY_HEADERS,
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return response.empty(status=304, headers=headers)
    return response.raw(body, content_type=asset.content_type, headers=headers)


def _make_asset_handler(asset: StaticAsset) -> Any:
    async def handler(request: Request) -> HTTPResponse:
        return _asset_response(request, asset)

    return handler


for _url, _asset in STATIC_ASSETS.items():
    bp.add_route(
        _make_asset_handler(_asset),
        _url,
        methods=["GET", "HEAD"],
        name="asset_" + re.sub(r"\W", "_", _asset.relative_path),
    )


# --------------------------------------------------------------------------------------------
# History API
# --------------------------------------------------------------------------------------------


def valid_session_id(value: str) -> bool:
    """Tells whether ``value`` looks like a widget session id (a UUID).

    Args:
        value: The ``session_id`` query argument.

    Returns:
        True for a UUID with or without dashes, at most 64 characters.
    """
    return len(value) <= MAX_SESSION_ID_LENGTH and SESSION_ID_RE.fullmatch(value) is not None


def public_message(item: dict[str, Any]) -> dict[str, Any]:
    """Keeps the fields of a transcript message that the patient's widget may see.

    Args:
        item: One message of :func:`clinicbot.transcript.transcript_from_events`.

    Returns:
        ``{"role", "text", "ts"}`` for patient messages; bot and staff messages add ``kind``,
        ``kb_id``, ``sources``, ``buttons`` and ``staff_name`` (internal fields such as the
        recognised intent are dropped).
    """
    role = item.get("role") if item.get("role") in {"patient", "bot", "staff"} else "bot"
    out: dict[str, Any] = {"role": role, "text": item.get("text") or "", "ts": item.get("ts")}
    if role == "patient":
        return out
    buttons = [
        {"title": b.get("title"), "payload": b.get("payload")}
        for b in item.get("buttons") or []
        if isinstance(b, dict) and b.get("title") and b.get("payload")
    ]
    out.update(
        kind=item.get("kind"),
        kb_id=item.get("kb_id"),
        sources=[str(s) for s in item.get("sources") or []],
        buttons=buttons,
        staff_name=item.get("staff_name") if role == "staff" else None,
    )
    return out


def _cors_headers(request: Request, settings: Settings) -> dict[str, str]:
    origin = request.headers.get("origin", "").rstrip("/")
    headers = {"Vary": "Origin"}
    if origin and origin in widget_origins(settings):
        headers["Access-Control-Allow-Origin"] = origin
    return headers


#: Header that may carry the session id instead of the body.
SESSION_HEADER = "X-Widget-Session"


def _requested_session(request: Request) -> str:
    """The session id from the ``X-Widget-Session`` header or the JSON body, never the URL."""
    header = request.headers.get(SESSION_HEADER)
    if header:
        return header.strip()
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return ""
    value = body.get("session_id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def current_session_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of the conversation's current Rasa session (after its last ``session_started``).

    Args:
        events: The tracker's events, oldest first.

    Returns:
        The events of the latest session.
    """
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], dict) and events[index].get("event") == "session_started":
            return events[index + 1 :]
    return events


def is_idle(events: list[dict[str, Any]], idle_minutes: int, now: float | None = None) -> bool:
    """Tells whether a conversation's last event is older than the widget's idle limit.

    Args:
        events: The events (oldest first).
        idle_minutes: ``WIDGET_IDLE_MINUTES``.
        now: Reference time (epoch seconds).

    Returns:
        True when the newest timestamped event is older than the limit.
    """
    stamps = [e.get("timestamp") for e in events if isinstance(e, dict)]
    numbers = [float(t) for t in stamps if isinstance(t, (int, float))]
    if not numbers:
        return False
    return (time.time() if now is None else now) - max(numbers) > idle_minutes * 60


@bp.post("/widget/api/history")
async def history(request: Request) -> HTTPResponse:
    """Returns the current session of one widget conversation.

    The session id comes in the body (``{"session_id": "<uuid>"}``, sent as ``text/plain`` so
    cross-origin pages need no preflight) or the ``X-Widget-Session`` header, never in the URL
    (URLs end up in logs and browser history). Only the current Rasa session is returned, and
    nothing once the conversation has been idle for ``WIDGET_IDLE_MINUTES``: on a shared
    computer the next visitor must not see the previous patient's conversation.

    Args:
        request: The request.

    Returns:
        ``{"messages": [...]}`` (oldest first; empty for a new conversation; ``"expired":
        true`` added when it was idle too long), 400 for a missing or malformed session id, 503
        when Rasa cannot be reached.
    """
    settings = _settings(request)
    headers = {"Cache-Control": "no-store", **_SECURITY_HEADERS, **_cors_headers(request, settings)}
    session_id = _requested_session(request)
    if not valid_session_id(session_id):
        return response.json(
            {"error": "session_id must be the widget's session id (a UUID)"},
            status=400,
            headers=headers,
        )
    client = _rasa_client(request, settings)
    try:
        tracker = await client.get_tracker(widget_conversation_id(session_id))
    except RasaAPIError:
        return response.json(
            {"error": "The assistant is unavailable right now. Please try again shortly."},
            status=503,
            headers={**headers, "Retry-After": "10"},
        )
    events = current_session_events(list(tracker.get("events") or []))
    if is_idle(events, settings.widget_idle_minutes):
        return response.json({"messages": [], "expired": True}, headers=headers)
    messages = [public_message(m) for m in transcript_from_events(events)]
    return response.json({"messages": messages[-MAX_HISTORY_MESSAGES:]}, headers=headers)


# --------------------------------------------------------------------------------------------
# Demo clinic page
# --------------------------------------------------------------------------------------------

_HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def _request_hostname(request: Request) -> str:
    """The hostname the browser used for this page, or 127.0.0.1 when it looks odd."""
    host = request.host or ""
    if host.startswith("["):
        hostname = host.split("]", 1)[0] + "]"
    elif ":" in host:
        hostname = host.rsplit(":", 1)[0]
    else:
        hostname = host
    return hostname if _HOSTNAME_RE.fullmatch(hostname) else "127.0.0.1"


def public_rasa_url(request: Request, settings: Settings) -> str:
    """The Rasa URL as the patient's browser reaches it (socket.io endpoint).

    Args:
        request: The page request (its Host header gives the hostname).
        settings: Process settings; ``public_rasa_url`` wins when set.

    Returns:
        A URL such as ``http://127.0.0.1:5005`` (no trailing slash).
    """
    if settings.public_rasa_url:
        return settings.public_rasa_url.rstrip("/")
    scheme = "https" if request.scheme in {"https", "wss"} else "http"
    return f"{scheme}://{_request_hostname(request)}:{settings.rasa_port}"


def content_security_policy(rasa_url: str, nonce: str) -> str:
    """Builds the demo page's Content-Security-Policy.

    Args:
        rasa_url: The Rasa origin the widget's socket connects to.
        nonce: Per-response nonce of the inline config script.

    Returns:
        The header value: self only, plus the Rasa origin over http(s) and ws(s) for
        ``connect-src``.
    """
    parts = urlsplit(rasa_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    ws_origin = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {origin} {ws_origin}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def _hours_rows(hours: Any) -> list[tuple[str, str]]:
    if not isinstance(hours, dict):
        return []
    rows = []
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
        span = hours.get(day)
        text = f"{span[0]}–{span[1]}" if isinstance(span, list) and len(span) == 2 else "Closed"
        rows.append((day.capitalize(), text))
    return rows


@bp.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    """Renders the SAMPLE clinic homepage with the widget embedded.

    Args:
        request: The request.

    Returns:
        The HTML page with a strict Content-Security-Policy.
    """
    settings = _settings(request)
    clinic = load_clinic()
    rasa_url = public_rasa_url(request, settings)
    nonce = secrets.token_urlsafe(18)
    widget_config = {
        "serverUrl": rasa_url,
        "clinicName": clinic.get("name") or "Sample Clinic",
        "clinicPhone": clinic.get("phone") or "",
        "primaryColor": "#0f766e",
    }
    html = (
        _jinja_env()
        .get_template("demo.html")
        .render(
            clinic=clinic,
            hours=_hours_rows(clinic.get("hours")),
            widget_config=widget_config,
            nonce=nonce,
        )
    )
    headers = {
        "Content-Security-Policy": content_security_policy(rasa_url, nonce),
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        **_SECURITY_HEADERS,
    }
    return response.html(html, headers=headers)
