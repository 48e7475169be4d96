"""Leak check: training examples too similar to an evaluation example (0.75)."""

from __future__ import annotations

import re
from typing import List, Sequence, Tuple

# --- leakage -----------------------------------------------------------------------------------

#: Training examples at least this similar to an evaluation example count as leaked.
LEAK_SIMILARITY = 0.75
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_for_leaks(text: str) -> str:
    """Lower case, every run of other characters one space (for the similarity check)."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def near_duplicates(
    training: Sequence[str], evaluation: Sequence[str], threshold: float = LEAK_SIMILARITY
) -> List[Tuple[str, str, float]]:
    """Training texts within ``threshold`` similarity of an evaluation text.

    Similarity is ``difflib.SequenceMatcher.ratio`` on normalised text. RapidFuzz's
    ``fuzz.ratio`` (twice the longest common subsequence over the total length) is never below
    difflib's ratio, so it picks the candidate pairs for all pairs at once in C, and only those
    are compared with difflib.

    Args:
        training: Training texts.
        evaluation: Evaluation texts.
        threshold: Similarity at or above which a pair is reported.

    Returns:
        (training text, evaluation text, similarity) triples, most similar first.
    """
    import difflib

    import numpy as np
    from rapidfuzz import fuzz, process

    train_norm = [normalise_for_leaks(t) for t in training]
    eval_norm = [normalise_for_leaks(t) for t in evaluation]
    if not train_norm or not eval_norm:
        return []
    bound = process.cdist(
        train_norm, eval_norm, scorer=fuzz.ratio, score_cutoff=threshold * 100 - 1e-6, workers=1
    )
    found: List[Tuple[str, str, float]] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for i, j in zip(*np.nonzero(bound), strict=True):
        matcher.set_seqs(train_norm[i], eval_norm[j])
        ratio = matcher.ratio()
        if ratio >= threshold:
            found.append((training[i], evaluation[j], ratio))
    return sorted(found, key=lambda item: -item[2])
