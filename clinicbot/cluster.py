"""``make cluster``: the production topology on one machine, in the foreground like ``make run``.

Starts, from Debian's packages and the project's own services, each as a child of one
:class:`clinicbot.supervisor.Supervisor` (a child that exits is restarted, the others keep
serving; Ctrl-C stops everything in reverse order):

* PostgreSQL (``CLUSTER_PG_PORT``, default 5440) holding Rasa's tracker store (database
  ``tracker``) and the clinic database (``clinic``);
* Redis (``CLUSTER_REDIS_PORT``, default 6380) as Rasa's lock store, with a password;
* ``RASA_REPLICAS`` Rasa servers (default 2) on ``RASA_PORT``, ``RASA_PORT+1``, ...;
* the action server (``ACTION_PORT``) and the web server (``WEB_PORT``);
* nginx on ``PROXY_PORT`` (default 8000) with the repository's public allowlist
  (``deploy/nginx/public-locations.conf``) and the REST webhook, plus an internal loopback
  listener on ``PROXY_API_PORT`` (default ``PROXY_PORT+1``) through which the web server reaches
  Rasa's HTTP API on any replica.

Balancing: socket.io (widget) and Twilio go to the upstream ``clinicbot_rasa`` with
``hash $remote_addr consistent``: socket.io's long-polling transport must reach the replica
that holds its session id, and the session id is chosen by that replica after the first
request, so it cannot be hashed on; the client address is known from the first request on.
The REST webhook carries its whole turn in one request (tracker in PostgreSQL, Redis lock per
conversation), so it goes to ``clinicbot_rasa_any`` with ``least_conn``. A replica that refuses
connections or times out on connect is skipped (``proxy_next_upstream error timeout``); a
POST already sent to a replica that then dies is not sent again (nginx's rule for
non-idempotent requests: the turn may have been processed), the client gets 502 and may retry.

Everything lives under ``CLUSTER_DIR`` (default ``var/cluster/``), created on first start:
PostgreSQL's data, Redis' directory, the generated nginx and endpoint files, logs and
``secrets.json`` (generated passwords, ``rw-------``). Running as root, PostgreSQL runs as the
``postgres`` user (initdb refuses root) and ``var/``, ``var/cluster/`` become ``rwx--x--x``
(traversable, not listable) so it reaches its own directory.

PostgreSQL's command lines are in :mod:`clinicbot.cluster_pg` (shared with the tests' throwaway
server), nginx's generated configuration in :mod:`clinicbot.cluster_nginx`; this module holds
the configuration, the endpoint file, the services and the command line (Redis' pieces are in
:mod:`clinicbot.cluster_redis`).

Local mode: everything listens on 127.0.0.1, so the generated endpoint file is
``endpoints.production.yml`` with ``sslmode: disable`` and Redis without TLS (the password
stays). ``CLUSTER_TLS=1`` keeps the production file's TLS settings unchanged (for PostgreSQL and
Redis set up with certificates). The production file itself is never changed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Sequence

import yaml

from clinicbot.cluster_nginx import nginx_command, write_nginx_conf
from clinicbot.cluster_pg import (
    CLINIC_DATABASE,
    PG_USER,
    TRACKER_DATABASE,
    create_databases,
    give_to_service_user,
    init_postgres,
    pg_url,
    postgres_command,
    wait_postgres,
)
from clinicbot.cluster_redis import redis_command, wait_redis, write_redis_conf
from clinicbot.paths import REPO_ROOT, VAR_DIR
from clinicbot.run import (
    migrate_clinic_db,
    model_to_serve,
    ready_urls,
    restrict_file_permissions,
    service_commands,
    service_env,
    stop_on_signals,
    wait_healthy,
)
from clinicbot.settings import load_settings, quiet_tensorflow_logs
from clinicbot.supervisor import RestartPolicy, ServiceSpec, Supervisor, http_ready_probe

logger = logging.getLogger(__name__)

PRODUCTION_ENDPOINTS = REPO_ROOT / "endpoints.production.yml"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ClusterConfig:
    """Where and how the cluster runs (from environment variables).

    Attributes:
        root: Data directory (``CLUSTER_DIR``).
        replicas: Number of Rasa servers (``RASA_REPLICAS``).
        rasa_port: Port of the first replica (``RASA_PORT``); the others follow.
        proxy_port: nginx's public listener (``PROXY_PORT``).
        proxy_api_port: nginx's internal listener for Rasa's HTTP API (``PROXY_API_PORT``).
        proxy_console_port: nginx's listener for the staff console (``PROXY_CONSOLE_PORT``,
            loopback; as ``deploy/nginx/clinicbot.conf``'s console listener).
        pg_port: PostgreSQL's port (``CLUSTER_PG_PORT``).
        redis_port: Redis' port (``CLUSTER_REDIS_PORT``).
        proxy_rate: Requests per second per client address at the proxy (``PROXY_RATE``,
            default 10 as in ``deploy/nginx``; 0 turns the limit off, for load tests only).
        tls: Keep the production file's TLS settings (``CLUSTER_TLS``).
    """

    root: Path
    replicas: int = 2
    rasa_port: int = 5005
    proxy_port: int = 8000
    proxy_api_port: int = 8001
    proxy_console_port: int = 8002
    pg_port: int = 5440
    redis_port: int = 6380
    proxy_rate: int = 10
    tls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ClusterConfig:
        """Reads the configuration.

        Args:
            env: Environment variables.

        Returns:
            The configuration.

        Raises:
            ValueError: For fewer than one replica.
        """
        proxy_port = int(env.get("PROXY_PORT", "8000"))
        replicas = int(env.get("RASA_REPLICAS", "2"))
        if replicas < 1:
            raise ValueError("RASA_REPLICAS must be at least 1")
        return cls(
            root=Path(env.get("CLUSTER_DIR") or VAR_DIR / "cluster").resolve(),
            replicas=replicas,
            rasa_port=load_settings(env).rasa_port,
            proxy_port=proxy_port,
            proxy_api_port=int(env.get("PROXY_API_PORT", str(proxy_port + 1))),
            proxy_console_port=int(env.get("PROXY_CONSOLE_PORT", str(proxy_port + 2))),
            pg_port=int(env.get("CLUSTER_PG_PORT", "5440")),
            redis_port=int(env.get("CLUSTER_REDIS_PORT", "6380")),
            proxy_rate=int(env.get("PROXY_RATE", "10")),
            tls=_flag(env.get("CLUSTER_TLS")),
        )

    @property
    def replica_ports(self) -> List[int]:
        """Ports of the Rasa replicas."""
        return [self.rasa_port + i for i in range(self.replicas)]

    def path(self, *parts: str) -> Path:
        """A path inside the data directory."""
        return self.root.joinpath(*parts)


# --------------------------------------------------------------------------------- endpoints


def cluster_endpoints(tls: bool) -> Dict[str, Any]:
    """``endpoints.production.yml``, in local mode without TLS to PostgreSQL and Redis.

    Args:
        tls: Keep the production TLS settings unchanged.

    Returns:
        The endpoint configuration (``${VARS}`` kept for Rasa to expand).
    """
    data = yaml.safe_load(PRODUCTION_ENDPOINTS.read_text(encoding="utf-8"))
    if not tls:
        data["tracker_store"].setdefault("query", {})["sslmode"] = "disable"
        data["lock_store"]["use_ssl"] = False
    return dict(data)


# ------------------------------------------------------------------------------------- setup


def load_secrets(cfg: ClusterConfig) -> Dict[str, str]:
    """The cluster's generated passwords (created on first start, ``rw-------``)."""
    path = cfg.path("secrets.json")
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    values = {"pg_password": secrets.token_hex(24), "redis_password": secrets.token_hex(24)}
    path.write_text(json.dumps(values), encoding="utf-8")
    path.chmod(0o600)
    return values


