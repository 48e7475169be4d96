"""A throwaway PostgreSQL server for tests, from Debian's binaries, in a temporary directory.

Uses the same initdb/postgres command lines as ``make cluster`` (:mod:`clinicbot.cluster_pg`): as
root it runs as the ``postgres`` user (initdb refuses root), listens on 127.0.0.1 only, on a
free port, with a generated password. Each test gets a database of its own
(:meth:`PostgresServer.new_database`).
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from clinicbot.cluster_pg import (
    create_databases,
    init_postgres,
    pg_bindir,
    pg_url,
    postgres_command,
    wait_postgres,
)
from tests.fixtures.markers import starts_server
from tests.fixtures.net import free_port


def postgres_available() -> bool:
    """Tells whether Debian's PostgreSQL server binaries are installed."""
    try:
        pg_bindir()
    except FileNotFoundError:
        return False
    return True


@starts_server
class PostgresServer:
    """One PostgreSQL server in a temporary directory (start, new databases, stop)."""

    def __init__(self) -> None:
        """Chooses a directory, port and password; starts nothing."""
        self.root = Path(tempfile.mkdtemp(prefix="clinicbot-pg-"))
        self.root.chmod(0o711)  # the `postgres` user reaches its data directory inside
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    def start(self, timeout: float = 60) -> None:
        """Creates the cluster and starts the server.

        Raises:
            RuntimeError: If it does not accept connections in time.
        """
        datadir = self.root / "data"
        sockets = self.root / "run"
        sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(sockets, "postgres", "postgres")
        init_postgres(datadir, self.password)
        log = (self.root / "postgres.log").open("ab")
        self.proc = subprocess.Popen(
            [*postgres_command(datadir, self.port, sockets), "-c", "fsync=off"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if not wait_postgres(self.url("postgres"), timeout, self.proc):
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start; see {self.root / 'postgres.log'}")

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return pg_url(self.port, self.password, database)

    def new_database(self) -> str:
        """Creates an empty database and returns its URL."""
        name = f"test_{next(self._names)}"
        create_databases(self.url("postgres"), [name])
        return self.url(name)

    def stop(self) -> None:
        """Stops the server (fast shutdown) and deletes its directory."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
