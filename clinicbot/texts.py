"""Patient-facing operational texts from ``knowledge/messages.yml``, filled with clinic facts.

The one loader code outside the knowledge base uses for a patient sentence (channels, console
hand-off events, the in-server NLG): the text lives in ``knowledge/`` where a clinician reviews
it, never as a Python literal (``tests/core/test_patient_text.py`` checks). The domain's
responses name their texts and button titles as ``"@name"`` references into the same file
(:func:`resolve_responses`; ``tests/core/test_domain_texts.py`` checks).
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from clinicbot.clinic import clinic_placeholders
from clinicbot.kb_files import KnowledgeError, load_messages
from clinicbot.paths import KNOWLEDGE_DIR

#: A domain response text that names a message: ``"@crisis"``.
REFERENCE = re.compile(r"^@([A-Za-z0-9_]+)$")
#: The domain's responses: name -> variants (``text``, ``buttons``, ``custom``, ``condition``).
Responses = dict[str, list[dict[str, Any]]]


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


def resolve(value: str) -> str:
    """The text a domain response names: ``"@name"`` becomes that message's template.

    Args:
        value: A response text or button title from the domain.

    Returns:
        The message template (clinic placeholders not yet filled); anything that is not a
        reference comes back unchanged.

    Raises:
        KnowledgeError: If the reference names no message (or the file cannot be read).
    """
    match = REFERENCE.match(value.strip())
    if match is None:
        return value
    try:
        return messages()[match.group(1)]
    except KeyError:
        raise KnowledgeError(
            f"messages.yml: no text {match.group(1)!r}, which domain.yml refers to as {value!r}"
        ) from None


def resolve_responses(responses: Responses) -> Responses:
    """The domain's responses with every ``"@name"`` text and button title filled in.

    Args:
        responses: The domain's responses (left unchanged).

    Returns:
        A copy with the references replaced by the templates of ``knowledge/messages.yml``.

    Raises:
        KnowledgeError: If a reference names no message.
    """
    resolved = copy.deepcopy(responses)
    for variants in resolved.values():
        for variant in variants:
            if isinstance(variant.get("text"), str):
                variant["text"] = resolve(variant["text"])
            for button in variant.get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("title"), str):
                    button["title"] = resolve(button["title"])
    return resolved
