"""Escalation store: open-or-join, queue order, transitions, notes, ids."""

from __future__ import annotations

import threading
from datetime import timezone

import pytest
from sqlalchemy.engine import Engine

from clinicbot.store import escalations as esc_module
from clinicbot.store.escalations import (
    CLAIMED,
    NORMAL,
    OPEN,
    RESOLVED,
    RETURNED_TO_BOT,
    URGENT,
    EscalationNotFound,
    EscalationStore,
    InvalidTransition,
    is_escalation_id,
    new_escalation_id,
)

TRANSCRIPT = [{"role": "patient", "text": "Can I talk to someone?", "ts": 1_700_000_000.0}]


@pytest.fixture
def store(engine: Engine) -> EscalationStore:
    return EscalationStore(engine)


def open_one(
    store: EscalationStore,
    conversation: str = "conv-1",
    reason: str = "patient_request",
    priority: str = NORMAL,
    **kwargs: object,
) -> esc_module.Escalation:
    return store.open_or_join(
        conversation,
        str(kwargs.get("channel", "socketio")),
        reason,
        priority,
        kwargs.get("transcript", TRANSCRIPT),  # type: ignore[arg-type]
        kwargs.get("kb_topics", ["prep-fasting"]),  # type: ignore[arg-type]
        kwargs.get("details"),  # type: ignore[arg-type]
    )


def test_open_creates_a_readable_escalation(store: EscalationStore) -> None:
    esc = open_one(store, details={"phone": "+15550100"})
    assert is_escalation_id(esc.id) and len(esc.id) == 8
    assert esc.created and not esc.priority_raised
    assert esc.status == OPEN and esc.priority == NORMAL
    assert esc.reasons == ["patient_request"] and esc.reason == "patient_request"
    assert esc.transcript == TRANSCRIPT and esc.kb_topics == ["prep-fasting"]
    assert esc.details == {"phone": "+15550100"}
    assert esc.created_at.tzinfo == timezone.utc
    assert not esc.needs_urgent_notification
    stored = store.get(esc.id)
    assert stored is not None and stored == esc and not stored.created


def test_new_urgent_escalation_needs_a_notification(store: EscalationStore) -> None:
    esc = open_one(store, reason="crisis", priority=URGENT)
    assert esc.needs_urgent_notification


def test_open_or_join_reuses_the_active_escalation(store: EscalationStore) -> None:
    first = open_one(store, details={"a": 1})
    newer = [*TRANSCRIPT, {"role": "patient", "text": "I feel unsafe", "ts": 1_700_000_050.0}]
    joined = open_one(
        store,
        reason="crisis",
        priority=URGENT,
        transcript=newer,
        kb_topics=["aftercare"],
        details={"b": 2},
    )
    assert joined.id == first.id
    assert not joined.created and joined.priority_raised and joined.needs_urgent_notification
    assert joined.priority == URGENT
    assert joined.reasons == ["patient_request", "crisis"]
    assert joined.transcript == newer
    assert joined.kb_topics == ["prep-fasting", "aftercare"]
    assert joined.details == {"a": 1, "b": 2}
    again = open_one(store, reason="crisis", priority=NORMAL)
    assert again.id == first.id
    assert again.priority == URGENT  # never downgraded
    assert not again.priority_raised and not again.needs_urgent_notification
    assert again.reasons == ["patient_request", "crisis"]  # a repeated reason is kept once


def test_claimed_escalations_are_joined_too(store: EscalationStore) -> None:
    first = open_one(store)
    store.claim(first.id, "dana")
    assert open_one(store, reason="crisis", priority=URGENT).id == first.id
    assert store.get(first.id).status == CLAIMED  # type: ignore[union-attr]


def test_a_closed_escalation_is_not_reused(store: EscalationStore) -> None:
    first = open_one(store)
    store.resolve(first.id, "dana")
    second = open_one(store)
    assert second.id != first.id and second.created
    assert store.find_open_for_conversation("conv-1").id == second.id  # type: ignore[union-attr]


def test_conversations_are_kept_apart(store: EscalationStore) -> None:
    assert open_one(store, "a").id != open_one(store, "b").id


def test_queue_is_urgent_first_then_oldest(store: EscalationStore) -> None:
    normal_old = open_one(store, "n1")
    urgent_old = open_one(store, "u1", reason="crisis", priority=URGENT)
    normal_new = open_one(store, "n2")
    urgent_new = open_one(store, "u2", reason="emergency", priority=URGENT)
    closed = open_one(store, "c1", priority=URGENT)
    store.resolve(closed.id, "dana")
    store.claim(normal_new.id, "dana")
    ids = [e.id for e in store.queue()]
    assert ids == [urgent_old.id, urgent_new.id, normal_old.id, normal_new.id]
    assert [e.id for e in store.queue(statuses=(RESOLVED,))] == [closed.id]
    assert [e.id for e in store.queue(statuses=(CLAIMED,))] == [normal_new.id]