def service_overrides(cfg: ClusterConfig, pw: Mapping[str, str], endpoints: Path) -> dict[str, str]:
    """Where every service finds PostgreSQL (Insights too), Redis and Rasa's API (via the proxy).

    Args:
        cfg: The cluster configuration.
        pw: The cluster's secrets (``pg_password``, ``redis_password``).
        endpoints: The generated Rasa endpoints file.

    Returns:
        Variable -> value.
    """
    return {
        "RASA_PORT": str(cfg.rasa_port),
        "RASA_ENDPOINTS": str(endpoints),
        "TRACKER_HOST": "127.0.0.1",
        "TRACKER_PORT": str(cfg.pg_port),
        "TRACKER_DB": TRACKER_DATABASE,
        "TRACKER_USER": PG_USER,
        "TRACKER_PASSWORD": pw["pg_password"],
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(cfg.redis_port),
        "REDIS_PASSWORD": pw["redis_password"],
        "CLINIC_DB_URL": pg_url(cfg.pg_port, pw["pg_password"], CLINIC_DATABASE),
        "TRACKER_DB_URL": pg_url(cfg.pg_port, pw["pg_password"], TRACKER_DATABASE),
        "RASA_URL": f"http://127.0.0.1:{cfg.proxy_api_port}",
        "TRUSTED_PROXIES": "1",
    }


