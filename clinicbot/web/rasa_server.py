"""Starts ``rasa run`` with the HTTP API token taken from the environment, not the command line.

``rasa run --auth-token TOKEN`` puts the token in the process's command line, which every local
user can read (``ps``, ``/proc/<pid>/cmdline``). This launcher is started as
``python -m clinicbot.web.rasa_server run --model ... --enable-api ...`` with ``RASA_TOKEN`` in
its environment; it adds ``--auth-token`` to Rasa's arguments inside the process, so the
operating system only ever shows the command line without it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

TOKEN_VARIABLE = "RASA_TOKEN"  # noqa: S105 - the variable's name, not a secret


class MissingToken(RuntimeError):
    """Raised when the HTTP API is enabled but ``RASA_TOKEN`` is empty."""


def rasa_argv(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Builds Rasa's own argument list.

    Args:
        args: Arguments after the module name (``run --model ... --enable-api ...``); they must
            not contain ``--auth-token``.
        env: Environment holding ``RASA_TOKEN``.

    Returns:
        ``["rasa", *args, "--auth-token=<token>"]`` when the API is enabled, else
        ``["rasa", *args]``.

    Raises:
        MissingToken: If ``--enable-api`` is given without a token.
        ValueError: If a token was passed on the command line.
    """
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in args):
        raise ValueError("pass the token in RASA_TOKEN, not on the command line")
    argv = ["rasa", *args]
    if "--enable-api" in args:
        token = env.get(TOKEN_VARIABLE, "")
        if not token:
            raise MissingToken(f"{TOKEN_VARIABLE} must be set when the HTTP API is enabled")
        # One argument: a generated token may start with "-", which argparse would take
        # for an option ("--auth-token: expected one argument", Rasa does not start).
        argv.append(f"--auth-token={token}")
    return argv


def main(argv: Sequence[str] | None = None) -> None:
    """Runs Rasa's command line with the token added in-process.

    Args:
        argv: Arguments (defaults to ``sys.argv[1:]``).
    """
    sys.argv = rasa_argv(list(sys.argv[1:] if argv is None else argv), os.environ)
    from rasa.__main__ import main as rasa_main

    from clinicbot import rasa_tuning

    rasa_tuning.apply()  # action calls kept alive and retried, cheaper checks (its docstring)
    if sys.argv[1:2] == ["run"]:
        from clinicbot.outbox_delivery import start_sender

        start_sender(sys.argv)  # this process's urgent outbox records to the action server

    rasa_main()


if __name__ == "__main__":
    main()
