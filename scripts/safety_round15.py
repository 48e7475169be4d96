"""Round 15's safety experiment (issue 10): lethal means told as ready, and dev14 as training.

dev14.yml (development, written blind by a helper in round 15) tells lethal means kept or
placed ready ("rifle's loaded by my bed", "chain's hung in the shop rafters"), preparatory acts
and self-injury in plain words, beside ordinary messages that use the same nouns (a gun safe,
climbing rope, rat bait, a spatter burn at work). Its first run through the start model missed
30 of 202 urgent messages and alarmed on 48 of 216 ordinary ones (README, "Round 15").

Two levers are measured here, each as round 13 scores a configuration (``run_config``): held
out by file over dev.yml to dev10.yml, on dev11 to dev14 (never trained on), and on
``nlu-folds`` (the ordinary questions of ``data/`` in five hash folds):

- ``means ready`` (``signs.__means_ready__`` read by ``frames.sure_sign``, shipped): the
  variant ``means ready off`` switches it off, to show what it adds.
- ``train dev14``: the classifier also trains on dev14.yml (its hard negatives and its means).
  dev14 is then training data, so its own line for that configuration is left out; its honest
  figure is the shipped configuration's (trained without it).

No test*.yml file, no NLU held-out and no real-FAQ sentence is read. The verdicts are saved to
``var/round15/``.

Usage (about 8 minutes per configuration on two CPUs)::

    PYTHONPATH=. .venv/bin/python scripts/safety_round15.py [--configs shipped dev14]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import scripts.safety_round13 as round13
from clinicbot.safety import detector as detector_module
from clinicbot.safety import frames, signs
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.normalize import normalize
from clinicbot.safety.result import SafetyResult
from scripts.safety_round13 import SHIPPED, _print, _save, run_config

SAVED_DIR = Path("var/round15")
DEV14 = Path("tests/safety/dev14.yml")


class _PatchedDetector(SafetyDetector):
    """The shipped detector with one module attribute replaced while it detects."""

    #: ``(module, attribute name, replacement)``, set by each subclass.
    patch: tuple[Any, str, Any]

    def detect(self, text: Any) -> SafetyResult:
        """The verdict with ``patch`` in place."""
        module, name, replacement = self.patch
        saved = getattr(module, name)
        setattr(module, name, replacement)
        try:
            return super().detect(text)
        finally:
            setattr(module, name, saved)


def _first_sure_sign(found: set[str], explained: bool) -> tuple[str, str] | None:
    """``frames.sure_sign`` with the first version's reading of means ready."""
    if frames.MEANS_READY in found and (
        frames.framed_benign(found) or found & frames.EXPLAINS_MEANS_READY
    ):
        return None
    return frames.sure_sign(found, explained)


#: A candidate for the next round, measured on the development sets only (not shipped, no blind
#: run): a date or a day chosen with nothing ordinary to choose it for (C-SSRS preparation).
_DATE_CHOSEN = re.compile(
    r"\b(?:chose|chosen|picked|set|settled on|decided on|fixed) (?:a|the|my|our) (?:date|day)\b"
    r"|\bas the day\b"
)
_ORDINARY_DATE = re.compile(
    r"\b(?:for|of) (?:the|my|our|a|his|her|their) (?:\w+ )?(?:wedding|move|moving|session|infusion"
    r"|appointment|appt|surgery|party|trip|holiday|vacation|closing|exam|interview|birthday"
    r"|baby|induction|c section|funeral|memorial|service|reunion|launch|sale|visit|procedure"
    r"|treatment|consult|follow up|shower|graduation|ceremony|introduction)\b"
)


class DateChosenDetector(SafetyDetector):
    """Candidate: a date or a day chosen, with no ordinary occasion named, is crisis (plan)."""

    def detect(self, text: Any) -> SafetyResult:
        """The shipped verdict, or crisis when the candidate reading applies."""
        result = super().detect(text)
        if result.category in ("crisis", "emergency") or not isinstance(text, str):
            return result
        normalized = normalize(text)
        if _DATE_CHOSEN.search(normalized) and not _ORDINARY_DATE.search(normalized):
            found = set(markers(normalized))
            if not found & frames.EXPLAINS_MEANS_READY:
                return SafetyResult("crisis", "plan", 1.0, ("candidate.date_chosen",), ("crisis",))
        return result


def _never(normalized: str) -> bool:
    """A reading that never applies."""
    del normalized
    return False


class NoMeansReadyDetector(_PatchedDetector):
    """The shipped detector without the ``__means_ready__`` reading."""

    patch = (signs, "_means_ready", _never)


class FirstMeansReadyDetector(_PatchedDetector):
    """The detector with ``__means_ready__`` as first shipped: any benign frame explains it.

    The first version let "i'm fine", "no wahala" or an ordinary reason for being away anywhere
    in the message explain means placed ready (``frames.framed_benign``); round 15's second
    step reads only ``frames.EXPLAINS_MEANS_READY``.
    """

    patch = (detector_module, "sure_sign", _first_sure_sign)


def _variant(kind: type[SafetyDetector]) -> Callable[[Any], SafetyDetector]:
    """A factory for one detector variant on a trained classifier."""

    def make(view: Any) -> SafetyDetector:
        return kind(classifier=view)

    return make


VARIANTS: dict[str, Callable[[Any], SafetyDetector]] = {
    SHIPPED: _variant(SafetyDetector),
    "means ready off": _variant(NoMeansReadyDetector),
    "means ready as first shipped": _variant(FirstMeansReadyDetector),
    "date chosen (candidate)": _variant(DateChosenDetector),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Trains and scores each configuration's variants, saves the verdicts, prints the figures.

    Args:
        argv: ``--configs`` (``shipped``, ``dev14``; both by default).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--configs", nargs="*", choices=("shipped", "dev14"), default=None)
    args = parser.parse_args(argv)
    round13.SAVED_DIR = SAVED_DIR
    round13.CONFIGS["dev14"] = (DEV14,)
    untrained = round13.UNTRAINED_SETS
    for name in args.configs or ("shipped", "dev14"):
        round13.UNTRAINED_SETS = (
            tuple(s for s in untrained if s != DEV14.name) if name == "dev14" else untrained
        )
        results = run_config(name, VARIANTS)
        _save(f"config-{name}", results)
        _print("train dev14" if name == "dev14" else name, results)
    round13.UNTRAINED_SETS = untrained


if __name__ == "__main__":
    main(sys.argv[1:])
