"""Per-message risk signals and the two-message (conversation context) rule.

The safety detector judges one message at a time. Two kinds of decision need more than its
verdict, so ``SafetyDetectorComponent`` also stores a few *signals* of each message in the
verdict (``safety["signals"]``, part of the parse data, so the tracker keeps them):

* ``crisis`` / ``emergency``: the safety classifier's highest probability over the whole
  message and its sentences, with no pattern veto (how risky the words sound);
* ``markers``: the meaning markers of ``clinicbot.safety.features`` (absence, farewell,
  negation, "I'm safe now", an ordinary reason for being away ...);
* ``distress``: a distress or loss statement (a death, a break-up, a lost job or home;
  hopeless, worthless, trapped, alone, a burden, can't cope ...);
* ``follow_up``: words of a veiled follow-up that the detector's markers do not cover: a
  lethal place or object (the height of a roof, the depth of a lake, a gun shop, a rope), or
  putting affairs in order (a new home for a pet, leaving savings or belongings to someone,
  life insurance).

Two pure functions decide from them:

``contextual_risk(previous, current)`` -- a veiled message right after a distress message is a
crisis: the previous message shows distress (a crisis verdict, distress words or hopeless /
absence / farewell markers) and the current one, which the detector did not call urgent, has
a risk signal of its own (a crisis probability of at least ``CONTEXT_MIN_SCORE``, a veiled
follow-up, or an absence / farewell / no-return marker with a crisis probability of at least
``MARKER_MIN_SCORE``) and no sign that explains it away
(negation, present safety, an ordinary reason for being away, or, unless the follow-up is
veiled, a question about one's own treatment or moving an appointment, which looks forward,
or one of the detector's reviewed benign patterns, such as getting better).
``SafetyContextPolicy`` applies it in the conversation and ``clinicbot.safety.evaluate``
applies it to the two-message cases, so the figure scores what ships.

``supports_classifier_guess(verdict)`` -- whether the *intent classifier's* crisis or
emergency guess, which the detector did not make, may stand (``SafetyRouter``): not when the
detector found the risk words negated, told as past or as information (category ``mention``)
or the writer says they are safe, and only with some risk signal of the detector's own.

Nothing here logs or stores message text: signals are numbers, marker names and booleans.
"""

from __future__ import annotations

import re
from typing import Any

from clinicbot.safety.benign import BENIGN_FRAMES, benign_frames
from clinicbot.safety.decisions import MAX_READ_CHARS
from clinicbot.safety.detector import SafetyDetector
from clinicbot.safety.features import markers
from clinicbot.safety.frames import CRISIS_MARKERS
from clinicbot.safety.labels import CRISIS, EMERGENCY, MENTION
from clinicbot.safety.normalize import normalize
from clinicbot.safety.segments import FULL_TEXT_LIMIT, segments

#: The verdict key holding a message's signals.
SIGNALS_KEY = "signals"
#: A follow-up's own crisis probability at or above this counts as a risk signal after
#: distress (chosen on the development pairs of tests/safety/multiturn_dev.yml and dev5.yml
#: and on the held-out NLU questions put after a distress message; the single-message crisis
#: threshold is 0.45).
CONTEXT_MIN_SCORE = 0.35
#: An absence, farewell or no-return marker counts with at least this crisis probability
#: ("thanks for the info, goodbye for now" is a farewell with none).
MARKER_MIN_SCORE = 0.1
#: A previous message's crisis probability at or above this counts as distress.
DISTRESS_MIN_SCORE = 0.5
#: A classifier-only crisis/emergency guess needs at least this probability of the same label
#: from the detector's classifier, or a crisis marker, to stand.
GUESS_MIN_SCORE = 0.15

#: Markers that show distress in a previous message.
DISTRESS_MARKERS = frozenset({"__hopeless__", "__fp_absence__", "__finality__", "__no_return__"})
#: Markers that make a follow-up veiled risk after distress.
FOLLOW_UP_MARKERS = frozenset({"__fp_absence__", "__finality__", "__no_return__"})
#: Markers that explain a follow-up away (negated, safe now, an ordinary reason).
SAFE_MARKERS = frozenset({"__negated__", "__safe_now__", "__benign_reason__"}) | BENIGN_FRAMES
#: Markers that support a classifier-only crisis guess: the detector's own crisis markers (one
#: list, ``frames.CRISIS_MARKERS``) and a bladder that will not empty (an emergency sign).
RISK_MARKERS = CRISIS_MARKERS | {"__bladder__"}


