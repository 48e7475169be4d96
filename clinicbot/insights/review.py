"""The review inbox: messages the assistant handled poorly, grouped, labelled by staff.

Items are filed by :func:`clinicbot.insights.rollup.refresh`. Staff label a group with a
topic id, ``out_of_scope`` or ``safety``, or dismiss it. Labelled topic and out-of-scope items
can be exported as training data (``make learn``), except:

* ``safety`` labels (the safety layer has its own reviewed data),
* any message within the leak-check similarity of an evaluation sentence (the real-question
  development set or the held-out set; :func:`clinicbot.evaluate.near_duplicates`), so that
  labelling can never copy an evaluation sentence into the training data.

A safety-flagged message (a safety intent or reply, a conversation with an urgent escalation,
or a ``safety`` label) is shown only with its escalation context; without one its text is
withheld.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from clinicbot.store.db import record_from_row
from clinicbot.store.schema import escalation_reasons, escalations, review_items, utcnow

PENDING = "pending"
LABELED = "labeled"
DISMISSED = "dismissed"
OUT_OF_SCOPE = "out_of_scope"
SAFETY = "safety"
#: Items read for one inbox page (newest first) before grouping.
PAGE_ITEMS = 300
#: Wording similarity (RapidFuzz token-set ratio, 0-100) at which two messages share a group.
GROUP_SIMILARITY = 85.0

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an the is are am i my me you your it its to of do does did can could would will be "
    "and or for on in at with this that what how".split()
)


def group_key(text: str) -> str:
    """A wording key: lower-case content words, sorted, without repeats.

    Args:
        text: The patient's message.

    Returns:
        At most 200 characters; equal for messages with the same content words.
    """
    words = sorted({w for w in _WORD.findall(text.lower()) if w not in _STOP})
    return " ".join(words)[:200]


@dataclass(frozen=True)
class EscalationContext:
    """What staff must see beside a safety-flagged message."""

    id: str
    reasons: list[str]
    priority: str
    status: str
    created_at: Any


@dataclass
class ReviewItem:
    """One message in the inbox."""

    id: int
    conversation_id: str
    channel: str
    day: str
    text: str
    reason: str
    intent: str | None
    confidence: float | None
    kb_id: str | None
    safety: bool
    status: str
    label: str | None
    escalations: list[EscalationContext] = field(default_factory=list)

    @property
    def withheld(self) -> bool:
        """A safety-flagged message without escalation context is not shown."""
        return self.safety and not self.escalations


@dataclass
class ReviewGroup:
    """Messages of similar wording (newest first); the first one names the group."""

    items: list[ReviewItem]

    @property
    def ids(self) -> list[int]:
        """Item ids."""
        return [i.id for i in self.items]

    @property
    def safety(self) -> bool:
        """Whether any message of the group is safety-flagged."""
        return any(i.safety for i in self.items)

    @property
    def reasons(self) -> list[str]:
        """The distinct reasons, in order."""
        return list(dict.fromkeys(i.reason for i in self.items))


def _row_item(row: Any) -> ReviewItem:
    return record_from_row(ReviewItem, row, id=int(row.id), safety=bool(row.safety))


def _escalation_context(
    engine: Engine, conversations: Sequence[str]
) -> dict[str, list[EscalationContext]]:
    out: dict[str, list[EscalationContext]] = {}
    if not conversations:
        return out
    e, r = escalations, escalation_reasons
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                e.c.id, e.c.conversation_id, e.c.priority, e.c.status, e.c.created_at, e.c.reason
            )
            .where(e.c.conversation_id.in_(list(set(conversations))))
            .order_by(e.c.created_at)
        ).all()
        reasons: dict[str, list[str]] = {}
        if rows:
            for esc_id, reason in conn.execute(
                select(r.c.escalation_id, r.c.reason).where(
                    r.c.escalation_id.in_([x.id for x in rows])
                )
            ):
                reasons.setdefault(esc_id, []).append(reason)
    for row in rows:
        out.setdefault(row.conversation_id, []).append(
            EscalationContext(
                row.id,
                reasons.get(row.id) or [row.reason],
                row.priority,
                row.status,
                row.created_at,
            )
        )
    return out


def list_items(engine: Engine, status: str = PENDING, limit: int = PAGE_ITEMS) -> list[ReviewItem]:
    """Lists inbox items, newest first, with the escalation context of their conversations.

    An item becomes safety-flagged here too when its conversation had an urgent escalation or
    it was labelled ``safety``.

    Args:
        engine: The clinic database.
        status: ``pending``, ``labeled`` or ``dismissed``.
        limit: Most items.

    Returns:
        The items.
    """
    t = review_items
    with engine.connect() as conn:
        rows = conn.execute(
            select(t).where(t.c.status == status).order_by(t.c.event_ts.desc()).limit(limit)
        ).all()
    items = [_row_item(r) for r in rows]
    context = _escalation_context(engine, [i.conversation_id for i in items])
    for item in items:
        item.escalations = context.get(item.conversation_id, [])
        if item.label == SAFETY or any(
            c.priority == "urgent" or {"crisis", "emergency"} & set(c.reasons)
            for c in item.escalations
        ):
            item.safety = True
    return items


def group_items(
    items: Sequence[ReviewItem], similarity: float = GROUP_SIMILARITY
) -> list[ReviewGroup]:
    """Groups messages of similar wording, keeping newest-first order.

    Args:
        items: Items, newest first.
        similarity: RapidFuzz ``token_set_ratio`` (0-100) at which a message joins a group.

    Returns:
        The groups, ordered by their newest message.
    """
    from rapidfuzz import fuzz, process

    groups: list[ReviewGroup] = []
    keys: list[str] = []
    exact: dict[str, int] = {}
    for item in items:
        key = group_key(item.text)
        index = exact.get(key)
        if index is None and key:
            best = process.extractOne(
                key, keys, scorer=fuzz.token_set_ratio, score_cutoff=similarity
            )
            index = best[2] if best is not None else None
        if index is None:
            exact[key] = len(groups)
            groups.append(ReviewGroup([item]))
            keys.append(key)
        else:
            groups[index].items.append(item)
    return groups


class LabelError(ValueError):
    """A label that is not a topic id, ``out_of_scope`` or ``safety``."""


@lru_cache(maxsize=1)
def topic_ids() -> tuple[str, ...]:
    """The knowledge base's topic ids (read once)."""
    from clinicbot.knowledge import KnowledgeBase

    return tuple(sorted(KnowledgeBase.load().entries))


