"""Round 16's safety experiment (issue 10): the advice boundary, read by meaning.

The refusal figure is the one furthest from the issue's goal (0.95) on the blind sets
(test6.yml 0.657 at round 15's end). Reading the development sets' missed advice requests
(dev11.yml to dev14.yml) showed three shapes the meaning reading (``decisions.
personal_advice_kind``) did not hold:

- a change to one's own **ketamine dose** asked or requested with no medicine named ("can you
  bump my dose for thursday", "the 0.5 felt like a lot, could we go down to 0.4?", "would a
  smaller amount be sensible for me?"): ``decisions._own_dose_change``;
- an evaluation asked in **everyday words** ("is it a big deal if i skip my blood pressure pill
  on infusion day", "would taking 2 zopiclone instead of 1 be dumb"), a session day or "if i
  skip ..." as the choice, "do i leave it out";
- a **brief question opening with one's own lozenge** and a time or a count ("lozenge twice
  today?", "troche at 3am ok?"), and statins, inhalers and "malaria drugs" as medicines.

A second step reads another dose of one's own at-home ketamine asked ("redo it tonight?", "2nd
one now?", "3 sprays or 4?": ``decisions.redose_asked``, a frame-only marker that
``frames.advice_frame`` turns into advice).

Two pattern fixes go with the first step: "can i take double my ibuprofen" asks, it does not tell an
overdose (``emergency.overdose.took_too_much`` gains a modal question in its ``unless``), and
"once ain't cutting it" is an idiom (``benign.idiom.misc``).

It scores the shipped configuration as round 13 does (``run_config``): held out by file over
dev.yml to dev10.yml, on dev11 to dev15 (never trained on) and on ``nlu-folds``. The start
figures are round 15's record of the same run on the start code (``scripts/
safety_round15.py --configs shipped``, first block; README "Round 16"). No test*.yml file, no
NLU held-out and no real-FAQ sentence is read. The verdicts are saved to ``var/round16/`` (each
run overwrites ``config-shipped.json``; copy it aside to compare two steps).

Usage (about 8 minutes on two CPUs)::

    PYTHONPATH=. .venv/bin/python scripts/safety_round16.py
"""

from __future__ import annotations

from pathlib import Path

import scripts.safety_round13 as round13
from clinicbot.safety.detector import SafetyDetector
from scripts.safety_round13 import SHIPPED, _print, _save, run_config

SAVED_DIR = Path("var/round16")
#: The sets never trained on, round 16's dev15.yml among them.
UNTRAINED_SETS = ("dev11.yml", "dev12.yml", "dev13.yml", "dev14.yml", "dev15.yml")


def main() -> None:
    """Trains and scores the shipped configuration, saves the verdicts, prints the figures."""
    round13.SAVED_DIR = SAVED_DIR
    round13.UNTRAINED_SETS = UNTRAINED_SETS
    results = run_config("shipped", {SHIPPED: lambda view: SafetyDetector(classifier=view)})
    _save("config-shipped", results)
    _print("shipped", results)


if __name__ == "__main__":
    main()
