"""Keeps child processes running: restarts one that exits, with exponential backoff.

``make run`` (:mod:`clinicbot.run`) serves Rasa, the action server and the web server as
three children of one :class:`Supervisor`. When a child exits while it is wanted, only that
child is restarted, after a delay that doubles with each quick crash (``initial_delay``,
``2 * initial_delay``, ... up to ``max_delay``); a child that ran for ``reset_after`` seconds
before it exited starts again from ``initial_delay``. The other children are never touched:
Rasa keeps answering crisis messages while the action server is down.

A service may have a readiness probe (:attr:`ServiceSpec.health`): a child that is running
but answers "not ready" ``unhealthy_after`` times in a row, ``probe_interval`` seconds apart,
is stopped (SIGTERM, SIGKILL after ``stop_timeout``) and restarted like a crash, with the same
backoff (its uptime never counts as healthy). ``make run`` probes Rasa this way: a Rasa server
whose model failed to load keeps running but cannot answer anyone.

Each child runs in its own process group (``start_new_session``), so stopping or cleaning up
after a child also reaches the processes it started. Log lines carry the service name, pid,
exit code and delays only.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from clinicbot.backoff import Backoff

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestartPolicy:
    """How soon a child that exited is started again.

    Attributes:
        initial_delay: Seconds before the first restart after a crash.
        factor: Growth of the delay with each further quick crash.
        max_delay: Longest delay (the cap).
        reset_after: A child that ran at least this long before exiting counts as healthy:
            its next restart uses ``initial_delay`` again.
        probe_interval: Seconds between readiness probes of a running child.
        unhealthy_after: Failed probes in a row after which the child is restarted.
        stop_timeout: Seconds an unhealthy child may take to exit after SIGTERM.
    """

    initial_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    reset_after: float = 60.0
    probe_interval: float = 5.0
    unhealthy_after: int = 3
    stop_timeout: float = 10.0

    def delay(self, failures: int) -> float:
        """The delay before restarting after a number of quick crashes in a row.

        Args:
            failures: Crashes in a row, at least 1.

        Returns:
            Seconds to wait, at most ``max_delay``.
        """
        return self.backoff.delay(failures)

    @property
    def backoff(self) -> Backoff:
        """The restart delays as the project's one backoff schedule (``clinicbot.backoff``)."""
        return Backoff(first_delay=self.initial_delay, factor=self.factor, max_delay=self.max_delay)


@dataclass(frozen=True)
class ServiceSpec:
    """One supervised service.

    Attributes:
        name: Short name used in logs (``rasa``, ``actions``, ``web``).
        command: Its command line.
        env: Its environment (``None``: inherit).
        cwd: Its working directory (``None``: inherit).
        log_path: File its output is appended to (``None``: inherit the terminal).
        health: Readiness probe: returns False when the running child answers "not ready"
            (``None``: only an exit counts). Called without the supervisor's lock held.
    """

    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    log_path: Path | None = None
    health: Callable[[], bool] | None = None


@dataclass
class _Child:
    spec: ServiceSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    wanted: bool = False
    failures: int = 0
    restarts: int = 0
    restart_at: float | None = None
    delays: list[float] = field(default_factory=list)
    probe_at: float = 0.0
    failed_probes: int = 0
    unhealthy: bool = False
    kill_at: float | None = None
    health_restarts: int = 0


