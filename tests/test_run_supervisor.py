"""The supervisor behind ``make run``: restarts with backoff, never takes the others down.

Children are short ``python -c`` processes; nothing here needs a model or a server.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from clinicbot.supervisor import RestartPolicy, ServiceSpec, Supervisor, http_ready_probe

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive: read its state.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError("condition not met in time")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_policy_doubles_up_to_the_cap() -> None:
    policy = RestartPolicy(initial_delay=1.0, factor=2.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_a_crashing_child_is_restarted_and_the_others_keep_running(caplog) -> None:
    caplog.set_level(logging.INFO, logger="clinicbot.supervisor")
    policy = RestartPolicy(initial_delay=0.02, factor=2.0, max_delay=0.08, reset_after=60)
    with Supervisor(
        [ServiceSpec("rasa", SLEEP), ServiceSpec("actions", CRASH), ServiceSpec("web", SLEEP)],
        policy,
    ) as sup:
        sup.start()
        rasa_pid, web_pid = sup.pid("rasa"), sup.pid("web")
        assert rasa_pid and web_pid

        def restarted_four_times() -> bool:
            sup.check()
            return sup.restarts("actions") >= 4

        wait_for(restarted_four_times)
        # The delay grew with each quick crash, up to the cap.
        assert sup.delays("actions")[:4] == [0.02, 0.04, 0.08, 0.08]
        # Nobody else was touched.
        assert sup.pid("rasa") == rasa_pid and alive(rasa_pid)
        assert sup.pid("web") == web_pid and alive(web_pid)
        assert sup.restarts("rasa") == 0 and sup.restarts("web") == 0
    assert not alive(rasa_pid) and not alive(web_pid)
    messages = [r.getMessage() for r in caplog.records]
    assert any("actions" in m and "exited with code 3" in m for m in messages)
    assert any(m.startswith("actions restarted (pid") for m in messages)


@contextmanager
def rasa_and_actions() -> Iterator[tuple[Supervisor, int, int]]:
    """A started supervisor of two long-running services, with the pids of rasa and actions."""
    with Supervisor(
        [ServiceSpec("rasa", SLEEP), ServiceSpec("actions", SLEEP)],
        RestartPolicy(initial_delay=0.01),
    ) as sup:
        sup.start()
        rasa_pid, actions_pid = sup.pid("rasa"), sup.pid("actions")
        assert rasa_pid and actions_pid
        yield sup, rasa_pid, actions_pid


def test_a_killed_rasa_is_restarted_too() -> None:
    with rasa_and_actions() as (sup, first, actions_pid):
        os.killpg(first, 9)

        def back() -> bool:
            sup.check()
            return sup.pid("rasa") not in (None, first)

        wait_for(back)
        assert sup.restarts("rasa") == 1
        assert sup.pid("actions") == actions_pid and alive(actions_pid)


def test_backoff_resets_after_a_healthy_period(tmp_path: Path) -> None:
    clock = FakeClock()
    policy = RestartPolicy(initial_delay=1.0, factor=2.0, max_delay=30.0, reset_after=60.0)
    sup = Supervisor([ServiceSpec("actions", CRASH)], policy, clock=clock)
    try:
        sup.start()

        def crash_noticed() -> bool:
            proc = sup.procs.get("actions")
            if proc is not None and proc.poll() is None:
                return False
            sup.check()
            return sup.pid("actions") is None and "actions" not in sup.procs

        # Three quick crashes (each after 0.5 s of fake uptime): 1, 2, 4 seconds.
        for _ in range(3):
            clock.now += 0.5
            wait_for(crash_noticed)
            clock.now += sup.delays("actions")[-1]
            sup.check()  # restarts it
        assert sup.delays("actions") == [1.0, 2.0, 4.0]
        # This time it "runs" for 61 s before crashing: healthy, so the delay starts over.
        clock.now += 61
        wait_for(crash_noticed)
        assert sup.delays("actions") == [1.0, 2.0, 4.0, 1.0]
        # Not restarted before its delay is over.
        clock.now += 0.5
        sup.check()
        assert "actions" not in sup.procs
        clock.now += 0.6
        sup.check()
        assert "actions" in sup.procs
        assert sup.restarts("actions") == 4
    finally:
        sup.stop()


def test_stopped_services_stay_stopped_and_the_others_keep_running() -> None:
    with rasa_and_actions() as (sup, rasa_pid, actions_pid):
        sup.stop(["actions"])
        assert not alive(actions_pid)
        time.sleep(0.1)
        sup.check()
        assert sup.pid("actions") is None and sup.restarts("actions") == 0
        assert alive(rasa_pid)
        sup.start(["actions"])
        assert sup.pid("actions") not in (None, actions_pid)


def test_stop_reaches_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(120)\n"
    )
    sup = Supervisor([ServiceSpec("web", [sys.executable, "-c", script])])
    sup.start()
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    grandchild = int(pid_file.read_text())
    assert alive(grandchild)
    sup.stop()
    wait_for(lambda: not alive(grandchild), timeout=5)


def test_run_checks_until_told_to_stop(tmp_path: Path) -> None:
    count = tmp_path / "starts"
    script = f"open({str(count)!r}, 'a').write('x'); import sys; sys.exit(1)"
    sup = Supervisor(
        [ServiceSpec("web", [sys.executable, "-c", script])], RestartPolicy(initial_delay=0.01)
    )
    deadline = time.monotonic() + 30
    sup.start()
    try:
        sup.run(
            lambda: (count.exists() and len(count.read_text()) >= 3) or time.monotonic() > deadline,
            interval=0.01,
        )
    finally:
        sup.stop()
    assert len(count.read_text()) >= 3


# --------------------------------------------------------------------------- readiness probes


def test_a_running_but_unready_child_is_restarted_with_backoff() -> None:
    """A Rasa server without a model keeps running: the probe, not an exit, restarts it."""
    clock = FakeClock()
    ready = [False]
    policy = RestartPolicy(
        initial_delay=1.0, factor=2.0, max_delay=30.0, reset_after=60.0,
        probe_interval=5.0, unhealthy_after=3, stop_timeout=10.0,
    )  # fmt: skip
    sup = Supervisor(
        [ServiceSpec("rasa", SLEEP, health=lambda: ready[0]), ServiceSpec("actions", SLEEP)],
        policy,
        clock=clock,
    )
    try:
        sup.start()
        actions_pid = sup.pid("actions")

        def unready_for_three_probes(before: float = 0.0) -> int:
            pid = sup.pid("rasa")
            assert pid is not None
            clock.now += before
            for _ in range(2):
                clock.now += 5.0
                sup.check()
                assert sup.pid("rasa") == pid  # two failed probes: not yet
            clock.now += 5.0
            sup.check()  # the third: SIGTERM
            wait_for(lambda: not alive(pid))
            sup.check()  # the exit is noticed
            return pid

        first = unready_for_three_probes()
        assert sup.health_restarts("rasa") == 1 and sup.delays("rasa") == [1.0]
        clock.now += 1.0
        sup.check()
        assert sup.pid("rasa") not in (None, first)
        # Unready again, this time after 61 s: still a quick failure (the delay grows).
        unready_for_three_probes(before=61.0)
        assert sup.delays("rasa") == [1.0, 2.0]
        clock.now += 2.0
        sup.check()
        # Ready now: probes pass, nothing is restarted.
        ready[0] = True
        pid = sup.pid("rasa")
        for _ in range(10):
            clock.now += 5.0
            sup.check()
        assert sup.pid("rasa") == pid and sup.health_restarts("rasa") == 2
        assert sup.pid("actions") == actions_pid  # never touched
    finally:
        sup.stop()


def test_an_unready_child_that_ignores_sigterm_is_killed() -> None:
    clock = FakeClock()
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)",
    ]
    policy = RestartPolicy(probe_interval=1.0, unhealthy_after=1, stop_timeout=10.0)
    sup = Supervisor([ServiceSpec("rasa", stubborn, health=lambda: False)], policy, clock=clock)
    try:
        sup.start()
        pid = sup.pid("rasa")
        assert pid is not None
        time.sleep(0.5)  # let it install its handler
        clock.now += 1.0
        sup.check()  # SIGTERM, ignored
        time.sleep(0.3)
        assert alive(pid)
        clock.now += 10.0
        sup.check()  # SIGKILL
        wait_for(lambda: not alive(pid))
    finally:
        sup.stop()


def test_http_ready_probe_fails_only_on_a_503() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    status = [503]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        probe = http_ready_probe(f"http://127.0.0.1:{server.server_address[1]}/webhooks/rest/")
        assert probe() is False
        status[0] = 200
        assert probe() is True
        status[0] = 500  # an error, but not "not ready"
        assert probe() is True
    finally:
        server.shutdown()
        server.server_close()
    # Not listening (starting, or exited: the supervisor sees exits itself).
    assert probe() is True


def test_make_run_probes_rasas_readiness_on_the_rest_channel() -> None:
    from clinicbot.run import ready_urls

    assert ready_urls({"RASA_PORT": "5123"}) == {"rasa": "http://127.0.0.1:5123/webhooks/rest/"}