def prepare(cfg: ClusterConfig, base_env: Mapping[str, str] | None = None) -> Dict[str, str]:
    """Creates the data directory, files and the services' environment.

    Args:
        cfg: The cluster configuration.
        base_env: Starting environment (default ``os.environ``).

    Returns:
        The services' environment (ports, URLs, passwords, endpoint file).
    """
    os.umask(0o077)
    cfg.root.mkdir(parents=True, exist_ok=True)
    for name in ("logs", "run", "nginx"):
        cfg.path(name).mkdir(exist_ok=True)
    if os.geteuid() == 0:
        # PostgreSQL runs as `postgres`: it must traverse (not list) the directories above.
        for directory in {cfg.root, cfg.root.parent}:
            if directory != Path("/") and directory.stat().st_uid == 0:
                directory.chmod(0o711)
        give_to_service_user(cfg.path("run"))
    pw = load_secrets(cfg)
    init_postgres(cfg.path("postgres"), pw["pg_password"])
    endpoints = cfg.path("endpoints.yml")
    endpoints.write_text(
        "# Generated by clinicbot/cluster.py from endpoints.production.yml.\n"
        + yaml.safe_dump(cluster_endpoints(cfg.tls), sort_keys=False),
        encoding="utf-8",
    )
    env = dict(os.environ if base_env is None else base_env)
    env.update(service_overrides(cfg, pw, endpoints))
    # Pending connections each Sanic server queues (Rasa and the action server read it): the
    # default 100 overflows when the proxy sends a burst of turns.
    env.setdefault("SANIC_BACKLOG", "1024")
    env.setdefault("PUBLIC_RASA_URL", f"http://localhost:{cfg.proxy_port}")
    env.setdefault("PUBLIC_WEB_URL", f"http://localhost:{cfg.proxy_console_port}")
    env.setdefault(
        "WIDGET_ORIGINS", f"http://localhost:{cfg.proxy_port},http://127.0.0.1:{cfg.proxy_port}"
    )
    env = service_env(env)
    write_redis_conf(cfg, pw["redis_password"])
    write_nginx_conf(cfg, load_settings(env).web_port)
    return env


def cluster_services(cfg: ClusterConfig, model: Path, env: Dict[str, str]) -> List[ServiceSpec]:
    """Every service of the cluster, in start order.

    Args:
        cfg: The cluster configuration.
        model: Model archive for the Rasa replicas.
        env: The services' environment from :func:`prepare`.

    Returns:
        The service specifications (``postgres``, ``redis``, ``actions``, ``rasa-0``, ...,
        ``web``, ``nginx``).
    """
    logs = cfg.path("logs")

    def spec(name: str, command: Sequence[str], service_env: Dict[str, str]) -> ServiceSpec:
        log = logs / f"{name}.log"
        return ServiceSpec(name, command, env=service_env, cwd=REPO_ROOT, log_path=log)

    commands = service_commands(model, env)
    specs: List[ServiceSpec] = [
        spec(
            "postgres",
            postgres_command(cfg.path("postgres"), cfg.pg_port, cfg.path("run")),
            env,
        ),
        spec("redis", redis_command(cfg.path("redis", "redis.conf")), env),
        spec("actions", commands["actions"], env),
    ]
    for i, port in enumerate(cfg.replica_ports):
        replica_env = dict(env, RASA_PORT=str(port))
        replica = spec(f"rasa-{i}", service_commands(model, replica_env)["rasa"], replica_env)
        # As make run: a replica that keeps answering "not ready" (no model) is restarted.
        specs.append(replace(replica, health=http_ready_probe(ready_urls(replica_env)["rasa"])))
    specs.append(spec("web", commands["web"], env))
    specs.append(spec("nginx", nginx_command(cfg.path("nginx", "nginx.conf")), env))
    return specs


class StartInterrupted(RuntimeError):
    """Ctrl-C while the services were starting (everything started is stopped)."""


