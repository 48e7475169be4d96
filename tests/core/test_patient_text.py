"""Patient-facing sentences live under knowledge/, not as Python literals (issue 13).

A heuristic scan of actions/, clinicbot/channels/ and clinicbot/console/: a string literal (or
the literal parts of an f-string) that reads like a sentence sent to a person (starts with a
capital, at least four words, ends with . ! or ?) fails the test unless it is in the allow-list
below, each entry with its reason. Docstrings and exception messages are not scanned.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from clinicbot.paths import REPO_ROOT
from clinicbot.texts import messages, text

SCANNED = ("actions", "clinicbot/channels", "clinicbot/console")
SENTENCE = re.compile(r"^[A-Z\"'][^\n]*[.!?]$")

#: (file, start of the literal): why it may stay in Python.
ALLOWED = {
    # The console's pages and flash messages are read by clinic staff, not patients.
    ("clinicbot/console/common.py", ""): "staff-facing console flash messages",
    ("clinicbot/console/auth_routes.py", ""): "staff-facing sign-in errors",
    ("clinicbot/console/insights.py", ""): "staff-facing form errors",
    ("clinicbot/console/security.py", ""): "staff-facing access errors",
    # Sent only when knowledge/messages.yml itself cannot be read: the urgent numbers must go out.
    ("clinicbot/channels/common.py", "Sorry, something went wrong. If"): "last-resort fallback",
}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr):
            out.add(id(node.body[0].value))
    return out


def _raised(tree: ast.AST) -> set[int]:
    return {id(n) for r in ast.walk(tree) if isinstance(r, ast.Raise) for n in ast.walk(r)}


def sentence_literals(path: Path) -> list[tuple[int, str]]:
    """The sentence-like string literals of one module (line, text)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _raised(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            value = "".join(
                str(p.value) if isinstance(p, ast.Constant) else "X" for p in node.values
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
        else:
            continue
        value = " ".join(value.split())
        if len(value.split()) >= 4 and SENTENCE.match(value):
            found.append((node.lineno, value))
    return found


def _allowed(rel: str, value: str) -> bool:
    return any(rel == f and value.startswith(start) for f, start in ALLOWED)


def test_no_patient_sentence_is_a_python_literal() -> None:
    offenders = []
    for folder in SCANNED:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            rel = path.relative_to(REPO_ROOT).as_posix()
            for line, value in sentence_literals(path):
                if not _allowed(rel, value):
                    offenders.append(f"{rel}:{line}: {value[:80]!r}")
    assert not offenders, "move these texts to knowledge/messages.yml:\n" + "\n".join(offenders)


def test_the_scan_finds_a_patient_sentence(tmp_path: Path) -> None:
    module = tmp_path / "channel.py"
    module.write_text(
        '"""Docstring: This is not scanned at all."""\n'
        'REPLY = "Sorry, we could not read that. Please try again."\n'
        "def f(name):\n"
        '    return f"Welcome back to {name}, text us any time."\n'
        "def g():\n"
        '    raise ValueError("This error is for developers only.")\n'
        'KEY = "sms_help"\n',
        encoding="utf-8",
    )
    assert [line for line, _ in sentence_literals(module)] == [2, 4]


def test_the_moved_texts_keep_their_wording() -> None:
    assert text("media_only") == "Sorry, I can only read text messages. Please type your question."
    assert text("staff_joined", staff_name="Sam") == "Sam from the clinic team has joined the chat."
    assert text("sms_help_no_phone", sms_clinic_name="Riverbend") == (
        "Riverbend. Reply STOP to opt out. In a crisis call or text 988; emergencies 911."
    )
    assert "failure" in messages() and "back_to_bot" in messages()
