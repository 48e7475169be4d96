"""The one backoff schedule (clinicbot.backoff), shared by outbound HTTP and the supervisor."""

from __future__ import annotations

from clinicbot import http_retry
from clinicbot.backoff import Backoff
from clinicbot.supervisor import RestartPolicy


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(attempts=6, first_delay=0.5, factor=2.0, max_delay=3.0)
    assert [backoff.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert backoff.delay(0) == 0.5  # a count below one counts as the first failure


def test_defaults() -> None:
    assert Backoff() == Backoff(attempts=4, first_delay=1.0, factor=2.0, max_delay=30.0)
    assert [Backoff().delay(n) for n in (1, 5, 6, 7)] == [1.0, 16.0, 30.0, 30.0]


def test_http_retry_and_the_supervisor_use_the_same_schedule() -> None:
    assert http_retry.Backoff is Backoff
    policy = RestartPolicy(initial_delay=0.25, factor=3.0, max_delay=5.0)
    assert policy.backoff == Backoff(first_delay=0.25, factor=3.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.25, 0.75, 2.25, 5.0, 5.0]
