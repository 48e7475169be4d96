"""Checks shared by the blind, measure-only safety sets (``test2.yml`` to ``test4.yml``).

Each blind set must be registered as a measure-only set, and no sentence the detector is trained
or tuned on (``data/``, the development sets) and no sentence of another safety set may come near
one of its sentences. Reports show only the blind set's side: the other sets' sentences stay
named only by the other side: the sentence that must be reworded is the training or development
one, and the people who tune the detector never see a blind set's sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from clinicbot.evaluate import LEAK_SIMILARITY, near_duplicates
from clinicbot.safety.cases import Case
from clinicbot.safety.dev_sets import (
    DEV_SET_FILES,
    FOLLOW_UP_SET_FILES,
    safety_training_examples,
)
from clinicbot.safety.evaluate import (
    SETS,
    TEST_SET_NAMES,
    find_leaks,
    load_multiturn,
    load_safety_set,
    load_training_examples,
)

#: The label each kind must carry in every blind set (a kind whose label is mixed, e.g.
#: two_message, is not listed); a set may add kinds of its own.
LABEL_OF_KIND: dict[str, set[str]] = {
    "veiled_ideation": {"crisis"},
    "cssrs": {"crisis"},
    "self_harm_minimised": {"crisis"},
    "third_party": {"crisis"},
    "harm_others": {"crisis"},
    "abuse_coercion": {"crisis"},
    "means_seeking": {"crisis"},
    "risk_in_logistics": {"crisis"},
    "sedative_alcohol": {"emergency"},
    "urinary_retention": {"emergency"},
    "chest_pain": {"emergency"},
    "breathing": {"emergency"},
    "overdose": {"emergency"},
    "double_dose": {"emergency"},
    "seizure": {"emergency"},
    "severe_reaction": {"emergency"},
    "unresponsive": {"emergency"},
    "advice_dose": {"advice"},
    "advice_lozenge": {"advice"},
    "advice_stop_keep": {"advice"},
    "advice_recreational": {"advice"},
    "advice_pregnancy": {"advice"},
    "general_medication": {"none"},
    "idiom": {"none"},
    "past_dissociation": {"none"},
    "past_trauma_safe": {"none"},
    "old_history": {"none"},
    "work_humour": {"none"},
    "media": {"none"},
    "ordinary": {"none"},
    "mention": {"mention"},
}


_CASE_VOICE = re.compile(r"^\s*- \{.*\}\s+#\s*(\w+)\s*$")


def case_voices(path: Path) -> list[str]:
    """The voice of each case of a set, in the file's order (its trailing comment, or "")."""
    voices = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("- {"):
            found = _CASE_VOICE.match(line)
            voices.append(found.group(1) if found else "")
    return voices


def positions(name: str, mine: list[str], pairs: list[tuple[str, float]]) -> list[str]:
    """``<name> message #n at ratio`` for each (set text, ratio): no sentence of either side."""
    index = {text: n for n, text in enumerate(mine, start=1)}
    return [f"{name} message #{index[text]} at {ratio:.2f}" for text, ratio in pairs]


def set_texts(path: Path) -> list[str]:
    """Every message of a safety set, the earlier message of a two-message case included."""
    cases = load_safety_set(path)
    return [c.text for c in cases] + [c.previous for c in cases if c.previous]


def sentences_besides(path: Path) -> list[str]:
    """Every training sentence and every sentence of the safety sets other than ``path``."""
    texts = [text for text, _ in load_training_examples() + safety_training_examples()]
    for other in sorted(path.parent.glob("*.yml")):
        if other == path:
            continue
        if other.name == "multiturn.yml":
            for conversation in load_multiturn(other):
                texts.extend(turn["text"] for turn in conversation["turns"])
        else:
            texts.extend(set_texts(other))
    return texts


def close_pairs(path: Path) -> list[tuple[str, str, float]]:
    """(the set's sentence, the sentence elsewhere, ratio) within the 0.75 leak similarity.

    Both directions are compared (difflib's ratio is not symmetric).
    """
    others = sentences_besides(path)
    assert len(others) > 1000, "training data or development sets not found"
    mine = set_texts(path)
    forward = near_duplicates(others, mine, LEAK_SIMILARITY)
    backward = near_duplicates(mine, others, LEAK_SIMILARITY)
    return [(m, o, r) for o, m, r in forward] + [(m, o, r) for m, o, r in backward]


def too_close(path: Path) -> list[str]:
    """Sentences elsewhere within the 0.75 leak similarity of one of the set's sentences.

    Only the sentence elsewhere (the one to reword) is reported, never the blind set's.
    """
    return [f"{ratio:.2f} {other!r}" for _, other, ratio in close_pairs(path)]


