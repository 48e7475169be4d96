"""Round 4b (issue #10): emergencies in progress told in lay words, and the frames that drop them.

The sentences here are written for these tests (not taken from any safety set).
"""

from __future__ import annotations

import pytest

from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import emergency_explained
from clinicbot.safety.normalize import normalize

#: Emergencies in progress without the textbook term: the patterns alone must catch them.
LAY_EMERGENCIES = [
    "my uncle is on the floor shaking and his eyes rolled back",
    "she went stiff and there's foam coming out of her mouth",
    "my brother necked a whole strip of his diazepam",
    "i swallowed the entire box of my co-codamol",
    "my flatmate keeled over in the hallway and won't come round",
    "dad slumped at the table and he isn't responding",
    "my aunt's face is drooping and her words are jumbled",
    "he can't lift his right arm and his smile is lopsided",
    "feels like my chest is being squeezed in a vice",
    "i keep trying to wee but nothing comes out and my belly is swollen",
]

#: The same words told as hypothetical, film, exam, past, resolved, a pet or a workout.
EXPLAINED = [
    "if someone necked a whole strip of diazepam what would the nurse do",
    "in the film the boxer went stiff and there was foam coming out of his mouth",
    "my anatomy exam is on stroke, face drooping, words jumbled, the lot",
    "i fainted once at a concert when i was 15, should that go on my form",
    "my dad's face drooped after his surgery last year but it wore off",
    "my cat swallowed the whole packet of my sertraline so i'm at the vet, can i move my slot",
    "chest feels crushed after bench press lol",
]


@pytest.mark.parametrize("text", LAY_EMERGENCIES)
def test_patterns_catch_emergencies_in_lay_words(
    pattern_detector: SafetyDetector, text: str
) -> None:
    assert pattern_detector.detect(text).category == "emergency"


@pytest.mark.parametrize("text", EXPLAINED)
def test_frames_drop_emergency_words_told_as_not_happening(
    trained_detector: SafetyDetector, text: str
) -> None:
    assert trained_detector.detect(text).category not in ("emergency", "crisis")


@pytest.mark.parametrize(
    "text",
    [
        "my dog knocked me over and now my lips are going blue",
        "if you're reading this my husband collapsed and won't wake up, right now, help",
        "after my run i collapsed and i still can't get my breath",
    ],
)
def test_ongoing_or_grave_signs_are_never_explained_away(
    pattern_detector: SafetyDetector, text: str
) -> None:
    normalized = normalize(text)
    assert not emergency_explained(set(markers(normalized)), normalized)
    assert pattern_detector.detect(text).category == "emergency"


def test_a_plan_sent_after_a_burden_statement_is_crisis(pattern_detector: SafetyDetector) -> None:
    assert (
        pattern_detector.detect("i'll sort it out for them for good tonight").category == "crisis"
    )
    assert pattern_detector.detect("i'll fix the leaky sink for them tonight").category == "none"
