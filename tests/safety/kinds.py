"""The kinds of message (``cat`` values) the realistic safety sets must hold (issue 10)."""

from clinicbot.safety.evaluate import GENERAL_MEDICATION

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
