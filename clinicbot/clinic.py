"""The clinic's own facts (``knowledge/clinic.yml``): one typed, checked, cached accessor.

Everything that needs a clinic fact (the knowledge base's placeholders, the in-server NLG, the
channels' failure texts, the widget's demo page) reads it through :func:`clinic_facts`, so the
file is parsed once per process and a malformed value fails with the field's name.
``reload_clinic_facts()`` drops the cache (tests, or after editing the file).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clinicbot.kb_files import KnowledgeError, read_yaml
from clinicbot.paths import KNOWLEDGE_DIR

logger = logging.getLogger(__name__)

CLINIC_FILE = KNOWLEDGE_DIR / "clinic.yml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Fields that must be text (numbers are accepted and read as text) when present.
TEXT_FIELDS = (
    "name",
    "phone",
    "phone_e164",
    "sms_number",
    "email",
    "website",
    "booking_url",
    "address",
    "parking",
    "insurance",
    "cancellation_policy",
    "iv_observation",
    "progress_review",
    "unused_sessions",
    "after_hours",
    "routes_offered",
    "medical_director",
)


class ClinicConfigError(KnowledgeError):
    """Raised when a clinic fact is malformed; the message names the field."""


def _check(raw: Mapping[str, Any], origin: str) -> None:
    """Checks the shape of the clinic facts, naming the first bad field."""

    def bad(field: str, why: str) -> ClinicConfigError:
        return ClinicConfigError(f"{origin}: field '{field}': {why}")

    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise bad(name, f"must be text, not {type(value).__name__}")
    try:
        ZoneInfo(str(raw.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad("timezone", f"unknown time zone {raw.get('timezone')!r}") from exc
    hours = raw.get("hours") or {}
    if not isinstance(hours, Mapping):
        raise bad("hours", "must map weekdays to [opening, closing] or null")
    for day, span in hours.items():
        if day not in WEEKDAYS:
            raise bad(f"hours.{day}", "unknown weekday")
        if span is None:
            continue
        if not isinstance(span, list) or len(span) != 2:
            raise bad(f"hours.{day}", 'must be ["HH:MM", "HH:MM"] or null')
        try:
            start, end = (dt.datetime.strptime(str(s), "%H:%M").time() for s in span)
        except ValueError as exc:
            raise bad(f"hours.{day}", f"times must be HH:MM, got {span!r}") from exc
        if not start < end:
            raise bad(f"hours.{day}", "opening must be before closing")
    prices = raw.get("prices") or {}
    if not isinstance(prices, Mapping):
        raise bad("prices", "must be a mapping")
    for key, value in prices.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad(f"prices.{key}", "must be a number or text")
    age = raw.get("minimum_age", 18)
    if isinstance(age, bool) or not isinstance(age, int):
        raise bad("minimum_age", "must be a whole number")
    providers = raw.get("providers") or []
    if not isinstance(providers, list) or not all(isinstance(p, Mapping) for p in providers):
        raise bad("providers", "must be a list of {name, role}")


def _time_label(hhmm: str) -> str:
    t = dt.datetime.strptime(hhmm, "%H:%M")
    return t.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")


class ClinicConfig:
    """The clinic's own facts (``knowledge/clinic.yml``).

    Read-only: ``raw`` is a read-only view of the parsed mapping, checked on construction.

    Args:
        raw: The parsed YAML mapping.
        origin: Where it came from, for error messages.

    Raises:
        ClinicConfigError: If a field is malformed (the message names it).
    """

    def __init__(self, raw: Mapping[str, Any], origin: str = "clinic.yml") -> None:
        """Checks and wraps the parsed configuration."""
        if not isinstance(raw, Mapping):
            raise ClinicConfigError(f"{origin}: must be a mapping of fields")
        _check(raw, origin)
        self.raw: Mapping[str, Any] = MappingProxyType(dict(raw))
        self.tz = ZoneInfo(str(self.raw.get("timezone", "UTC")))

    @classmethod
    def from_file(cls, path: Path) -> ClinicConfig:
        """Reads and checks a clinic file.

        Args:
            path: The ``clinic.yml`` file.

        Returns:
            The facts.

        Raises:
            KnowledgeError: If the file is missing or not valid YAML.
            ClinicConfigError: If a field is malformed.
        """
        return cls(read_yaml(path) or {}, path.name)

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
        """Returns the values answers may use as ``{placeholder}`` (a fresh copy)."""
        return dict(self._placeholders)

    @functools.cached_property
    def _placeholders(self) -> dict[str, str]:
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
            "iv_observation": str(self.raw.get("iv_observation", "")),
            "progress_review": str(self.raw.get("progress_review", "")),
            "unused_sessions": str(self.raw.get("unused_sessions", "")).strip(),
            "after_hours": str(self.raw.get("after_hours", "")).strip(),
        }


@functools.lru_cache(maxsize=1)
def clinic_facts() -> ClinicConfig:
    """The shipped clinic facts (``knowledge/clinic.yml``), parsed and checked once per process.

    Returns:
        The facts (read-only).

    Raises:
        KnowledgeError: If the file is missing or not valid YAML.
        ClinicConfigError: If a field is malformed (the message names it).
    """
    return ClinicConfig.from_file(CLINIC_FILE)


@functools.lru_cache(maxsize=1)
def clinic_placeholders() -> dict[str, str]:
    """The clinic's ``{placeholder}`` values; empty when the file is broken.

    Texts that must go out whatever happens (crisis and failure replies) use this: a broken
    file is logged once and the texts fall back to generic wording.

    Returns:
        The values by placeholder name (shared: do not modify).
    """
    try:
        return clinic_facts().placeholders()
    except Exception:  # noqa: BLE001 - crisis texts must still be sent
        logger.exception("clinic.yml could not be read; responses use generic wording")
        return {}


def reload_clinic_facts() -> None:
    """Drops the cached clinic facts, so the next use reads ``clinic.yml`` again."""
    clinic_facts.cache_clear()
    clinic_placeholders.cache_clear()