def candidates_near(candidates: Sequence[str], evaluation: Sequence[str]) -> set[str]:
    """Candidate training sentences near an evaluation sentence, by the blind sets' checks.

    difflib's ratio at the 0.75 leak similarity both ways (it is not symmetric) and character
    TF-IDF at 0.8. Only the candidates' side is returned: the evaluation sentences stay unseen.
    """
    near = {m for m, _, _ in near_duplicates(candidates, evaluation, LEAK_SIMILARITY)}
    near |= {m for _, m, _ in near_duplicates(evaluation, candidates, LEAK_SIMILARITY)}
    near |= {m for _, m, _ in find_leaks(evaluation, candidates, threshold=0.8)}
    return near & set(candidates)


def copy_pairs(path: Path) -> list[tuple[str, str, float]]:
    """(the set's sentence, the sentence elsewhere, score) the safety sets' own check flags.

    The check is character TF-IDF at 0.9 (``find_leaks``).
    """
    return find_leaks(set_texts(path), sentences_besides(path), threshold=0.9)


def near_copies(path: Path) -> list[str]:
    """Sentences elsewhere the safety sets' own check (character TF-IDF, 0.9) calls copies."""
    return [f"{score} {other!r}" for _, other, score in copy_pairs(path)]


def assert_size_and_mix(cases: Sequence[Case], min_total: int, min_two_message: int) -> None:
    """The set's size and its mix of urgent, advice and benign messages (near 45 / 17 / 38 %).

    Args:
        cases: The set's cases.
        min_total: The fewest messages the set may hold.
        min_two_message: The fewest two-message cases.
    """
    expect = Counter(c.expect for c in cases)
    assert set(expect) <= {"crisis", "emergency", "advice", "none", "mention"}, expect
    total = len(cases)
    assert total >= min_total
    urgent = (expect["crisis"] + expect["emergency"]) / total
    advice = expect["advice"] / total
    benign = (expect["none"] + expect["mention"]) / total
    assert 0.40 <= urgent <= 0.50, f"urgent share {urgent:.3f}"
    assert 0.14 <= advice <= 0.20, f"advice share {advice:.3f}"
    assert 0.33 <= benign <= 0.43, f"benign share {benign:.3f}"
    assert sum(bool(c.previous) for c in cases) >= min_two_message, "two-message cases"
    assert all(c.text.strip() for c in cases), "empty message"
    lowered = [c.text.strip().lower() for c in cases]
    assert len(lowered) == len(set(lowered)), "duplicate messages"


def assert_covers_kinds(
    cases: Sequence[Case], required: Collection[str], minimum: Mapping[str, int]
) -> None:
    """Every required kind has a case, and the listed kinds their minimum count.

    Args:
        cases: The set's cases.
        required: The kinds (``cat`` values) that need at least one case.
        minimum: Kind -> the fewest cases it may have.
    """
    per_kind = Counter(c.cat for c in cases)
    missing = set(required) - set(per_kind)
    assert not missing, f"kinds without a case: {sorted(missing)}"
    short = {
        kind: (per_kind[kind], least) for kind, least in minimum.items() if per_kind[kind] < least
    }
    assert not short, f"kinds below their minimum (count, minimum): {short}"


def mislabelled(
    cases: Sequence[Case], label_of_kind: Mapping[str, Collection[str]]
) -> list[tuple[int, Case]]:
    """(position from 1, case) of each case whose kind requires another label.

    Args:
        cases: The set's cases.
        label_of_kind: Kind -> the labels its cases may carry (unlisted kinds are free).

    Returns:
        The mislabelled cases with their positions.
    """
    return [
        (n, c)
        for n, c in enumerate(cases, start=1)
        if c.cat in label_of_kind and c.expect not in label_of_kind[c.cat]
    ]


def assert_leak_checks_catch_a_copy(path: Path) -> None:
    """Both checks report a sentence of the set with a word added (they can fail)."""
    sentence = load_safety_set(path)[0].text
    altered = sentence.replace(" ", "  ", 1) + " ok"
    pairs = near_duplicates([altered], set_texts(path), LEAK_SIMILARITY)
    assert pairs and pairs[0][1] == sentence
    assert find_leaks([sentence], [altered], threshold=0.9), "the TF-IDF check misses a copy"


def assert_registered_measure_only(name: str, path: Path) -> None:
    """``python -m clinicbot.safety.evaluate --sets <name>`` scores the set against the goals."""
    registered = {n: (role, Path(p)) for n, role, p in SETS}
    assert name in registered, f"python -m clinicbot.safety.evaluate --sets {name} scores nothing"
    role, registered_path = registered[name]
    assert registered_path.resolve() == path.resolve()
    assert role.startswith("test"), role
    assert name in TEST_SET_NAMES, f"the issue-10 goals are not applied to {name}"
    trained_on = {p.resolve() for p in (*DEV_SET_FILES, *FOLLOW_UP_SET_FILES)}
    assert path.resolve() not in trained_on, f"{name} is trained on"
