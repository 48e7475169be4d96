"""PostgreSQL for ``make cluster`` and the tests: Debian's binaries, run in the foreground.

The same initdb/postgres command lines serve ``make cluster`` (:mod:`clinicbot.cluster`) and the
tests' throwaway server (``tests/pg.py``). Running as root, PostgreSQL runs as the
``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Sequence

#: PostgreSQL role owning both databases, and the databases' names.
PG_USER = "clinic"
TRACKER_DATABASE = "tracker"
CLINIC_DATABASE = "clinic"
#: Unprivileged account PostgreSQL runs as when ``make cluster`` runs as root.
PG_SYSTEM_USER = "postgres"


def pg_bindir() -> Path:
    """Directory of Debian's PostgreSQL server binaries (the newest installed version).

    Returns:
        For example ``/usr/lib/postgresql/15/bin``.

    Raises:
        FileNotFoundError: If PostgreSQL is not installed.
    """
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise FileNotFoundError(
            "PostgreSQL is missing: make install installs it as root (apt-get install postgresql)"
        )
    return found[-1].parent


def as_service_user(command: Sequence[str]) -> List[str]:
    """Wraps a command so that it runs as ``postgres`` when this process is root.

    ``setpriv`` replaces itself with the command (no extra process between the supervisor and
    PostgreSQL, so signals reach it directly).

    Args:
        command: The command line.

    Returns:
        The command line to run.
    """
    if os.geteuid() != 0:
        return list(command)
    return [
        "setpriv",
        f"--reuid={PG_SYSTEM_USER}",
        f"--regid={PG_SYSTEM_USER}",
        "--init-groups",
        "--",
        *command,
    ]


def give_to_service_user(path: Path) -> None:
    """Makes ``postgres`` own a path when this process is root (else nothing to do)."""
    if os.geteuid() == 0:
        shutil.chown(path, PG_SYSTEM_USER, PG_SYSTEM_USER)


def init_postgres(datadir: Path, password: str) -> bool:
    """Creates a PostgreSQL data directory unless it exists.

    The superuser is :data:`PG_USER` with ``password`` (scram-sha-256 over TCP); local socket
    connections need the same operating-system user (peer).

    Args:
        datadir: The data directory.
        password: Password of :data:`PG_USER`.

    Returns:
        True if it was created now.
    """
    if (datadir / "PG_VERSION").exists():
        return False
    datadir.mkdir(parents=True, exist_ok=True)
    datadir.chmod(0o700)
    give_to_service_user(datadir)
    pwfile = datadir.parent / f".{datadir.name}.pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    give_to_service_user(pwfile)
    try:
        subprocess.run(
            as_service_user(
                [
                    str(pg_bindir() / "initdb"),
                    "-D",
                    str(datadir),
                    "-U",
                    PG_USER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    return True


def postgres_command(datadir: Path, port: int, socket_dir: Path) -> List[str]:
    """Command line running PostgreSQL in the foreground on 127.0.0.1.

    Args:
        datadir: Its data directory.
        port: TCP port.
        socket_dir: Directory of its Unix socket.

    Returns:
        The command line.
    """
    return as_service_user(
        [
            str(pg_bindir() / "postgres"),
            "-D",
            str(datadir),
            "-p",
            str(port),
            "-k",
            str(socket_dir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=300",
            "-c",
            "logging_collector=off",
        ]
    )


def wait_postgres(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """Waits until PostgreSQL accepts connections at a URL.

    Args:
        url: SQLAlchemy-style URL (``postgresql+psycopg2://user:pw@host:port/db``).
        timeout: Seconds to wait.
        proc: The server process (stop waiting if it exits).

    Returns:
        True when it answered in time.
    """
    import psycopg2

    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            psycopg2.connect(dsn, connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            time.sleep(0.3)
    return False


def create_databases(admin_url: str, names: Sequence[str]) -> None:
    """Creates databases that do not exist yet.

    Args:
        admin_url: URL of an existing database, as a superuser.
        names: Database names (plain identifiers).

    Raises:
        ValueError: For a name that is not a plain identifier.
    """
    import psycopg2

    conn = psycopg2.connect(admin_url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in names:
                if not name.replace("_", "").isalnum():
                    raise ValueError(f"not a plain database name: {name!r}")
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def pg_url(port: int, password: str, database: str) -> str:
    """SQLAlchemy URL of a database on the cluster's PostgreSQL."""
    return f"postgresql+psycopg2://{PG_USER}:{password}@127.0.0.1:{port}/{database}"
