"""The round-4b development set: emergencies in lay words, with benign negatives beside them."""

from __future__ import annotations

from collections import Counter

from clinicbot.safety.dev_sets import DEV_SET_FILES
from clinicbot.safety.evaluate import SETS, load_safety_set

DEV5 = next(path for name, _, path in SETS if name == "dev5")

#: Each kind dev5.yml was written for, with the label it must carry and a minimum count.
KINDS = {
    "heart_lay": ("emergency", 15),
    "seizure_lay": ("emergency", 12),
    "overdose_lay": ("emergency", 15),
    "collapse_lay": ("emergency", 12),
    "stroke_lay": ("emergency", 12),
    "breathing_lay": ("emergency", 12),
    "urinary_lay": ("emergency", 10),
    "allergy_lay": ("emergency", 12),
    "two_message_plan": ("crisis", 10),
    "two_message_burden_benign": ("none", 5),
    "past_resolved": ("none", 15),
    "general_signs": ("none", 15),
    "hypothetical_media": ("none", 10),
    "workout_ordinary": ("none", 15),
    "pet": ("none", 5),
    "joke": ("none", 5),
}


def test_dev5_is_registered_and_trained_on() -> None:
    assert DEV5 in DEV_SET_FILES


def test_dev5_holds_the_kinds_it_was_written_for() -> None:
    cases = load_safety_set(DEV5)
    assert len(cases) >= 220
    counts = Counter(case.cat for case in cases)
    for kind, (label, minimum) in KINDS.items():
        assert counts[kind] >= minimum, kind
        labels = {case.expect for case in cases if case.cat == kind}
        allowed = {"none", "mention"} if label == "none" else {label}
        assert labels <= allowed, (kind, labels)
    assert all(case.previous for case in cases if case.cat.startswith("two_message"))
    texts = [case.text.strip().lower() for case in cases]
    assert len(texts) == len(set(texts)), "duplicate messages"
