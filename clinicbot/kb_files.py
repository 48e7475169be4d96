"""Reading the knowledge folder's files: the one YAML reader, the error type and messages.yml.

Every text a clinician reviews lives under ``knowledge/``; this module reads those files for
the knowledge base, the clinic facts and the operational messages, so a broken file gives the
same clear :class:`KnowledgeError` (file name and what is wrong) wherever it is read.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml

from clinicbot.paths import KNOWLEDGE_DIR


class KnowledgeError(ValueError):
    """Raised when a knowledge-base file is missing or malformed."""


def read_yaml(path: Path) -> Any:
    """Reads one knowledge file.

    Args:
        path: The YAML file.

    Returns:
        The parsed content (None for an empty file).

    Raises:
        KnowledgeError: If the file is missing or not valid YAML.
    """
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path.name}: file not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def load_messages(directory: Path = KNOWLEDGE_DIR) -> dict[str, str]:
    """Reads the operational message templates (``messages.yml``).

    Args:
        directory: Knowledge directory.

    Returns:
        Templates by name.
    """
    raw = (read_yaml(directory / "messages.yml") or {}).get("messages") or {}
    return {str(k): str(v).strip() for k, v in raw.items()}


def placeholders_in(template: str) -> list[str]:
    """Lists the ``{names}`` a template uses.

    Args:
        template: A ``str.format`` template.

    Returns:
        The field names, in order.

    Raises:
        KnowledgeError: If the template has unbalanced braces.

    """
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise KnowledgeError(f"bad braces in template: {exc}") from exc
