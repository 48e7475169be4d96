"""Readiness check for health checks outside the project: ``python -m clinicbot.ready URL``.

Compose's ``healthcheck`` and systemd's ``ExecStartPost`` (``deploy/``) run it against a
service's readiness URL (:func:`clinicbot.run.ready_urls`). For Rasa that is the REST
channel's ``/webhooks/rest/``, which answers 503 until a model is loaded
(:mod:`clinicbot.channels.rest`); Rasa's own ``/`` answers "hello" even without a model, when
every turn would be answered with nothing. Unlike the supervisor's probe
(:func:`clinicbot.supervisor.http_ready_probe`, which leaves a server that is still starting
alone), no answer at all counts as not ready here.

Exit status 0 when the URL answered 2xx (within ``--wait`` seconds, polling), else 1. Uses
only the standard library, so a check costs a fraction of a second.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence


def is_ready(url: str, timeout: float = 3.0) -> bool:
    """Tells whether ``url`` answers with a 2xx status.

    Args:
        url: The readiness URL.
        timeout: Seconds for the request.

    Returns:
        True on 2xx; False on any other status, a refused connection or a timeout.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - local URL
            return 200 <= int(answer.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_ready(
    url: str,
    wait: float,
    interval: float = 1.0,
    timeout: float = 3.0,
    gave_up: Callable[[], bool] | None = None,
) -> bool:
    """Polls :func:`is_ready` until it is true or ``wait`` seconds have passed.

    Args:
        url: The readiness URL.
        wait: Seconds to keep trying (0: one check).
        interval: Seconds between checks.
        timeout: Seconds per request.
        gave_up: Checked before each try; True stops the wait (e.g. the server's process
            exited).

    Returns:
        Whether the URL became ready.
    """
    deadline = time.monotonic() + wait
    while True:
        if gave_up is not None and gave_up():
            return False
        if is_ready(url, timeout):
            return True
        if time.monotonic() + interval > deadline:
            return False
        time.sleep(interval)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m clinicbot.ready URL [--wait SECONDS]``.

    Args:
        argv: Arguments.

    Returns:
        0 when ready, 1 when not.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="readiness URL, e.g. http://127.0.0.1:5005/webhooks/rest/")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to keep trying")
    args = parser.parse_args(argv)
    if wait_ready(args.url, args.wait):
        return 0
    print(f"not ready: {args.url}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
