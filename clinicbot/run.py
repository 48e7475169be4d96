"""``make run``: build what is missing, then serve Rasa, the action server and the web server.

Runs in the foreground until Ctrl-C (SIGINT/SIGTERM stop all three services). A service that
exits is restarted with backoff (:mod:`clinicbot.supervisor`); the others keep serving. Ports and
everything else come from environment variables (see ``clinicbot/settings.py`` and the
README). A model is trained only when none matches the current data, domain and config.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence

from clinicbot.components.pipeline_check import load_config, validate_pipeline
from clinicbot.paths import (
    CONFIG_FILE,
    DATA_DIR,
    DOMAIN_FILE,
    KNOWLEDGE_DIR,
    MODELS_DIR,
    PACKAGE_DIR,
    REPO_ROOT,
    VAR_DIR,
)
from clinicbot.ready import wait_ready
from clinicbot.settings import load_settings
from clinicbot.supervisor import RestartPolicy, ServiceSpec, Supervisor, http_ready_probe

MODEL_PREFIX = "clinic-"
#: Inputs whose change makes the trained model stale: data, domain, config, the spaCy lexicon,
#: and the code of the project's own trainable components (Rasa's cache does not see code).
MODEL_INPUTS = (
    CONFIG_FILE,
    DOMAIN_FILE,
    DATA_DIR,
    KNOWLEDGE_DIR / "lexicon.yml",
    PACKAGE_DIR / "safety",
    REPO_ROOT / "tests" / "safety" / "dev.yml",  # the safety classifier trains on it
    REPO_ROOT / "tests" / "safety" / "dev2.yml",  # and on this one
    REPO_ROOT / "tests" / "safety" / "dev3.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev4.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev5.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev6.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev9.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev7.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev8.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev10.yml",  # and this one
    REPO_ROOT / "tests" / "safety" / "dev15.yml",  # the follow-up reader trains on these pairs
    REPO_ROOT / "tests" / "safety" / "dev16.yml",  # and these
    REPO_ROOT / "tests" / "safety" / "dev17.yml",  # and these
    PACKAGE_DIR / "components",  # the graph components: classifier, gate, policies ...
)


def _files(paths: Iterable[Path]) -> List[Path]:
    out: List[Path] = []
    for path in paths:
        if path.is_dir():
            wanted = {".yml", ".yaml", ".py"}
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in wanted))
        elif path.exists():
            out.append(path)
    return out


def model_digest() -> str:
    """A digest of everything the model is trained from (data, domain, config, lexicon)."""
    h = hashlib.sha256()
    for path in _files(MODEL_INPUTS):
        h.update(str(path.relative_to(REPO_ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def current_model() -> Path | None:
    """The trained model matching the current inputs, if there is one."""
    path = MODELS_DIR / f"{MODEL_PREFIX}{model_digest()}.tar.gz"
    return path if path.exists() else None


def service_env(base: Dict[str, str] | None = None) -> Dict[str, str]:
    """Environment for the services, with one-machine defaults filled in.

    Args:
        base: Starting environment (defaults to ``os.environ``).

    Returns:
        A new environment mapping.
    """
    env = dict(os.environ if base is None else base)
    settings = load_settings(env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{settings.action_port}/webhook")
    env.setdefault("TRACKER_DB", str(VAR_DIR / "tracker.db"))
    env.setdefault("RASA_ENDPOINTS", str(REPO_ROOT / "endpoints.yml"))
    if not env.get("RASA_TOKEN"):
        env["RASA_TOKEN"] = secrets.token_urlsafe(32)
    # Shared secret Rasa sends to the action server (endpoints.yml); it refuses calls without.
    if not env.get("ACTION_SERVER_TOKEN"):
        env["ACTION_SERVER_TOKEN"] = secrets.token_urlsafe(32)
    env.setdefault("ACTION_HOST", "127.0.0.1")
    # Pending connections each Sanic server queues (Rasa and the action server read it): the
    # default 100 overflows under a burst of turns (refused connections, dropped turns).
    env.setdefault("SANIC_BACKLOG", "1024")
    # No usage data leaves the clinic's machine unless the operator opts in.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("PYTHONPATH", str(REPO_ROOT))
    return env


def restrict_file_permissions(env: Dict[str, str]) -> None:
    """Makes what the services write readable by this user only.

    Sets ``umask 077`` for this process and its children (new SQLite databases, logs, models
    are ``rw-------``), creates ``var/`` as ``rwx------`` and tightens the SQLite files that
    already exist (the clinic database and Rasa's tracker store hold patient conversations).

    Args:
        env: The services' environment (``CLINIC_DB_URL``, ``TRACKER_DB``).
    """
    os.umask(0o077)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    VAR_DIR.chmod(0o700)
    files = [env.get("TRACKER_DB", "")]
    db_url = load_settings(env).db_url
    if db_url.startswith("sqlite:///"):
        files.append(db_url[len("sqlite:///") :])
    for name in files:
        for path in (Path(name), Path(f"{name}-journal"), Path(f"{name}-wal")):
            if name and path.is_file():
                path.chmod(0o600)


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def ensure_spacy() -> None:
    """Builds the spaCy pipeline unless it is current."""
    subprocess.run([sys.executable, "-m", "clinicbot.spacy_build"], check=True, cwd=REPO_ROOT)


def publish_model(archive: Path) -> Path:
    """Moves a finished model archive into ``models/`` in one atomic rename.

    Args:
        archive: The archive, written in a folder on the same file system as ``models/``.

    Returns:
        Its path in ``models/``.
    """
    if not archive.is_file():
        raise RuntimeError("training finished but the model archive is missing")
    target = MODELS_DIR / archive.name
    os.replace(archive, target)
    return target


def migrate_clinic_db(env: Dict[str, str], quiet: bool = False) -> None:
    """Brings the clinic database (``CLINIC_DB_URL`` in ``env``) to the latest schema (Alembic).

    Args:
        env: The services' environment.
        quiet: Hide the migration's own output (benchmarks, the cluster's start).
    """
    subprocess.run(
        [sys.executable, "-m", "clinicbot.console", "migrate"],
        check=True,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def ensure_model(env: Dict[str, str] | None = None) -> Path:
    """Returns the current model, training one first if needed.

    Args:
        env: Environment for the training process.

    Returns:
        Path of the model archive.
    """
    ensure_spacy()
    model = current_model()
    if model is not None:
        print(f"Model is current: {model.relative_to(REPO_ROOT)}", flush=True)
        return model
    name = f"{MODEL_PREFIX}{model_digest()}"
    # rasa train checks the components' order on its training graph only (pipeline_check).
    validate_pipeline(load_config(CONFIG_FILE))
    print(f"Training model {name} (data, domain or config changed) ...", flush=True)
    # Rasa writes the archive in place; trained into a private folder and then renamed, a model
    # is never seen half-written (two trainings of the same inputs at once, a server starting).
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".training-", dir=MODELS_DIR) as out:
        subprocess.run(
            # --force: Rasa's training cache keys on config and data only, not on our code.
            [_bin("rasa"), "train", "--force", "--fixed-model-name", name, "--out", out],
            check=True,
            cwd=REPO_ROOT,
            env=service_env(env),
        )
        published = publish_model(Path(out) / f"{name}.tar.gz")
        # Rasa's own last line names the private folder; say where the model really is.
        print(f"Model saved as {published}", flush=True)
    model = current_model()
    if model is None:
        trained = MODELS_DIR / f"{name}.tar.gz"
        if not trained.exists():
            raise RuntimeError("training finished but the model archive is missing")
        # Someone edited the inputs while it trained: serve what was trained, and say so.
        print(
            f"Inputs changed during training; using {trained.name} (run make train again).",
            flush=True,
        )
        model = trained
    return model


def service_commands(model: Path, env: Dict[str, str]) -> Dict[str, List[str]]:
    """The command line of each service.

    Args:
        model: Model archive for Rasa.
        env: The services' environment (ports, token).

    Returns:
        Commands by service name.
    """
    s = load_settings(env)
    return {
        # Bound to ACTION_HOST (loopback) and requiring ACTION_SERVER_TOKEN (from the env).
        "actions": [
            sys.executable,
            "-m",
            "clinicbot.action_server",
            "--actions",
            "actions",
            "--port",
            str(s.action_port),
        ],
        "rasa": [
            # The launcher adds --auth-token from RASA_TOKEN in-process: never on a command line.
            sys.executable,
            "-m",
            "clinicbot.web.rasa_server",
            "run",
            "--model",
            str(model),
            "--enable-api",
            "--interface",
            s.rasa_host,
            "--port",
            str(s.rasa_port),
            "--credentials",
            str(REPO_ROOT / "credentials.yml"),
            "--endpoints",
            env["RASA_ENDPOINTS"],
            # No --cors: the socket.io channel checks origins itself (WIDGET_ORIGINS), also for
            # websocket upgrades; Sanic-CORS on top would send the header twice.
        ],
        "web": [sys.executable, "-m", "clinicbot.web"],
    }


def wait_healthy(url: str, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    """Polls a URL until it answers 2xx (``clinicbot.ready``).

    Args:
        url: Health URL.
        timeout: Seconds to wait.
        proc: The process serving it (stop waiting if it exits).

    Returns:
        True when healthy in time.
    """
    exited = None if proc is None else (lambda: proc.poll() is not None)
    return wait_ready(url, timeout, interval=0.5, timeout=2.0, gave_up=exited)


def health_urls(env: Dict[str, str]) -> Dict[str, str]:
    """Health endpoint of each service."""
    s = load_settings(env)
    return {
        "actions": f"http://127.0.0.1:{s.action_port}/health",
        "rasa": f"http://127.0.0.1:{s.rasa_port}/",
        "web": f"http://127.0.0.1:{s.web_port}/health",
    }


def ready_urls(env: Dict[str, str]) -> Dict[str, str]:
    """Readiness URLs the supervisor probes: 503 there means running but unable to answer.

    Rasa's REST channel health (:mod:`clinicbot.channels.rest`) is 503 while no model is
    loaded; Rasa's own ``/`` says "hello" even then.
    """
    s = load_settings(env)
    return {"rasa": f"http://127.0.0.1:{s.rasa_port}/webhooks/rest/"}


class Stack:
    """The three services as supervised child processes.

    Starting waits until each service is healthy; nothing is restarted until someone calls
    ``supervisor.check()`` (``make run`` does, in :func:`serve`; the tests' stack does not).

    Args:
        model: Model archive.
        env: Services' environment.
        log_dir: Where each service's output goes (None: inherit the terminal).
    """

    def __init__(self, model: Path, env: Dict[str, str], log_dir: Path | None = None) -> None:
        """Prepares, without starting anything."""
        self.model = model
        self.env = env
        self.log_dir = log_dir
        s = load_settings(env)
        ready = ready_urls(env)
        self.supervisor = Supervisor(
            [
                ServiceSpec(
                    name,
                    command,
                    env=env,
                    cwd=REPO_ROOT,
                    log_path=None if log_dir is None else log_dir / f"{name}.log",
                    health=http_ready_probe(ready[name]) if name in ready else None,
                )
                for name, command in service_commands(model, env).items()
            ],
            RestartPolicy(
                initial_delay=s.restart_initial_delay,
                max_delay=s.restart_max_delay,
                reset_after=s.restart_reset_after,
            ),
        )

    @property
    def procs(self) -> Dict[str, subprocess.Popen]:
        """The running process of each started service."""
        return self.supervisor.procs

    def start(self, only: Sequence[str] = ("actions", "rasa", "web"), timeout: float = 180) -> None:
        """Starts services and waits until each is healthy.

        Args:
            only: Which services to start.
            timeout: Seconds to wait for each.

        Raises:
            RuntimeError: If a service does not become healthy.
        """
        urls = health_urls(self.env)
        self.supervisor.start(only)
        procs = self.supervisor.procs
        for name in only:
            print(f"  waiting for {name} ({urls[name]}) ...", flush=True)
            if not wait_healthy(urls[name], timeout, procs.get(name)):
                self.stop()
                raise RuntimeError(f"{name} did not become healthy; see its output")

    def stop(self, only: Sequence[str] | None = None) -> None:
        """Stops services (all by default) for good, politely then firmly."""
        self.supervisor.stop(only)


def serve(stack: Stack, should_stop: Callable[[], bool], interval: float = 0.5) -> None:
    """Starts the stack and keeps every service running until ``should_stop()``.

    A service that exits is restarted on its own (see :class:`clinicbot.supervisor.Supervisor`);
    the others keep serving. Everything is stopped when this returns or raises.

    Args:
        stack: The services.
        should_stop: Polled between checks (set by SIGINT/SIGTERM in :func:`main`).
        interval: Seconds between checks.
    """
    try:
        stack.start()
        s = load_settings(stack.env)
        print(
            "\nServing (Ctrl-C stops everything; a service that exits is restarted):\n"
            f"  demo clinic page + chat widget  http://localhost:{s.web_port}/\n"
            f"  staff console                   http://localhost:{s.web_port}/console/\n"
            f"  REST webhook                    http://localhost:{s.rasa_port}/webhooks/rest/webhook\n"
            f"  action server                   http://localhost:{s.action_port}/health\n",
            flush=True,
        )
        stack.supervisor.run(should_stop, interval)
    finally:
        print("Stopping services ...", flush=True)
        stack.stop()


def model_to_serve(
    parser: argparse.ArgumentParser, requested: Path | None, env: Dict[str, str]
) -> Path:
    """The model archive to serve: the one asked for, or the current one (trained if needed).

    Args:
        parser: The command line's parser (reports a missing archive).
        requested: The ``--model`` argument, if given.
        env: The services' environment.

    Returns:
        The archive's path.
    """
    if requested is None:
        return ensure_model(env)
    ensure_spacy()  # the model loads the project's spaCy pipeline
    model = requested.resolve()
    if not model.is_file():
        parser.error(f"no model archive at {model}")
    return model


def stop_on_signals() -> Callable[[], bool]:
    """Installs SIGINT/SIGTERM handlers that ask the foreground loop to stop.

    Returns:
        A function telling whether a stop was asked.
    """
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    return lambda: stopping


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of ``make run`` / ``make train``.

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-only", action="store_true", help="train if needed, then exit")
    parser.add_argument(
        "--model",
        type=Path,
        help="serve this model archive (default: the current one, trained if needed)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    env = service_env()
    restrict_file_permissions(env)
    model = model_to_serve(parser, args.model, env)
    if args.train_only:
        return 0
    migrate_clinic_db(env)
    stack = Stack(model, env)
    serve(stack, stop_on_signals())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
