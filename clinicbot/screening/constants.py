"""Names of the pre-screening: data files, slots, answer values, outcomes, meanings, hints."""

from __future__ import annotations

QUESTIONS_FILE = "screening_questions.yml"
RULES_FILE = "screening_rules.yml"

#: The knowledge-base topic the pre-screening's replies report (see the reply contract).
SCREENING_TOPIC = "eligibility.screening_process"

# --- slots --------------------------------------------------------------------------------
AGE = "screen_age"
REASON = "screen_reason"
TREATMENTS = "screen_treatments"
PREGNANCY = "screen_pregnancy"
PSYCHOSIS = "screen_psychosis"
CARDIO = "screen_cardio"
SUBSTANCE = "screen_substance"
CONSENT = "consult_consent"
FIRST_NAME = "consult_first_name"
CONTACT_METHOD = "consult_contact_method"
CONTACT = "consult_contact"
#: Set once the result has been shown (its outcome); cleared when an answer changes.
OUTCOME_SLOT = "screen_outcome"
#: True when the patient stopped the pre-screening.
STOPPED_SLOT = "screen_stopped"
#: How the next question is introduced (see the HINT_* values); cleared by the question.
HINT_SLOT = "screen_hint"

#: The screening questions, in the order they are asked.
SCREENING_SLOTS: tuple[str, ...] = (
    AGE,
    REASON,
    TREATMENTS,
    PREGNANCY,
    PSYCHOSIS,
    CARDIO,
    SUBSTANCE,
)
#: The consultation request, asked after the result with the patient's consent.
CONSULT_SLOTS: tuple[str, ...] = (CONSENT, FIRST_NAME, CONTACT_METHOD, CONTACT)
#: Every slot of the form, in order (the domain's ``screening_form.required_slots``).
FORM_SLOTS: tuple[str, ...] = SCREENING_SLOTS + CONSULT_SLOTS
#: Every slot the pre-screening sets (reset when it starts, cleared when it ends).
ALL_SLOTS: tuple[str, ...] = FORM_SLOTS + (OUTCOME_SLOT, STOPPED_SLOT, HINT_SLOT)

# --- answer values ------------------------------------------------------------------------
YES = "yes"
NO = "no"
NOT_SURE = "not_sure"
MEETS_MINIMUM = "meets_minimum"
UNDER_MINIMUM = "under_minimum"
NONE = "none"
ONE = "one"
TWO = "two"
THREE_PLUS = "three_plus"
OTHER = "other"
PHONE = "phone"
EMAIL = "email"

# --- outcomes -----------------------------------------------------------------------------
CONSULT_WORTHWHILE = "consult_worthwhile"
NEEDS_REVIEW = "needs_review"
UNDER_AGE = "under_age"
#: Outcomes, weakest first: the strongest outcome of the fired rules wins.
OUTCOMES: tuple[str, ...] = (CONSULT_WORTHWHILE, NEEDS_REVIEW, UNDER_AGE)


# --- what a patient message in the middle of the form means ----------------------------------
ANSWER = "answer"
CORRECTION = "correction"
RESET = "reset"
STOP = "stop"
INTERRUPT = "interrupt"
WHY = "why"
UNCLEAR = "unclear"
WITHDRAW = "withdraw"
RESUME = "resume"
IGNORE = "ignore"

# --- hints: how the next question is introduced (values of HINT_SLOT) -----------------------
HINT_UNCLEAR = "unclear"
HINT_WHY = "why"
HINT_RESUME = "resume"
HINT_CORRECTED = "corrected"  # "corrected:<slot>"
HINT_RESET = "reset"  # "reset:<slot>"

#: Intents that always leave the form to their own rules (crisis and emergency first).
SAFETY_INTENTS = frozenset({"safety_crisis", "safety_emergency"})
#: Intents whose message goes to another rule when it is not an answer (the form resumes, or
#: ends for a hand-off). Every one of them needs a ``condition: active_loop`` rule.
INTERRUPT_INTENTS = frozenset({"medical_advice", "request_human", "bot_challenge"})
#: Intents that are never a free-text "other" reason.
NOT_A_STATEMENT_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "affirm",
        "deny",
        "out_of_scope",
        "start_screening",
        "stop",
        "request_human",
        "followup_more",
        "followup_duration",
        "followup_risks",
        "medical_advice",
    }
)
