"""Frames read from the meaning markers: what explains risk words away, and what never does.

The markers of ``clinicbot.safety.features`` say who speaks of whom, when, and in what tone.
The detector uses them here in three ways:

* ``CRISIS_MARKERS`` support a classifier crisis verdict that has no cue word;
* ``framed_benign``: a benign frame (hyperbole, a thing as subject, someone else or the media,
  an ordinary reason) or present safety stated with nothing current, and no strong risk sign;
  a classifier verdict there needs the ``framed`` threshold;
* ``drop_framed_hits`` and ``told_as_resolved``: pattern hits a frame explains ("i'd rather die
  than fill out another form", "my aunt killed herself when i was little", "it wore off", "i cut
  my finger chopping onions") are dropped or become a mention;
* ``advice_frame``: a decision about the writer's own treatment told without a medicine's name
  (their own pregnancy or breastfeeding, their own use of alcohol, cannabis or psychedelics
  during the series, or going ahead with, putting off or choosing their own treatment given
  their own health) is personal advice, unless the question is asked in general;
* ``explained_by_message``: an ordinary reason anywhere in the message explains a sentence
  whose only crisis signs are absence or farewell;
* ``sure_sign``: an urge with nothing coming out, someone else talking of ending it;
* ``self_harm_told``: harm the writer did to themselves, told as current (often played down:
  "just a few scratches, no biggie"), is crisis whatever else the message asks;
* ``emergency_explained``: emergency words told as hypothetical, from a film or an exam, as a
  past event with nothing now, as resolved, or with an ordinary cause (a pet, a workout).

``STRONG_RISK_MARKERS`` (no consent, control at home, threats, means, not coming back, a bladder
that will not empty) keep every alarm whatever the frame.
"""

from __future__ import annotations

import re

from clinicbot.safety.benign import (
    AWAY_REASON,
    IDIOM,
    MESSAGE_FRAMES,
    RAISES_CRISIS_BAR,
    STORY_OR_WORK,
)
from clinicbot.safety.patterns import Pattern
from clinicbot.safety.signs import MEANS_READY

#: Meaning markers that support a classifier crisis verdict without a cue word.
CRISIS_MARKERS = frozenset(
    {
        "__self_inflicted__",
        "__fp_absence__",
        "__finality__",
        "__no_consent__",
        "__control_fear__",
        "__threat_other__",
        "__no_return__",
        "__own_injury__",
        "__no_reason__",
        "__other_talks_of_dying__",
        "__stockpile__",
        "__ending__",
        "__after_me__",
    }
)
#: Markers of a frame that explains risk words away: hyperbole ("i'd rather die than"), a
#: thing as the subject ("my battery is about to die"), someone else or the media ("a
#: character in the show"), an ordinary reason for being away or giving things away.
BENIGN_FRAME_MARKERS = frozenset(
    {
        "__hyperbole__",
        "__object_subject__",
        "__third_person__",
        "__benign_reason__",
        IDIOM,
        STORY_OR_WORK,
    }
)
#: Harm the writer did to themselves: told in a phrase ("hurt myself", "till it bled") or by its
#: parts (``clinicbot.safety.signs``: a body part, an injury word and the writer's own doing).
_SELF_HARM_MARKERS = frozenset({"__self_inflicted__", "__own_injury__"})
#: Markers that no benign frame explains away (they keep a framed verdict supported).
STRONG_RISK_MARKERS = frozenset(
    {
        "__no_return__",
        "__no_consent__",
        "__control_fear__",
        "__threat_other__",
        "__bladder__",
        "__urge_no_flow__",
        "__means__",
        "__stockpile__",
    }
)


def framed_benign(found: set[str]) -> bool:
    """Whether a part's markers frame its risk words as benign (and nothing strong says risk).

    A benign frame (hyperbole, a thing as subject, someone else or the media, an ordinary
    reason), or present safety stated with nothing current, and no strong risk marker.
    """
    if found & STRONG_RISK_MARKERS:
        return False
    if found & BENIGN_FRAME_MARKERS:
        return True
    if "__accident__" in found and not _SELF_HARM_MARKERS & found:
        return True
    return "__safe_now__" in found and "__now__" not in found


