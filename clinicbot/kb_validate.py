"""Validates the knowledge base and its link to the NLU data (``make validate-kb``).

Fails (exit 1) with one clear line per problem on: a required topic without an entry, an
entry without sources (clinic-specific logistics entries excepted), an unknown source key,
an unknown related or follow-up topic, a review date older than ``--max-age-days``, a
placeholder the clinic configuration does not define, an answer outside 40-150 words, an SMS
version over 320 characters, a ``kb_`` intent without an entry, an entry that no intent
reaches, or a topic intent missing from ``domain.yml`` or from a rule that answers topics.

It also checks readability (Flesch-Kincaid grade, computed with the pinned ``textstat``): each
rendered answer at most ``--max-grade`` (10) and the mean of all answers at most
``--max-mean-grade`` (8); and the entity lexicon: every substance and condition has a known
kind, every kind has a reviewed sentence (in the lexicon, or in each entry that gives its own),
no alias names two terms, and the lexicon's sentences carry a review.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Sequence, Set

import yaml

from clinicbot.kb_wiring import (
    check_domain_texts,
    check_topic_intents,
    domain_intents,
    nlu_intents,
)
from clinicbot.knowledge import (
    ENTITY_KINDS,
    SMS_MAX_CHARS,
    USE_LEXICON,
    KnowledgeBase,
    KnowledgeError,
    placeholders_in,
)
from clinicbot.paths import DATA_DIR, DOMAIN_FILE, KNOWLEDGE_DIR, REPO_ROOT

#: Message placeholders filled when the message is sent, not from clinic.yml.
SEND_TIME = frozenset({"next_opening", "staff_name", "sms_clinic_name"})

SHARED_TOPICS = REPO_ROOT.parent / "shared" / "kb-topics.yml"
VENDORED_TOPICS = KNOWLEDGE_DIR / "kb-topics.yml"
DEFAULT_MAX_AGE_DAYS = 365
MIN_WORDS, MAX_WORDS = 40, 150
#: Readability limits (Flesch-Kincaid grade): patient material aims at grade 6-8.
MAX_GRADE = 10.0
MAX_MEAN_GRADE = 8.0
#: Longest SMS entity sentence (one SMS segment), filled with the longest term name.
SMS_SENTENCE_MAX = 160


@dataclass
class Report:
    """Problems and warnings found by the validator."""

    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    grades: dict[str, float] = field(default_factory=dict)

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


def _word_count(text: str) -> int:
    return len(text.split())


def reading_grade(text: str) -> float:
    """Returns the Flesch-Kincaid grade level of a text (pinned ``textstat``).

    Args:
        text: Plain text.

    Returns:
        The US school grade; higher is harder.
    """
    import textstat  # imported here: only the validator and the review sheet need it

    return float(textstat.flesch_kincaid_grade(text))


def readability(kb: KnowledgeBase) -> dict[str, float]:
    """Computes the reading grade of every rendered answer.

    Args:
        kb: The knowledge base.

    Returns:
        Grade by entry id, in the knowledge base's order.
    """
    return {entry.id: round(reading_grade(kb.render(entry)), 1) for entry in kb.entries.values()}


def check_readability(
    grades: dict[str, float], max_grade: float = MAX_GRADE, max_mean: float = MAX_MEAN_GRADE
) -> List[str]:
    """Lists the readability problems of a set of grades.

    Args:
        grades: Grade by entry id (see :func:`readability`).
        max_grade: Highest grade allowed for one answer.
        max_mean: Highest mean grade allowed over all answers.

    Returns:
        One message per problem (empty when all is well).
    """
    errors = [
        f"{topic}: answer reads at grade {grade:.1f} (at most {max_grade:g}: shorter "
        "sentences, plainer words, jargon explained)"
        for topic, grade in grades.items()
        if grade > max_grade
    ]
    if grades:
        mean = sum(grades.values()) / len(grades)
        if mean > max_mean:
            errors.append(
                f"answers read at a mean grade of {mean:.2f} (at most {max_mean:g}); "
                f"hardest: {', '.join(sorted(grades, key=lambda t: -grades[t])[:3])}"
            )
    return errors


def check_lexicon(kb: KnowledgeBase) -> List[str]:
    """Checks the entity lexicon and every entry's entity sentences.

    Args:
        kb: The knowledge base (with its lexicon).

    Returns:
        One message per problem.
    """
    errors: List[str] = []
    lexicon = kb.lexicon
    values = kb.clinic.placeholders()
    seen: dict[str, str] = {}
    for term in lexicon.terms:
        kinds = ENTITY_KINDS[term.type]
        if term.kind not in kinds:
            errors.append(
                f"lexicon.yml: {term.type} {term.name!r} needs a kind, one of {list(kinds)} "
                f"(has {term.kind or 'none'!r})"
            )
        elif not lexicon.sentences.get(term.type, {}).get(term.kind):
            errors.append(
                f"lexicon.yml: no reviewed {term.type} sentence for kind {term.kind!r} "
                f"(used by {term.name!r}); add it under sentences.{term.type}"
            )
        for alias in (term.name, *term.aliases):
            key = alias.lower()
            if key in seen and seen[key] != term.name:
                errors.append(f"lexicon.yml: {alias!r} names both {seen[key]!r} and {term.name!r}")
            seen.setdefault(key, term.name)
    if lexicon.terms and (not lexicon.reviewed_by or lexicon.last_reviewed is None):
        errors.append("lexicon.yml: sentences need reviewed_by and last_reviewed")
    for entity_type, by_kind in lexicon.sentences.items():
        for kind, template in by_kind.items():
            where = f"lexicon.yml: sentences.{entity_type}.{kind}"
            errors.extend(_template_errors(where, template, values, entity_type))
            short = lexicon.sms_sentences.get(entity_type, {}).get(kind)
            where = f"lexicon.yml: sms_sentences.{entity_type}.{kind}"
            if not short:
                errors.append(f"{where}: missing (SMS answers need the short sentence)")
                continue
            problems = _template_errors(where, short, values, entity_type)
            errors.extend(problems)
            names = [t.name for t in lexicon.of_type(entity_type) if t.kind == kind] or ["x"]
            longest = max(names, key=len)
            if not problems and len(kb.fill(short, **{entity_type: longest})) > SMS_SENTENCE_MAX:
                errors.append(
                    f"{where}: longer than {SMS_SENTENCE_MAX} characters with {longest!r}"
                )
    for entry in kb.entries.values():
        for entity_type, spec in entry.entity_templates.items():
            where = f"{entry.id}: entity_templates.{entity_type}"
            if entity_type not in ENTITY_KINDS:
                errors.append(f"{where}: unknown entity type (known: {list(ENTITY_KINDS)})")
                continue
            kinds = ENTITY_KINDS[entity_type]
            if spec == USE_LEXICON:
                continue
            if isinstance(spec, str):
                if len(kinds) > 1:
                    errors.append(
                        f"{where}: one sentence for every kind; give one per kind {list(kinds)} "
                        f"or '{USE_LEXICON}'"
                    )
                    continue
                errors.extend(_template_errors(where, spec, values, entity_type))
                continue
            for kind in kinds:
                if not spec.get(kind):
                    errors.append(f"{where}: no sentence for kind {kind!r}")
            for kind, template in spec.items():
                if kind not in kinds:
                    errors.append(f"{where}: unknown kind {kind!r}")
                errors.extend(_template_errors(f"{where}.{kind}", template, values, entity_type))
    return errors


def _template_errors(
    where: str, template: str, values: dict[str, str], entity_type: str
) -> List[str]:
    try:
        names = placeholders_in(template)
    except KnowledgeError as exc:
        return [f"{where}: {exc}"]
    errors = []
    unknown = [n for n in names if n not in values and n != entity_type]
    if unknown:
        errors.append(f"{where}: uses unknown placeholders {unknown}")
    if entity_type not in names:
        errors.append(f"{where}: does not name the {entity_type} ({{{entity_type}}})")
    return errors


def validate(
    kb: KnowledgeBase,
    topics: Iterable[str],
    intents: Set[str],
    today: dt.date | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    max_grade: float = MAX_GRADE,
    max_mean_grade: float = MAX_MEAN_GRADE,
) -> Report:
    """Checks a loaded knowledge base.

    Args:
        kb: The knowledge base.
        topics: Required topic ids.
        intents: Intents that exist (NLU data and domain).
        today: Reference date for review ages.
        max_age_days: Oldest acceptable review.
        max_grade: Highest reading grade of one answer.
        max_mean_grade: Highest mean reading grade over all answers.

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
        texts = {"answer": entry.answer, "sms": entry.sms}
        for label, text in texts.items():
            try:
                names = placeholders_in(text)
            except KnowledgeError as exc:
                err(f"{where} {label}: {exc}")
                continue
            unknown = [n for n in names if n not in values]
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
        unknown = [n for n in placeholders_in(template) if n not in values and n not in SEND_TIME]
        if unknown:
            err(f"messages.yml: {name} uses unknown placeholders {unknown}")
    report.errors.extend(check_lexicon(kb))
    try:
        grades = readability(kb)
    except (KeyError, ValueError, IndexError):
        grades = {}  # a template that does not render is reported above
    report.errors.extend(check_readability(grades, max_grade, max_mean_grade))
    report.grades = grades
    if kb.clinic.sample:
        report.warnings.append(
            "knowledge/clinic.yml still holds SAMPLE values (sample: true): "
            "replace them before going live"
        )
    return report


