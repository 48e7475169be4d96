"""The multi-host deployment files agree with the code: commands, variables, ports, endpoints.

``deploy/systemd/*.service``, ``deploy/compose.yml``, ``deploy/clinicbot.env.example`` and
``deploy/nginx/cluster-upstreams.conf`` are written by hand; these checks fail when the code's
commands (:func:`clinicbot.run.service_commands`), settings or endpoint files move away from them.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from clinicbot.cluster import PRODUCTION_ENDPOINTS, ClusterConfig, cluster_endpoints
from clinicbot.cluster_nginx import DEPLOY_NGINX, REST_NEXT_UPSTREAM, nginx_conf
from clinicbot.paths import PACKAGE_DIR, REPO_ROOT
from clinicbot.run import health_urls, ready_urls, service_commands
from clinicbot.settings import Settings, load_settings

DEPLOY = REPO_ROOT / "deploy"
INSTALL_DIR = "/opt/clinicbot"
INSTALLED_PYTHON = f"{INSTALL_DIR}/.venv/bin/python"
INSTALLED_MODEL = f"{INSTALL_DIR}/models/current.tar.gz"
VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
READY_COMMAND = ["python", "-m", "clinicbot.ready"]


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "clinicbot.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (all sections together; repeated keys kept in order)."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def expand(text: str, env: dict[str, str]) -> str:
    return VAR.sub(lambda m: env[m.group(1)], text)


def installed(command: list[str], python: str = INSTALLED_PYTHON) -> list[str]:
    """The code's command as it runs from the install directory with the shared model link."""
    out = []
    for arg in command:
        if arg == sys.executable:
            arg = python
        arg = arg.replace(str(REPO_ROOT), INSTALL_DIR)
        out.append(arg)
    return out


def code_commands(env: dict[str, str], port: str) -> dict[str, list[str]]:
    env = dict(env, RASA_PORT=port, RASA_ENDPOINTS=f"{INSTALL_DIR}/endpoints.production.yml")
    return service_commands(Path(INSTALLED_MODEL), env)


def test_the_environment_file_names_only_variables_the_code_or_endpoints_read() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE_DIR.rglob("*.py"))
    endpoints = PRODUCTION_ENDPOINTS.read_text(encoding="utf-8")
    external = {"RASA_TELEMETRY_ENABLED", "TF_CPP_MIN_LOG_LEVEL", "PYTHONPATH"}
    for name in env_example():
        assert name in external or f'"{name}"' in code or f"${{{name}}}" in endpoints, name


def test_every_variable_the_files_use_is_in_the_environment_file() -> None:
    defined = set(env_example())
    texts = [PRODUCTION_ENDPOINTS.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (DEPLOY / "systemd").glob("*.service")]
    used = {name for text in texts for name in VAR.findall(text)}
    assert used, "no ${VARS} found: the pattern is wrong"
    assert used - defined - {"RASA_PORT"} == set()  # RASA_PORT: per unit instance (%i)


def test_ports_agree_with_the_settings_defaults_and_each_other() -> None:
    env = env_example()
    defaults = Settings()
    assert int(env["RASA_PORT"]) == defaults.rasa_port
    assert int(env["ACTION_PORT"]) == defaults.action_port
    assert int(env["WEB_PORT"]) == defaults.web_port
    assert env["ACTION_ENDPOINT_URL"].endswith(f":{env['ACTION_PORT']}/webhook")
    settings = load_settings(env)
    assert settings.trusted_proxies == 1  # behind nginx: the client address comes from it
    assert env["RASA_ENDPOINTS"].endswith("/endpoints.production.yml")


