"""Entity extraction measured: precision, recall and F1 per entity type, and time per message.

Scores trained Rasa models (NLU-only or full) on ``tests/nlu/entities.yml``: each message is
parsed by the model, its MEDICINE, SUBSTANCE and CONDITION entities are mapped to the
lexicon's canonical names (as the actions do, ``Lexicon.lookup``) and compared, as a set per
message, with the expected names. Run from the repository root (the pipeline's spaCy path is
relative)::

    python -m clinicbot.entity_eval                      # the current model (models/)
    python -m clinicbot.entity_eval --model a.tar.gz --model b.tar.gz
    python -m clinicbot.entity_eval --compare            # spaCy ruler vs Rasa's regex extractor

The time is the whole NLU parse per message (median and 95th percentile, after one warm-up
parse), so two models that differ only in their entity extractor differ by its cost.

``--compare`` trains two entity-only NLU models into a temporary folder (never ``models/``):
the shipped one (``SpacyNLP`` with the lexicon's entity ruler + ``SpacyEntityExtractor``) and
Rasa's ``RegexEntityExtractor`` with lookup tables + ``EntitySynonymMapper``, both generated from
``knowledge/lexicon.yml`` (one table per type, longest names first; the lexicon's aliases as
synonyms). The regex extractor only uses a lookup table named after an entity annotated in the
training data, so its variant trains on a copy of the NLU data with the lexicon's terms marked up.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from clinicbot.evaluation.stats import LabelScore, percentile, set_scores
from clinicbot.knowledge import ENTITY_LABELS, Lexicon
from clinicbot.paths import DATA_DIR, KNOWLEDGE_DIR, SPACY_MODEL_DIR, TESTS_DIR

ENTITY_SET = TESTS_DIR / "nlu" / "entities.yml"
#: The entity types scored, in report order.
TYPES = tuple(ENTITY_LABELS.values())
#: Label -> lexicon entity type (``MEDICINE`` -> ``medicine``).
LEXICON_TYPE = {label: kind for kind, label in ENTITY_LABELS.items()}

Found = dict[str, frozenset[str]]


@dataclass(frozen=True)
class Case:
    """One message of the set and the canonical names expected in it, by entity type."""

    text: str
    expected: Found


#: Precision, recall and F1 of one entity type (micro-averaged over its names).
TypeScore = LabelScore


def load_cases(path: Path = ENTITY_SET) -> list[Case]:
    """Reads the entity evaluation set.

    Args:
        path: The YAML file (``messages``: ``text`` and ``entities`` by type).

    Returns:
        The cases, in file order.

    Raises:
        ValueError: If the file's shape is wrong or it names an unknown entity type.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = raw.get("messages") if isinstance(raw, Mapping) else None
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path.name}: needs a non-empty 'messages' list")
    cases = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not str(item.get("text") or "").strip():
            raise ValueError(f"{path.name}: message {i} needs a text")
        entities = item.get("entities") or {}
        if not isinstance(entities, Mapping) or set(entities) - set(TYPES):
            raise ValueError(f"{path.name}: message {i}: entities must be a mapping of {TYPES}")
        expected = {str(t): frozenset(str(n) for n in names or []) for t, names in entities.items()}
        cases.append(Case(str(item["text"]), expected))
    return cases


def canonical(entities: Sequence[Mapping[str, Any]], lexicon: Lexicon) -> Found:
    """The canonical names of the scored entity types in a parse's entities.

    Args:
        entities: Rasa's ``entities`` of one message.
        lexicon: The lexicon that maps a value (name, alias) to its canonical name.

    Returns:
        Names by entity type; a value the lexicon does not know is kept as it is.
    """
    found: dict[str, set[str]] = {}
    for entity in entities:
        label, value = entity.get("entity"), entity.get("value")
        if label not in LEXICON_TYPE or not isinstance(value, str):
            continue
        term = lexicon.lookup(value, LEXICON_TYPE[label])
        found.setdefault(label, set()).add(term.name if term else value)
    return {label: frozenset(names) for label, names in found.items()}