def http_ready_probe(url: str, timeout: float = 2.0) -> Callable[[], bool]:
    """A readiness probe that fails only when the URL answers 503 (the server says "not ready").

    A server that does not answer at all is starting (Rasa listens only once it has tried to
    load its model) or has exited (the supervisor notices that by itself): neither is a failed
    probe.

    Args:
        url: The readiness URL (for Rasa: the REST channel's ``/webhooks/rest/``).
        timeout: Seconds per request.

    Returns:
        The probe.
    """

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - local URL
                return True
        except urllib.error.HTTPError as exc:
            return exc.code != 503
        except (urllib.error.URLError, OSError):
            return True

    return probe


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Supervisor:
    """Starts services, restarts the ones that exit, stops them on request.

    Not a thread of its own: call :meth:`check` regularly (or :meth:`run`, which loops). All
    methods are safe to call from several threads.

    Args:
        services: The services, in start order.
        policy: Restart delays.
        clock: Monotonic clock (tests pass a fake one).
    """

    def __init__(
        self,
        services: Iterable[ServiceSpec],
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepares, without starting anything."""
        self.policy = policy or RestartPolicy()
        self._clock = clock
        self._children = {spec.name: _Child(spec) for spec in services}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ inspection

    @property
    def names(self) -> list[str]:
        """The services' names, in start order."""
        return list(self._children)

    @property
    def procs(self) -> dict[str, subprocess.Popen[bytes]]:
        """The running (or just exited, not yet noticed) process of each started service."""
        with self._lock:
            return {n: c.proc for n, c in self._children.items() if c.proc is not None}

    def pid(self, name: str) -> int | None:
        """The current process id of a service (``None`` while it is not running)."""
        proc = self._children[name].proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def restarts(self, name: str) -> int:
        """How many times a service was restarted after it exited."""
        return self._children[name].restarts

    def delays(self, name: str) -> list[float]:
        """The restart delays chosen for a service so far, in order."""
        return list(self._children[name].delays)

    def health_restarts(self, name: str) -> int:
        """How many times a service was stopped because its readiness probe kept failing."""
        return self._children[name].health_restarts

    # ------------------------------------------------------------------ control

    def _spawn(self, child: _Child) -> None:
        spec = child.spec
        out: IO[bytes] | None = None
        if spec.log_path is not None:
            spec.log_path.parent.mkdir(parents=True, exist_ok=True)
            out = spec.log_path.open("ab")
        try:
            child.proc = subprocess.Popen(  # noqa: S603 - fixed command lines
                list(spec.command),
                cwd=spec.cwd,
                env=dict(spec.env) if spec.env is not None else None,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
        finally:
            if out is not None:
                out.close()  # The child has its own descriptor.
        child.started_at = self._clock()
        child.restart_at = None
        child.probe_at = child.started_at + self.policy.probe_interval
        child.failed_probes = 0
        child.unhealthy = False
        child.kill_at = None

    def start(self, names: Iterable[str] | None = None) -> None:
        """Starts services that are not running and marks them wanted (to be kept running).

        Args:
            names: Which services (all by default).
        """
        with self._lock:
            for name in self.names if names is None else list(names):
                child = self._children[name]
                child.wanted = True
                if child.proc is None or child.proc.poll() is not None:
                    self._spawn(child)
                    logger.info("%s started (pid %d)", name, child.proc.pid if child.proc else 0)

    def check(self) -> None:
        """Probes running children, notices the ones that exited, restarts the ones due."""
        self._probe()
        with self._lock:
            now = self._clock()
            for name, child in self._children.items():
                if not child.wanted:
                    continue
                proc = child.proc
                if proc is not None and proc.poll() is not None:
                    _signal_group(proc, signal.SIGKILL)  # Leftovers of the group hold ports.
                    uptime = now - child.started_at
                    if uptime >= self.policy.reset_after and not child.unhealthy:
                        child.failures = 0
                    child.failures += 1
                    delay = self.policy.delay(child.failures)
                    child.delays.append(delay)
                    child.proc = None
                    child.restart_at = now + delay
                    logger.warning(
                        "%s (pid %d) exited with code %s after %.1f s; restarting in %.1f s",
                        name,
                        proc.pid,
                        proc.returncode,
                        uptime,
                        delay,
                    )
                if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                    self._spawn(child)
                    child.restarts += 1
                    logger.warning(
                        "%s restarted (pid %d, restart %d)",
                        name,
                        child.proc.pid if child.proc else 0,
                        child.restarts,
                    )

    def _probe(self) -> None:
        """Runs the due readiness probes (outside the lock); stops persistently unready children.

        The exit is then noticed by :meth:`check`, and the child restarted, like a crash.
        """
        with self._lock:
            now = self._clock()
            due = []
            for child in self._children.values():
                proc = child.proc
                if not child.wanted or proc is None or proc.poll() is not None:
                    continue
                if child.kill_at is not None and now >= child.kill_at:
                    _signal_group(proc, signal.SIGKILL)
                    child.kill_at = None
                if child.spec.health is not None and not child.unhealthy and now >= child.probe_at:
                    child.probe_at = now + self.policy.probe_interval
                    due.append((child, proc, child.spec.health))
        results = []
        for child, proc, health in due:
            try:
                ready = bool(health())
            except Exception:  # noqa: BLE001 - a probe that breaks says nothing
                logger.exception("%s: readiness probe failed to run", child.spec.name)
                ready = True
            results.append((child, proc, ready))
        with self._lock:
            now = self._clock()
            for child, proc, ready in results:
                if child.proc is not proc or proc.poll() is not None or not child.wanted:
                    continue  # Replaced, exited or stopped meanwhile.
                child.failed_probes = 0 if ready else child.failed_probes + 1
                if child.failed_probes < self.policy.unhealthy_after:
                    continue
                child.unhealthy = True
                child.health_restarts += 1
                child.kill_at = now + self.policy.stop_timeout
                logger.warning(
                    "%s (pid %d) not ready at %d probes in a row; stopping it to restart it",
                    child.spec.name,
                    proc.pid,
                    child.failed_probes,
                )
                _signal_group(proc, signal.SIGTERM)

    def run(self, should_stop: Callable[[], bool], interval: float = 0.5) -> None:
        """Checks the children until ``should_stop()`` is true (does not stop them).

        Args:
            should_stop: Polled between checks.
            interval: Seconds between checks.
        """
        while not should_stop():
            self.check()
            time.sleep(interval)

    def stop(self, names: Iterable[str] | None = None, timeout: float = 15.0) -> None:
        """Stops services for good (they are no longer restarted): SIGTERM, then SIGKILL.

        Args:
            names: Which services (all by default, in reverse start order).
            timeout: Seconds each may take to exit after SIGTERM.
        """
        with self._lock:
            chosen = list(reversed(self.names)) if names is None else list(names)
            children = [self._children[n] for n in chosen]
            for child in children:
                child.wanted = False
                child.restart_at = None
                if child.proc is not None and child.proc.poll() is None:
                    _signal_group(child.proc, signal.SIGTERM)
            for child in children:
                proc, child.proc = child.proc, None
                if proc is None:
                    continue
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait()
                _signal_group(proc, signal.SIGKILL)  # Anything the child left behind.

    def __enter__(self) -> Supervisor:
        """Returns the supervisor (``with`` stops everything at the end)."""
        return self

    def __exit__(self, *exc: Any) -> None:
        """Stops every service."""
        self.stop()
