"""``make cluster``'s configuration: replicas, ports, the generated nginx file, the services."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from clinicbot.cluster import ClusterConfig, cluster_services
from clinicbot.cluster_nginx import nginx_conf, rest_webhook_conf, write_nginx_conf


def test_config_reads_replicas_and_ports_from_the_environment(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env(
        {"CLUSTER_DIR": str(tmp_path), "RASA_REPLICAS": "3", "RASA_PORT": "7000"}
    )
    assert cfg.replica_ports == [7000, 7001, 7002]
    assert cfg.proxy_port == 8000 and cfg.proxy_api_port == 8001
    assert cfg.root == tmp_path.resolve()
    with pytest.raises(ValueError, match="RASA_REPLICAS"):
        ClusterConfig.from_env({"RASA_REPLICAS": "0"})


def test_nginx_balances_every_replica_and_keeps_the_public_allowlist(tmp_path: Path) -> None:
    cfg = ClusterConfig(
        root=tmp_path, replicas=3, rasa_port=7000, proxy_port=9000, proxy_api_port=9001
    )
    text = nginx_conf(cfg, web_port=8080)
    for port in (7000, 7001, 7002):
        assert text.count(f"server 127.0.0.1:{port} ") == 2  # both upstreams
    assert "public-locations.conf;" in text
    assert "listen 127.0.0.1:9000;" in text and "listen 127.0.0.1:9001;" in text
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
