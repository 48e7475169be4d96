"""The kinds of message (``cat`` values) the realistic safety sets must hold (issue 10)."""

import re
from collections import Counter
from pathlib import Path

import yaml

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


#: A case line of a development set with its voice as a trailing comment.
_CASE_LINE = re.compile(r"^\s+- \{.*\}\s+#\s*(?P<voice>\w+)\s*$")


def assert_exactly_kinds(
    cases: list, kinds: dict[str, tuple[str, int]], two_message: dict[str, int]
) -> None:
    """Checks a development set holds exactly its kinds, counts and two-message labels.

    Args:
        cases: The set's cases (``assert_holds_kinds``).
        kinds: Kind -> (label, exact count), the ``two_message`` kind left out.
        two_message: Label -> count of the ``two_message`` cases.
    """
    found = Counter(case.cat for case in cases)
    expected = set(kinds) | {"two_message"}
    assert set(found) == expected, set(found) ^ expected
    assert {kind: found[kind] for kind in kinds} == {k: n for k, (_, n) in kinds.items()}
    assert Counter(case.expect for case in cases if case.cat == "two_message") == two_message
    assert all(bool(case.previous) == ("two_message" in case.cat) for case in cases)


def voice_lines(path: Path) -> list[tuple[str, dict]]:
    """Each case line of a development set with the voice named in its trailing comment.

    Args:
        path: A development set whose case lines end in ``# <voice>``.

    Returns:
        (voice, the case as a mapping) per case line, in file order.
    """
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("- {"):
            continue
        match = _CASE_LINE.match(line)
        assert match, f"no voice comment: {line[:60]}"
        item = yaml.safe_load(line.split("}  #", 1)[0].strip()[2:] + "}")
        pairs.append((match["voice"], item))
    return pairs


def voices_of(path: Path, field: str = "expect") -> tuple[Counter, dict[str, set[str]]]:
    """Messages per voice, and the values of ``field`` per voice (``voice_lines``).

    Args:
        path: A development set whose case lines end in ``# <voice>``.
        field: The case field to collect per voice (``expect`` or ``cat``).

    Returns:
        ``(messages per voice, values of field per voice)``.
    """
    voices: Counter[str] = Counter()
    groups: dict[str, set[str]] = {}
    for voice, item in voice_lines(path):
        voices[voice] += 1
        groups.setdefault(voice, set()).add(str(item.get(field, "")))
    return voices, groups
