"""``make cluster``'s configuration: replicas, ports, the generated nginx file, the services."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from clinicbot import cluster
from clinicbot.cluster import ClusterConfig, cluster_services
from clinicbot.cluster_nginx import DEPLOY_NGINX, nginx_conf, write_nginx_conf
from clinicbot.settings import load_settings


def rest_webhook_conf() -> str:
    return (DEPLOY_NGINX / "rest-webhook.conf").read_text(encoding="utf-8")


def test_config_reads_replicas_and_ports_from_the_environment(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env(
        {"CLUSTER_DIR": str(tmp_path), "RASA_REPLICAS": "3", "RASA_PORT": "7000"}
    )
    assert cfg.replica_ports == [7000, 7001, 7002]
    assert cfg.proxy_port == 8000 and cfg.proxy_api_port == 8001
    assert cfg.proxy_console_port == 8002
    assert cfg.root == tmp_path.resolve()
    with pytest.raises(ValueError, match="RASA_REPLICAS"):
        ClusterConfig.from_env({"RASA_REPLICAS": "0"})


def test_nginx_balances_every_replica_and_keeps_the_public_allowlist(tmp_path: Path) -> None:
    cfg = ClusterConfig(
        root=tmp_path,
        replicas=3,
        rasa_port=7000,
        proxy_port=9000,
        proxy_api_port=9001,
        proxy_console_port=9002,
    )
    text = nginx_conf(cfg, web_port=8080)
    for port in (7000, 7001, 7002):
        assert text.count(f"server 127.0.0.1:{port} ") == 2  # both upstreams
    assert "public-locations.conf;" in text
    assert "listen 127.0.0.1:9000;" in text and "listen 127.0.0.1:9001;" in text
    assert "listen 127.0.0.1:9002;" in text and "console-locations.conf;" in text  # console
    assert all(
        line.strip().startswith("listen 127.0.0.1:")
        for line in text.splitlines()
        if "listen " in line
    )
    rest = rest_webhook_conf()
    assert "proxy_pass http://clinicbot_rasa_any;" in rest
    assert "limit_except POST { deny all; }" in rest  # the shipped restrictions stay


def test_only_the_rest_webhook_retries_a_not_ready_replicas_503(tmp_path: Path) -> None:
    """A replica without a model answers 503 before processing: the next replica may take it."""
    location = rest_webhook_conf()
    rules = [line.strip() for line in location.splitlines() if "proxy_next_upstream " in line]
    assert rules == ["proxy_next_upstream error http_503 non_idempotent;"]
    # Never on a timeout or a 502 (the turn may have been processed already).
    assert "timeout" not in rules[0] and "http_502" not in rules[0]
    # Everything else (socket.io, Twilio, Rasa's API) never sends a POST twice.
    assert "non_idempotent" not in nginx_conf(ClusterConfig(root=tmp_path), web_port=8080)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is missing")
def test_generated_nginx_configuration_is_valid(tmp_path: Path) -> None:
    cfg = ClusterConfig(root=tmp_path, replicas=2, rasa_port=7000, proxy_port=9000)
    (tmp_path / "logs").mkdir()
    conf = write_nginx_conf(cfg, web_port=8080)
    result = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-e", str(tmp_path / "logs" / "t.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_services_start_databases_first_and_the_proxy_last(tmp_path: Path) -> None:
    cfg = ClusterConfig(root=tmp_path, replicas=2, rasa_port=7000)
    env = {
        "RASA_PORT": "7000",
        "RASA_ENDPOINTS": str(tmp_path / "endpoints.yml"),
        "RASA_TOKEN": "t",
    }
    specs = cluster_services(cfg, tmp_path / "model.tar.gz", env)
    names = [s.name for s in specs]
    assert names == ["postgres", "redis", "actions", "rasa-0", "rasa-1", "web", "nginx"]
    by_name = {s.name: s for s in specs}
    for i, port in enumerate((7000, 7001)):
        command = list(by_name[f"rasa-{i}"].command)
        assert command[command.index("--port") + 1] == str(port)
        assert by_name[f"rasa-{i}"].env is not None
        assert by_name[f"rasa-{i}"].env["RASA_PORT"] == str(port)
    assert "-c" in by_name["postgres"].command
    assert "listen_addresses=127.0.0.1" in by_name["postgres"].command


def test_a_replica_is_waited_for_and_probed_on_its_readiness_url(tmp_path: Path) -> None:
    """A replica without a model answers 503 there: not started, then restarted (as make run)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NoModel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(503 if self.path == "/webhooks/rest/" else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = int(server.server_address[1])
    try:
        cfg = ClusterConfig(root=tmp_path, replicas=1, rasa_port=port)
        env = {"RASA_PORT": str(port), "RASA_ENDPOINTS": "e.yml", "RASA_TOKEN": "t"}
        by_name = {s.name: s for s in cluster_services(cfg, tmp_path / "m.tar.gz", env)}
        probe = by_name["rasa-0"].health
        assert probe is not None and probe() is False  # "/" would say OK
        assert by_name["actions"].health is None
        assert not cluster.wait_healthy(
            cluster.ready_urls(dict(env, RASA_PORT=str(port)))["rasa"], 1.0
        )
    finally:
        server.shutdown()
        server.server_close()


def test_console_commands_run_on_the_clusters_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ClusterConfig(root=tmp_path, pg_port=5999)
    assert cluster.run_console(cfg, ["create-staff"], {}) == 2  # never started: said so
    secrets = cluster.load_secrets(cfg)
    seen: list = []

    def fake_run(command: list, **kw: object) -> subprocess.CompletedProcess:
        seen.append((command, kw["env"]))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(cluster.subprocess, "run", fake_run)
    assert cluster.run_console(cfg, ["create-staff", "--username", "alex"], {"A": "1"}) == 0
    ((command, env),) = seen
    assert command[1:] == ["-m", "clinicbot.console", "create-staff", "--username", "alex"]
    assert env["CLINIC_DB_URL"].startswith("postgresql")
    assert ":5999/clinic" in env["CLINIC_DB_URL"] and secrets["pg_password"] in env["CLINIC_DB_URL"]


def test_ctrl_c_while_a_replica_loads_stops_the_start(tmp_path: Path) -> None:
    """The wait for a replica's model (up to 300 s) gives way to Ctrl-C."""
    from tests.fixtures.net import free_port

    port = free_port()  # nothing answers: a replica still loading
    cfg = ClusterConfig(root=tmp_path, replicas=1, rasa_port=port)
    env = {"RASA_PORT": str(port), "RASA_ENDPOINTS": "e.yml", "RASA_TOKEN": "t"}
    asked = []
    started = cluster.time.monotonic()
    stack = cluster.Cluster(cfg, tmp_path / "m.tar.gz", env, lambda: len(asked) > 0)
    asked.append("ctrl-c")
    with pytest.raises(cluster.StartInterrupted):
        stack._wait_url("rasa-0", f"http://127.0.0.1:{port}/webhooks/rest/", 300)
    assert cluster.time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("error", "code", "said"),
    [
        (RuntimeError("rasa-0 did not become ready; see x.log"), 1, "ERROR: rasa-0 did not"),
        (cluster.StartInterrupted("stopped"), 130, "Interrupted before the cluster was ready"),
    ],
)
def test_a_failed_or_interrupted_start_ends_with_a_message_not_a_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    code: int,
    said: str,
) -> None:
    stopped: list[bool] = []

    class FailingCluster:
        def __init__(self, *args: object) -> None:
            pass

        def start(self) -> None:
            raise error

        def stop(self) -> None:
            stopped.append(True)

    monkeypatch.setenv("CLUSTER_DIR", str(tmp_path))
    monkeypatch.setattr(cluster, "model_to_serve", lambda *a: tmp_path / "m.tar.gz")
    monkeypatch.setattr(cluster, "prepare", lambda cfg, base: dict(base))
    monkeypatch.setattr(cluster, "stop_on_signals", lambda: lambda: False)
    monkeypatch.setattr(cluster, "restrict_file_permissions", lambda env: None)  # no umask, var/
    monkeypatch.setattr(cluster, "Cluster", FailingCluster)
    assert cluster.main([]) == code
    out = capsys.readouterr()
    assert said in out.out + out.err and "Traceback" not in out.err
    assert stopped == [True]  # whatever started is stopped


def test_the_services_read_the_clusters_databases(tmp_path: Path) -> None:
    cfg = cluster.ClusterConfig.from_env({"CLUSTER_DIR": str(tmp_path), "CLUSTER_PG_PORT": "5999"})
    pw = {"pg_password": "pg-secret", "redis_password": "redis-secret"}
    env = cluster.service_overrides(cfg, pw, tmp_path / "endpoints.yml")
    assert env["CLINIC_DB_URL"].endswith(f"pg-secret@127.0.0.1:5999/{cluster.CLINIC_DATABASE}")
    # The console's Insights read the cluster's tracker store, not make run's SQLite default.
    assert env["TRACKER_DB_URL"].endswith(f"pg-secret@127.0.0.1:5999/{cluster.TRACKER_DATABASE}")
    assert load_settings(env).tracker_db_url == env["TRACKER_DB_URL"]
    assert env["TRACKER_DB"] == cluster.TRACKER_DATABASE and env["REDIS_PASSWORD"] == "redis-secret"
