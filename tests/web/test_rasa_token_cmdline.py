"""Rasa's HTTP API token never appears on a process command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicbot.run import service_commands, service_env
from clinicbot.web.rasa_server import MissingToken, rasa_argv

TOKEN = "a-secret-token-value-1234567890"


def test_rasa_command_line_has_no_token() -> None:
    env = service_env({"RASA_TOKEN": TOKEN, "PATH": "/usr/bin"})
    command = service_commands(Path("models/x.tar.gz"), env)["rasa"]
    assert TOKEN not in " ".join(command)
    assert "--auth-token" not in command
    assert "--enable-api" in command
    # The token reaches Rasa through the environment instead.
    assert env["RASA_TOKEN"] == TOKEN


def test_launcher_adds_the_token_in_process() -> None:
    argv = rasa_argv(["run", "--enable-api", "--port", "5005"], {"RASA_TOKEN": TOKEN})
    assert argv == ["rasa", "run", "--enable-api", "--port", "5005", f"--auth-token={TOKEN}"]


def test_launcher_refuses_an_api_without_token_or_a_token_on_the_command_line() -> None:
    with pytest.raises(MissingToken):
        rasa_argv(["run", "--enable-api"], {})
    with pytest.raises(ValueError):
        rasa_argv(["run", "--enable-api", "--auth-token", TOKEN], {"RASA_TOKEN": TOKEN})
    assert rasa_argv(["run"], {}) == ["rasa", "run"]


def test_a_token_starting_with_a_dash_reaches_rasa_as_its_value() -> None:
    import argparse

    token = "-Ab3_generated"
    argv = rasa_argv(["run", "--enable-api"], {"RASA_TOKEN": token})
    parser = argparse.ArgumentParser()
    parser.add_argument("--auth-token")
    parser.add_argument("--enable-api", action="store_true")
    assert parser.parse_args(argv[2:]).auth_token == token
