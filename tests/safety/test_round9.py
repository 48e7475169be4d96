"""Round 9 readings: an absence with its return stated is an ordinary absence."""

from __future__ import annotations

import pytest

from clinicbot.safety.benign import AWAY_REASON, benign_frames
from clinicbot.safety.features import markers
from clinicbot.safety.normalize import normalize


def _frames(text: str) -> frozenset[str]:
    normalized = normalize(text)
    return benign_frames(normalized, frozenset(markers(normalized, frame_only=False)))


@pytest.mark.parametrize(
    "text",
    [
        "i won't be around till the 3rd, can we push my booster",
        "I won't be available from the 4th to the 11th, could you move Thursday",
        "i am not going to be around next week, back on monday so any slot after that",
        "i won't be here until after the holidays, please hold my spot",
    ],
)
def test_an_absence_with_its_return_stated_is_ordinary(text: str) -> None:
    assert AWAY_REASON in _frames(text)


@pytest.mark.parametrize(
    "text",
    [
        "i won't be around after friday so cancel everything",
        "i won't be around much longer",
        "i won't be here after the 20th, no need to rebook",
        "i won't be around till the 3rd, i've got the pills ready",
        "won't be back, thanks for everything",
    ],
)
def test_an_absence_without_a_return_or_with_risk_is_not(text: str) -> None:
    assert AWAY_REASON not in _frames(text)