def valid_label(label: str) -> bool:
    """Tells whether a label is a topic id, ``out_of_scope`` or ``safety``."""
    return label in (OUT_OF_SCOPE, SAFETY) or label in topic_ids()


def label_items(
    engine: Engine,
    ids: Sequence[int],
    label: str | None,
    username: str,
    now: datetime | None = None,
) -> int:
    """Labels (or dismisses, ``label=None``) pending items.

    Args:
        engine: The clinic database.
        ids: Item ids.
        label: A topic id, ``out_of_scope``, ``safety``, or None to dismiss.
        username: Who labelled.
        now: The time (tests).

    Returns:
        The number of items changed (items no longer pending are left alone).

    Raises:
        LabelError: For an unknown label.
    """
    if label is not None and not valid_label(label):
        raise LabelError(f"unknown label {label!r}")
    t = review_items
    with engine.begin() as conn:
        result = conn.execute(
            update(t)
            .where(t.c.id.in_(list(ids)), t.c.status == PENDING)
            .values(
                status=LABELED if label else DISMISSED,
                label=label,
                labeled_by=username[:64],
                labeled_at=now or utcnow(),
            )
        )
    return int(result.rowcount or 0)


@lru_cache(maxsize=1)
def evaluation_sentences() -> tuple[str, ...]:
    """Every sentence of the evaluation sets (real-question development set, held-out set)."""
    from clinicbot.evaluate import HELDOUT_FILE, REAL_DEV_FILE, load_cases, load_examples

    texts = [t for t, _ in load_examples(HELDOUT_FILE)] if HELDOUT_FILE.is_file() else []
    if REAL_DEV_FILE.is_file():
        texts.extend(case.text for case in load_cases(REAL_DEV_FILE))
    return tuple(texts)


def evaluation_matches(texts: Sequence[str], evaluation: Sequence[str] | None = None) -> set[str]:
    """The texts within the leak-check similarity of an evaluation sentence.

    Uses the project's leak check (:func:`clinicbot.evaluate.near_duplicates`, 0.75).

    Args:
        texts: Candidate training texts.
        evaluation: Evaluation sentences (default: :func:`evaluation_sentences`).

    Returns:
        The texts that must not become training data.
    """
    from clinicbot.evaluate import LEAK_SIMILARITY, near_duplicates

    found = near_duplicates(
        list(texts),
        list(evaluation if evaluation is not None else evaluation_sentences()),
        LEAK_SIMILARITY,
    )
    return {t for t, _, _ in found}


def labeled_for_training(engine: Engine) -> list[tuple[str, str]]:
    """Labelled topic and out-of-scope messages, as (text, label), oldest first.

    Safety labels and safety-flagged items are left out here; the evaluation-sentence guard
    is applied by the exporter (:mod:`clinicbot.insights.learn`).

    Args:
        engine: The clinic database.

    Returns:
        The pairs.
    """
    t = review_items
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.text, t.c.label)
            .where(t.c.status == LABELED, t.c.label != SAFETY, t.c.safety.is_(False))
            .order_by(t.c.id)
        ).all()
    return [(r[0], r[1]) for r in rows if r[1]]
