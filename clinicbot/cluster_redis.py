"""Redis for ``make cluster``: Rasa's lock store, on loopback with a password, no persistence.

Its configuration is generated under ``<cluster>/redis/`` on every start; the lock store
itself is :mod:`clinicbot.lock_store` (selected in ``endpoints.production.yml``).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:
    from clinicbot.cluster import ClusterConfig


def redis_command(conf: Path) -> List[str]:
    """Command line of Redis with the generated configuration file."""
    return [shutil.which("redis-server") or "/usr/bin/redis-server", str(conf)]


def write_redis_conf(cfg: ClusterConfig, password: str) -> Path:
    """Writes Redis' configuration (loopback, password, no persistence: locks are transient).

    Args:
        cfg: The cluster configuration.
        password: ``requirepass``.

    Returns:
        Path of the file (``rw-------``: it holds the password).
    """
    directory = cfg.path("redis")
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {cfg.redis_port}",
                "protected-mode yes",
                "daemonize no",
                f"dir {directory}",
                'save ""',
                "appendonly no",
                f"requirepass {password}",
                "loglevel warning",
                "",
            ]
        ),
        encoding="utf-8",
    )
    conf.chmod(0o600)
    return conf


def wait_redis(port: int, password: str, timeout: float) -> bool:
    """Waits until Redis answers PING with the password."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return True
        except redis.RedisError:
            time.sleep(0.3)
    return False
