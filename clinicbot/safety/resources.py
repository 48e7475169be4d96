"""Lazy, cached access to the safety layer's data file ``patterns.yml``.

The file sits next to this module and is read on first use only (never at import time), so
importing the package costs no I/O.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

PATTERNS_FILE = Path(__file__).resolve().parent / "patterns.yml"


@functools.lru_cache(maxsize=8)
def load_resources(path: str | None = None) -> dict[str, Any]:
    """Loads and caches the safety data file.

    Args:
        path: Optional path of an alternative data file (tests); ``None`` means the
            packaged ``patterns.yml``.

    Returns:
        The parsed YAML mapping.

    Raises:
        OSError: If the file cannot be read.
        ValueError: If the file does not hold a mapping.
    """
    file = Path(path) if path else PATTERNS_FILE
    with file.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{file.name} must contain a mapping")
    return data
