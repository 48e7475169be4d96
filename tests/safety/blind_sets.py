"""Checks shared by the blind, measure-only safety sets (``test2.yml``, ``test3.yml``).

Each blind set must be registered as a measure-only set, and no sentence the detector is trained
or tuned on (``data/``, the development sets) and no sentence of another safety set may come near
one of its sentences. Reports show only the blind set's side: the other sets' sentences stay
named only by the other side: the sentence that must be reworded is the training or development
one, and the people who tune the detector never see a blind set's sentences.
"""

from __future__ import annotations

from pathlib import Path

from clinicbot.evaluate import LEAK_SIMILARITY, near_duplicates
from clinicbot.safety.evaluate import (
    SETS,
    TEST_SET_NAMES,
    find_leaks,
    load_multiturn,
    load_safety_set,
    load_training_examples,
)


def set_texts(path: Path) -> list[str]:
    """Every message of a safety set, the earlier message of a two-message case included."""
    cases = load_safety_set(path)
    return [c.text for c in cases] + [c.previous for c in cases if c.previous]


def sentences_besides(path: Path) -> list[str]:
    """Every training sentence and every sentence of the safety sets other than ``path``."""
    texts = [text for text, _ in load_training_examples()]
    for other in sorted(path.parent.glob("*.yml")):
        if other == path:
            continue
        if other.name == "multiturn.yml":
            for conversation in load_multiturn(other):
                texts.extend(turn["text"] for turn in conversation["turns"])
        else:
            texts.extend(set_texts(other))
    return texts


def too_close(path: Path) -> list[str]:
    """Sentences elsewhere within the 0.75 leak similarity of one of the set's sentences.

    Both directions are compared (difflib's ratio is not symmetric); only the sentence elsewhere
    (the one to reword) is reported, never the blind set's.
    """
    others = sentences_besides(path)
    assert len(others) > 1000, "training data or development sets not found"
    mine = set_texts(path)
    forward = near_duplicates(others, mine, LEAK_SIMILARITY)
    backward = near_duplicates(mine, others, LEAK_SIMILARITY)
    return [f"{ratio:.2f} {other!r}" for other, _, ratio in forward] + [
        f"{ratio:.2f} {other!r}" for _, other, ratio in backward
    ]


def near_copies(path: Path) -> list[str]:
    """Sentences elsewhere the safety sets' own check (character TF-IDF, 0.9) calls copies."""
    return [
        f"{score} {other!r}"
        for _, other, score in find_leaks(set_texts(path), sentences_besides(path), threshold=0.9)
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
