"""The urgent stance holds for the patient's next message (conversation rule, issue 10).

After the crisis or emergency reply, a patient's next message is often not about the risk at
all: a question about an appointment, the cost, or the treatment, sent after saying they have
pills counted out or took too many. Answering it as an ordinary question is the failure that
chatbot studies describe (the bot moves on from a disclosure). A crisis counsellor stays with
the person, so the assistant does too. The message right after an urgent reply gets the same
urgent reply again, with the urgent escalation (which joins the one already open):

* after an emergency reply, any message (an emergency in progress comes first);
* after a crisis reply, a message with a risk signal of its own, however weak: a crisis or
  emergency probability of at least ``FOLLOW_UP_MIN_SCORE`` from the safety classifier, or one
  of the detector's risk markers. That bar is lower than ``contextual_risk`` sets after a
  distress message (``CONTEXT_MIN_SCORE``), because here the person has just said something
  the assistant answered as a crisis. An ordinary question with no risk signal gets its answer,
  with the crisis-resources reminder of safe mode (``clinicbot.nlg``).

Chosen on the two-message cases of the development sets (dev to dev10, multiturn_dev) through
the start model of round 6: the repeat for any message after a crisis reply caught 4 more of
102 urgent cases but raised 24 more false alarms of 74 benign ones (an ordinary question after
a sad message the router had taken for a crisis); this rule caught 3 more and raised 6.

It does not when the message explains itself away, or acknowledges the reply:

* the detector's own safe markers (negated, "I'm safe now", an ordinary reason) or a verdict
  of negated or resolved-past risk ("no, I'm not thinking of that");
* a short acknowledgement of the help offered ("ok", "thanks, calling them now", "I called
  988", "on my way to the ER"): the conversation stays in safe mode and every later reply
  carries the crisis-resources reminder (``clinicbot.nlg``).

It holds for one message: the repeated reply is not itself an urgent *intent*, so the message
after it is judged on its own (and by ``contextual_risk``) again. A farewell or a bare "yes"
(an answer to the reply's direct question) is never an acknowledgement.

``SafetyContextPolicy`` applies it in the conversation and ``clinicbot.safety.evaluate``
applies it to the two-message cases, so the figures score what ships. Nothing here logs or
stores message text.
"""

from __future__ import annotations

import re
from typing import Any

from clinicbot.components.safety_context import RISK_MARKERS
from clinicbot.safety.labels import CRISIS, EMERGENCY
from clinicbot.safety.normalize import normalize

#: Intents that mean the previous message got the urgent reply -> the urgent kind.
URGENT_INTENTS = {"safety_crisis": CRISIS, "safety_emergency": EMERGENCY}
#: Markers of the detector that explain a message away.
SAFE_MARKERS = frozenset({"__negated__", "__safe_now__", "__benign_reason__"})
#: Verdict subcategories that explain a message away.
SAFE_SUBCATEGORIES = frozenset({"negated", "resolved_past"})
#: After a crisis reply, a follow-up's own crisis or emergency probability at or above this is
#: a risk signal (development sets; ``contextual_risk`` asks 0.35 after a distress message).
FOLLOW_UP_MIN_SCORE = 0.15
#: The longest acknowledgement, in words.
ACK_MAX_WORDS = 10

#: One acknowledgement of the help offered (normalised text: ``i will``, ``i am``).
_ACK_PART = (
    r"ok(?:ay)?|k|kk|alright|all right|sure|got it|understood|noted|will do|i will"
    r"|thanks?(?: you)?(?: so much| very much)?|thx|ty|cheers"
    r"|i (?:will|am going to|am gonna|gonna) (?:call|text|phone|ring|contact|reach out to"
    r"|go to|head to|talk to|tell)(?: \w+){0,4}"
    r"|(?:i am )?(?:calling|texting|phoning|ringing)(?: \w+){0,4}"
    r"|i (?:just )?(?:called|texted|phoned|rang|contacted|reached)(?: \w+){0,4}"
    r"|(?:i am )?on (?:my|our) way(?: \w+){0,4}|(?:the )?ambulance is (?:coming|here|on the way)"
    r"|(?:my \w+ is|someone is|they are) (?:here|with me|coming|on the way)(?: \w+){0,3}"
)
#: A whole message made only of acknowledgements (and punctuation or emoji words).
ACKNOWLEDGEMENT = re.compile(r"^(?:(?:" + _ACK_PART + r")(?: ?[.,!]+)? ?(?:and |then )?)+$")


def _words(text: str) -> list[str]:
    """The normalised words of a message (punctuation dropped)."""
    return re.findall(r"[a-z0-9']+", text)


def is_acknowledgement(text: Any) -> bool:
    """Whether a message only acknowledges the help offered ("ok thanks, calling them now").

    Args:
        text: The raw message (anything that is not text is no acknowledgement).

    Returns:
        True for a short acknowledgement; False for anything else, a bare "yes" included.
    """
    if not isinstance(text, str):
        return False
    words = _words(normalize(text))
    if not words or len(words) > ACK_MAX_WORDS:
        return False
    return bool(ACKNOWLEDGEMENT.match(" ".join(words)))


def _signals(verdict: Any) -> tuple[set[str], float]:
    """A verdict's marker names and its highest crisis or emergency probability."""
    signals = verdict.get("signals") if isinstance(verdict, dict) else None
    if not isinstance(signals, dict):
        return set(), 0.0
    found = signals.get("markers")
    names = {str(m) for m in found} if isinstance(found, list) else set()
    scores = []
    for label in (CRISIS, EMERGENCY):
        try:
            scores.append(float(signals.get(label) or 0.0))
        except (TypeError, ValueError):
            scores.append(0.0)
    return names, max(scores)


def _explained_away(verdict: Any) -> bool:
    """Whether the detector explained the message away (safe markers, negated, resolved)."""
    if isinstance(verdict, dict) and verdict.get("subcategory") in SAFE_SUBCATEGORIES:
        return True
    return bool(SAFE_MARKERS & _signals(verdict)[0])


def _risk_signal(verdict: Any) -> bool:
    """Whether the message has a risk signal of its own (a risk marker or a low probability)."""
    names, score = _signals(verdict)
    return bool(RISK_MARKERS & names) or score >= FOLLOW_UP_MIN_SCORE


def urgent_follow_up(
    previous_intent: Any, current_intent: Any, text: Any, verdict: Any
) -> str | None:
    """Whether the message right after an urgent reply gets that urgent reply again.

    Args:
        previous_intent: The intent name of the patient's previous message.
        current_intent: The intent name of this message.
        text: This message's raw text.
        verdict: This message's ``safety`` verdict.

    Returns:
        ``"crisis"`` or ``"emergency"`` (the previous reply's kind), or None when the previous
        message got no urgent reply, this one is urgent in its own right (the rules answer
        it), it explains itself away or acknowledges the reply, or (after a crisis reply) it
        has no risk signal of its own.
    """
    kind = URGENT_INTENTS.get(str(previous_intent or ""))
    if kind is None or str(current_intent or "") in URGENT_INTENTS:
        return None
    if _explained_away(verdict) or is_acknowledgement(text):
        return None
    if kind == CRISIS and not _risk_signal(verdict):
        return None
    return kind
