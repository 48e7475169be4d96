"""Personal treatment decisions: the writer asks what to do about their own treatment.

The advice boundary of issue 10 is by meaning: "should I still come in for my infusion with a
fever?" and "which is better for me, the spray or the IV?" ask a clinician's judgement about
the writer's own treatment and get the refusal with a clinician offer, like a dose or
stop/start question, while "can people have an infusion with a cold?" is the FAQ's. The
dose, stop, pregnancy and substance kinds have their own markers and patterns; this module
reads the decisions that fit none of them by their structure, not by topic words:

* ``__own_treatment_decision__``: a question asking for a judgement in the first person
  ("should i", "do you think i should", "would you advise me", "is it safe / wise / better for
  me to", "am i still ok to", "if you were me") about an action on the writer's own treatment
  (go ahead, postpone, skip, cancel, start, keep going, switch, choose) and a part of that
  treatment (my infusion, tomorrow's session, the spray, ketamine); or a judgement of fit
  ("is it right for me", "am i too old", "is my liver ok enough for ketamine"), which needs no
  action word.

The classifier reads the marker like a word (``features.with_markers``) and the detector's
frame (``frames.advice_frame``) turns it into advice unless the question is asked in general
("in general", "do people", "your policy"). The regexes are bounded (no nested quantifiers
over open text).
"""

from __future__ import annotations

import re

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
#: A part of the writer's treatment ("my infusion", "tomorrow session", "the iv", "ketamine").
_TREATMENT = (
    r"(?:(?:my|the|this|next|that|tomorrow|today|tonight|" + _WEEKDAY + r")(?: \w+){0,2} "
    r"(?:infusions?|sessions?|series|treatments?|boosters?|appointments?|appts?|troches?"
    r"|lozenges?|spray|nasal spray|iv|dose|plan)"
    r"|ketamine|esketamine|spravato|tms|ect|infusions|sessions|the treatment|this treatment"
    r"|maintenance(?: sessions?)?|the (?:\w+ )?(?:spray|iv|lozenges?))"
)
#: A first-person question asking for a judgement about what to do.
_JUDGE = (
    r"(?:(?<!what )(?<!where )(?<!when )(?<!how )should i(?: still| personally| just)?"
    r"|do you think i(?: should| can| could| am)?|you think (?:is |it is )?(?:ok|okay|fine|safe)"
    r"|would you (?:advise|recommend|suggest|say)|(?:advise|recommend)(?: \w+){0,2} (?:me|for me)"
    r"|(?:is|would) it (?:be )?(?:safe|ok|okay|fine|wise|smart|smarter|better|best|sensible"
    r"|alright|a good idea|a bad idea)(?: for me)?(?: to| if i)"
    r"|am i (?:still )?(?:ok|okay|fine|safe|good|well enough) to"
    r"|(?:mean|means|think|thinks|wondering if|wonder if|whether) i should)"
)
#: A weaker ask ("can i still ..."): it needs the writer's state today ("i have a fever today").
_WEAK_JUDGE = r"(?:(?:can|could|do) i still|can i(?= (?:have|do|get|go ahead with) my))"
_TODAY = re.compile(
    r"\b(?:today|tonight|this (?:morning|afternoon|evening)|right now|rn|yesterday|tomorrow"
    r"|i have (?:a|an|got)|i am having|i got|positive|came back)\b"
)
#: An action on the writer's own treatment.
_ACTION = (
    r"(?:go ahead|proceed|postpone|reschedule|push(?: \w+){0,2} back|hold off|delay|skip|cancel"
    r"|start|begin|keep going|continue|carry on|quit|stop|pause|take a break|come(?: in)?|go"
    r"|go through with|do|have|get|switch|pick|choose|try|wait|move|space|go with|stick with"
    r"|push|hold)"
)
#: A judgement of the writer's own fit for the treatment: the strong ones need no treatment
#: word ("am i too unwell for it today?"), the weak ones do ("is ketamine safe for me").
_STRONG_FIT = re.compile(
    r"\b(?:for me (?:specifically|personally)|if you were me|am i too (?:sick|ill|unwell)"
    r"|am i a good (?:fit|candidate)|(?:is|are) my \w+(?: \w+)? (?:ok|okay|good|healthy|strong"
    r"|fine|well) enough)\b"
)
_WEAK_FIT = re.compile(
    r"\b(?:(?:right|best|better|safer|safe|ok|okay|a good idea|wise|a good fit|good fit) for me"
    r"|(?:would|do) you (?:recommend|advise|suggest))\b"
)
#: The writer's own health today or their own condition: what makes a question theirs to ask a
#: clinician ("is ketamine right for me?" alone is the FAQ's candidate question).
_OWN_HEALTH = re.compile(
    r"\b(?:fever|temperature|sick|ill|cold|flu|covid|virus|bug|infection|uti|antibiotics|cough"
    r"|sore throat|sinus|migraine|headache|blood pressure|bp|heart|pacemaker|chest|asthma"
    r"|wheez\w*|surgery|operation|chemo|kidney|liver|alt|glaucoma|eye pressure|seizures?"
    r"|epilepsy|psychosis|manic|mania|bipolar|panic|anxiety|depression|period|faint\w*|dizzy"
    r"|nause\w*|vomit\w*|stomach|slept|sleep|hungover|hangover|drank|injur\w*|pain|dental"
    r"|broken|condition|diagnos\w*|history of|ran out|racing|stroke|diabetes|\d+"
    r"|i (?:have|had|am|was|feel|felt|got|have been)|feeling)\b"
)
#: A condition long past or over ("a clot years back, fully recovered") or a family's history:
#: an eligibility question the FAQ answers, unless the writer's state today is told as well.
_LONG_AGO = re.compile(
    r"\b(?:years? (?:ago|back)|decades?|in (?:19|20)\d\d|as a (?:kid|child|teen|teenager)"
    r"|when i was (?:young|little|a kid|a teen|\d+)|recovered|none since|not since|nothing since"
    r"|family history|my family has|runs? in (?:my|the) family)\b"
)
#: Logistics and preparation questions ("should i bring headphones to my session").
_LOGISTICS = re.compile(
    r"\b(?:bring|wear|eat|park|parking|pay|fee|fees|cost|price|insurance|invoice|email|text me"
    r"|remind\w*|arrive|book|booking|drive|ride home|uber|address|anything|prepare\w*|early|late"
    r"|breakfast|lunch|dinner|food|snack|water|fast|fasting|coffee|eating|snow\w*|weather)\b"
)