def score(expected: Sequence[Found], predicted: Sequence[Found]) -> dict[str, TypeScore]:
    """Precision, recall and F1 per entity type and over all types (``ALL``).

    A predicted name counts as right when the same message expects that name with that type.

    Args:
        expected: Per message, the expected names by type.
        predicted: Per message, the found names by type (same order).

    Returns:
        Scores by entity type, plus ``ALL`` (micro average over every type and name).
    """
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted differ in length")

    def pairs(found: Found, types: Sequence[str]) -> set[tuple[str, str]]:
        return {(t, n) for t in types for n in found.get(t, ())}

    return {
        name: set_scores([pairs(e, types) for e in expected], [pairs(p, types) for p in predicted])
        for name, types in [*[(t, (t,)) for t in TYPES], ("ALL", TYPES)]
    }


def parse_with(model: Path, texts: Sequence[str]) -> tuple[list[list[dict[str, Any]]], list[float]]:
    """Parses messages with a trained Rasa model.

    Args:
        model: A model archive (``rasa train`` or ``rasa train nlu``).
        texts: The messages.

    Returns:
        The entities of each message, and each parse's time in milliseconds.
    """
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's parse debug lines carry the message text
    agent = Agent.load(str(model))

    async def run() -> tuple[list[list[dict[str, Any]]], list[float]]:
        await agent.parse_message("warm up")
        entities, times = [], []
        for text in texts:
            start = time.perf_counter()
            parse = await agent.parse_message(text)
            times.append((time.perf_counter() - start) * 1000)
            entities.append(list(parse.get("entities") or []))
        return entities, times

    return asyncio.run(run())


def report(
    model: Path, cases: Sequence[Case], lexicon: Lexicon, show_errors: bool = False
) -> str:
    """Scores one model on the set and formats the figures.

    Args:
        model: A model archive.
        cases: The evaluation set.
        lexicon: The lexicon (canonical names).
        show_errors: Also list the messages with a missed or a wrong entity.

    Returns:
        The report text.
    """
    entities, times = parse_with(model, [c.text for c in cases])
    predicted = [canonical(e, lexicon) for e in entities]
    scores = score([c.expected for c in cases], predicted)
    lines = [f"{model.name}: {len(cases)} messages"]
    lines.append(f"  {'type':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    for name, s in scores.items():
        lines.append(
            f"  {name:<10} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}"
        )
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    lines.append(f"  NLU parse per message: median {p50:.1f} ms, p95 {p95:.1f} ms")
    if show_errors:
        for case, found in zip(cases, predicted, strict=True):
            want = {k: sorted(v) for k, v in case.expected.items() if v}
            got = {k: sorted(v) for k, v in found.items() if v}
            if want != got:
                lines.append(f"  - {case.text!r}: expected {want}, found {got}")
    return "\n".join(lines)


#: The entity-only pipelines compared by ``--compare`` (``{spacy}`` is the pipeline folder).
PIPELINES = {
    "ruler": """
  - name: SpacyNLP
    model: {spacy}
  - name: SpacyTokenizer
  - name: SpacyEntityExtractor
    dimensions: ["MEDICINE", "SUBSTANCE", "CONDITION"]
""",
    "regex": """
  - name: SpacyNLP
    model: {spacy}
  - name: SpacyTokenizer
  - name: RegexEntityExtractor
    use_lookup_tables: true
    use_regexes: false
    use_word_boundaries: true
    case_sensitive: false
  - name: EntitySynonymMapper
""",
}


def term_pattern(lexicon: Lexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    """One case-insensitive pattern for every lexicon name and alias, longest first.

    Args:
        lexicon: The lexicon.

    Returns:
        The pattern, and the entity label of each lower-cased name or alias.
    """
    labels = {
        spelling.lower(): ENTITY_LABELS[term.type]
        for term in lexicon.terms
        for spelling in (term.name, *term.aliases)
    }
    longest_first = sorted(labels, key=lambda s: (-len(s), s))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, longest_first)) + r")\b", re.I), labels


