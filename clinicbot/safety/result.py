"""The safety detector's verdict on one message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinicbot.safety.labels import CRISIS, EMERGENCY


@dataclass(frozen=True)
class SafetyResult:
    """The detector's verdict on one message.

    Attributes:
        category: One of ``crisis``, ``emergency``, ``advice``, ``mention``, ``none``.
        subcategory: What kind of risk or request, e.g. ``method_seeking``, ``overdose``,
            ``overdose_intentional``, ``dosing``, ``suicide_info``; ``none`` when nothing hit.
        score: 1.0 for a pattern hit, the classifier probability for a classifier hit.
        reasons: Pattern ids that hit, or ``classifier``; ``error`` after an internal failure.
        flags: Every category that was flagged, most urgent first (an intentional overdose
            has ``("emergency", "crisis")``).
    """

    category: str
    subcategory: str
    score: float
    reasons: tuple[str, ...]
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Returns the result as JSON-compatible data (set on the Rasa message).

        Returns:
            ``{"category", "subcategory", "score", "reasons", "flags"}``.
        """
        return {
            "category": self.category,
            "subcategory": self.subcategory,
            "score": round(float(self.score), 4),
            "reasons": list(self.reasons),
            "flags": list(self.flags),
        }

    @property
    def is_urgent(self) -> bool:
        """Whether the message needs the crisis or emergency reply."""
        return self.category in (CRISIS, EMERGENCY)
