"""NLU evaluation command line and public names (the code is in ``clinicbot.evaluation``).

``python -m clinicbot.evaluate nlu|calibrate|compare|fast``: see ``clinicbot.evaluation``.
"""

from __future__ import annotations

from clinicbot.evaluation.calibrate import (
    FOLDS,
    CvRow,
    Outcome,
    Setting,
    choose,
    cross_validated_rows,
    file_folds,
    grid_outcomes,
    outcome,
    run_calibrate,
)
from clinicbot.evaluation.cases import (
    FALLBACK,
    HELDOUT_FILE,
    OUT_OF_SCOPE,
    REAL_DEV_FILE,
    RESULTS_DIR,
    RULES_FILE,
    SAFETY_INTENTS,
    Case,
    load_cases,
    load_examples,
    topic_intent,
    training_texts,
)
from clinicbot.evaluation.cli import main
from clinicbot.evaluation.compare import (
    AREAS,
    DIET_EPOCHS,
    example_bank_rankings,
    matched_decisions,
    rasa_rankings,
    run_compare,
    two_stage_rankings,
    variant_config,
)
from clinicbot.evaluation.fast import FOLLOWUP_TOPICS, Ranking, decide, fit_rankings, run_fast
from clinicbot.evaluation.leaks import LEAK_SIMILARITY, near_duplicates, normalise_for_leaks
from clinicbot.evaluation.patient import (
    OTHER_ACTION_KINDS,
    PatientSimulator,
    model_parser,
    model_predictor,
    rule_actions,
    score_real,
)
from clinicbot.evaluation.report import (
    GOALS,
    print_real_report,
    print_report,
    run_nlu,
    save_confusion_png,
)
from clinicbot.evaluation.scoring import PatientView, RealScores, Scores, score
from clinicbot.evaluation.stats import percentile

__all__ = [
    "AREAS",
    "Case",
    "CvRow",
    "DIET_EPOCHS",
    "FALLBACK",
    "FOLDS",
    "FOLLOWUP_TOPICS",
    "GOALS",
    "HELDOUT_FILE",
    "LEAK_SIMILARITY",
    "OTHER_ACTION_KINDS",
    "OUT_OF_SCOPE",
    "Outcome",
    "PatientSimulator",
    "PatientView",
    "REAL_DEV_FILE",
    "RESULTS_DIR",
    "RULES_FILE",
    "Ranking",
    "RealScores",
    "SAFETY_INTENTS",
    "Scores",
    "Setting",
    "choose",
    "cross_validated_rows",
    "decide",
    "example_bank_rankings",
    "file_folds",
    "fit_rankings",
    "grid_outcomes",
    "load_cases",
    "load_examples",
    "main",
    "matched_decisions",
    "model_parser",
    "model_predictor",
    "near_duplicates",
    "normalise_for_leaks",
    "outcome",
    "percentile",
    "print_real_report",
    "print_report",
    "rasa_rankings",
    "rule_actions",
    "run_calibrate",
    "run_compare",
    "run_fast",
    "run_nlu",
    "save_confusion_png",
    "score",
    "score_real",
    "topic_intent",
    "training_texts",
    "two_stage_rankings",
    "variant_config",
]

if __name__ == "__main__":
    raise SystemExit(main())