def regex_training_data(lexicon: Lexicon, data_dir: Path = DATA_DIR) -> Any:
    """The NLU data with lexicon terms annotated, plus the lookup tables and synonyms.

    Args:
        lexicon: The lexicon the tables, synonyms and annotations come from.
        data_dir: The project's training data.

    Returns:
        Rasa ``TrainingData`` for the regex variant.
    """
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData().merge(
        *(load_data(path) for path in sorted(get_data_files([str(data_dir)], is_nlu_file)))
    )
    pattern, labels = term_pattern(lexicon)
    for message in data.training_examples:
        text = message.get("text") or ""
        entities = [
            {
                "start": m.start(),
                "end": m.end(),
                "value": m.group(0),
                "entity": labels[m.group(0).lower()],
            }
            for m in pattern.finditer(text)
        ]
        if entities:
            message.set("entities", entities)
    tables: dict[str, list[str]] = {}
    synonyms: dict[str, str] = {}
    for term in lexicon.terms:
        for spelling in (term.name, *term.aliases):
            tables.setdefault(ENTITY_LABELS[term.type], []).append(spelling)
            if spelling != term.name:
                synonyms[spelling] = term.name
    lookup_tables = [
        {"name": label, "elements": sorted(set(names), key=lambda s: (-len(s), s))}
        for label, names in tables.items()
    ]
    extra = TrainingData(entity_synonyms=synonyms, lookup_tables=lookup_tables)
    return data.merge(extra)


def train_variants(workdir: Path, lexicon: Lexicon) -> list[Path]:
    """Trains the two entity-only NLU models of ``--compare`` into ``workdir``.

    Args:
        workdir: A scratch folder (models, data and configs go there).
        lexicon: The lexicon.

    Returns:
        The model archives: ruler, then regex.
    """
    import spacy
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    from clinicbot import spacy_build

    if not spacy_build.is_current():
        spacy_build.build()
    plain = workdir / "spacy_without_ruler"
    nlp = spacy.load(SPACY_MODEL_DIR)
    nlp.remove_pipe("entity_ruler")
    nlp.to_disk(plain)
    regex_data = workdir / "data_regex"
    regex_data.mkdir(parents=True, exist_ok=True)
    (regex_data / "nlu.yml").write_text(
        RasaYAMLWriter().dumps(regex_training_data(lexicon)), encoding="utf-8"
    )
    models = []
    for name, spacy_dir, data in (
        ("ruler", SPACY_MODEL_DIR, DATA_DIR),
        ("regex", plain, regex_data),
    ):
        config = workdir / f"config_{name}.yml"
        config.write_text(
            "recipe: default.v1\nassistant_id: entity-eval\nlanguage: en\npipeline:"
            + PIPELINES[name].format(spacy=spacy_dir)
            + "policies: []\n",
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config)]
        command += ["--nlu", str(data), "--out", str(workdir), "--fixed-model-name", name]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        models.append(workdir / f"{name}.tar.gz")
    return models


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: score one or more models on the entity set.

    Args:
        argv: Arguments (defaults to ``sys.argv``).

    Returns:
        Exit code (1 if there is no model to score).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", help="model archive (repeatable)")
    parser.add_argument("--set", type=Path, default=ENTITY_SET, help="evaluation set")
    parser.add_argument("--errors", action="store_true", help="list the messages scored wrong")
    parser.add_argument(
        "--compare", action="store_true", help="train and score the ruler and regex variants"
    )
    args = parser.parse_args(argv)
    cases = load_cases(args.set)
    lexicon = Lexicon.load(KNOWLEDGE_DIR / "lexicon.yml")
    if args.compare:
        with tempfile.TemporaryDirectory(prefix="entity-eval-") as workdir:
            print(f"Entity set: {args.set} ({len(cases)} messages)")
            for model in train_variants(Path(workdir), lexicon):
                print(report(model, cases, lexicon, show_errors=args.errors))
        return 0
    models: list[Path] = args.model or []
    if not models:
        from clinicbot.run import current_model

        current = current_model()
        if current is None:
            print("No model matches the current inputs: run `make train` or pass --model.")
            return 1
        models = [current]
    print(f"Entity set: {args.set} ({len(cases)} messages)")
    for model in models:
        print(report(model, cases, lexicon, show_errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