def _decision(judge: str) -> re.Pattern[str]:
    """A judgement, an action and a part of the treatment, in either order."""
    return re.compile(
        r"\b(?:"
        + judge
        + r")\b(?: \w+){0,8}? (?:"
        + _ACTION
        + r")\b(?: \w+){0,8}? (?:"
        + _TREATMENT
        + r")\b|\b(?:"
        + _TREATMENT
        + r")\b(?: \w+| \?){0,12}? (?:"
        + judge
        + r")\b(?: \w+){0,4}? (?:"
        + _ACTION
        + r")\b|\b"
        + _ACTION
        + r"(?: \w+){0,3}? "
        + _TREATMENT
        + r"(?: \w+){0,4}? or (?:wait|not|no|skip it|cancel|reschedule|postpone|move it)\b"
    )


_DECISION = _decision(_JUDGE)
_WEAK_DECISION = _decision(_WEAK_JUDGE)
_TREATMENT_ANYWHERE = re.compile(r"\b" + _TREATMENT + r"\b")


def own_treatment_decision(normalized: str) -> bool:
    """Whether a normalised message asks for a judgement about the writer's own treatment.

    A first-person question for a judgement, an action on the treatment and a part of it
    ("should i still come in for my infusion"), or a judgement of fit ("is ketamine right for
    me", "am i too old"), told with the writer's own health or condition (a fever, a migraine,
    my blood pressure, stage 3, 80): without that it is the FAQ's general question.

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.

    Returns:
        ``True`` for "i have a fever, should i still come in for my infusion", "is it better for
        me to do infusions twice a week, with how bad my depression is"; ``False`` for
        logistics ("should i bring my own blanket to my session") and for "is ketamine therapy
        right for me?".
    """
    if _LOGISTICS.search(normalized) or not _OWN_HEALTH.search(normalized):
        return False
    if _LONG_AGO.search(normalized) and not _TODAY.search(normalized):
        return False
    if _STRONG_FIT.search(normalized):
        return True
    if _WEAK_FIT.search(normalized) and _TREATMENT_ANYWHERE.search(normalized):
        return True
    if _DECISION.search(normalized):
        return True
    return bool(_TODAY.search(normalized) and _WEAK_DECISION.search(normalized))


_MY_THING = re.compile(r"\bmy (?!own\b)\w+")


def told_as_own(normalized: str) -> bool:
    """Whether a message tells of something of the writer's own: their health, a number, "my ...".

    Args:
        normalized: A normalised text.

    Returns:
        ``True`` for "can i take my sertraline", "i have a cold, can i ..."; ``False`` for "can i
        take ketamine by mouth instead of by infusion?".
    """
    return bool(_OWN_HEALTH.search(normalized) or _MY_THING.search(normalized))


def decision_markers(normalized: str) -> list[str]:
    """The decision markers of a normalised text (``features.markers`` adds them).

    Args:
        normalized: A normalised text.

    Returns:
        ``["__own_treatment_decision__"]`` or an empty list.
    """
    return ["__own_treatment_decision__"] if own_treatment_decision(normalized) else []
