"""Round 14's safety experiment (issue 10): coping statements and advice questions' side sentences.

False alarms on sad-but-coping messages and on the side sentences of personal advice questions:
dev12 and dev13 (development sets never trained on) show two kinds of false alarm:

- coping: a sad first-person message that also tells how the writer copes ("asking my gp about
  it on friday", "my coworker keeps bringing me tea which helps", "heading to my buddy's for
  leftovers"). ``benign.SAFE_OR_COPING`` read a few such statements as present safety or
  coping (``__safe_stated__``, which raises the bar of a classifier-only crisis verdict on a
  sentence with no crisis marker to ``framed``); round 14's ``benign.COPING_STEPS`` reads more
  of them: help sought with a day, a social plan, a routine kept, support received, a step
  taken, something that helps.
- side: a message that asks a personal decision ("could i take half of one on the in-between
  days?") whose side sentence alone scores crisis with no cue word ("i'm not trying to be
  sketchy"). The detector's ``asked_side`` threshold raises the no-cue bar there.

Each variant is scored as round 13 scores its configurations (``run_config``): held out by
file over dev.yml to dev10.yml, on dev11/dev12/dev13, and on ``nlu-folds`` (the ordinary
questions of ``data/`` in five hash folds, each held out of its detector's training). No
test*.yml file, no NLU held-out and no real-FAQ sentence is read. The verdicts are saved to
``var/round14/variants.json``.

Usage (about 12 minutes on two CPUs)::

    PYTHONPATH=. .venv/bin/python scripts/safety_round14.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import scripts.safety_round13 as round13
from clinicbot.safety import benign
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.result import SafetyResult
from scripts.safety_round13 import SHIPPED, _print, _save, run_config

SAVED_DIR = Path("var/round14")
SAVED_NAME = "variants"
#: Matches nothing: the coping steps switched off.
_NOTHING = re.compile(r"(?!x)x")


class NoCopingStepsDetector(SafetyDetector):
    """The shipped detector without ``benign.COPING_STEPS`` (while it detects)."""

    def detect(self, text: Any) -> SafetyResult:
        """The shipped verdict with the coping steps matching nothing."""
        saved = benign.COPING_STEPS
        benign.COPING_STEPS = _NOTHING
        try:
            return super().detect(text)
        finally:
            benign.COPING_STEPS = saved


def _variant(coping: bool, side: float | None = None) -> Callable[[Any], SafetyDetector]:
    """A factory: the coping steps on or off, ``asked_side`` at ``side`` (None: shipped)."""

    def make(view: Any) -> SafetyDetector:
        thresholds = {} if side is None else {"asked_side": side}
        kind = SafetyDetector if coping else NoCopingStepsDetector
        return kind(classifier=view, thresholds=thresholds)

    return make


VARIANTS: dict[str, Callable[[Any], SafetyDetector]] = {
    SHIPPED: _variant(True),
    "no coping steps": _variant(False),
    "side off": _variant(True, 1.01),
    "side 0.0": _variant(True, 0.0),
    "no coping steps, side off": _variant(False, 1.01),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Trains and scores every variant, saves the verdicts and prints the figures.

    Args:
        argv: Unused (no options).
    """
    del argv
    round13.SAVED_DIR = SAVED_DIR
    results = run_config("shipped", VARIANTS)
    _save(SAVED_NAME, results)
    _print("shipped", results)


if __name__ == "__main__":
    main(sys.argv[1:])