class Cluster:
    """The cluster's services under one supervisor.

    Args:
        cfg: The cluster configuration.
        model: Model archive.
        env: The services' environment from :func:`prepare`.
    """

    def __init__(
        self,
        cfg: ClusterConfig,
        model: Path,
        env: Dict[str, str],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """Prepares, without starting anything (``should_stop``: Ctrl-C asked, see main)."""
        self.cfg = cfg
        self.env = env
        self.should_stop = should_stop
        s = load_settings(env)
        self.supervisor = Supervisor(
            cluster_services(cfg, model, env),
            RestartPolicy(
                initial_delay=s.restart_initial_delay,
                max_delay=s.restart_max_delay,
                reset_after=s.restart_reset_after,
            ),
        )

    def _wait(self, name: str, ok: bool) -> None:
        if not ok:
            self.stop()
            log = self.cfg.path("logs", f"{name}.log")
            hint = ""
            if name.startswith("rasa-"):
                hint = " (503 there: no model loaded; look for 'Could not load model')"
            raise RuntimeError(f"{name} did not become ready{hint}; see {log}")

    def _wait_url(self, name: str, url: str, timeout: float) -> bool:
        """Polls a service's ready URL; Ctrl-C (``should_stop``) interrupts the wait."""
        proc = self.supervisor.procs.get(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.should_stop():
                self.stop()
                raise StartInterrupted("stopped before the cluster was ready")
            if wait_healthy(url, 1.0, proc):
                return True
            if proc is not None and proc.poll() is not None:
                return False
        return False

    def start(self, timeout: float = 300) -> None:
        """Starts everything in order and waits until each service is ready.

        Args:
            timeout: Seconds to wait for each service.

        Raises:
            RuntimeError: If a service does not become ready.
        """
        env, cfg, sup = self.env, self.cfg, self.supervisor
        s = load_settings(env)
        admin = pg_url(cfg.pg_port, env["TRACKER_PASSWORD"], "postgres")
        sup.start(["postgres"])
        print("  waiting for postgres ...", flush=True)
        self._wait("postgres", wait_postgres(admin, timeout, sup.procs.get("postgres")))
        create_databases(admin, [TRACKER_DATABASE, CLINIC_DATABASE])
        migrate_clinic_db(env, quiet=True)
        sup.start(["redis"])
        print("  waiting for redis ...", flush=True)
        self._wait("redis", wait_redis(cfg.redis_port, env["REDIS_PASSWORD"], timeout))
        replicas = [f"rasa-{i}" for i in range(cfg.replicas)]
        sup.start(["actions", *replicas, "web"])
        waits = {"actions": f"http://127.0.0.1:{s.action_port}/health"}
        for name, port in zip(replicas, cfg.replica_ports, strict=True):
            # Ready only with a model loaded (Rasa's own "/" says hello without one).
            waits[name] = ready_urls(dict(env, RASA_PORT=str(port)))["rasa"]
        waits["web"] = f"http://127.0.0.1:{s.web_port}/health"
        for name, url in waits.items():
            print(f"  waiting for {name} ({url}) ...", flush=True)
            self._wait(name, self._wait_url(name, url, timeout))
        sup.start(["nginx"])
        print("  waiting for nginx ...", flush=True)
        self._wait("nginx", _wait_port(cfg.proxy_port, 30, sup.procs.get("nginx")))

    def stop(self) -> None:
        """Stops every service (reverse start order: nginx first, PostgreSQL last)."""
        self.supervisor.stop()


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def run_console(cfg: ClusterConfig, args: Sequence[str], base: Mapping[str, str]) -> int:
    """Runs a staff-console command (``create-staff``, ...) on the cluster's clinic database.

    ``make create-staff`` alone writes to ``make run``'s SQLite file; this points
    ``CLINIC_DB_URL`` at the cluster's PostgreSQL (which must be running).

    Args:
        cfg: The cluster configuration.
        args: The console's arguments (``create-staff --username ...``).
        base: The environment.

    Returns:
        The console's exit code (2 when the cluster was never started).
    """
    if not cfg.path("secrets.json").exists():
        print(f"No cluster in {cfg.root}: start it first (make cluster).", file=sys.stderr)
        return 2
    env = dict(base)
    env["CLINIC_DB_URL"] = pg_url(cfg.pg_port, load_secrets(cfg)["pg_password"], CLINIC_DATABASE)
    command = [sys.executable, "-m", "clinicbot.console", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``make cluster`` (and ``... console ARGS``, see :func:`run_console`).

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["console"]:
        base = service_env()
        return run_console(ClusterConfig.from_env(base), args_list[1:], base)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="serve this model archive (default: current)")
    args = parser.parse_args(args_list)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # TensorFlow's start-up notes (no GPU, no TensorRT) when the model is checked here: noise.
    quiet_tensorflow_logs()
    base = service_env()
    restrict_file_permissions(base)
    cfg = ClusterConfig.from_env(base)
    model = model_to_serve(parser, args.model, base)
    env = prepare(cfg, base)
    should_stop = stop_on_signals()
    cluster = Cluster(cfg, model, env, should_stop)
    try:
        cluster.start()
        print(
            f"\nCluster serving ({cfg.replicas} Rasa replicas; data in {cfg.root}; Ctrl-C stops):\n"
            f"  proxy (widget, REST webhook)  http://localhost:{cfg.proxy_port}/\n"
            f"  staff console                 http://localhost:{cfg.proxy_console_port}/console/"
            "  (accounts: make cluster-create-staff USERNAME=... DISPLAY_NAME=...)\n"
            f"  Rasa replicas                 {', '.join(map(str, cfg.replica_ports))}\n"
            f"  PostgreSQL, Redis             127.0.0.1:{cfg.pg_port}, 127.0.0.1:{cfg.redis_port}\n"
            "READY\n",
            flush=True,
        )
        cluster.supervisor.run(should_stop)
    except StartInterrupted:
        print("Interrupted before the cluster was ready.", flush=True)
        return 130
    except RuntimeError as exc:  # a service did not start: its log says why
        print(f"ERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("Stopping the cluster ...", flush=True)
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
