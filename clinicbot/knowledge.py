"""The curated knowledge base: reviewed, cited answers plus the clinic's own facts.

Answers live in ``knowledge/<area>.yml``; citations in ``knowledge/references.yml``; clinic
facts (name, phone, hours, prices) in ``knowledge/clinic.yml``. Answers refer to clinic facts
through ``{placeholders}`` so no clinic fact is written twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from clinicbot.paths import KNOWLEDGE_DIR

AREAS = ("mechanism", "safety", "eligibility", "process", "logistics")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SMS_MAX_CHARS = 320


class KnowledgeError(ValueError):
    """Raised when a knowledge-base file is missing or malformed."""


def intent_for(topic_id: str) -> str:
    """Returns the NLU intent that asks about a topic (``a.b`` -> ``kb_a_b``).

    Args:
        topic_id: Knowledge-base topic id.

    Returns:
        The intent name.

    """
    return "kb_" + topic_id.replace(".", "_")


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: not valid YAML: {exc}") from exc


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
        entity_templates: Reviewed sentences that name a recognised entity.
        clinic_specific: Whether the facts come from the clinic configuration.

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
    entity_templates: Mapping[str, str] = field(default_factory=dict)
    clinic_specific: bool = False

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
            entity_templates={
                str(k): str(v) for k, v in (raw.get("entity_templates") or {}).items()
            },
            clinic_specific=bool(raw.get("clinic_specific", False)),
        )


def _time_label(hhmm: str) -> str:
    t = dt.datetime.strptime(hhmm, "%H:%M")
    return t.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")


class ClinicConfig:
    """The clinic's own facts (``knowledge/clinic.yml``).

    Args:
        raw: The parsed YAML mapping.

    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        """Wraps the parsed configuration."""
        self.raw = dict(raw)
        self.tz = ZoneInfo(str(self.raw.get("timezone", "UTC")))

    @property
    def sample(self) -> bool:
        """Whether the configuration still holds the sample (demo) values."""
        return bool(self.raw.get("sample", False))

    def get(self, key: str, default: Any = None) -> Any:
        """Returns a raw configuration value.

        Args:
            key: Top-level key.
            default: Value when the key is absent.

        Returns:
            The value.

        """
        return self.raw.get(key, default)

    def _hours(self) -> dict[str, tuple[dt.time, dt.time] | None]:
        hours: dict[str, tuple[dt.time, dt.time] | None] = {}
        for day in WEEKDAYS:
            span = (self.raw.get("hours") or {}).get(day)
            if span:
                start, end = (dt.time.fromisoformat(str(s)) for s in span)
                hours[day] = (start, end)
            else:
                hours[day] = None
        return hours

    def hours_text(self) -> str:
        """Returns opening hours as one readable line, consecutive equal days grouped."""
        raw_hours = self.raw.get("hours") or {}
        groups: list[tuple[list[str], Any]] = []
        for day in WEEKDAYS:
            span = raw_hours.get(day)
            if groups and groups[-1][1] == span:
                groups[-1][0].append(day)
            else:
                groups.append(([day], span))
        parts = []
        for days, span in groups:
            name = (
                days[0][:3].title()
                if len(days) == 1
                else (f"{days[0][:3].title()}-{days[-1][:3].title()}")
            )
            when = f"{_time_label(span[0])}-{_time_label(span[1])}" if span else "closed"
            parts.append(f"{name} {when}")
        zone = self.tz.key.split("/")[-1].replace("_", " ")
        return "; ".join(parts) + f" ({zone} time)"

    def is_open(self, now: dt.datetime) -> bool:
        """Tells whether the clinic is open at a moment.

        Args:
            now: An aware datetime.

        Returns:
            True inside opening hours.

        """
        local = now.astimezone(self.tz)
        span = self._hours()[WEEKDAYS[local.weekday()]]
        return bool(span and span[0] <= local.time() < span[1])

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """Returns the next moment the clinic opens (``now`` itself if open).

        Args:
            now: An aware datetime.

        Returns:
            An aware datetime in the clinic's time zone, or None if it never opens.

        """
        if self.is_open(now):
            return now.astimezone(self.tz)
        local = now.astimezone(self.tz)
        hours = self._hours()
        for offset in range(0, 8):
            day = local.date() + dt.timedelta(days=offset)
            span = hours[WEEKDAYS[day.weekday()]]
            if not span:
                continue
            opening = dt.datetime.combine(day, span[0], tzinfo=self.tz)
            if opening > local:
                return opening
        return None

    def placeholders(self) -> dict[str, str]:
        """Returns the values answers may use as ``{placeholder}``."""
        prices = self.raw.get("prices") or {}
        providers = "; ".join(
            f"{p.get('name')} ({p.get('role')})" for p in self.raw.get("providers") or []
        )

        def money(key: str) -> str:
            value = prices.get(key)
            return f"${value:,}" if isinstance(value, (int, float)) else str(value or "")

        return {
            "clinic_name": str(self.raw.get("name", "")),
            "clinic_phone": str(self.raw.get("phone", "")),
            "clinic_sms": str(self.raw.get("sms_number", "")),
            "clinic_email": str(self.raw.get("email", "")),
            "clinic_website": str(self.raw.get("website", "")),
            "booking_url": str(self.raw.get("booking_url", "")),
            "clinic_address": str(self.raw.get("address", "")),
            "clinic_parking": str(self.raw.get("parking", "")),
            "clinic_hours": self.hours_text(),
            "price_consultation": money("consultation"),
            "price_infusion": money("infusion"),
            "price_series": money("series_of_six"),
            "insurance_policy": str(self.raw.get("insurance", "")).strip(),
            "cancellation_policy": str(self.raw.get("cancellation_policy", "")),
            "minimum_age": str(self.raw.get("minimum_age", 18)),
            "routes_offered": str(self.raw.get("routes_offered", "")),
            "providers": providers,
            "medical_director": str(self.raw.get("medical_director", "")),
        }


