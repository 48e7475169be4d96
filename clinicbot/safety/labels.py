"""The safety layer's categories (shared by the patterns, the detector and the evaluation)."""

from __future__ import annotations

CRISIS = "crisis"
EMERGENCY = "emergency"
ADVICE = "advice"
MENTION = "mention"
NONE = "none"
CATEGORIES = (CRISIS, EMERGENCY, ADVICE, MENTION, NONE)
CLASSIFIER_LABELS = (CRISIS, EMERGENCY, ADVICE, NONE)
