"""Builds the project's spaCy pipeline from files in the repository (no model downloads).

The pipeline is ``spacy.blank("en")`` + a lookup lemmatizer (tables from the locally
installed ``spacy-lookups-data`` package) + an entity ruler for the medicines, substances
(alcohol, cannabis, recreational drugs) and conditions listed in ``knowledge/lexicon.yml``.
Rasa's ``SpacyNLP`` loads it from ``build/spacy/en_ketamine_clinic``. Run
``python -m clinicbot.spacy_build``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clinicbot.knowledge import ENTITY_LABELS, LEXICON_SECTIONS, Lexicon
from clinicbot.paths import KNOWLEDGE_DIR, SPACY_MODEL_DIR

LEXICON_FILE = KNOWLEDGE_DIR / "lexicon.yml"
STAMP_FILE = "clinic_build.json"
#: Lexicon section -> entity label (MEDICINE, SUBSTANCE, CONDITION).
LABELS = {section: ENTITY_LABELS[kind] for section, kind in LEXICON_SECTIONS.items()}


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, list[dict[str, Any]]]:
    """Reads the lexicon of medicines, substances and conditions.

    Args:
        path: The lexicon YAML file.

    Returns:
        ``{"medicines": [...], "substances": [...], "conditions": [...]}``, items with
        ``name``, ``kind`` and ``aliases``.

    """
    lexicon = Lexicon.load(path)
    return {
        section: [
            {"name": t.name, "kind": t.kind, "aliases": list(t.aliases)}
            for t in lexicon.of_type(entity_type)
        ]
        for section, entity_type in LEXICON_SECTIONS.items()
    }


@functools.lru_cache(maxsize=1)
def canonical_names() -> dict[str, str]:
    """Maps every lower-cased name and alias to the canonical name to say back."""
    names: dict[str, str] = {}
    for items in load_lexicon().values():
        for item in items:
            canonical = str(item["name"])
            for alias in [canonical, *item.get("aliases", [])]:
                names[str(alias).lower()] = canonical
    return names


def ruler_patterns(lexicon: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Turns the lexicon into entity-ruler phrase patterns.

    Args:
        lexicon: Output of :func:`load_lexicon`.

    Returns:
        Patterns with label and id (the canonical name).

    """
    patterns = []
    for key, label in LABELS.items():
        for item in lexicon[key]:
            for alias in [item["name"], *item.get("aliases", [])]:
                patterns.append({"label": label, "pattern": str(alias), "id": str(item["name"])})
    return patterns


def inputs_digest(path: Path = LEXICON_FILE) -> str:
    """Returns a digest of everything the pipeline is built from."""
    import spacy

    h = hashlib.sha256(path.read_bytes())
    h.update(spacy.__version__.encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def build(output: Path = SPACY_MODEL_DIR) -> Path:
    """Builds the pipeline and writes it to disk.

    Args:
        output: Target directory.

    Returns:
        The directory written.

    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data (installed, offline)
    ruler.add_patterns(ruler_patterns(load_lexicon()))  # type: ignore[attr-defined]
    nlp.meta["name"] = "ketamine_clinic"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "Blank English + lookup lemmatizer + medicine/substance/condition ruler"
    )
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    (output / STAMP_FILE).write_text(json.dumps({"digest": inputs_digest()}))
    return output


def is_current(output: Path = SPACY_MODEL_DIR) -> bool:
    """Tells whether the built pipeline matches the current inputs."""
    try:
        stamp = json.loads((output / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return False
    return bool(stamp.get("digest") == inputs_digest())


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the pipeline unless it is current (or ``--force``).

    Args:
        argv: Arguments (defaults to ``sys.argv``).

    Returns:
        Exit code.

    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    args = parser.parse_args(argv)
    if not args.force and is_current():
        print(f"spaCy pipeline is current: {SPACY_MODEL_DIR}")
        return 0
    path = build()
    print(f"Built spaCy pipeline at {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