#: Read over a message that asks a personal decision of the writer's own, confidently
#: (``detector`` threshold ``asked_side``): a side sentence needs a sign of its own.
ASKED_DECISION = "__asked_decision__"
#: Readings of the whole message that reach each of its parts (``explained_by_message``).
_CARRIED = MESSAGE_FRAMES | RAISES_CRISIS_BAR | {ASKED_DECISION}

#: Crisis signs an ordinary reason for being away or giving things away explains.
_AWAY_SIGNS = frozenset({"__fp_absence__", "__finality__"})


def explained_by_message(found: set[str], message: frozenset[str]) -> set[str]:
    """A part's markers, with the message's ordinary reason when it explains the part.

    "i won't be around next week" is explained by "visiting my parents" in another sentence
    of the message; a part with any other crisis sign (no return, self-harm, no reason to go
    on ...) is not.

    Args:
        found: The part's markers.
        message: The whole message's markers.

    Returns:
        ``found``, plus ``__benign_reason__`` when the message has one and the part's only
        crisis signs are absence or farewell.
    """
    if "__benign_reason__" in message and (found & CRISIS_MARKERS) <= _AWAY_SIGNS:
        found = found | {"__benign_reason__"}
    # a frame read over the whole message (benign.py: an idiom, a story or work, an ordinary
    # reason for being away; a personal decision asked) covers each of its sentences
    return found | (message & _CARRIED)


#: What explains lethal means told as ready: the past, a hypothetical, the media, a general
#: question, or a benign frame (hyperbole, a thing or someone else as subject, an idiom, a story
#: or work) other than an ordinary reason for being away or giving things away (a visit explains
#: an absence, not a loaded rifle). Not "i'm fine" or "no wahala" either: beside means placed
#: ready it minimises, as with harm to oneself. The means' ordinary use and safe storage are read
#: by ``signs`` itself.
EXPLAINS_MEANS_READY = frozenset(
    {"__past__", "__hypothetical__", "__media__", "__info_only__"}
) | (BENIGN_FRAME_MARKERS - {"__benign_reason__"})


def sure_sign(found: set[str], explained: bool) -> tuple[str, str] | None:
    """A sign told by its parts that decides on its own, like a pattern for a sure case.

    An urge with nothing coming out (urinary retention) is an emergency unless the message's
    frame explains it (hypothetical, past, resolved); someone else talking of jumping or
    ending it is third-party crisis unless it is framed as a joke, hyperbole or the media;
    lethal means kept or placed ready (``__means_ready__``: "rifle's loaded by my bed", "the
    chain's hung in the rafters") is crisis unless ``EXPLAINS_MEANS_READY`` does (the past, a
    hypothetical, the media, a general question, hyperbole, someone else); "i'm fine" beside
    it minimises and does not.

    Args:
        found: The message's markers.
        explained: Whether ``emergency_explained`` holds for the message.

    Returns:
        ``(category, subcategory)`` or ``None``.
    """
    if "__urge_no_flow__" in found and not explained:
        return "emergency", "severe_reaction"
    if "__other_talks_of_dying__" in found and not (
        framed_benign(found) or "__joke__" in found or "__past__" in found
    ):
        return "crisis", "third_party"
    if MEANS_READY in found and not found & EXPLAINS_MEANS_READY:
        return "crisis", "plan"  # lethal means kept or placed ready (round 15)
    return None


def told_as_resolved(found: set[str]) -> bool:
    """Whether a message tells of something over: past or present safety, resolved, not now.

    Harm to oneself played down and not placed in the past ("put my belt round my neck but
    stopped. i'm fine, don't call anyone") is not over: "i'm fine" there minimises.
    """
    if "__now__" in found or found & STRONG_RISK_MARKERS:
        return False
    if "__minimised__" in found and _SELF_HARM_MARKERS & found and "__past__" not in found:
        return False
    if "__resolved__" in found:
        return bool({"__past__", "__safe_now__"} & found)
    return {"__past__", "__safe_now__"} <= found


#: Pattern kinds a hyperbole or a thing as subject explains away ("i'd rather die than fill
#: out another form", "i nearly passed out from boredom", "i'll strangle my printer").
_HYPERBOLE_KINDS = frozenset(
    {"harm_others", "direct_ideation", "passive_ideation", "severe_reaction"}
)


