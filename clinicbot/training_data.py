"""The one reader of Rasa NLU YAML examples: Rasa's own loader, entity markup read as Rasa reads it.

``- can I take [aspirin](MEDICINE) with it`` comes back as the plain text the model sees
(``can I take aspirin with it``), whichever caller asks (evaluation, safety sets, insights).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

Example = Tuple[str, str]


@lru_cache(maxsize=256)
def _read(path: str, mtime_ns: int, size: int) -> Tuple[Example, ...]:
    del mtime_ns, size  # part of the cache key only: an edited file is read again
    data = RasaYAMLReader().read(path)
    pairs = []
    for message in data.training_examples:
        text, intent = message.get("text"), message.get("intent")
        if text and intent:
            pairs.append((str(text), str(intent)))
    return tuple(pairs)


def read_examples(path: str | Path) -> List[Example]:
    """Reads ``(text, intent)`` pairs from one Rasa NLU YAML file with Rasa's loader.

    Args:
        path: The file (``version: "3.1"`` with an ``nlu:`` list).

    Returns:
        The pairs in file order; entity markup is removed (``[aspirin](MEDICINE)`` is ``aspirin``).

    Raises:
        ValueError: If the file cannot be read or is not valid Rasa NLU data.
    """
    file = Path(path)
    try:
        stat = file.stat()
        return list(_read(str(file), stat.st_mtime_ns, stat.st_size))
    except ValueError:
        raise
    except Exception as exc:  # Rasa raises its own YAML and schema errors
        raise ValueError(f"cannot read NLU data {file}: {exc}") from exc


def is_nlu_file(path: str | Path) -> bool:
    """Whether a file holds Rasa NLU examples (an ``nlu:`` key), as Rasa decides it."""
    return bool(RasaYAMLReader.is_yaml_nlu_file(Path(path)))


def read_folder(folder: str | Path) -> List[Example]:
    """Reads every NLU file under a folder (stories, rules and domain files are skipped).

    Args:
        folder: The training data folder.

    Returns:
        The pairs, files in sorted order (``*.yml`` then ``*.yaml``).
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    files = sorted(root.rglob("*.yml")) + sorted(root.rglob("*.yaml"))
    out: List[Example] = []
    for file in files:
        if is_nlu_file(file):
            out.extend(read_examples(file))
    return out