def load_messages(directory: Path = KNOWLEDGE_DIR) -> dict[str, str]:
    """Reads the operational message templates (``messages.yml``).

    Args:
        directory: Knowledge directory.

    Returns:
        Templates by name.
    """
    raw = (_read_yaml(directory / "messages.yml") or {}).get("messages") or {}
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


class KnowledgeBase:
    """All entries, references and clinic facts, loaded from a knowledge directory.

    Args:
        entries: Entries by id.
        references: Full citations by key.
        clinic: Clinic configuration.
        files: The area files the entries came from (for messages).
        messages: Operational message templates (``messages.yml``).
    """

    def __init__(
        self,
        entries: dict[str, Entry],
        references: dict[str, str],
        clinic: ClinicConfig,
        files: tuple[Path, ...] = (),
        messages: dict[str, str] | None = None,
    ) -> None:
        """Holds already-parsed knowledge."""
        self.messages = dict(messages or {})
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
            doc = _read_yaml(path) or {}
            for raw in doc.get("entries") or []:
                if not isinstance(raw, dict):
                    raise KnowledgeError(f"{path.name}: every entry must be a mapping")
                entry = Entry.from_dict(raw, path.name)
                if entry.id in entries:
                    raise KnowledgeError(f"{path.name}: duplicate topic id {entry.id}")
                entries[entry.id] = entry
        refs = (_read_yaml(directory / "references.yml") or {}).get("references") or {}
        clinic = ClinicConfig(_read_yaml(directory / "clinic.yml") or {})
        messages = load_messages(directory)
        references = {str(k): str(v) for k, v in refs.items()}
        return cls(entries, references, clinic, tuple(files), messages)

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


@functools.lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """Loads (once per process) the knowledge base shipped with the project."""
    return KnowledgeBase.load(KNOWLEDGE_DIR)