#: "i won't be around next week" is explained by an ordinary reason ("i'm traveling for work").
_AWAY_FOR_A_REASON = "crisis.plan.not_around"


def drop_framed_hits(
    crisis: list[Pattern], emergency: list[Pattern], found: set[str]
) -> tuple[list[Pattern], list[Pattern], list[str]]:
    """Drops pattern hits that a benign frame of the message explains.

    Hyperbole or a thing as the subject drops ideation, threat and reaction hits; someone
    else or the media told of, with nothing current, drops third-party hits ("my aunt killed
    herself when i was little"); an ordinary injury drops self-harm hits ("i cut my finger
    chopping onions"), and an ordinary reason for being away drops "i won't be around".
    Nothing is dropped when a strong risk marker is there; method seeking, plans (but that
    one), abuse and overdoses are never dropped, nor self-harm told without an injury's
    ordinary cause.

    Returns:
        The remaining crisis and emergency hits and the names of the frames that applied.
    """
    if found & STRONG_RISK_MARKERS:
        return crisis, emergency, []
    drop: set[str] = set()
    frames: list[str] = []
    if {"__hyperbole__", "__object_subject__", IDIOM} & found:
        drop |= _HYPERBOLE_KINDS
        frames.append("framed_hyperbole")
    if "__third_person__" in found and "__now__" not in found:
        drop.add("third_party")
        frames.append("framed_third_person")
    if STORY_OR_WORK in found:  # a memoir's author, a crime drama's pills, a volunteer's callers
        drop |= _HYPERBOLE_KINDS | {"third_party", "plan"}
        if "__present_self__" in found:  # "reading a book ... and now my chest is crushing"
            drop.discard("severe_reaction")
        frames.append("framed_story_or_work")
    if "__accident__" in found and not _SELF_HARM_MARKERS & found:
        drop.add("self_harm")
        frames.append("framed_accident")
    if "__benign_reason__" in found or AWAY_REASON in found:
        drop.add(_AWAY_FOR_A_REASON)
        frames.append("framed_benign_reason")
    if not drop:
        return crisis, emergency, []
    kept_crisis = [p for p in crisis if p.sub not in drop and p.id not in drop]
    kept_emergency = [p for p in emergency if p.sub not in drop and p.id not in drop]
    dropped = len(kept_crisis) + len(kept_emergency) < len(crisis) + len(emergency)
    return kept_crisis, kept_emergency, frames if dropped else []


def advice_frame(found: set[str]) -> str | None:
    """The kind of personal decision a message asks about without naming a medicine, if any.

    ``pregnancy``: the writer's own pregnancy, breastfeeding or wish to conceive, their
    treatment and a question what to do ("found out i'm 8 weeks, do i cancel monday?");
    ``substance``: a recreational or psychedelic substance, the writer's own use of it and
    their treatment ("can i keep doing edibles during the series"). A general or policy
    question ("what do you tell patients in general about weed") is neither.

    Args:
        found: The message's markers.

    ``at_home_dose``: another dose of one's own at-home ketamine asked
    (``decisions.redose_asked``: "spat the troche out early, redo it tonight?").

    Returns:
        ``pregnancy``, ``substance``, ``treatment_decision``, ``at_home_dose`` or ``None``.
    """
    if "__info_only__" in found:
        return None
    if {"__own_pregnancy__", "__treatment__", "__asks_decision__"} <= found:
        return "pregnancy"
    substance = bool(found & {"__substance__", "__substance_named__"})
    treatment = bool(found & {"__treatment__", "__treatment_day__"})
    if substance and treatment and "__own_use__" in found:
        return "substance"
    if "__own_treatment_decision__" in found and not told_as_resolved(found):
        return "treatment_decision"
    if "__redose_asked__" in found and not told_as_resolved(found):
        return "at_home_dose"  # "first lozenge did nothing, take another?" (round 16)
    return None


def self_harm_told(found: set[str]) -> bool:
    """Whether the writer tells of harming themselves, as something current.

    Not when it is told as long past and over ("in my teens i used to ..., all healed"), or
    as past with nothing current.

    Args:
        found: The message's markers.

    Returns:
        ``True`` for a current self-harm disclosure, however minimised.
    """
    if not _SELF_HARM_MARKERS & found:
        return False
    if "__accident__" in found and "__self_inflicted__" not in found:
        return False
    if "__past__" in found and "__now__" not in found:
        return False
    return not told_as_resolved(found)