@pytest.mark.parametrize(
    ("unit_name", "service"),
    [
        ("clinicbot-rasa@.service", "rasa"),
        ("clinicbot-actions.service", "actions"),
        ("clinicbot-web.service", "web"),
    ],
)
def test_systemd_units_run_the_same_commands_as_make_run(unit_name: str, service: str) -> None:
    env = env_example()
    keys = unit(unit_name)
    assert keys["EnvironmentFile"] == ["/etc/clinicbot/clinicbot.env"]
    assert keys["WorkingDirectory"] == [INSTALL_DIR]
    assert keys["Restart"] == ["always"]
    exec_start = shlex.split(expand(keys["ExecStart"][0], env).replace("%i", "5006"))
    assert exec_start == installed(code_commands(env, "5006")[service])


def test_the_migration_unit_runs_before_the_services() -> None:
    keys = unit("clinicbot-migrate.service")
    assert keys["ExecStart"] == [f"{INSTALLED_PYTHON} -m clinicbot.console migrate"]
    for name in ("clinicbot-rasa@.service", "clinicbot-actions.service", "clinicbot-web.service"):
        assert "clinicbot-migrate.service" in unit(name)["After"][0]


def test_compose_runs_the_same_commands_ports_and_health_checks() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    env = env_example()  # RASA_HOST=0.0.0.0: each container listens on its own address
    assert services["migrate"]["command"] == ["python", "-m", "clinicbot.console", "migrate"]
    replicas = sorted(name for name in services if name.startswith("rasa-"))
    assert len(replicas) == 2
    for i, name in enumerate(replicas):
        port = str(int(env["RASA_PORT"]) + i)  # as make cluster: RASA_PORT, RASA_PORT+1
        service = services[name]
        assert service["command"] == installed(code_commands(env, port)["rasa"], "python")
        assert service["environment"]["RASA_PORT"] == port
        assert service["env_file"] == "clinicbot.env"
        # Healthy = model loaded: the readiness URL make run's supervisor probes, not Rasa's "/".
        ready = ready_urls(dict(env, RASA_PORT=port))["rasa"]
        assert service["healthcheck"]["test"] == ["CMD", *READY_COMMAND, ready]
        assert service["volumes"] == [f"{name}-var:{INSTALL_DIR}/var"]  # its own urgent outbox
    urls = health_urls(env)
    for name in ("actions", "web"):
        assert services[name]["command"] == installed(code_commands(env, "5005")[name], "python")
        assert services[name]["healthcheck"]["test"] == ["CMD", *READY_COMMAND, urls[name]]
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_cluster_upstreams_make_the_same_balancing_choices_as_make_cluster() -> None:
    shipped = (DEPLOY / "nginx" / "cluster-upstreams.conf").read_text(encoding="utf-8")
    generated = nginx_conf(ClusterConfig(root=Path("/tmp/x")), 8080)
    for directive in (
        "hash $remote_addr consistent;",
        "least_conn;",
        "proxy_next_upstream error timeout;",
        "proxy_next_upstream_tries 2;",
        "max_fails=3 fail_timeout=5s;",
    ):
        assert directive in shipped, directive
        assert directive in generated, directive
    assert "non_idempotent" not in shipped + generated  # a POST is never sent twice


def test_local_mode_changes_only_tls_and_production_defaults_stay_strict() -> None:
    production = yaml.safe_load(PRODUCTION_ENDPOINTS.read_text(encoding="utf-8"))
    assert production["tracker_store"]["query"]["sslmode"] in ("require", "verify-full")
    assert production["lock_store"]["use_ssl"] is True
    assert production["lock_store"]["password"] == "${REDIS_PASSWORD}"
    assert cluster_endpoints(tls=True) == production
    local = cluster_endpoints(tls=False)
    assert local["tracker_store"]["query"]["sslmode"] == "disable"
    assert local["lock_store"]["use_ssl"] is False
    assert local["lock_store"]["password"] == "${REDIS_PASSWORD}"  # the password stays
    local["tracker_store"]["query"]["sslmode"] = production["tracker_store"]["query"]["sslmode"]
    local["lock_store"]["use_ssl"] = True
    assert local == production


