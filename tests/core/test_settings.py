"""Settings come only through clinicbot/settings.py (one default per variable)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clinicbot.channels.socketio import allowed_origins
from clinicbot.channels.twilio import TwilioConfig
from clinicbot.paths import REPO_ROOT
from clinicbot.settings import DEFAULT_TWILIO_API_BASE, Settings, load_settings
from clinicbot.widget.blueprint import widget_origins

#: Modules that may touch ``os.environ`` as a whole, and why. None of them may read a variable.
ENVIRONMENT_USERS = {
    # Hands the whole environment to Rasa's CLI builder, which adds --auth-token in-process.
    "clinicbot/web/rasa_server.py",
    # Sets the environment of the in-process server it measures, and restores it afterwards.
    "clinicbot/bench_load.py",
}


def _sources() -> list[Path]:
    return sorted(
        p
        for folder in ("clinicbot", "actions")
        for p in (REPO_ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    )


def _is_os(node: ast.AST, name: str, from_os: set[str]) -> bool:
    """``os.<name>``, or a bare ``<name>`` imported with ``from os import <name>``."""
    if isinstance(node, ast.Attribute):
        return node.attr == name and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == name and name in from_os


def _copied_for_a_child(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """``{**os.environ, ...}`` or ``dict(os.environ ...)``: a child process's environment."""
    parent = parents.get(node)
    if isinstance(parent, ast.Dict):
        return any(k is None and v is node for k, v in zip(parent.keys, parent.values, strict=True))
    if isinstance(parent, ast.IfExp):  # dict(os.environ if base is None else base)
        node, parent = parent, parents.get(parent)
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id == "dict"
        and node in parent.args
    )


def environment_reads(source: str) -> tuple[list[int], list[int]]:
    """Finds where a module reads a variable, and where it otherwise touches the environment.

    Args:
        source: A module's source.

    Returns:
        ``(reads, other_uses)``: line numbers of ``os.getenv``, ``os.environ.get``/``[...]``/
        ``in``, and of any other use of ``os.environ`` than a copy for a child process.
    """
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    from_os = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os"
        for alias in node.names
    }
    reads: list[int] = []
    other: list[int] = []
    for node in ast.walk(tree):
        if _is_os(node, "getenv", from_os):
            reads.append(node.lineno)
        if not _is_os(node, "environ", from_os):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Subscript) or (
            isinstance(parent, ast.Attribute) and parent.attr in {"get", "setdefault", "pop"}
        ):
            reads.append(node.lineno)
        elif isinstance(parent, ast.Compare):
            reads.append(node.lineno)
        elif not _copied_for_a_child(node, parents):
            other.append(node.lineno)
    return reads, other


def test_no_module_but_settings_reads_the_environment() -> None:
    offenders = []
    for path in _sources():
        name = path.relative_to(REPO_ROOT).as_posix()
        if name == "clinicbot/settings.py":
            continue
        reads, other = environment_reads(path.read_text(encoding="utf-8"))
        offenders += [f"{name}:{line} reads a variable" for line in reads]
        if name not in ENVIRONMENT_USERS:
            offenders += [f"{name}:{line} uses os.environ" for line in other]
    assert offenders == [], "read settings through clinicbot/settings.py: " + ", ".join(offenders)


def test_every_allow_listed_module_exists() -> None:
    for name in ENVIRONMENT_USERS:
        assert (REPO_ROOT / name).is_file(), name


@pytest.mark.parametrize(
    "source",
    [
        "import os\nx = os.environ.get('A', '1')\n",
        "import os\nx = os.environ['A']\n",
        "import os\nx = 'A' in os.environ\n",
        "import os\nx = os.getenv('A')\n",
        "from os import environ\nx = environ.get('A')\n",
        "from os import getenv\nx = getenv('A')\n",
    ],
)
def test_the_check_finds_each_way_of_reading_a_variable(source: str) -> None:
    reads, _ = environment_reads(source)
    assert reads


def test_the_check_ignores_other_things_called_environ() -> None:
    source = "def connect(sid, environ):\n    return environ.get('sanic.request')\n"
    assert environment_reads(source) == ([], [])


def test_the_check_allows_copying_the_environment_for_a_child() -> None:
    source = (
        "import os\n"
        "a = {**os.environ, 'X': '1'}\n"
        "b = dict(os.environ)\n"
        "c = dict(os.environ if base is None else base)\n"
        "os.environ.update({'X': '1'})\n"
    )
    assert environment_reads(source) == ([], [5])


def test_widget_origins_have_one_default_and_one_parser() -> None:
    default = load_settings({"WEB_PORT": "8099"})
    assert default.widget_origins == ("http://localhost:8099", "http://127.0.0.1:8099")
    assert Settings(web_port=8099).widget_origins == default.widget_origins
    configured = load_settings({"WIDGET_ORIGINS": " https://www.clinic.example/ ,, *"})
    assert configured.widget_origins == ("https://www.clinic.example", "*")
    # The socket.io channel and the history API read the same setting.
    assert allowed_origins({"WEB_PORT": "8099"}) == list(default.widget_origins)
    assert widget_origins(configured) == ["https://www.clinic.example"]  # never "*" there


def test_twilio_settings_default_once() -> None:
    settings = load_settings({})
    assert settings.twilio_auth_token == "" and settings.twilio_api_base == ""
    assert TwilioConfig.load(None, {}).api_base == DEFAULT_TWILIO_API_BASE
    assert TwilioConfig.load({"api_base": "https://yaml.example/"}, {}).api_base == (
        "https://yaml.example"
    )
    env = {"TWILIO_API_BASE": "https://env.example", "TWILIO_AUTH_TOKEN": " t "}
    config = TwilioConfig.load({"api_base": "https://yaml.example"}, env)
    assert config.api_base == "https://env.example" and config.auth_token == "t"


def test_sanic_backlog_setting() -> None:
    assert load_settings({}).sanic_backlog == 100
    assert load_settings({"SANIC_BACKLOG": "4096"}).sanic_backlog == 4096