#: Told as over ("it wore off", "fine after"); not the ``__resolved__`` marker, whose "passed"
#: would also read "passed out" as over.
_RESOLVED = re.compile(
    r"\b(?:wore off|faded|went away|settled down|cleared up|sorted it|(?:all good|fine|better"
    r"|ok|okay|normal) (?:now|after|since)|none since|not since|nothing since|(?:all |fully )?"
    r"healed|behind me|recovered|well controlled)\b"
)
#: A state word that may close a question ("is this normal after ketamine ?") as well as tell
#: something over ("i was fine after an hour").
_STATE_AFTER = re.compile(r"\b(?:all good|fine|better|ok|okay|normal) (?:now|after|since)\b")
#: The rest of a question after such a word: a few words, no comma, then "?".
_ASKED_REST = re.compile(r"^(?: [^\s.!?;,]+){0,6} \?")


def _told_over(normalized: str) -> bool:
    """Whether the message tells its trouble as over ("wore off", "fine after an hour").

    A state word that closes a short question does not count: "is this normal after
    ketamine?" and "is that fine after a while?" ask whether a symptom is expected, they do
    not say it has passed (round 15: "my chest hurts and i can not breathe, is this normal
    after ketamine?" was dropped as over). "it wore off, is that normal?" still tells it over.

    Args:
        normalized: The normalised message.

    Returns:
        ``True`` when a statement in it tells of something over.
    """
    for found in _RESOLVED.finditer(normalized):
        asked = _STATE_AFTER.fullmatch(found.group()) and _ASKED_REST.match(
            normalized[found.end() :]
        )
        if not asked:
            return True
    return False


#: Emergency signs that an ordinary cause (a pet, a workout, food) never explains away: blue or
#: grey, not breathing, cannot be woken; and (round 15) a heart attack's spread pain, a swelling
#: throat, lips or tongue, and a small child who swallowed something.
_GRAVE_SIGNS = re.compile(
    r"\b(?:blue|purple|not breathing|stopped breathing|unconscious|unresponsive|will not wake"
    r"|can not wake|not waking|crushing|(?:into|to|in) my jaw|down my (?:left )?arm|left arm"
    r"|(?:lips|throat|tongue) (?:\w+ ){0,3}(?:swell\w*|swollen|closing)"
    r"|(?:swollen|swelling) (?:lips|throat|tongue)"
    r"|(?:toddler|baby|little one|(?:my|our|the) (?:son|daughter|kid|child|boy|girl))"
    r" (?:\w+ ){0,2}(?:ate|swallowed|got into|chewed|drank))"
)


def emergency_explained(found: set[str], normalized: str) -> bool:
    """Whether a message's frame explains its emergency words as nothing happening now.

    A hypothetical ("if someone took a whole bottle"), a film, book or exam, a general
    question, a past event with nothing current ("i fainted once at the dentist"), something
    resolved with nothing current ("it wore off in an hour"; not "last night ..., fine now")
    or an ordinary cause such as a pet or a workout
    (these two not when a grave sign is there: blue lips, not breathing, cannot be woken, a
    crushing pain into the jaw, a swelling throat, a toddler who swallowed pills).
    Never when the message says it is going on ("right now", "still", "911", "an hour ago"),
    and a film or a book not when the writer tells their own body now or their own act
    (``__present_self__``: "like in that movie, i took all my pills and now i'm waiting").

    Args:
        found: The message's markers (``features.markers``, frame ones included).
        normalized: The normalised message.

    Returns:
        ``True`` when emergency hits and classifier emergency verdicts should be dropped.
    """
    if "__ongoing__" in found:
        return False
    if found & {"__hypothetical__", "__info_only__"}:
        return True
    if "__media__" in found:  # not "i watched a documentary ... then took 15 of her pills"
        return "__present_self__" not in found
    if found & {"__past__", "__past_event__"} and "__now__" not in found:
        return True
    resolved = "__now__" not in found and _told_over(normalized)
    if resolved or "__ordinary_cause__" in found:
        return not _GRAVE_SIGNS.search(normalized)
    return False