def test_a_rasa_unit_is_started_only_once_its_model_is_loaded() -> None:
    keys = unit("clinicbot-rasa@.service")
    (post,) = keys["ExecStartPost"]
    ready = ready_urls({"RASA_PORT": "5006"})["rasa"]
    assert ready.endswith(":5006/webhooks/rest/")
    assert shlex.split(post.replace("%i", "5006")) == [
        INSTALLED_PYTHON,
        "-m",
        "clinicbot.ready",
        ready,
        "--wait",
        "300",
    ]
    assert int(keys["TimeoutStartSec"][0]) > 300  # the wait fits in the start timeout


def test_the_shipped_rest_webhook_retries_a_not_ready_server_and_make_cluster_uses_it(
    tmp_path: Path,
) -> None:
    shipped = (DEPLOY_NGINX / "rest-webhook.conf").read_text(encoding="utf-8")
    rules = [line.strip() for line in shipped.splitlines() if "proxy_next_upstream" in line]
    assert rules == [REST_NEXT_UPSTREAM]  # 503 (no model) and connection errors; no timeout
    assert "proxy_pass http://clinicbot_rasa_any;" in shipped
    generated = nginx_conf(ClusterConfig(root=tmp_path), 8080)
    assert f"include {DEPLOY_NGINX / 'rest-webhook.conf'};" in generated  # the same file
    assert f"include {DEPLOY_NGINX / 'console-locations.conf'};" in generated
    # Every upstream the location files use is defined by both site files and make cluster.
    locations = "".join(p.read_text() for p in DEPLOY_NGINX.glob("*-locations.conf")) + shipped
    used = set(re.findall(r"proxy_pass http://(\w+);", locations))
    assert used == {"clinicbot_rasa", "clinicbot_rasa_any", "clinicbot_web"}
    for text in (
        (DEPLOY_NGINX / "clinicbot.conf").read_text(encoding="utf-8"),
        (DEPLOY_NGINX / "cluster-upstreams.conf").read_text(encoding="utf-8"),
        generated,
    ):
        assert used <= set(re.findall(r"upstream (\w+) \{", text))


def test_the_readiness_check_needs_a_2xx_answer() -> None:
    """``python -m clinicbot.ready``: 503 (no model), no answer and errors are "not ready"."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    statuses = [503, 503, 200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(statuses.pop(0) if len(statuses) > 1 else statuses[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    from clinicbot import ready
    from tests.fixtures.net import free_port

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/rest/"
    try:
        assert ready.main([url]) == 1  # 503: running without a model
        assert ready.main([url, "--wait", "10"]) == 0  # polled until the model loaded
        assert ready.is_ready(url)
    finally:
        server.shutdown()
        server.server_close()
    assert ready.main([f"http://127.0.0.1:{free_port()}/webhooks/rest/"]) == 1  # nothing there


def test_a_wait_for_readiness_ends_when_the_server_gave_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``make run`` stops waiting for a service whose process exited (``run.wait_healthy``)."""
    import subprocess

    from clinicbot import ready, run

    asked: list[str] = []
    monkeypatch.setattr(ready, "is_ready", lambda url, timeout: asked.append(url) or False)
    exited = subprocess.Popen(["true"])
    exited.wait()
    assert not run.wait_healthy("http://127.0.0.1:9/health", 30.0, exited)
    assert asked == []  # gave up at once, not after 30 s of polling
    running = subprocess.Popen(["sleep", "30"])
    try:
        assert not run.wait_healthy("http://127.0.0.1:9/health", 0.0, running)
        assert asked == ["http://127.0.0.1:9/health"]  # a live process is asked about
    finally:
        running.kill()
        running.wait()


def test_the_image_never_takes_local_data_or_secrets() -> None:
    """``docker build -f deploy/Dockerfile .`` copies the tree: var/ holds databases and secrets."""
    ignored = {
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"var", ".venv", ".git", "**/*.db", "deploy/clinicbot.env"} <= ignored
    assert "COPY . ." in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
