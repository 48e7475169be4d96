"""Review inbox (grouping, labels, safety context, unhelpful answers) and `make learn`'s export."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from clinicbot.evaluate import HELDOUT_FILE, load_examples
from clinicbot.insights import aggregates, learn, review
from clinicbot.insights.feedback import AlreadyRated, AnswerRef, record_feedback
from clinicbot.insights.synthetic import TrackerWriter
from clinicbot.store.escalations import EscalationStore
from clinicbot.store.schema import review_items
from tests.insights.conftest import DAY1


def _ro(path: Path) -> Engine:
    return aggregates.tracker_engine(f"sqlite:///{path}")


def _id(clinic: Engine, text: str) -> int:
    with clinic.connect() as conn:
        return int(
            conn.execute(select(review_items.c.id).where(review_items.c.text == text)).scalar_one()
        )


def test_similar_wording_is_grouped() -> None:
    def item(i: int, text: str) -> review.ReviewItem:
        return review.ReviewItem(
            i,
            "c",
            "widget",
            "2026-12-01",
            text,
            "clarified",
            None,
            None,
            None,
            False,
            "pending",
            None,
        )

    groups = review.group_items(
        [
            item(1, "Is there parking at the clinic?"),
            item(2, "parking at the clinic??"),
            item(3, "do you take Aetna insurance"),
            item(4, "is there PARKING at clinic"),
        ]
    )
    assert [g.ids for g in groups] == [[1, 2, 4], [3]]


def test_labels_and_dismissals(clinic: Engine, tracker_path: Path) -> None:
    aggregates.refresh(clinic, _ro(tracker_path))
    parking = _id(clinic, "parking garage validation??")
    table = _id(clinic, "book me a table for two")
    with pytest.raises(review.LabelError):
        review.label_items(clinic, [parking], "kb_not_a_topic", "dana")
    assert review.label_items(clinic, [parking], "logistics.hours_location", "dana") == 1
    assert review.label_items(clinic, [parking], "out_of_scope", "dana") == 0  # not pending now
    assert review.label_items(clinic, [table], None, "dana") == 1  # dismissed
    pending = {i.text for i in review.list_items(clinic)}
    assert "parking garage validation??" not in pending and "book me a table for two" not in pending
    assert review.labeled_for_training(clinic) == [
        ("parking garage validation??", "logistics.hours_location")
    ]


def test_safety_items_need_escalation_context(clinic: Engine, tracker_path: Path) -> None:
    aggregates.refresh(clinic, _ro(tracker_path))
    crisis_conv = "widget-" + "d" * 32
    (item,) = [i for i in review.list_items(clinic) if i.conversation_id == crisis_conv]
    assert item.safety and item.withheld
    esc = EscalationStore(clinic).open_or_join(
        crisis_conv, "socketio", "crisis", "urgent", [], [], {}
    )
    (item,) = [i for i in review.list_items(clinic) if i.conversation_id == crisis_conv]
    assert item.safety and not item.withheld and item.escalations[0].id == esc.id
    # A safety label, and a safety-flagged item, never become training data.
    review.label_items(clinic, [item.id], "logistics.booking", "dana")
    other = _id(clinic, "parking garage validation??")
    review.label_items(clinic, [other], "safety", "dana")
    assert review.labeled_for_training(clinic) == []


def test_unhelpful_answer_goes_to_review(clinic: Engine, tracker_path: Path) -> None:
    conv = "widget-" + "a" * 32
    answer = AnswerRef("logistics.cost_insurance", repr(DAY1 + 100.2))
    record_feedback(clinic, conv, "widget", answer, helpful=False)
    with pytest.raises(AlreadyRated):
        record_feedback(clinic, conv, "widget", answer, helpful=True)
    # An SMS rating (its key is a token): the question before the rating is filed.
    sms = "sms-" + "c" * 16
    writer = TrackerWriter(create_engine(f"sqlite:///{tracker_path}", future=True))
    writer.user(sms, DAY1 + 1000, "when can i drive again", "kb_safety_driving_after", 0.95)
    writer.bot(sms, DAY1 + 1000.2, "answer", "safety.driving_after")
    writer.user(sms, DAY1 + 2000, "ok bye", "goodbye", 0.99)  # after the rating
    writer.flush()
    rated = datetime.fromtimestamp(DAY1 + 1500, tz=timezone.utc)
    record_feedback(clinic, sms, "sms", AnswerRef("safety.driving_after", "sms-k1"), False, rated)
    aggregates.refresh(clinic, _ro(tracker_path))
    items = {i.text: i.reason for i in review.list_items(clinic)}
    assert items["how much is it"] == "unhelpful"
    assert items["when can i drive again"] == "unhelpful" and "ok bye" not in items


def test_evaluation_sentences_are_never_exported() -> None:
    heldout = [t for t, _ in load_examples(HELDOUT_FILE)]
    sentence = heldout[0]
    pairs = [
        (sentence, "logistics.booking"),
        (sentence.upper() + "!!", "logistics.booking"),  # a near copy
        ("which garage should my driver use while I wait", "logistics.hours_location"),
    ]
    export = learn.build_export(pairs, existing=[], evaluation=heldout)
    assert sentence in export.leaks
    assert all(sentence.lower() not in t.lower() for ts in export.examples.values() for t in ts)
    assert export.examples == {
        "kb_logistics_hours_location": ["which garage should my driver use while I wait"]
    }
    # The default evaluation sentences include the held-out set.
    assert sentence in review.evaluation_sentences()


def test_export_removes_personal_details(tmp_path: Path) -> None:
    vocabulary_source = ["can i bring someone to drive me home", "ask about the cost"]
    pairs = [
        (
            "Hi, my name is Sarah Jones, can my husband drive me home? 555-201-3344",
            "process.what_to_expect",
        ),
        ("email me the price list at sarah.jones@example.org", "logistics.cost_insurance"),
        ("can I ask Jennifer at the front desk about the cost", "logistics.cost_insurance"),
        ("Thanks, Mike. do you do weekend appointments (312) 555 0199", "logistics.hours_location"),
        ("is there a [discount](entity) for veterans", "logistics.cost_insurance"),
    ]
    export = learn.build_export(pairs, existing=vocabulary_source, evaluation=[])
    text = learn.to_yaml(export)
    for detail in (
        "Sarah",
        "Jones",
        "555",
        "sarah.jones",
        "example.org",
        "Jennifer",
        "Mike",
        "0199",
    ):
        assert detail not in text
    assert "[discount](entity)" not in text
    path = tmp_path / "reviewed.yml"
    path.write_text(text, encoding="utf-8")
    examples = load_examples(path)
    assert len(examples) == 5 and not any(learn.personal_details(t) for t, _ in examples)
    assert (
        "Hi, my name is someone, can my husband drive me home? my number",
        "kb_process_what_to_expect",
    ) in examples
    assert export.scrubbed == 5  # every message was changed


def test_comparison_refuses_any_drop() -> None:
    before = {name: 0.8 for name in learn.FIGURES}
    same = dict(before)
    assert learn.drops(before, same) == []
    better = {**before, "real: right topic": 0.85, "real: confident wrong": 0.7}
    assert learn.drops(before, better) == []
    worse = {**better, "held-out: intent accuracy": 0.79, "real: confident wrong": 0.81}
    assert learn.drops(before, worse) == ["real: confident wrong", "held-out: intent accuracy"]
    table = learn.comparison_table(before, worse)
    assert "WORSE" in table and "+0.050" in table


def test_inputs_digest_ignores_the_export_only(tmp_path: Path) -> None:
    from clinicbot.run import MODEL_INPUTS, _files

    reviewed = learn.REVIEWED_FILE
    inputs = [p for p in _files(MODEL_INPUTS) if p != reviewed]
    assert inputs
    digest = learn.inputs_digest()
    # Leaving out another input file changes it; leaving out reviewed.yml is the default.
    assert learn.inputs_digest(exclude=inputs[0]) != digest
    assert learn.inputs_digest(exclude=tmp_path / "not-an-input.yml") == digest or reviewed.exists()