def _words(*alternatives: str) -> re.Pattern[str]:
    """Compiles word-bounded alternatives (bounded quantifiers only: linear on any input)."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


#: Distress or loss, in the normalised form (``i am``, ``can not``).
DISTRESS = _words(
    r"(?:lost|losing|lose) (?:my|the|our) (?:\w+ )?(?:job|house|home|apartment|baby|son"
    r"|daughter|wife|husband|partner|kids|children|custody|mom|dad|mother|father|brother"
    r"|sister|friend|everything)",
    r"died|passed away|funeral|grie(?:f|ving|ve)|divorce\w*|broke up|break ?up|left me",
    r"took the kids|moved out|fired|laid off|evict\w*|bankrupt\w*|debt",
    r"hopeless|worthless|useless|failure|a burden|alone|lonely|empty|numb|trapped|drowning",
    r"exhausted|tired of|sick of|done with|can not (?:cope|go on|take (?:it|this)|do this"
    r"|get out of bed|stop crying)|hate myself|ruin\w*|messed up|wreck\w*|falling apart",
    r"no point|pointless|nothing (?:matters|works|helps|left|has (?:worked|helped))",
    r"end of my rope|crying|depress\w*|miserable|unbearable|disappoint\w*|struggling",
    r"so sad|sad all|awful|never ends|have no one|no one left|like a ghost",
    r"(?:no one|nobody) (?:cares|would notice|would care|answers|notices)|no one left",
)
#: A veiled follow-up the detector's markers miss: lethal places and objects, affairs put in
#: order.
FOLLOW_UP = _words(
    r"how (?:deep|high|tall|far down)(?: \w+){0,3} (?:lake|river|water|bridge|cliff|roof"
    r"|building|overpass|garage|drop|fall)",
    r"(?:lake|river|bridge|cliff|roof|overpass)(?: \w+){0,4} (?:deep|high|tall|roof level"
    r"|top floor)|roof level|top floor",
    r"gun (?:shop|store|range)|(?:buy|get|borrow) (?:a )?(?:gun|rifle|pistol|firearm)"
    r"|bullets|ammo|rope|noose|knives|razor blades?",
    r"(?:new|good) home for (?:my|the) (?:cat|dog|pet|bird)|(?:my|the) (?:cat|dog|pet)"
    r"(?: \w+){0,2} (?:goes|go) to a (?:good|new) home",
    r"(?:leave|leaving|give|giving|sign|signing) (?:all )?(?:my|over my) (?:savings|money"
    r"|things|stuff|belongings|car|house|accounts?)(?: \w+){0,2} to",
    r"life insurance|my will|(?:insulin|pills?|tablets?|meds|medication)(?: \w+){0,3} "
    r"(?:stop a heart|to die|would kill|enough)",
)
#: A question about continuing one's own treatment (looks forward): move, reschedule, book.
CONTINUING_TREATMENT = _words(
    r"(?:move|reschedule|rebook|book|schedule|push back|pause|postpone)(?: \w+){0,3} "
    r"(?:appointment|session|infusion|visit|consultation)",
)


def message_signals(detector: SafetyDetector, text: Any) -> dict[str, Any]:
    """The signals of one message (see the module docstring). Never raises on bad input.

    Args:
        detector: The detector whose classifier scores the message (patterns only: 0.0).
        text: The raw message (anything that is not text counts as empty).

    Returns:
        ``{"crisis": float, "emergency": float, "markers": [...], "distress": bool,
        "follow_up": bool, "continuing": bool, "follow_up_advice": float}``
        (``follow_up_advice``: round 19's reader of a message after a named medicine,
        ``clinicbot.safety.follow_up_reader``; 0.0 without a trained reader or encoder).
    """
    normalized = normalize(text) if isinstance(text, str) else ""
    signals: dict[str, Any] = {
        CRISIS: 0.0,
        EMERGENCY: 0.0,
        "markers": [],
        "distress": False,
        "follow_up": False,
        "continuing": False,
        "follow_up_advice": 0.0,
    }
    if not normalized:
        return signals
    head = normalized[:FULL_TEXT_LIMIT]
    signals["markers"] = [*markers(head), *sorted(benign_frames(head))]
    signals["distress"] = bool(DISTRESS.search(head))
    signals["follow_up"] = bool(FOLLOW_UP.search(head))
    signals["continuing"] = bool(CONTINUING_TREATMENT.search(head))
    if detector.classifier is not None:
        parts = [head, *segments(head)][:20]
        for probabilities in detector.classifier.predict_proba_normalized(parts):
            for label in (CRISIS, EMERGENCY):
                signals[label] = round(max(signals[label], float(probabilities.get(label, 0))), 4)
        read = getattr(detector.classifier, "follow_up_probabilities", None)
        if read is not None and len(normalized) <= MAX_READ_CHARS:
            found = read([normalized])
            if found:
                signals["follow_up_advice"] = round(found[0], 4)
    return signals


def _signals(verdict: Any) -> dict[str, Any]:
    """The signals inside a verdict (empty when missing or malformed)."""
    if not isinstance(verdict, dict):
        return {}
    signals = verdict.get(SIGNALS_KEY)
    return signals if isinstance(signals, dict) else {}


def _score(signals: dict[str, Any], label: str) -> float:
    """A signal's probability as a float (0.0 when missing or malformed)."""
    try:
        return float(signals.get(label) or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _markers(signals: dict[str, Any]) -> set[str]:
    """A signal's marker names."""
    found = signals.get("markers")
    return {str(m) for m in found} if isinstance(found, list) else set()


def _benign_pattern(verdict: dict[str, Any]) -> bool:
    """Whether one of the detector's benign patterns matched (its ``reasons``)."""
    reasons = verdict.get("reasons")
    if not isinstance(reasons, list):
        return False
    return any(str(reason).startswith("benign") for reason in reasons)


def shows_distress(verdict: Any) -> bool:
    """Whether a message's verdict shows distress (see the module docstring).

    Args:
        verdict: The message's ``safety`` verdict.

    Returns:
        True for a crisis verdict, distress words, a distress marker or a high crisis score.
    """
    if not isinstance(verdict, dict):
        return False
    signals = _signals(verdict)
    if SAFE_MARKERS & _markers(signals) and verdict.get("category") != CRISIS:
        return False
    return (
        verdict.get("category") == CRISIS
        or bool(signals.get("distress"))
        or bool(DISTRESS_MARKERS & _markers(signals))
        or _score(signals, CRISIS) >= DISTRESS_MIN_SCORE
    )


def contextual_risk(previous: Any, current: Any) -> str | None:
    """Whether the current message is a crisis in the light of the previous one.

    Args:
        previous: The ``safety`` verdict of the patient's previous message (or None).
        current: The ``safety`` verdict of the current message.

    Returns:
        ``"crisis"`` when a veiled follow-up comes right after distress, else None (also
        when the detector already called the current message urgent: the router answers it).
    """
    if not isinstance(current, dict) or current.get("category") in (CRISIS, EMERGENCY):
        return None
    if not shows_distress(previous):
        return None
    signals = _signals(current)
    found = _markers(signals)
    if SAFE_MARKERS & found or current.get("subcategory") in ("negated", "resolved_past"):
        return None
    score = _score(signals, CRISIS)
    veiled = bool(signals.get("follow_up")) or (
        bool(FOLLOW_UP_MARKERS & found) and score >= MARKER_MIN_SCORE
    )
    if (signals.get("continuing") or "__treatment__" in found) and not veiled:
        return None  # "can i move my appointment": a question about one's own treatment
    if _benign_pattern(current) and not signals.get("follow_up"):
        return None  # a reviewed benign pattern ("... and feel better") explains it
    if veiled or score >= CONTEXT_MIN_SCORE:
        return CRISIS
    return None


def supports_classifier_guess(verdict: Any, category: str) -> bool:
    """Whether the intent classifier's crisis or emergency guess may stand (router).

    Args:
        verdict: The detector's ``safety`` verdict (category ``none`` or ``mention``).
        category: ``crisis`` or ``emergency``, the guess.

    Returns:
        False when the detector explained the risk words away (``mention``: negated, past,
        information) or the writer says they are safe; otherwise True only with a risk
        signal of the detector's own (a probability of the guessed label of at least
        ``GUESS_MIN_SCORE``, or a crisis marker). A verdict without signals (an older
        model, or the router's patterns-only fallback) keeps the guess: recall first.
    """
    if not isinstance(verdict, dict):
        return True
    if verdict.get("category") == MENTION:
        return False
    signals = _signals(verdict)
    if not signals:
        return True
    found = _markers(signals)
    if found & ({"__negated__", "__safe_now__"} | BENIGN_FRAMES):
        return False
    return _score(signals, category) >= GUESS_MIN_SCORE or bool(RISK_MARKERS & found)
