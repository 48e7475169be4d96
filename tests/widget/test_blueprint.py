"""Tests of the widget blueprint: demo page and static assets (the history API has its own file).

The app is served by ``blueprint_server.py`` (the ``server`` fixture is in ``conftest.py``).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from clinicbot.clinic import reload_clinic_facts
from clinicbot.paths import REPO_ROOT
from clinicbot.settings import load_settings
from clinicbot.widget import blueprint as widget_bp

from .blueprint_server import Server, serve_blueprint


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    reload_clinic_facts()


@pytest_asyncio.fixture
async def public_server() -> AsyncIterator[Server]:
    settings = load_settings(
        {"RASA_URL": "http://127.0.0.1:9", "PUBLIC_RASA_URL": "https://chat.clinic.example/"}
    )
    async for srv in serve_blueprint(settings):
        yield srv


# ------------------------------------------------------------------------------ demo page


async def test_demo_page_renders_clinic_and_one_script_tag(server: Server) -> None:
    status, headers, body = await server.get("/")
    html = body.decode()
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    clinic = widget_bp.load_clinic()
    assert clinic["name"] in html
    assert "Sample page" in html and "SAMPLE" in html
    assert html.count('src="/widget/widget.js"') == 1
    assert "window.ClinicChatConfig" in html
    assert "http://" not in re.sub(r'"serverUrl": "[^"]*"', "", html.split("<body>")[0])
    assert "cdn" not in html.lower()
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


async def test_demo_page_csp_has_nonce_and_rasa_origin(server: Server) -> None:
    _, headers, body = await server.get("/")
    csp = headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in body.decode()
    assert "default-src 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    _, headers2, _ = await server.get("/")
    assert headers2["content-security-policy"] != csp  # a fresh nonce per response


async def test_demo_page_uses_public_rasa_url(public_server: Server) -> None:
    _, headers, body = await public_server.get("/")
    csp = headers["content-security-policy"]
    assert "connect-src 'self' https://chat.clinic.example wss://chat.clinic.example" in csp
    assert '"serverUrl": "https://chat.clinic.example"' in body.decode()


async def test_demo_page_ignores_hostile_host_header(server: Server) -> None:
    _, headers, body = await server.get("/", headers={"Host": 'evil.example"; script-src *'})
    assert "evil" not in headers["content-security-policy"]
    assert "http://127.0.0.1:5005" in headers["content-security-policy"]
    assert "evil" not in body.decode()


async def test_demo_page_escapes_clinic_facts(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = {"name": "</script><script>alert(1)</script>", "phone": "<b>1</b>"}
    monkeypatch.setattr(widget_bp, "load_clinic", lambda: hostile)
    _, _, body = await server.get("/")
    html = body.decode()
    assert "<script>alert(1)" not in html
    assert "<b>1</b>" not in html
    assert "\\u003c/script\\u003e" in html  # JSON in the inline script is HTML-safe


def test_import_does_no_io() -> None:
    code = (
        "import clinicbot.widget.blueprint as b;"
        "from clinicbot.clinic import clinic_facts as c;"
        "print(c.cache_info().currsize, b._jinja_env.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == ["0", "0"]


# ------------------------------------------------------------------------------ static files


@pytest.mark.parametrize(
    ("path", "content_type", "max_age"),
    [
        ("/widget/widget.js", "text/javascript; charset=utf-8", "max-age=300"),
        ("/widget/css/base.css", "text/css; charset=utf-8", "max-age=300"),
        ("/widget/css/media.css", "text/css; charset=utf-8", "max-age=300"),
        ("/widget/demo.css", "text/css; charset=utf-8", "max-age=300"),
        ("/widget/vendor/socket.io.min.js", "text/javascript; charset=utf-8", "max-age=86400"),
    ],
)
async def test_static_assets(server: Server, path: str, content_type: str, max_age: str) -> None:
    status, headers, body = await server.get(path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert max_age in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"
    assert body
    etag = headers["etag"]
    status, _, body304 = await server.get(path, headers={"If-None-Match": etag})
    assert status == 304 and body304 == b""


async def test_head_request(server: Server) -> None:
    async with server.http.head(server.base_url + "/widget/widget.js") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path",
    [
        "/widget/blueprint.py",
        "/widget/../blueprint.py",
        "/widget/%2e%2e/blueprint.py",
        "/widget/vendor/README.md",
        "/widget/static/widget.js",
        "/widget/templates/demo.html",
        "/widget/js/package.json",
        "/widget/js/../blueprint.py",
        "/widget/js/nothere.js",
        "/widget/widget.css",
        "/widget/css/nothere.css",
        "/widget/css/../blueprint.py",
    ],
)
async def test_only_listed_files_are_served(server: Server, path: str) -> None:
    status, _, body = await server.get(path)
    assert status == 404
    assert b"import" not in body


def test_vendored_socketio_matches_readme() -> None:
    vendor = widget_bp.STATIC_DIR / "vendor"
    readme = (vendor / "README.md").read_text()
    data = (vendor / "socket.io.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert f"`{digest}`" in readme
    version = re.search(rb"Socket\.IO v(\d+)\.(\d+)\.(\d+)", data[:200])
    assert version is not None and version.group(1) == b"4"  # protocol v5 (python-socketio 5)
    assert f"**{'.'.join(v.decode() for v in version.groups())}**" in readme
    assert (vendor / "socket.io-client.LICENSE").read_text().startswith("The MIT License")


WIDGET_JS_FILES = [
    widget_bp.STATIC_DIR / "widget.js",
    *sorted(widget_bp.STATIC_DIR.glob("js/*.js")),
]


@pytest.mark.parametrize("path", WIDGET_JS_FILES, ids=lambda p: p.name)
def test_widget_js_never_inserts_html(path: Path) -> None:
    js = path.read_text()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in js, forbidden
    for tracker in ("googleapis", "gstatic", "cdn.", "unpkg", "jsdelivr", "analytics"):
        assert tracker not in js.lower(), tracker


def test_every_widget_module_is_served_and_every_import_resolves() -> None:
    served = {a.relative_path for a in widget_bp.STATIC_ASSETS.values()}
    modules = sorted(widget_bp.STATIC_DIR.glob("js/*.js"))
    assert {f"js/{p.name}" for p in modules} == {f"js/{m}.js" for m in widget_bp.WIDGET_MODULES}
    loader = (widget_bp.STATIC_DIR / "widget.js").read_text()
    assert '"js/main.js"' in loader and 'tag.type = "module"' in loader
    for path in modules:
        for target in re.findall(r'^import [^;]*? from "\./([\w-]+\.js)";', path.read_text(), re.M):
            assert f"js/{target}" in served, f"{path.name} imports {target}, which is not served"
    for path in modules:
        assert len(path.read_text().splitlines()) <= 500, path.name


def test_every_stylesheet_is_served_and_linked_in_cascade_order() -> None:
    served = {a.relative_path for a in widget_bp.STATIC_ASSETS.values()}
    sheets = sorted(p.name for p in widget_bp.STATIC_DIR.glob("css/*.css"))
    assert sheets == sorted(f"{name}.css" for name in widget_bp.WIDGET_STYLESHEETS)
    assert {f"css/{name}" for name in sheets} <= served
    ui = (widget_bp.STATIC_DIR / "js" / "ui.js").read_text()
    linked = re.search(r"export const STYLESHEETS = \[(.*?)\];", ui, re.S)
    assert linked is not None
    order = re.findall(r'"css/([\w-]+)\.css"', linked.group(1))
    assert order == list(widget_bp.WIDGET_STYLESHEETS)
    assert order[-1] == "media"  # the media queries override the rules before them
    for name in sheets:
        assert len((widget_bp.STATIC_DIR / "css" / name).read_text().splitlines()) <= 500, name


async def test_modules_are_javascript_with_cors(server: Server) -> None:
    for name in widget_bp.WIDGET_MODULES:
        status, headers, body = await server.get(f"/widget/js/{name}.js")
        assert status == 200, name
        assert headers["content-type"] == "text/javascript; charset=utf-8"  # strict MIME check
        assert headers["access-control-allow-origin"] == "*"  # module scripts load with CORS
        assert headers["x-content-type-options"] == "nosniff"
        assert body
