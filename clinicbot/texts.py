"""Patient-facing operational texts from ``knowledge/messages.yml``, filled with clinic facts.

The one loader code outside the knowledge base uses for a patient sentence (channels, console
hand-off events, the in-server NLG): the text lives in ``knowledge/`` where a clinician reviews
it, never as a Python literal (``tests/core/test_patient_text.py`` checks).
"""

from __future__ import annotations

import functools

from clinicbot.clinic import clinic_placeholders
from clinicbot.kb_files import load_messages
from clinicbot.paths import KNOWLEDGE_DIR


@functools.lru_cache(maxsize=1)
def messages() -> dict[str, str]:
    """The message templates of ``knowledge/messages.yml``, read once per process.

    Returns:
        Templates by name.

    Raises:
        KnowledgeError: If the file is missing or not valid YAML.
    """
    return load_messages(KNOWLEDGE_DIR)


def text(name: str, **extra: str) -> str:
    """Renders one message with the clinic's facts and any extra values.

    Args:
        name: The message name in ``messages.yml``.
        **extra: Values beyond the clinic's, such as ``staff_name``.

    Returns:
        The text.

    Raises:
        KeyError: If there is no such message (or it needs a value that was not given).
        KnowledgeError: If the file cannot be read.
    """
    return messages()[name].format_map({**clinic_placeholders(), **extra})


def reload_texts() -> None:
    """Drops the cached messages, so the next use reads the file again."""
    messages.cache_clear()
