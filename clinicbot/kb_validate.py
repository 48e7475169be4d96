"""Validates the knowledge base and its link to the NLU data (``make validate-kb``).

Fails (exit 1) with one clear line per problem on: a required topic without an entry, an
entry without sources (clinic-specific logistics entries excepted), an unknown source key,
an unknown related or follow-up topic, a review date older than ``--max-age-days``, a
placeholder the clinic configuration does not define, an answer outside 40-150 words, an SMS
version over 320 characters, a ``kb_`` intent without an entry, or an entry that no intent
reaches.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Sequence, Set

import yaml

from clinicbot.knowledge import (
    SMS_MAX_CHARS,
    KnowledgeBase,
    KnowledgeError,
    placeholders_in,
)
from clinicbot.paths import DATA_DIR, DOMAIN_FILE, KNOWLEDGE_DIR, REPO_ROOT

SHARED_TOPICS = REPO_ROOT.parent / "shared" / "kb-topics.yml"
VENDORED_TOPICS = KNOWLEDGE_DIR / "kb-topics.yml"
DEFAULT_MAX_AGE_DAYS = 365
MIN_WORDS, MAX_WORDS = 40, 150


@dataclass
class Report:
    """Problems and warnings found by the validator."""

    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors


def required_topics(path: Path | None = None) -> List[str]:
    """Reads the required topic ids.

    Args:
        path: The topics file; defaults to ``../shared/kb-topics.yml`` when present, else the
            vendored copy in ``knowledge/``.

    Returns:
        Topic ids.
    """
    if path is None:
        path = SHARED_TOPICS if SHARED_TOPICS.exists() else VENDORED_TOPICS
    with path.open(encoding="utf-8") as fh:
        return list((yaml.safe_load(fh) or {}).get("topics") or {})


def nlu_intents(data_dir: Path = DATA_DIR) -> Set[str]:
    """Collects the intents that have NLU training examples under a data folder.

    Args:
        data_dir: Rasa training data folder.

    Returns:
        Intent names.
    """
    intents: Set[str] = set()
    for path in sorted(data_dir.rglob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for item in doc.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent"):
                intents.add(str(item["intent"]))
    return intents


def domain_intents(domain_file: Path = DOMAIN_FILE) -> Set[str]:
    """Reads the intents declared in the domain."""
    with domain_file.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    out = set()
    for item in doc.get("intents") or []:
        out.add(next(iter(item)) if isinstance(item, dict) else str(item))
    return out


def _word_count(text: str) -> int:
    return len(text.split())


def validate(
    kb: KnowledgeBase,
    topics: Iterable[str],
    intents: Set[str],
    today: dt.date | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Report:
    """Checks a loaded knowledge base.

    Args:
        kb: The knowledge base.
        topics: Required topic ids.
        intents: Intents that exist (NLU data and domain).
        today: Reference date for review ages.
        max_age_days: Oldest acceptable review.

    Returns:
        The report.
    """
    today = today or dt.date.today()
    report = Report()
    err = report.errors.append
    values = kb.clinic.placeholders()
    for topic in topics:
        if topic not in kb.entries:
            err(
                f"missing required topic: {topic} "
                f"(add an entry to knowledge/{topic.split('.')[0]}.yml)"
            )
    for entry in kb.entries.values():
        where = f"{entry.id}:"
        if not entry.sources and not entry.clinic_specific:
            err(f"{where} has no sources (cite at least one reference key)")
        for key in entry.sources:
            if key not in kb.references:
                err(f"{where} unknown source {key!r} (not in knowledge/references.yml)")
        for rel in list(entry.related) + list(entry.followups.values()):
            if rel not in kb.entries:
                err(f"{where} unknown related/follow-up topic {rel!r}")
        if entry.last_reviewed is None or not entry.reviewed_by:
            err(f"{where} needs reviewed_by and last_reviewed")
        elif (today - entry.last_reviewed).days > max_age_days:
            err(
                f"{where} review is {(today - entry.last_reviewed).days} days old "
                f"(last_reviewed {entry.last_reviewed}; limit {max_age_days} days)"
            )
        texts = {"answer": entry.answer, "sms": entry.sms, **entry.entity_templates}
        for label, text in texts.items():
            try:
                names = placeholders_in(text)
            except KnowledgeError as exc:
                err(f"{where} {label}: {exc}")
                continue
            unknown = [n for n in names if n not in values and n not in {"medicine", "condition"}]
            if unknown:
                err(f"{where} {label} uses unknown placeholders {unknown}")
        try:
            words = _word_count(kb.render(entry))
            if not MIN_WORDS <= words <= MAX_WORDS:
                err(f"{where} answer has {words} words (keep it {MIN_WORDS}-{MAX_WORDS})")
            sms_len = len(kb.render(entry, sms=True))
            if sms_len > SMS_MAX_CHARS:
                err(f"{where} SMS version has {sms_len} characters (max {SMS_MAX_CHARS})")
        except (KeyError, ValueError, IndexError):
            pass  # reported above as an unknown placeholder or bad braces
        if entry.intent not in intents:
            err(f"{where} no intent reaches it (expected NLU intent {entry.intent})")
    known_intents = {e.intent for e in kb.entries.values()}
    for intent in sorted(i for i in intents if i.startswith("kb_")):
        if intent not in known_intents:
            err(f"intent {intent} has no knowledge-base entry")
    for name, template in kb.messages.items():
        unknown = [n for n in placeholders_in(template) if n not in values and n != "next_opening"]
        if unknown:
            err(f"messages.yml: {name} uses unknown placeholders {unknown}")
    if kb.clinic.sample:
        report.warnings.append(
            "knowledge/clinic.yml still holds SAMPLE values (sample: true): "
            "replace them before going live"
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line.

    Args:
        argv: Arguments.

    Returns:
        0 when valid, 1 otherwise.
    """
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--domain", type=Path, default=DOMAIN_FILE)
    parser.add_argument("--topics", type=Path, default=None, help="required topics file")
    parser.add_argument("--max-age-days", type=int, default=DEFAULT_MAX_AGE_DAYS)
    args = parser.parse_args(argv)
    try:
        kb = KnowledgeBase.load(args.knowledge)
    except KnowledgeError as exc:
        print(f"knowledge base: {exc}")
        return 1
    intents = nlu_intents(args.data) | domain_intents(args.domain)
    report = validate(kb, required_topics(args.topics), intents, max_age_days=args.max_age_days)
    for w in report.warnings:
        print(f"warning: {w}")
    for e in report.errors:
        print(f"error: {e}")
    if report.ok:
        print(f"Knowledge base OK: {len(kb.entries)} entries, {len(kb.references)} references.")
        return 0
    print(f"Knowledge base INVALID: {len(report.errors)} problem(s).")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