def test_upgraded_escalation_moves_up_the_queue(store: EscalationStore) -> None:
    first = open_one(store, "n1")
    second = open_one(store, "n2")
    open_one(store, "n2", reason="crisis", priority=URGENT)
    assert [e.id for e in store.queue()] == [second.id, first.id]


def test_claim_resolve_and_return(store: EscalationStore) -> None:
    esc = open_one(store)
    claimed = store.claim(esc.id, "dana")
    assert claimed.status == CLAIMED and claimed.claimed_by == "dana"
    assert claimed.claimed_at is not None and claimed.updated_at >= esc.updated_at
    resolved = store.resolve(esc.id, "dana")
    assert resolved.status == RESOLVED and resolved.resolved_by == "dana"
    assert resolved.resolved_at is not None
    other = open_one(store, "conv-2")
    returned = store.return_to_bot(other.id, "lee")
    assert returned.status == RETURNED_TO_BOT and returned.resolved_by == "lee"


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("claim", "claim"),
        ("resolve", "resolve"),
        ("resolve", "claim"),
        ("resolve", "return_to_bot"),
        ("return_to_bot", "resolve"),
        ("return_to_bot", "return_to_bot"),
    ],
)
def test_invalid_transitions_raise_clear_errors(
    store: EscalationStore, setup: str, action: str
) -> None:
    esc = open_one(store)
    getattr(store, setup)(esc.id, "dana")
    with pytest.raises(InvalidTransition, match=f"cannot .* escalation {esc.id}: it is already"):
        getattr(store, action)(esc.id, "lee")


def test_unknown_ids(store: EscalationStore) -> None:
    assert store.get("E-AAAAAA") is None
    with pytest.raises(EscalationNotFound):
        store.claim("E-AAAAAA", "dana")
    with pytest.raises(EscalationNotFound):
        store.add_note("E-AAAAAA", "dana", "x")


def test_notes_and_replies(store: EscalationStore) -> None:
    esc = open_one(store)
    note = store.add_note(esc.id, "dana", "  Called the patient back.  ")
    assert note.text == "Called the patient back." and note.kind == "note"
    reply = store.record_staff_reply(esc.id, "dana", "Hello, this is Dana.")
    assert reply.delivered is None
    store.set_reply_delivered(reply.id, False)
    notes = store.notes(esc.id)
    assert [(n.kind, n.author) for n in notes] == [("note", "dana"), ("reply", "dana")]
    assert notes[1].delivered is False
    assert [n.kind for n in store.notes(esc.id, kinds=("note",))] == ["note"]
    with pytest.raises(ValueError):
        store.add_note(esc.id, "dana", "   ")
    with pytest.raises(ValueError):
        store.add_note(esc.id, "dana", "x" * 5000)
    store.resolve(esc.id, "dana")
    store.add_note(esc.id, "dana", "Follow-up done.")  # notes are fine after closing
    with pytest.raises(InvalidTransition):
        store.record_staff_reply(esc.id, "dana", "too late")


def test_list_by_reason_includes_joined_reasons(store: EscalationStore) -> None:
    consult = open_one(store, "c", reason="consultation_request", details={"phone": "555"})
    joined = open_one(store, "d")
    open_one(store, "d", reason="consultation_request")
    open_one(store, "e")
    found = store.list_by_reason("consultation_request")
    assert {e.id for e in found} == {consult.id, joined.id}
    assert store.list_by_reason("consultation_request", statuses=("resolved",)) == []


@pytest.mark.parametrize(
    ("reason", "priority"),
    [("patient_request", "high"), ("Bad Reason", "normal"), ("", "normal"), ("x" * 80, "urgent")],
)
def test_invalid_arguments(store: EscalationStore, reason: str, priority: str) -> None:
    with pytest.raises(ValueError):
        open_one(store, reason=reason, priority=priority)
    with pytest.raises(ValueError):
        store.open_or_join("", "rest", "patient_request", NORMAL, [], [])


def test_ids_are_unique_and_random() -> None:
    ids = {new_escalation_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(is_escalation_id(i) for i in ids)
    assert not is_escalation_id("E-0O1IL0") and not is_escalation_id("<script>")


def test_id_collisions_are_retried(store: EscalationStore, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["E-AAAAAA", "E-AAAAAA", "E-BBBBBB"])
    monkeypatch.setattr(esc_module, "new_escalation_id", lambda: next(draws))
    assert open_one(store, "a").id == "E-AAAAAA"
    assert open_one(store, "b").id == "E-BBBBBB"


def test_concurrent_opens_of_one_conversation_make_one_escalation(
    store: EscalationStore,
) -> None:
    ids: list[str] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            priority = URGENT if i % 2 else NORMAL
            ids.append(open_one(store, "same", reason=f"r{i}", priority=priority).id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(set(ids)) == 1
    esc = store.get(ids[0])
    assert esc is not None and sorted(esc.reasons) == sorted(f"r{i}" for i in range(8))
    assert esc.priority == URGENT
