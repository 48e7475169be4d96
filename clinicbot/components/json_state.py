"""Model state as JSON files: written without NaN or Infinity, read back refusing them.

Trained components and the text classifier persist through these two functions, never
through pickle or joblib (unpickling a model file can run arbitrary code; Rasa 3.6.21 patched
exactly such a hole).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class StateFormatError(ValueError):
    """Raised when a persisted state file is missing, malformed or inconsistent."""


def write_json(path: Path, data: Any) -> Path:
    """Writes JSON data to a file (UTF-8, compact; NaN and Infinity are refused).

    Args:
        path: The file to write.
        data: Plain lists, dicts, strings and finite numbers.

    Returns:
        The path written.
    """
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return path


def _reject_constant(name: str) -> float:
    """Refuses NaN and Infinity in JSON (never a valid state)."""
    raise StateFormatError(f"invalid number {name} in a state file")


def read_json(path: Path) -> Any:
    """Reads a JSON file written by ``write_json``.

    Args:
        path: The file.

    Returns:
        The decoded data.

    Raises:
        StateFormatError: If the file cannot be read, is not valid JSON or holds NaN or
            Infinity.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle, parse_constant=_reject_constant)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StateFormatError(f"cannot read {path.name}: {error}") from error


def loads(text: str) -> Any:
    """Decodes JSON text the way ``read_json`` does (NaN and Infinity refused).

    Args:
        text: The JSON text.

    Returns:
        The decoded data.

    Raises:
        StateFormatError: If the text is not valid JSON or holds NaN or Infinity.
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise StateFormatError(f"not valid JSON: {error}") from error
