"""The shipped nginx configuration exposes only the public paths, never Rasa's HTTP API.

Starts Debian's nginx (``make install`` installs it as root) on free ports in a temporary
directory with the repository's ``deploy/nginx/*-locations.conf`` files, in front of two
stand-in upstreams that answer every path with their own name, and checks the allowlist
through the running proxy. The production site file (``clinicbot.conf``) is checked with
``nginx -t`` after pointing its includes and certificate paths at temporary files.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clinicbot.paths import REPO_ROOT
from tests.fixtures.net import free_port

pytestmark = [pytest.mark.e2e]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = REPO_ROOT / "deploy" / "nginx"

if not Path(NGINX).exists():
    pytest.skip("nginx is missing (make install installs it as root)", allow_module_level=True)


def _standin(name: str) -> tuple[ThreadingHTTPServer, int]:
    """An upstream that answers any request with ``<name> <method> <path>``."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = f"{name} {self.command} {self.path} xff={self.headers.get('X-Forwarded-For')}"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


def _nginx_conf(tmp: Path, rasa: int, web: int, public: int, console: int, rest: bool) -> Path:
    extra = f"include {DEPLOY / 'rest-webhook.conf'};" if rest else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp / "body"};
    proxy_temp_path {tmp / "proxy"};
    fastcgi_temp_path {tmp / "fastcgi"};
    uwsgi_temp_path {tmp / "uwsgi"};
    scgi_temp_path {tmp / "scgi"};
    upstream clinicbot_rasa {{ server 127.0.0.1:{rasa}; }}
    upstream clinicbot_rasa_any {{ server 127.0.0.1:{rasa}; }}
    upstream clinicbot_web {{ server 127.0.0.1:{web}; }}
    map $http_upgrade $clinicbot_connection_upgrade {{ default upgrade; '' close; }}
    limit_req_zone $binary_remote_addr zone=clinicbot_public:1m rate=100r/s;
    limit_req_zone $binary_remote_addr zone=clinicbot_console:1m rate=100r/s;
    server {{
        listen 127.0.0.1:{public};
        include {DEPLOY / "public-locations.conf"};
        {extra}
    }}
    server {{
        listen 127.0.0.1:{console};
        include {DEPLOY / "console-locations.conf"};
    }}
}}
"""
    )
    return conf


class Proxy:
    def __init__(self, public: int, console: int) -> None:
        self.public = public
        self.console = console

    @staticmethod
    def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Content-Type": "application/json", "X-Forwarded-For": "6.6.6.6"}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode(errors="replace")
        conn.close()
        return resp.status, text


def _start(tmp: Path, rest: bool) -> Iterator[Proxy]:
    rasa, rasa_port = _standin("rasa")
    web, web_port = _standin("web")
    public, console = free_port(), free_port()
    conf = _nginx_conf(tmp, rasa_port, web_port, public, console, rest)
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"nginx exited: {out}")
            try:
                socket.create_connection(("127.0.0.1", public), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Proxy(public, console)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        rasa.shutdown()
        web.shutdown()


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    """Proxy with the public and console listeners (REST webhook not enabled)."""
    yield from _start(tmp_path, rest=False)


@pytest.fixture
def proxy_with_rest(tmp_path: Path) -> Iterator[Proxy]:
    """Proxy with the optional REST webhook include."""
    yield from _start(tmp_path, rest=True)


@pytest.mark.parametrize(
    ("method", "path", "upstream"),
    [
        ("GET", "/socket.io/?EIO=4&transport=polling", "rasa"),
        ("POST", "/webhooks/twilio/webhook", "rasa"),
        ("GET", "/widget/widget.js", "web"),
        ("GET", "/widget/vendor/socket.io.min.js", "web"),
        ("POST", "/widget/api/history", "web"),
        ("GET", "/", "web"),
    ],
)
def test_public_paths_reach_their_upstream(
    proxy: Proxy, method: str, path: str, upstream: str
) -> None:
    status, text = proxy.request(proxy.public, method, path, b"{}" if method == "POST" else None)
    assert status == 200, text
    assert text.startswith(f"{upstream} {method} {path}")
    # The client's own X-Forwarded-For is replaced by its real address, not appended to.
    assert text.endswith("xff=127.0.0.1")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/version"),
        ("GET", "/domain"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
        ("GET", "/conversations/abc/tracker?token=x"),
        ("POST", "/conversations/abc/tracker/events"),
        ("POST", "/conversations/abc/execute"),
        ("POST", "/webhooks/rest/webhook"),
        ("GET", "/webhooks/rest/"),
        ("GET", "/console/"),
        ("GET", "/console/login"),
        ("GET", "/health"),
        ("GET", "/socket.io.evil"),
        ("GET", "/webhooks/twilio/webhook/../../status"),
        ("GET", "/%2e%2e/status"),
    ],
)
def test_rasa_api_console_and_everything_else_are_refused(
    proxy: Proxy, method: str, path: str
) -> None:
    status, text = proxy.request(proxy.public, method, path, b"{}" if method != "GET" else None)
    assert status in (400, 403, 404), (status, text)
    assert not text.startswith(("rasa ", "web "))


def test_webhooks_only_accept_post(proxy: Proxy) -> None:
    status, text = proxy.request(proxy.public, "GET", "/webhooks/twilio/webhook")
    assert status in (403, 405), text


def test_large_bodies_are_refused_by_the_proxy(proxy: Proxy) -> None:
    status, _ = proxy.request(proxy.public, "POST", "/webhooks/twilio/webhook", b"x" * 200_000)
    assert status == 413


def test_rest_webhook_only_when_enabled(proxy_with_rest: Proxy) -> None:
    status, text = proxy_with_rest.request(
        proxy_with_rest.public, "POST", "/webhooks/rest/webhook", b"{}"
    )
    assert status == 200 and text.startswith("rasa POST /webhooks/rest/webhook")
    status, _ = proxy_with_rest.request(proxy_with_rest.public, "POST", "/model/parse", b"{}")
    assert status == 404


def test_console_has_its_own_listener_without_the_patient_paths(proxy: Proxy) -> None:
    status, text = proxy.request(proxy.console, "GET", "/console/login")
    assert status == 200 and text.startswith("web GET /console/login")
    for path in ("/socket.io/?EIO=4&transport=polling", "/status", "/model/parse", "/"):
        status, text = proxy.request(proxy.console, "GET", path)
        assert status == 404, (path, text)


def test_production_site_file_is_valid(tmp_path: Path) -> None:
    """``clinicbot.conf`` passes ``nginx -t`` (includes and certificates made local)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=assistant.clinic.example",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("openssl is not available")
    site = (DEPLOY / "clinicbot.conf").read_text()
    site = site.replace("/etc/nginx/clinicbot/", f"{DEPLOY}/")
    site = site.replace("/etc/ssl/certs/assistant.clinic.example.pem", str(cert))
    site = site.replace("/etc/ssl/private/assistant.clinic.example.key", str(key))
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        "events {}\n"
        f"http {{ client_body_temp_path {tmp_path / 'body'}; include {tmp_path / 'site.conf'}; }}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # The public server includes the allowlist; the console listens on another port.
    assert (
        "include /etc/nginx/clinicbot/public-locations.conf;"
        in (DEPLOY / "clinicbot.conf").read_text()
    )
