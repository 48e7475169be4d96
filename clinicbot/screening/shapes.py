"""Message shapes: a question, "why do you ask?", "stop", a correction ("actually I'm 19")."""

from __future__ import annotations

import re

from clinicbot.screening.text import normalize

_QUESTION_START = re.compile(
    r"^(what|what's|whats|why|how|when|where|who|whom|which|whose|is|are|am|can|could|does|do|"
    r"did|will|would|should|shall|may|has|have|tell me|explain|i want to know|i'd like to know|"
    r"i wonder|any info|info on|information on|information about)\b"
)
_WHY_RE = re.compile(
    r"\b(why|what for|what does that have to do|what's that got to do|why do you (ask|need))\b"
)
_STOP_RE = re.compile(
    r"^(ok(ay)?,? |please |can we |can you |let'?s |i want to |i'?d like to |i wanna )?"
    r"(stop|quit|cancel|abort|exit|end|halt|never ?mind|forget it|forget about it|forget this|"
    r"i'?m done|i am done|no more questions|stop asking( me)?( questions)?|"
    r"i don'?t want to (continue|do this|go on|answer( these| any more| anymore)?)|"
    r"i'?d rather not continue|i changed my mind|changed my mind)"
    r"( (it|this|that|now|here|please|the (screening|questions|quiz|pre-?screen(ing)?|"
    r"questionnaire)))*[.!]*$"
)
CORRECTION_MARKER_RE = re.compile(
    r"\b(actually|i meant|correction|mistake|mistyped|typo|go back|wrong|change|changed|"
    r"update|correct (my|that|the)|fix (my|that|the)|undo|redo|oops|not right|make (that|it)|"
    r"sorry,? i)\b"
)
GENERIC_CORRECTION_RE = re.compile(
    r"\b(change (my|the|that|an?) (last |previous )?answer|change that|go back|"
    r"previous question|last question|made a mistake|my mistake|wrong answer|"
    r"that'?s wrong|that was wrong|i was wrong|answered (that |it )?wrong|undo|mistyped|typo|"
    r"i meant|wrong (button|thing|one)|pressed the wrong|typed the wrong|redo|make (that|it)|"
    r"that'?s not right|not right|"
    r"correct (my|that|the) (last |previous )?answer|fix (my|that|the) (last |previous )?answer)\b"
)
CORRECTION_FILLER_RE = re.compile(
    r"\b(actually|sorry|oops|wait|i meant( to say)?|correction|i made a mistake|my mistake|"
    r"(can|could) i|i want to|i'?d like to|let me|please|change|correct|update|fix|my|the|"
    r"answer|to|about|for|question|on|make (that|it)|oops|redo|wrong button)\b[:,]?"
)


def is_question(text: str | None) -> bool:
    """Tells whether a message is shaped like a question or a request for information.

    Args:
        text: The patient's message.

    Returns:
        True for "is it safe?", "how much does it cost", "tell me about side effects".
    """
    norm = normalize(text)
    return norm.endswith("?") or bool(_QUESTION_START.match(norm))


def asks_why(text: str | None) -> bool:
    """Tells whether the patient asks why a question is asked."""
    return bool(_WHY_RE.search(normalize(text)))


def is_stop(text: str | None) -> bool:
    """Tells whether a message asks to stop ("stop", "never mind", "cancel the screening")."""
    return bool(_STOP_RE.match(normalize(text)))
