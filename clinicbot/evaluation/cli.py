"""Command line of the NLU evaluation: ``python -m clinicbot.evaluate nlu|calibrate|compare``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

import clinicbot.evaluation as package
from clinicbot.evaluation.calibrate import run_calibrate
from clinicbot.evaluation.cases import HELDOUT_FILE, REAL_DEV_FILE
from clinicbot.evaluation.compare import run_compare
from clinicbot.evaluation.fast import run_fast
from clinicbot.evaluation.report import GOALS, run_nlu


def main(argv: Sequence[str] | None = None) -> int:
    """Command line.

    Args:
        argv: Arguments.

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(
        description=package.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["nlu", "compare", "calibrate", "fast"])
    parser.add_argument("--real", type=Path, default=REAL_DEV_FILE)
    parser.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--model", type=Path, default=None, help="nlu: model archive")
    parser.add_argument("--min-right", type=float, default=GOALS["min_right"])
    parser.add_argument("--max-confident-wrong", type=float, default=GOALS["max_confident_wrong"])
    parser.add_argument("--min-offered", type=float, default=GOALS["min_offered"])
    parser.add_argument("--min-heldout", type=float, default=GOALS["min_heldout"])
    parser.add_argument(
        "--designs",
        nargs="+",
        default=["tfidf", "logreg", "two_stage", "bank", "diet"],
        help="compare: designs to train and score",
    )
    parser.add_argument("--C", type=float, default=None, help="fast: regularisation")
    parser.add_argument("--fallback", type=float, default=None, help="fast: fallback threshold")
    parser.add_argument("--alt-min", type=float, default=None, help="fast: runner-up threshold")
    parser.add_argument("--hedge-below", type=float, default=None, help="fast: middle band")
    parser.add_argument("--show", type=int, default=0, help="fast: failures to list")
    args = parser.parse_args(argv)
    if args.mode == "fast":
        candidates = {
            "C": args.C,
            "fallback": args.fallback,
            "alternative_min_confidence": args.alt_min,
            "hedge_below": args.hedge_below,
        }
        overrides = {k: v for k, v in candidates.items() if v is not None}
        return run_fast(args.real, args.heldout, overrides, args.show)
    if args.mode == "nlu":
        goals = {
            "min_right": args.min_right,
            "max_confident_wrong": args.max_confident_wrong,
            "min_offered": args.min_offered,
            "min_heldout": args.min_heldout,
        }
        return run_nlu(args.real, args.heldout, goals, args.model)
    if args.mode == "calibrate":
        return run_calibrate()
    return run_compare(args.real, args.designs)
