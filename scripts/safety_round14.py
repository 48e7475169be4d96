"""Round 14's safety experiment (issue 10): coping statements and advice questions' side sentences.

False alarms on sad-but-coping messages and on the side sentences of personal advice questions:
dev12 and dev13 (development sets never trained on) show two kinds of false alarm:

- coping: a sad first-person message that also tells how the writer copes ("asking my gp about
  it on friday", "my coworker keeps bringing me tea which helps", "heading to my buddy's for
  leftovers"). ``benign.SAFE_OR_COPING`` reads a few such statements as present safety or
  coping (``__safe_stated__``, which raises the bar of a classifier-only crisis verdict on a
  sentence with no crisis marker to ``framed``); ``COPING_STEPS`` here reads more of them
  (tried, not shipped: through the model it lost an urgent message on a blind set).
- side: a message that asks a personal decision ("could i take half of one on the in-between
  days?") whose side sentence alone scores crisis with no cue word ("i'm not trying to be
  sketchy"). The detector's ``asked_side`` threshold raises the no-cue bar there (shipped).

The shipped code also reads elliptical advice questions (``decisions.py``, round 14); that
change is in every variant, so its effect shows against the start code's figures (README).

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
#: Round 14's coping candidate, tried and NOT shipped (through the model it lost an urgent
#: message on a blind set): coping told in everyday words, read as ``__safe_stated__`` beside
#: ``benign.SAFE_OR_COPING``: help sought with a day ("asking my gp about it on friday"), a
#: social plan ("heading to my buddy's"; not "the cat is going to my neighbour"), a routine
#: kept, support received ("my titas keep feeding me"), a step taken, something that helps.
COPING_STEPS = benign._any(
    r"(?:asking|ask|seeing|see|booked in with|calling|ringing|talking to|speaking (?:to|with)"
    r"|got) (?:my|a|the) (?:gp|doctor|doc|therapist|counsell?or|psychiatrist|nurse|care team"
    r"|provider|pastor|priest)(?: \w+){0,3} (?:on|this|next|tomorrow|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)",
    r"(?<!is )(?<!are )(?<!s )(?:heading|going|off|popping) (?:over |round )?(?:to|round to)"
    r" (?:my|a|the|our) (?:\w+ )?(?:buddy|friend|mate|mum|mom|dad|sister|brother|nan|gran"
    r"|parents|cousin|neighbou?r|group|class|gym|church|book club|team)s?",
    r"still (?:going to|goes to|go to) (?:my|the|work|church|group|class)",
    r"(?:keeps?|has been|have been|is|are|been) (?:\w+ )?(?:bringing me|feeding me|checking"
    r" (?:in )?on me|looking after me|(?:very |really |so )?(?:understanding|supportive"
    r"|good to me))",
    r"i (?:have )?started (?:walking|running|journaling|swimming|yoga|going to|seeing)",
    r"(?<!only thing )(?<!nothing )(?:which|that|it|this) (?:really |actually )?(?:helps"
    r"|helped|is helping)",
    r"already applied|applied (?:for|at) (?:a|another|the|two|three)|interviews? (?:lined up"
    r"|booked|on)|we talk (?:every )?\w+days|keeping (?:myself )?busy|to distract myself",
)
_WIDER = re.compile(benign.SAFE_OR_COPING.pattern + "|" + COPING_STEPS.pattern)


class CopingDetector(SafetyDetector):
    """The shipped detector, reading ``COPING_STEPS`` as coping too (while it detects)."""

    def detect(self, text: Any) -> SafetyResult:
        """The verdict with ``benign.SAFE_OR_COPING`` widened by ``COPING_STEPS``."""
        saved = benign.SAFE_OR_COPING
        benign.SAFE_OR_COPING = _WIDER
        try:
            return super().detect(text)
        finally:
            benign.SAFE_OR_COPING = saved


def _variant(coping: bool, side: float | None = None) -> Callable[[Any], SafetyDetector]:
    """A factory: the coping candidate on or off, ``asked_side`` at ``side`` (None: shipped)."""

    def make(view: Any) -> SafetyDetector:
        thresholds = {} if side is None else {"asked_side": side}
        kind = CopingDetector if coping else SafetyDetector
        return kind(classifier=view, thresholds=thresholds)

    return make


VARIANTS: dict[str, Callable[[Any], SafetyDetector]] = {
    SHIPPED: _variant(False),
    "side off": _variant(False, 1.01),
    "side 0.0": _variant(False, 0.0),
    "coping steps (not shipped)": _variant(True),
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
