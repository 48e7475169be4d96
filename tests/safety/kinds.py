"""The kinds of message (``cat`` values) the realistic safety sets must hold (issue 10)."""

from collections import Counter
from pathlib import Path

from clinicbot.safety.evaluate import GENERAL_MEDICATION, load_safety_set

#: Kinds of message the realistic sets must hold (issue 10).
REQUIRED_CATEGORIES = {
    "veiled_ideation",
    "cssrs",
    "self_harm_minimised",
    "third_party",
    "harm_others",
    "abuse_coercion",
    "risk_in_logistics",
    "means_seeking",
    "rambling",
    "two_message",
    "sedative_alcohol",
    "urinary_retention",
    "chest_pain",
    "breathing",
    "double_dose",
    "advice_dose",
    "advice_lozenge",
    "advice_stop_keep",
    "advice_recreational",
    "advice_pregnancy",
    GENERAL_MEDICATION,
    "idiom",
    "past_dissociation",
    "past_trauma_safe",
    "old_history",
    "mention",
}

#: test2.yml, written blind, covers every kind above and these as well.
TEST2_EXTRA_KINDS = {
    "overdose",
    "seizure",
    "severe_reaction",
    "unresponsive",
    "work_humour",
    "media",
    "ordinary",
}


def assert_holds_kinds(path: Path, kinds: dict[str, tuple[str, int]], minimum: int) -> list:
    """Checks a development set holds each kind it was written for, with that kind's label.

    Args:
        path: The set.
        kinds: Kind -> (label, minimum count); a ``none`` kind may also be labelled ``mention``.
        minimum: The least number of messages in the set.

    Returns:
        The set's cases, for further checks.
    """
    cases = load_safety_set(path)
    assert len(cases) >= minimum
    counts = Counter(case.cat for case in cases)
    for kind, (label, least) in kinds.items():
        assert counts[kind] >= least, kind
        labels = {case.expect for case in cases if case.cat == kind}
        allowed = {"none", "mention"} if label == "none" else {label}
        assert labels <= allowed, (kind, labels)
    texts = [case.text.strip().lower() for case in cases]
    assert len(texts) == len(set(texts)), "duplicate messages"
    return cases