def readability_summary(grades: dict[str, float]) -> str:
    """One line of readability figures: mean, hardest answer, answers above grade 8.

    Args:
        grades: Grade by entry id.

    Returns:
        The line (``"Readability: no answers"`` when there are none).
    """
    if not grades:
        return "Readability: no answers"
    worst = max(grades, key=lambda t: grades[t])
    mean = sum(grades.values()) / len(grades)
    above = sum(1 for g in grades.values() if g > 8)
    return (
        f"Readability (Flesch-Kincaid grade, {len(grades)} answers): mean {mean:.2f}, "
        f"hardest {grades[worst]:.1f} ({worst}), {above} above grade 8"
    )


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
    parser.add_argument("--max-grade", type=float, default=MAX_GRADE)
    parser.add_argument("--max-mean-grade", type=float, default=MAX_MEAN_GRADE)
    parser.add_argument("--grades", action="store_true", help="print every answer's reading grade")
    args = parser.parse_args(argv)
    try:
        kb = KnowledgeBase.load(args.knowledge)
    except KnowledgeError as exc:
        print(f"knowledge base: {exc}")
        return 1
    intents = nlu_intents(args.data) | domain_intents(args.domain)
    report = validate(
        kb,
        required_topics(args.topics),
        intents,
        max_age_days=args.max_age_days,
        max_grade=args.max_grade,
        max_mean_grade=args.max_mean_grade,
    )
    report.errors.extend(
        check_topic_intents(
            {e.intent for e in kb.entries.values()}, args.domain, args.data / "rules.yml"
        )
    )
    report.errors.extend(check_domain_texts(args.domain, args.knowledge))
    if args.grades:
        for topic, grade in sorted(report.grades.items(), key=lambda item: -item[1]):
            print(f"  grade {grade:5.1f}  {topic}")
    for w in report.warnings:
        print(f"warning: {w}")
    for e in report.errors:
        print(f"error: {e}")
    print(readability_summary(report.grades))
    if report.ok:
        print(f"Knowledge base OK: {len(kb.entries)} entries, {len(kb.references)} references.")
        return 0
    print(f"Knowledge base INVALID: {len(report.errors)} problem(s).")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
