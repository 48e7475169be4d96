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

from clinicbot.supervisor import RestartPolicy, ServiceSpec, Supervisor

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
