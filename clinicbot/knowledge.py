"""The curated knowledge base: reviewed, cited answers plus the clinic's own facts.

Answers live in ``knowledge/<area>.yml``; citations in ``knowledge/references.yml``; clinic
facts (name, phone, hours, prices) in ``knowledge/clinic.yml``. Answers refer to clinic facts
through ``{placeholders}`` so no clinic fact is written twice.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinicbot.clinic import WEEKDAYS, ClinicConfig
from clinicbot.kb_files import KnowledgeError, load_messages, placeholders_in, read_yaml
from clinicbot.paths import KNOWLEDGE_DIR

__all__ = [
    "WEEKDAYS",
    "ClinicConfig",
    "KnowledgeError",
    "load_messages",
    "placeholders_in",
]

AREAS = ("mechanism", "safety", "eligibility", "process", "logistics")
SMS_MAX_CHARS = 320

#: Entity types the lexicon knows, with the NLU entity label the spaCy ruler gives them.
ENTITY_LABELS = {"medicine": "MEDICINE", "substance": "SUBSTANCE", "condition": "CONDITION"}
#: Lexicon section holding each entity type.
LEXICON_SECTIONS = {"medicines": "medicine", "substances": "substance", "conditions": "condition"}
#: The kinds of each entity type. Each kind has its own reviewed sentence, because the right
#: thing to say differs: "keep taking your sertraline" would be wrong for cannabis, and what
#: fits depression (a possible use) is wrong for psychosis (a reason for caution or exclusion).
ENTITY_KINDS: dict[str, tuple[str, ...]] = {
    "medicine": ("medicine",),
    "substance": ("alcohol", "recreational"),
    "condition": ("possible_indication", "caution", "exclusion"),
}
#: An entry's ``entity_templates`` value that means "use the lexicon's reviewed sentences".
USE_LEXICON = "lexicon"


def intent_for(topic_id: str) -> str:
    """Returns the NLU intent that asks about a topic (``a.b`` -> ``kb_a_b``).

    Args:
        topic_id: Knowledge-base topic id.

    Returns:
        The intent name.

    """
    return "kb_" + topic_id.replace(".", "_")


def join_names(names: list[str]) -> str:
    """Joins names as ``a``, ``a and b`` or ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Entry:
    """One reviewed knowledge-base answer.

    Attributes:
        id: Topic id, ``area.topic``.
        title: Short title (used for buttons).
        answer: Patient-facing answer template (may hold clinic placeholders).
        sms: Short SMS template (at most 320 characters once rendered).
        sources: Reference keys (see ``references.yml``).
        reviewed_by: Who reviewed the entry.
        last_reviewed: Date of the last review.
        related: Related topic ids.
        followups: Where follow-up questions lead (``duration``, ``risks``, ``more``).
        entity_templates: Reviewed sentences that name a recognised entity, by entity type:
            ``"lexicon"`` (the lexicon's sentence for the entity's kind), one sentence (only
            for types with a single kind) or a mapping of kind to sentence.
        clinic_specific: Whether the facts come from the clinic configuration.
        review_notes: Notes for the medical director's review (shown on the review sheet).

    """

    id: str
    title: str
    answer: str
    sms: str
    sources: tuple[str, ...]
    reviewed_by: str
    last_reviewed: dt.date | None
    related: tuple[str, ...] = ()
    followups: Mapping[str, str] = field(default_factory=dict)
    entity_templates: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    clinic_specific: bool = False
    review_notes: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        """The area prefix of the id."""
        return self.id.split(".", 1)[0]

    @property
    def intent(self) -> str:
        """The NLU intent that reaches this entry."""
        return intent_for(self.id)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], origin: str) -> Entry:
        """Builds an entry from its YAML mapping.

        Args:
            raw: The mapping.
            origin: File name for error messages.

        Returns:
            The entry.

        Raises:
            KnowledgeError: If a required field is missing or of the wrong type.

        """
        missing = [k for k in ("id", "title", "answer", "sms") if not raw.get(k)]
        if missing:
            raise KnowledgeError(f"{origin}: entry {raw.get('id', '?')} lacks {missing}")
        reviewed = raw.get("last_reviewed")
        if isinstance(reviewed, str):
            try:
                reviewed = dt.date.fromisoformat(reviewed)
            except ValueError as exc:
                raise KnowledgeError(f"{origin}: {raw['id']}: bad last_reviewed") from exc
        if reviewed is not None and not isinstance(reviewed, dt.date):
            raise KnowledgeError(f"{origin}: {raw['id']}: bad last_reviewed")
        return cls(
            id=str(raw["id"]),
            title=str(raw["title"]).strip(),
            answer=str(raw["answer"]).strip(),
            sms=str(raw["sms"]).strip(),
            sources=tuple(str(s) for s in raw.get("sources") or ()),
            reviewed_by=str(raw.get("reviewed_by") or ""),
            last_reviewed=reviewed,
            related=tuple(str(s) for s in raw.get("related") or ()),
            followups={str(k): str(v) for k, v in (raw.get("followups") or {}).items()},
            entity_templates=_entity_templates(raw.get("entity_templates"), origin, raw["id"]),
            clinic_specific=bool(raw.get("clinic_specific", False)),
            review_notes=_notes(raw.get("review_notes")),
        )


def _notes(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw.strip(),)
    return tuple(" ".join(str(n).split()) for n in raw)


def _entity_templates(raw: Any, origin: str, topic: Any) -> dict[str, str | Mapping[str, str]]:
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"{origin}: {topic}: entity_templates must be a mapping")
    out: dict[str, str | Mapping[str, str]] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):
            out[str(key)] = {str(k): " ".join(str(v).split()) for k, v in value.items()}
        else:
            out[str(key)] = " ".join(str(value).split())
    return out


def _sentences_by_kind(block: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    sentences: dict[str, dict[str, str]] = {}
    for entity_type, kinds in ENTITY_KINDS.items():
        value = block.get(entity_type)
        if isinstance(value, Mapping):
            sentences[entity_type] = {str(k): " ".join(str(v).split()) for k, v in value.items()}
        elif value:
            sentences[entity_type] = {k: " ".join(str(value).split()) for k in kinds}
    return sentences


@dataclass(frozen=True)
class Term:
    """A medicine, substance or condition the entity ruler recognises.

    Attributes:
        name: What the assistant says back.
        type: ``medicine``, ``substance`` or ``condition``.
        kind: One of :data:`ENTITY_KINDS` for the type (empty when the lexicon gives none).
        aliases: Other spellings, brand names and common misspellings.
    """

    name: str
    type: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """The entity lexicon (``knowledge/lexicon.yml``): terms plus reviewed sentences per kind.

    Attributes:
        terms: Every term, in file order.
        sentences: Reviewed sentence templates by entity type and kind.
        sms_sentences: Short versions of the same, by entity type and kind, for SMS.
        reviewed_by: Who reviewed the sentences.
        last_reviewed: Date of their last review.
    """

    terms: tuple[Term, ...] = ()
    sentences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    sms_sentences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    reviewed_by: str = ""
    last_reviewed: dt.date | None = None

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Reads a lexicon file.

        Args:
            path: The YAML file.

        Returns:
            The lexicon.

        Raises:
            KnowledgeError: On a missing file, bad YAML or a term without a name.
        """
        raw = read_yaml(path) or {}
        terms = []
        for section, entity_type in LEXICON_SECTIONS.items():
            for item in raw.get(section) or []:
                if not isinstance(item, Mapping) or not item.get("name"):
                    raise KnowledgeError(f"{path.name}: every {section} item needs a name")
                kinds = ENTITY_KINDS[entity_type]
                default_kind = kinds[0] if len(kinds) == 1 else ""
                terms.append(
                    Term(
                        name=str(item["name"]),
                        type=entity_type,
                        kind=str(item.get("kind") or default_kind),
                        aliases=tuple(str(a) for a in item.get("aliases") or ()),
                    )
                )
        block = raw.get("sentences") or {}
        sentences = _sentences_by_kind(block)
        sms_sentences = _sentences_by_kind(raw.get("sms_sentences") or {})
        reviewed = block.get("last_reviewed")
        if isinstance(reviewed, str):
            try:
                reviewed = dt.date.fromisoformat(reviewed)
            except ValueError as exc:
                raise KnowledgeError(f"{path.name}: bad sentences.last_reviewed") from exc
        return cls(
            terms=tuple(terms),
            sentences=sentences,
            sms_sentences=sms_sentences,
            reviewed_by=str(block.get("reviewed_by") or ""),
            last_reviewed=reviewed if isinstance(reviewed, dt.date) else None,
        )

    def of_type(self, entity_type: str) -> list[Term]:
        """Returns the terms of one entity type, in file order."""
        return [t for t in self.terms if t.type == entity_type]

    def lookup(self, text: str, entity_type: str | None = None) -> Term | None:
        """Finds the term a name or alias stands for (case-insensitive).

        Args:
            text: What the entity extractor found.
            entity_type: Restrict the search to one type.

        Returns:
            The term, or None.
        """
        wanted = text.strip().lower()
        for term in self.terms:
            if entity_type and term.type != entity_type:
                continue
            if wanted == term.name.lower() or wanted in (a.lower() for a in term.aliases):
                return term
        return None


class KnowledgeBase:
    """All entries, references and clinic facts, loaded from a knowledge directory.

    Args:
        entries: Entries by id.
        references: Full citations by key.
        clinic: Clinic configuration.
        files: The area files the entries came from (for messages).
        messages: Operational message templates (``messages.yml``).
        lexicon: Entity lexicon with its reviewed sentences (``lexicon.yml``).
    """

    def __init__(
        self,
        entries: dict[str, Entry],
        references: dict[str, str],
        clinic: ClinicConfig,
        files: tuple[Path, ...] = (),
        messages: dict[str, str] | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        """Holds already-parsed knowledge."""
        self.messages = dict(messages or {})
        self.lexicon = lexicon or Lexicon()
        self.entries = entries
        self.references = references
        self.clinic = clinic
        self.files = files
        self._by_intent = {e.intent: e for e in entries.values()}
        self._values = clinic.placeholders()

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
        """Reads the knowledge directory.

        Args:
            directory: Folder holding the area files, references.yml and clinic.yml.

        Returns:
            The knowledge base.

        Raises:
            KnowledgeError: On missing files, malformed YAML or duplicate ids.

        """
        entries: dict[str, Entry] = {}
        files = []
        for area in AREAS:
            path = directory / f"{area}.yml"
            files.append(path)
            doc = read_yaml(path) or {}
            for raw in doc.get("entries") or []:
                if not isinstance(raw, dict):
                    raise KnowledgeError(f"{path.name}: every entry must be a mapping")
                entry = Entry.from_dict(raw, path.name)
                if entry.id in entries:
                    raise KnowledgeError(f"{path.name}: duplicate topic id {entry.id}")
                entries[entry.id] = entry
        refs = (read_yaml(directory / "references.yml") or {}).get("references") or {}
        clinic = ClinicConfig.from_file(directory / "clinic.yml")
        messages = load_messages(directory)
        references = {str(k): str(v) for k, v in refs.items()}
        lexicon = Lexicon.load(directory / "lexicon.yml")
        return cls(entries, references, clinic, tuple(files), messages, lexicon)

    def get(self, topic_id: str) -> Entry | None:
        """Returns the entry with an id, if any."""
        return self.entries.get(topic_id)

    def by_intent(self, intent: str | None) -> Entry | None:
        """Returns the entry an intent reaches, if any."""
        return self._by_intent.get(intent or "")

    def citations(self, entry: Entry) -> list[str]:
        """Returns the full citations of an entry, in order."""
        return [self.references[k] for k in entry.sources if k in self.references]

    def fill(self, template: str, **extra: str) -> str:
        """Fills clinic placeholders (and any extra values) into a template.

        Args:
            template: Text with ``{placeholders}``.
            **extra: Additional values, such as ``medicine``.

        Returns:
            The rendered text.

        """
        return template.format_map({**self._values, **extra})

    def message(self, name: str, **extra: str) -> str:
        """Renders an operational message from ``messages.yml``.

        Args:
            name: Message name, such as ``disclaimer``.
            **extra: Values beyond the clinic's, such as ``next_opening``.

        Returns:
            The text.

        Raises:
            KeyError: If there is no such message.
        """
        return self.fill(self.messages[name], **extra)

    def render(self, entry: Entry, sms: bool = False) -> str:
        """Renders an entry's answer (or its SMS version) for a patient.

        Args:
            entry: The entry.
            sms: Whether to use the short SMS version.

        Returns:
            The text with clinic facts filled in.

        """
        return self.fill(entry.sms if sms else entry.answer)

    def entity_template(
        self, entry: Entry, entity_type: str, kind: str, sms: bool = False
    ) -> str | None:
        """Returns the reviewed sentence an entry uses for one kind of entity.

        Args:
            entry: The entry answered.
            entity_type: ``medicine``, ``substance`` or ``condition``.
            kind: The term's kind.
            sms: Whether the answer goes out by SMS: the lexicon's short sentence for the
                kind is used then, if it has one (it fits the SMS segment budget).

        Returns:
            The template (with a ``{medicine}``/``{substance}``/``{condition}`` placeholder),
            or None when the entry says nothing about that type or kind.
        """
        spec = entry.entity_templates.get(entity_type)
        if spec is None:
            return None
        short = self.lexicon.sms_sentences.get(entity_type, {}).get(kind)
        if sms and short:
            return short
        if spec == USE_LEXICON:
            return self.lexicon.sentences.get(entity_type, {}).get(kind)
        if isinstance(spec, str):
            return spec if len(ENTITY_KINDS.get(entity_type, ())) == 1 else None
        return spec.get(kind)

    def entity_sentences(
        self, entry: Entry, found: Mapping[str, list[str]], sms: bool = False
    ) -> list[str]:
        """Renders the reviewed sentences for the entities a patient named.

        Terms of the same type and kind share one sentence ("alcohol and cannabis"); each
        kind gets its own, so a possible use and a reason for caution are never mixed up.

        Args:
            entry: The entry answered.
            found: Entity values the NLU found, by entity type (``medicine``, ...).
            sms: Whether the answer goes out by SMS (short sentences).

        Returns:
            The sentences, in type order (medicine, substance, condition).
        """
        sentences = []
        for entity_type in ENTITY_KINDS:
            by_kind: dict[str, list[str]] = {}
            for value in found.get(entity_type) or []:
                term = self.lexicon.lookup(value, entity_type)
                kinds = ENTITY_KINDS[entity_type]
                name = term.name if term else value
                kind = term.kind if term else (kinds[0] if len(kinds) == 1 else "")
                if name not in by_kind.setdefault(kind, []):
                    by_kind[kind].append(name)
            for kind, names in by_kind.items():
                template = self.entity_template(entry, entity_type, kind, sms=sms)
                if template:
                    sentences.append(self.fill(template, **{entity_type: join_names(names)}))
        return sentences


@functools.lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """Loads (once per process) the knowledge base shipped with the project."""
    return KnowledgeBase.load(KNOWLEDGE_DIR)
