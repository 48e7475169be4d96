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
("in general", "do people", "your policy").

Round 6 reads the whole advice boundary by meaning (``personal_advice_kind``, word classes and
lemmas in ``decision_words.py``), sentence by sentence (and pairs of sentences, since "my mum
takes donepezil. should she stop it?" spans two):

* WHOSE decision: the writer ("i", "my") or a named relative of theirs ("my husband ... should
  he"), not people in general ("do patients", "in general", "is it true", "interact");
* about WHAT: a specific medicine (named, recognised by a generic stem such as "-azepam" or
  "-olol", "my <narrow class>" such as "my blood pressure pill", or one's own lozenges), a dose,
  a recreational substance, one's own pregnancy or breastfeeding, or a session of one's own
  given one's health or with a step that stops or puts it off;
* THAT a decision is asked or announced: a modal question with its subject, an evaluation asked
  for ("ok?", "is that a problem"), an alternative ("keep or stop?", "100 or 200?"), a request
  for advice, or a statement of intent read by lemma ("thinking of skipping", "i'll drop").

Round 14 reads elliptical questions: a brief question with no subject that opens with the
change itself ("keep taking klonopin?", "extra melatonin tonight?", "skip the night's
lozenge?") or tells one's own pregnancy bare ("six weeks pregnant: proceed thursday?") is the
writer's own decision (only the one taking the medicine asks that way), and "i'll lay off /
ease off / come off my ..." announces a stop.

The line it draws: a general question stays general even with "I" in it when it names no
specific medicine and tells no personal circumstance ("can i keep taking my usual medicines
during treatment?", "do i need to stop my medications first?": the FAQ answers it and already
says never to stop on your own); a named medicine with a decision about one's own session
("lamictal before infusion?") is personal. The reading is the ``__personal_advice__`` marker
the classifier reads like a word, and in the detector it lowers the advice bar to
``advice_meaning``: the classifier's advice score still has to support it. The regexes are
bounded (no nested quantifiers over open text) and text over 2,000 characters is not read.
"""

from __future__ import annotations

import re

from clinicbot.safety import decision_words as W

#: A re-dose of one's own at-home ketamine asked (``redose_asked``); read by the frames only.
REDOSE_ASKED = "__redose_asked__"
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


#: A judgement asked for the writer (or their relative) about doing something: "would it be a
#: bad idea for me to fly that soon", "is it safe for me to keep doing them", "would i be better
#: served by switching". The action ("to ...", "if ...", "by ...") is what makes it a decision;
#: "is ketamine right for me?" alone names none and stays the FAQ's candidate question.
_JUDGED_FOR_ME = re.compile(
    r"\b(?:ok|okay|alright|fine|safe|safer|wise|smart|smarter|better|best|advisable|reasonable"
    r"|sensible|dumb|stupid|risky|dangerous|a good idea|a bad idea|bad idea|good idea|a good move"
    r"|a bad move|the right call|the right move|too soon|too much|more sense|the safer choice"
    r"|safer choice) for (?:me|him|her|my (?:mom|dad|mother|father|wife|husband|son|daughter"
    r"|partner))(?: \w+){0,2} (?:to|if|or)\b"
    r"|\bwould (?:i|he|she) be (?:better|ok|okay|fine|safe|alright)(?: served| off)?"
    r" (?:to|if|by|\w+ing)\b"
)
#: The writer's treatment named in any form (a session, the spray, these, them).
_TREATMENT_WIDE = re.compile(
    r"\b(?:infusions?|sessions?|sesh|series|boosters?|treatments?|ketamine|esketamine|spravato"
    r"|spray|iv|troches?|lozenges?|rdt|appointments?|appts?|these|them)\b"
)
#: A choice between going ahead with one's own session and putting it off.
_GO_OR_NOT = re.compile(
    r"\b(?:go ahead|go in|come in|carry on|keep going|proceed)(?: \w+){0,5} or (?:\w+ ){0,3}"
    r"(?:push|reschedule|rebook|move|cancel|wait|stop|go home|skip|hold off|postpone|look first)\b"
)
#: Asked whether to put off one's own session ("should i rebook", "or should i move it"): the
#: session must be named somewhere in the message (``_TREATMENT_WIDE``).
_PUT_OFF_MINE = re.compile(
    r"\bshould i (?:\w+ ){0,2}(?:move|rebook|reschedule|push|postpone|cancel|delay"
    r"|hold off on)(?: (?:it|this|that|them|my|the|tomorrow|today)\b| \?|$)"
    r"|\b(?:should i|do i) still come(?: in)?(?: \w+){0,2} or (?:\w+ ){0,2}(?:push|move|rebook"
    r"|reschedule|cancel|wait|postpone|skip)\b"
)
#: A circumstance or an alternative told with it ("if i ...", "... or should i move it").
_BECAUSE_OR_OPTION = re.compile(r"\b(?:if|since|because|cause|cos|or should i|or do i)\b")
#: A general or policy framing: the question is about people in general.
_IN_GENERAL = re.compile(
    r"\b(?:in general|generally|do people|do patients|does anyone|someone|somebody|anyone|a person"
    r"|patients|your policy|hypothetically|what if someone)\b"
)


def judged_for_me(normalized: str) -> bool:
    """Whether a message asks for a judgement about the writer's own course of treatment.

    A judgement asked "for me" (or for a named relative) about doing something, with the
    treatment named in any form ("would it be a bad idea for me to do a studio session the
    afternoon of my infusion"), or a choice between going ahead with one's own session and
    putting it off ("booked for 9 tomorrow but my ankle is swollen, go ahead or push back?"),
    or whether to put off one's own session ("stomach's been off all week, should i still come
    tomorrow or push it", "... or should i rebook my infusion").
    Not a logistics question (driving, eating, parking: the FAQ answers those) and not a
    question asked in general ("is it safe for someone on lithium to have ketamine").

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.

    Returns:
        ``True`` when the writer asks what to do about their own treatment.
    """
    if _LOGISTICS.search(normalized) or _IN_GENERAL.search(normalized):
        return False
    if _GO_OR_NOT.search(normalized):
        return True
    if _PUT_OFF_MINE.search(normalized) and (
        _OWN_HEALTH.search(normalized) or _BECAUSE_OR_OPTION.search(normalized)
    ):
        return True
    return bool(_JUDGED_FOR_ME.search(normalized) and _TREATMENT_WIDE.search(normalized))


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
    if judged_for_me(normalized):
        return True
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
        ``__own_treatment_decision__`` and ``__personal_advice__`` (``personal_advice_kind``)
        when they apply, and the frame-only ``__redose_asked__`` (``redose_asked``).
    """
    found = ["__own_treatment_decision__"] if own_treatment_decision(normalized) else []
    # the classifier reads the reading of rounds 6 to 14; round 16's additions act only in the
    # detector (its advice bar and support), so the classifier is trained exactly as before
    if personal_advice_kind(normalized, extended=False) is not None:
        found.append("__personal_advice__")
    if redose_asked(normalized):
        found.append(REDOSE_ASKED)  # frame-only (features.FRAME_ONLY)
    return found


# -- the advice boundary by meaning (round 6): whose decision, about what, and that one is asked

#: A decision asked or announced: a modal question with its subject, an evaluation asked for,
#: an alternative put to the clinic, a request for advice, a statement of intent.
_ASKS = re.compile(
    r"\b(?:(?<!what )(?<!where )(?<!when )(?<!who )should|shall|ought|must) (?:i|we|he|she"
    r"|they|my \w+|his|her|their)(?! (?:know|expect|bring|wear|eat|ask(?! to)|tell|pay|park|call"
    r"|mention|report|say|let|write|put|note|list|include))"
    r"|\b(?:i|we|he|she) should(?! not| tell| mention| ask| bring| know)\b"
    r"|\bwhat should (?:i|we|she|he) do\b"
    r"|\b(?:ok|okay|fine|alright|safe) to (?:keep|still|take|have|do|use|smoke|drink|come|go"
    r"|continue)\b|\bis (?:\w+ ){1,5}(?:ok|okay|fine|safe|alright|a problem)\b"
    r"|\b(?:would|will|could|does|is|going to) (?:that|this|it)(?: be)? (?:\w+ )?(?:mess|interfere"
    r"|ruin|a problem|hurt|ok|okay)\b|\bis problem\b"
    r"|\bhow long (?:\w+ ){0,4}(?:before|until|after) (?:i|she|he) (?:can )?(?:feed|nurse"
    r"|breastfeed|pump|drive|drink|take)\b"
    r"|\b(?:can|could|may|might) (?:i|we|he|she|they|my \w+)(?! (?:bring|wear|eat|pay|park"
    r"|book|get a (?:copy|receipt|note)|have (?:a copy|the))\b)"
    r"|\b(?:do|does|did|will|would) (?:i|we|he|she|they|my \w+)(?: \w+)? (?:need|have|hold"
    r"|stop|skip|cancel|still|pause|restart|wait|go|come|do|finish|carry)\b"
    r"|\b(?:is|would|will|was|be) (?:it|that|this)(?: \w+){0,4} (?:ok|okay|fine|alright"
    r"|all right|safe|wise|prudent|reasonable|acceptable|appropriate|a good idea|a bad idea"
    r"|a problem|dangerous|right|better|best|smart|sensible|too much|enough)\b"
    r"|\bam i (?:still )?(?:ok|okay|good|fine|safe|allowed|too|a good)\b"
    r"|\b(?:better|best|safer|safe|right|ok|okay|fine|good|a problem) for (?:me|him|her|my \w+)"
    r"|\bthoughts \?|\b(?:advise|recommend|suggest|wants? to know (?:if|whether)|wondering"
    r" (?:if|whether)|tell me (?:if|whether)|you think)\b"
    r"|\b(?:ok|okay|fine|alright|good idea|safe|a problem|problem|right|good) \?"
    r"|\bor (?:not|no|wait|keep|stop|skip|hold|go|cancel|reschedule|push|take|leave|get through"
    r"|finish|carry on|nah|nope|na|knock|drop|ditch|bin)\b"
    # an evaluation asked in slang ("a good move or nah", "yay or nay", "good call?")
    r"|\b(?:yay or nay|good call|bad call|(?:a |the )?(?:good|bad|smart|smarter|right|wise|safe)"
    r" move|the move)\b"
)
#: Round 16: an evaluation asked in everyday words ("is it a big deal if i skip ...", "would it
#: be daft to ..."), of an act put as the subject ("would taking 2 instead of 1 be dumb"), or
#: "do i leave it out".
_ASKS_EVERYDAY = re.compile(
    r"\b(?:is|would|will|be) (?:it|that|this)(?: \w+){0,3} (?:a big deal|bad|dumb|daft|crazy"
    r"|stupid|silly|mad|nuts|an issue)\b"
    r"|\bwould (?:taking|having|doing|skipping|using|stopping|doubling|halving|splitting"
    r"|cutting|leaving|dropping)(?: \w+){1,8} be\b"
    r"|\b(?:do|does|did|will|would) (?:i|we|he|she|they|my \w+)(?: \w+)? leave\b"
)
#: A statement of intent or of a change already made to one's own medicine or treatment.
#: Words that announce an intention ("thinking of", "planning to", "going to", "i will").
_INTENT_WORDS = frozenset(
    "thinking thinkin planning plan going gonna about want wanting intend intending decided"
    " considering inclined tempted will ll".split()
)
#: Words between the intention and its verb ("thinking of", "going to just", "not").
_FILLERS = frozenset("to of on about just not probably maybe".split())
#: Verbs that with "off" stop a medicine ("lay off", "ease off", "come off").
_OFF_VERBS = frozenset("lay ease come".split())


def _intends(window: str) -> bool:
    """Whether a window announces a change to one's own medicine or treatment, by lemma.

    An intention word followed, past a few fillers, by a verb whose lemma is an action
    ("thinking of skipping", "planning to take double", "i'll drop"), or a change already
    made ("i stopped", "i lowered": the first person and a change verb).
    """
    words = window.split()
    for i, word in enumerate(words):
        if word in _INTENT_WORDS:
            for j, nxt in enumerate(words[i + 1 : i + 5], start=i + 1):
                if nxt in _FILLERS:
                    continue
                if nxt in _OFF_VERBS and words[j + 1 : j + 2] == ["off"]:
                    return True  # "i'll lay off my gabapentin", "gonna come off the lexapro"
                if W.lemma(nxt) in W.ACTION_LEMMAS and nxt not in ("have", "go", "do"):
                    return True
                break
        if word == "i" and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt != W.lemma(nxt) and W.lemma(nxt) in W.CHANGE_LEMMAS:
                return True
    return False


#: An alternative between two options put as a question ("keep or stop ?", "100 or 200 ?").
_OPTION = (
    r"(?:keep|stop|skip|go|come|cancel|reschedule|push|wait|take|hold|continue|pause|quit|start"
    r"|postpone|move|leave|do|have|cut|half|full|less|more|lower|\d+(?:\.\d+)?(?: ?mg)?)"
)
_ALTERNATIVE = re.compile(
    r"\b" + _OPTION + r" (?:or|vs|versus) " + _OPTION + r"\b|\bwhich (?:one|is better|would be"
    r" better|should)\b"
)
#: Logistics and money: a session question about these is the FAQ's or the front desk's.
_ERRAND = re.compile(
    r"\b(?:bring|wear|park|parking|pay|paying|fee|fees|cost|costs|price|insurance|deposit"
    r"|refund|receipt|invoice|address|directions|forms?|email|book|booking|headphones|blanket"
    r"|how do i (?:reschedule|cancel|move|book)|cancellation|eat|eating|food|fasting"
    r"|referral|confidential\w*|lobby|wait(?:ing)? room|come with me|sit with me|driv\w* me"
    r"|in the room|candidate|eligible|qualify|is (?:that|my) history|participate|observ\w*"
    r"|stay after|how long do i (?:need to |have to )?stay)\b"
)
_MY_CLASS = re.compile(r"\bmy (?:\w+ ){0,2}?" + W.MEDICINE_CLASS.pattern[2:])
_RELATIVE = re.compile(
    r"\bmy (?:\d+ (?:yr|year|years) old |\w+ )?(?:" + "|".join(sorted(W.RELATIVE)) + r")\b"
)
#: A step in the writer's treatment that a decision changes (no health needed with these).
_STEP = re.compile(
    r"\b(?:stop|quit|skip|postpone|cancel|pause|forgo|finish|continue|keep going|keep doing"
    r"|give up|switch|come more often|go ahead|push (?:it )?back|delay|space)\w*"
)
#: Treatment actions on a relative's behalf ("should she try it", "should he continue").
_TREAT = re.compile(
    r"\b(?:try|tries|start|do|have|get|continue|keep|stop|skip|cancel|postpone|switch|proceed"
    r"|undergo|finish|go ahead|go|come)\b"
)


def _split_sentences(normalized: str) -> list[str]:
    """The sentences of a normalised text (split after ``.``, ``?`` and ``!``)."""
    return [p.strip() for p in re.split(r"(?<=[.?!])\s+", normalized) if p.strip()]


def _sentences(normalized: str) -> list[str]:
    """Windows of one and two consecutive sentences (a question may lean on the one before)."""
    parts = _split_sentences(normalized)
    windows = list(parts)
    windows += [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]
    return windows


def names_medicine(text: str) -> bool:
    """Whether a text names a specific medicine (by name, by a generic stem, or "my <class>").

    Args:
        text: A normalised text.

    Returns:
        ``True`` for "lamictal", "my clonazepam", "a sertraline-like levomilnacipran", "my blood
        pressure pill"; ``False`` for "my medications", "antidepressants", "ketamine".
    """
    words = set(text.split())
    if words & W.MEDICINES or any(m in text for m in W.MEDICINES if " " in m):
        return True
    if W.MEDICINE_STEM.search(text):
        return True
    return bool(_MY_CLASS.search(text))


def _owner(window: str) -> str | None:
    """Whose decision: ``self``, ``relative`` or ``None`` (nobody's in particular)."""
    words = set(window.split())
    if _RELATIVE.search(window) and (words & W.THIRD or not words & {"i", "me", "myself"}):
        return "relative"
    if words & W.SELF:
        return "self"
    return None


#: Words that open a question for information ("how long is ...?").
_WH = frozenset("what how why which who when where".split())
#: The writer's (or a relative's) own at-home ketamine: it counts as their medicine.
_OWN_AT_HOME = re.compile(
    r"\b(?:my|her|his|their) (?:\w+ )?(?:ketamine )?(?:lozenges?|troches?|rdts?|sublingual"
    r"(?: tablets?)?|at home ketamine)\b"
)
#: Words that open a question about how things are, not what to do ("does lamictal ...?").
_INFO_OPENER = frozenset(
    "does do is are was were what how why which who when where will would has have can could"
    " may should".split()
)
#: The writer's own medicine ("my ...", "i take ...", "i am on ...").
_TAKES = re.compile(r"\b(?:my|i take|i am on|i use|i have been on)\b")
#: A weak ask ("can i ...") counts for a session question only with the writer's state now.
_NOW = re.compile(
    r"\b(?:today|tonight|this (?:morning|afternoon|evening|week)|right now|tomorrow|since"
    r"|currently|still|just (?:started|found|had|got)|flaring|came back)\b"
)
_NOT_A_CARE_STEP = (
    r"(?! (?:know|expect|bring|wear|eat|ask(?! to)|tell|pay|park|call|mention|report|say|let"
    r"|write|put|note|list|include|not|be worried)\b)"
)
_STRONG_ASK = re.compile(
    r"\b(?:should|shall|ought|must) (?:i|we|he|she|they)\b"
    + _NOT_A_CARE_STEP
    + r"|\b(?:is|would|will|was|be) (?:it|that"
    r"|this)(?: \w+){0,4} (?:ok|okay|fine|alright|all right|safe|wise|prudent|reasonable"
    r"|acceptable|appropriate|a good idea|a bad idea|a problem|dangerous|right|better|best)"
    r"|\bam i (?:still )?(?:ok|okay|good|fine|safe|a good)\b|\b(?:better|best|safer|safe|right"
    r"|ok|okay|fine) for (?:me|him|her)\b|\b(?:advise|recommend|you think)\b|\bgo or\b"
    r"|\b(?:ok|okay|fine|alright|safe) \?|\b(?:do|does) (?:i|he|she|we) (?:need|have) to"
    r" (?:cancel|skip|stop|postpone|reschedule|wait|hold)\b|\b(?:i|he|she|we) should\b"
    + _NOT_A_CARE_STEP
)


#: A pregnancy, conception or breastfeeding of one's own (or a relative's) told as a state.
_OWN_STATE = re.compile(
    r"\b(?:i am|we are|she is|found out|i think|might be|i may be)(?: \w+){0,3} (?:pregnant"
    r"|expecting|nursing|breastfeeding|pumping|trying)|\b(?:weeks?|months?) (?:along|pregnant"
    r"|old)|trimester|my (?:baby|newborn|preemie|twins|milk|period)|pregnant (?:and|with|can"
    r"|still)|^pregnant|ivf|surrogate|postpartum|ppd|trying for (?:a )?baby|get pregnant"
    r"|conceive|is pregnant|is breastfeeding|pumping for|(?:while|stop|keep|start) (?:nursing"
    r"|breastfeeding|pumping|pregnant)|pump (?:breast ?milk|milk)"
)
#: The change an elliptical question opens with ("keep taking ...?", "extra ...?", "2 ...?").
_BARE_CHANGE = re.compile(
    r"(?:keep(?: taking| on)?|stop|skip|ditch|drop|quit|pause|hold|restart|halve|half|double"
    r"|extra|more|less|another|up|lower|raise|bump|cut|\d+(?:\.\d+)?)\b"
)
#: One's own at-home ketamine named bare in such a question ("skip the night's lozenge?").
_AT_HOME_WORD = re.compile(r"\b(?:lozenges?|troches?|rdts?)\b")
#: A pregnancy or breastfeeding told as one's state in an elliptical question (not "ketamine
#: while pregnant?", the FAQ's question).
_BARE_STATE = re.compile(
    r"^(?:pregnant|breastfeeding|nursing|pumping)\b|\b(?:weeks?|months?) (?:along|pregnant)\b"
    r"|\btrimester\b|\bperiod (?:is )?(?:\w+ ){0,3}late\b"
)
#: Going ahead with one's own session, asked bare ("proceed thursday?", "still come in?").
_BARE_GO = re.compile(
    r"\b(?:proceed|still (?:come|go|do)|come in|go ahead|continue|carry on|keep going|start"
    r"|stop|pause|infusions?|sessions?|appointments?|appts?)\b"
)
#: One's own at-home ketamine opening a brief question with a time or a count ("lozenge twice
#: today?", "troche at 3am ok?", "lozenge then drive?"): only the one who takes it asks so.
_BARE_AT_HOME = re.compile(
    r"^(?:(?:my|the|a|another|one|1|2|two|half (?:a|my)) )?(?:lozenges?|troches?|rdts?)\b"
    r"(?: \w+){0,3} (?:twice|again|today|tonight|tomorrow|now|then|early|late|extra|another"
    r"|double|half|at \d+\w*|\d+ ?(?:am|pm)|before|after)\b"
)

# -- a change to one's own ketamine dose, asked or requested (round 16)

#: The dose itself, or how the last one felt ("barely felt anything", "the 0.5").
_DOSE_WORD = re.compile(
    r"\b(?:dose|dosage|amount|mg|\d*\.\d+|felt (?:anything|nothing|like a lot|too \w+|a lot)"
    r"|barely felt|didn t feel)\b"
)
#: The change: up, down, higher, lower, cut, bump, or a judgement that it is too much or little.
_DOSE_MOVE = re.compile(
    r"\b(?:bump\w*|(?:go|going|come|step|stepping|move|turn\w*|bring|put|take|dial\w*)"
    r" (?:(?:it|my|the|that) )?(?:dose |dosage )?(?:up|down|lower|higher|back)|cut (?:it |in half"
    r"|back|down)|halve\w*|in half|higher|lower\w*|smaller|bigger|larger|stronger|weaker"
    r"|increas\w*|decreas\w*|reduc\w*|rais\w*|up (?:it|my|the)|try \d*\.\d+|(?:go|drop|move"
    r"|switch) (?:down |up |back )?to \d*\.?\d+|too (?:low|high"
    r"|strong|weak|much|little)|(?:stay|stick|stop) (?:on|at|with) (?:the |my )?(?:starting|same"
    r"|current|this|first)|starting dose)\b"
)
#: The ask or request: of the clinic ("can you", "could we"), of oneself ("should i",
#: "oughta"), a wish ("i want", "want the dose ..."), or an evaluation for oneself ("too low for
#: me", "sensible for me").
_DOSE_ASK = re.compile(
    r"\b(?:can|could) (?:you|we|they|u)\b|\b(?:can|could|may) i (?:get|have|ask|go|try|stay"
    r"|stick)\b|\b(?:should|shall|ought|must) (?:i|we)\b|\boughta\b|\b(?:i|we) (?:want"
    r"|wanna|would like)\b|^(?:want|wanna|need|i d like)\b|\bask (?:to|for|if|you|them)\b"
    r"|\b(?:low|high|strong|weak|much|little|sensible|wise|wiser|better|ok|okay|safe|safer|smart"
    r"|a good idea"
    r"|right) for me\b"
)
#: Asking to be told, not asking for a change ("can you tell me more about the dose?").
_TELL_ME = re.compile(r"\b(?:tell|explain|know|understand|learn|info|information|read)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|we|us|our)\b|^(?:want|wanna|need)\b")
#: The longest text the decision readings read, in characters (longer input is not read).
MAX_READ_CHARS = 2000


def _asked_in_general(window: str) -> bool:
    """Whether a window asks for information, not a change (a question word first, "tell me").

    Shared by the own-dose and re-dose readings: a window opening with a question word, asking
    to be told ("can you tell me more about the dose?"), or about people in general.
    """
    words = window.split()
    if not words or words[0] in _WH:
        return True
    return bool(_TELL_ME.search(window) or W.GENERAL.search(window))


def _own_dose_change(window: str) -> bool:
    """Whether a window asks for, or about, a change to the writer's own ketamine dose.

    "can you bump my dose for thursday", "the 0.5 felt like a lot, could we go down to 0.4?",
    "would a smaller amount be sensible for me?" are; "how is the dose decided?", "will i need
    a higher dose?" (no change asked), "can you tell me more about the dose?" are not.
    """
    if _asked_in_general(window):
        return False
    return bool(
        _FIRST_PERSON.search(window)
        and _DOSE_WORD.search(window)
        and _DOSE_MOVE.search(window)
        and _DOSE_ASK.search(window)
    )


# -- a re-dose of one's own at-home ketamine, asked (round 16, second step)

#: The writer's at-home ketamine: lozenges, troches, rapid-dissolve tablets, a home spray.
_AT_HOME_DOSE = re.compile(
    r"\b(?:lozenges?|troches?|rdts?|sublingual|(?:home|at home|my|the) (?:nasal )?spray|sprays"
    r"|puffs)\b"
)
#: Another dose, a repeat, or a choice of how many ("take another one?", "redo it tonight?",
#: "2nd one now?", "3 sprays or 4?", "double up on thursday?").
_REDOSE = re.compile(
    r"\b(?:another(?: one)?|a second(?: one)?|second (?:one|lozenge|troche|dose|rdt)|2nd(?: one)?"
    r"|redo|re do|re dose|redose|again|one more|the other (?:\d|one|two|half)|(?:take|do|pop)"
    r" (?:one|it|another) now|tomorrow s|extra|double up|top (?:it )?up"
    r"|(?:\d|two|three|four) (?:sprays|puffs)? ?or (?:\d|two|three|four)|twice|back to back)\b"
)
#: Supplies and paperwork: "can i get another box of lozenges?" is a refill, not a re-dose.
_SUPPLY = re.compile(
    r"\b(?:copy|copies|box|boxes|pack|packs|bottle|refills?|shipment|ship|shipped|order|ordered"
    r"|prescription|script|pharmacy|pick up|pickup|instructions|leaflet|sheet|batch|supply"
    r"|appointment|appt|session|infusion|price|cost|insurance)\b"
)


def redose_asked(normalized: str) -> bool:
    """Whether the writer asks about another dose of their own at-home ketamine.

    "i spat the troche out after five minutes, redo it tonight?", "first lozenge did nothing,
    can i take another?", "home spray: 2 sprays or 3?" are; "how many lozenges can someone
    take in a day?" (a question in general), and a re-dose told with no question are not. Only
    the one who takes the lozenges asks this way, so it is advice by a frame
    (``frames.advice_frame``); the classifier does not see the marker (``FRAME_ONLY``).

    Args:
        normalized: A normalised text.

    Returns:
        ``True`` when a sentence (or a pair) asks it.
    """
    if not normalized or len(normalized) > MAX_READ_CHARS:
        return False
    for window in _sentences(normalized):
        if _asked_in_general(window):
            continue
        if _LONG_AGO.search(window) or _SUPPLY.search(window):
            continue
        asked = (
            window.rstrip().endswith("?")
            or _ASKS.search(window)
            or _ASKS_EVERYDAY.search(window)
            or _DOSE_ASK.search(window)
        )
        if asked and _AT_HOME_DOSE.search(window) and _REDOSE.search(window):
            return True
    return False


#: Stopping or putting off a treatment step: what a stated intention to change must be.
_HALT = re.compile(
    r"\b(?:stop|quit|skip|postpone|cancel|pause|forgo|drop|give up|push (?:it )?back|delay)\w*"
)


#: A choice about a medicine: a modal with its subject, an alternative, or a time around a
#: session ("before my infusion"); being on a medicine and asking if it matters is not one.
_CHOICE = re.compile(
    r"\b(?:should|shall|ought|must|can|could|may) (?:i|we|he|she|they|his|her)\b|\b(?:do|does"
    r"|will|would) (?:i|we|he|she|they) (?:need|have|hold|stop|skip|take|keep|still|pause"
    r"|restart|wait|carry|go)\b|\b(?:keep|stop|skip|hold|take|cut|halve|double|lower) (?:or"
    r"|vs)\b|\bor (?:not|stop|keep|skip|hold|take|wait|leave|knock|drop|ditch|bin)\b|\b(?:before"
    r"|after|during|through|while|day of|morning of|night before|the day|same day|between)\b"
    r"|\b(?:i|he|she|we) should\b|\bok to\b"
)
#: Round 16: a session day, "if i skip ...", "instead of" or "do i leave" as the choice.
_CHOICE_MORE = re.compile(
    r"\b(?:infusion|session|treatment|appointment|spravato|ketamine) (?:days?|mornings?|nights?)\b"
    r"|\bif i (?:just )?(?:skip|skipped|stop|stopped|take|took|double|doubled|halve|miss"
    r"|drop|leave|cut)\b|\binstead of (?!taking|using|swallowing)"
    r"|\b(?:do|does|will|would) (?:i|we|he|she|they) leave\b"
)
#: Round 16: more of the writer's medicines by class ("my statin", "my malaria drugs").
_MY_MORE_CLASS = re.compile(
    r"\bmy (?:\w+ ){0,2}?(?:statins?|(?:malaria|cholesterol|diabetes|allergy|reflux|acne|blood"
    r" pressure|bp|heart|thyroid|sleep|anxiety|pain|migraine|seizure|adhd) drugs)\b"
)


def _window_kind(window: str, extended: bool = True) -> str | None:
    """The kind of personal decision one window of a message asks about, if any.

    ``extended`` adds round 16's readings (``_ASKS_EVERYDAY``, ``_CHOICE_MORE``,
    ``_MY_MORE_CLASS``, ``_BARE_AT_HOME`` and ``_own_dose_change``).
    """
    asks = bool(
        _ASKS.search(window)
        or _ALTERNATIVE.search(window)
        or (extended and _ASKS_EVERYDAY.search(window))
    )
    intends = _intends(window)
    owner = _owner(window)
    words = window.split()
    brief = len(words) <= 9 and window.rstrip().endswith("?") and words[0] not in _INFO_OPENER
    # an elliptical question that opens with the change itself ("keep taking klonopin?", "skip
    # my birth control on infusion day?", "extra melatonin tonight?"): only the one taking it
    # asks that way; "klonopin and ketamine together?" opens with no change and stays general
    bare_change = brief and bool(
        _BARE_CHANGE.match(window) or (extended and _BARE_AT_HOME.match(window))
    )
    question = window.rstrip().endswith("?") and words[0] not in _WH and owner is not None
    if _ERRAND.search(window):
        return None
    if extended and _own_dose_change(window):
        return "dosing"
    if not (asks or intends or brief or question):
        return None
    named = names_medicine(window) or (extended and bool(_MY_MORE_CLASS.search(window)))
    own_medicine = owner == "self" and bool(_TAKES.search(window)) and named
    if W.GENERAL.search(window) and not own_medicine:
        return None
    if owner is None and not brief:
        return None
    if _LONG_AGO.search(window) and not _TODAY.search(window):
        return None
    medicine = named or bool(_OWN_AT_HOME.search(window))
    medicine = medicine or (bare_change and bool(_AT_HOME_WORD.search(window)))
    session = bool(W.SESSION.search(window))
    if W.PREGNANCY.search(window) and _OWN_STATE.search(window) and owner:
        return "pregnancy"
    if owner is None and brief and _BARE_STATE.search(window) and _BARE_GO.search(window):
        return "pregnancy"  # "six weeks pregnant: proceed thursday?", "pregnant. still come?"
    if W.SUBSTANCE.search(window) and (session or owner) and not medicine:
        return "substance"
    if medicine and (owner or session or bare_change):
        choice = _CHOICE.search(window) or (extended and _CHOICE_MORE.search(window))
        if not (choice or intends or W.DOSE.search(window) or bare_change):
            return None  # "is it a problem that i'm on adderall?": being on it, the FAQ's
        return "dose" if W.DOSE.search(window) else "stop_medicine"
    if not session:
        return None
    if W.TREATMENT_DOSE.search(window) and (asks or intends) and owner == "self":
        return "dosing"
    strong = bool(_STRONG_ASK.search(window) or intends)
    if W.GENERIC_MEDICINE.search(window):
        return None  # "do i need to stop my medications first?": the FAQ answers it
    if owner and W.HEALTH.search(window) and (strong or brief or (asks and _NOW.search(window))):
        return "personal_decision"
    if (
        owner == "self"
        and _STEP.search(window)
        and (_STRONG_ASK.search(window) or (intends and _HALT.search(window)))
    ):
        return "personal_decision"
    return None


def personal_advice_kind(normalized: str, extended: bool = True) -> str | None:
    """The kind of personal medical decision a message asks for, read by meaning.

    Whose decision (the writer or a named relative of theirs, not people in general), about
    what (a specific medicine, a dose, a substance, a pregnancy, a session of their own given
    their health) and that a decision is asked or announced (should / can I / is it ok / do I
    need to / thinking of / planning to / a statement of intent). A general question stays
    general even with "I" in it when it names no specific medicine and tells no personal
    circumstance: "can i keep taking my usual medicines during treatment?" is the FAQ's.

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.
        extended: Whether round 16's readings count too (the classifier's marker leaves them
            out, see ``decision_markers``).

    Returns:
        ``pregnancy``, ``substance``, ``dose``, ``stop_medicine``, ``dosing``,
        ``personal_decision`` or ``None``.
    """
    if not normalized or len(normalized) > MAX_READ_CHARS:
        return None
    for window in _sentences(normalized):
        kind = _window_kind(window, extended)
        if kind is not None:
            return kind
    return None


# -- a decision asked in the message after the one that names the medicine (round 17)

#: The longest follow-up read, in words: a decision asked after the medicine was named is short.
FOLLOW_UP_MAX_WORDS = 40

#: What a first message names that a decision can be about, beside a named medicine: a class or
#: generic word ("my thyroid pill", "the patch"), tobacco and caffeine, at-home ketamine.
_TAKEN_THING = re.compile(
    r"\b(?:pills?|tablets?|capsules?|meds|medications?|medicines?|prescriptions?|patch(?:es)?"
    r"|shots?|injections?|drops|inhaler|strips|gummies|vitamins?|supplements?|hrt|estrogen"
    r"|testosterone|t shot|tobacco|dip|cigarettes?|cigs|smok\w+|vap\w+|caffeine|energy drinks?"
    r"|(?:nasal|nose) spray|lozenges?|troches?|rdts?"
    # medicines neither the decision lexicon nor its generic stems read (kept here, so the
    # classifier's words stay as they are)
    r"|bupropion|cyclobenzaprine|flexeril|estradiol|spiro|tamsulosin|flomax|furosemide|lasix"
    r"|st (?:\. )?john s wort|levo|diphenhydramine|cetirizine|loratadine)\b"
)
#: What may follow a count that is a dose ("take two tonight?", "one of them after?"), not a
#: count of anything else ("take two cars", "two or three sessions a week").
_COUNT_ENDS = (
    r"(?=$| ?\?| or (?:\w+ )?(?:one|two|none|just|half|\d)\b| (?:pills?|tablets?|caps?|capsules?"
    r"|doses?|gummies|lozenges?|troches?|sprays?|puffs?|of (?:em|them|those|these)|more|tonight"
    r"|today|tomorrow|tmrw|now|before|after|when|if|this|that|the (?:morning|night|day)|instead"
    r"|to (?:make|catch)|then|again|extra|each|lang|in half)\b)"
)
#: A decision verb on what the message before named: "skip it", "give it to him", "hold the
#: morning one", "take two", "use them", "cut those", "drop to 150"; not on anything else ("take
#: the bus", "hold my spot", "give you a call", "double check that").
_ON_IT = re.compile(
    r"\b(?:skip\w*|hold\w*|stop\w*|keep\w*|quit\w*|paus\w+|restart\w*|start\w*|cut\w*|halv\w+"
    r"|doubl\w+(?! check)|lower\w*|taper\w*|wean\w*|drop\w*|leav\w+|push\w*|switch\w*|miss\w*"
    r"|split\w*(?!(?: \w+){0,3} (?:bill|payments?|costs?|copay|fees?|price|charges?))|omit\w*"
    r"|giv\w+|tak\w+(?! (?:it|them) up\b)|use|using|pop\w*|toss\w*|continu\w+|finish\w*"
    r"|bring (?:it|them) down|lay (?:off|off of)|hold off(?: on)?|come off|go off|stay on)"
    r"(?: \w+){0,2}? (?:it"
    r"|them|that|those|these|em|hers|(?:the|her|his|my) (?:\w+ )?(?:one|ones|pills?|doses?"
    r"|patch(?:es)?|shots?|tablets?|meds?|strips?|gummies|drops|spray)"
    r"|(?:one|two|another|an extra|an additional|a second|half|the half)"
    + _COUNT_ENDS
    + r")\b(?! (?:my|a|an|your|our"
    r"|some|their)\b)"
    r"|\b(?:tak\w+|pop\w*|giv\w+|hav\w+) \d+\b|\b(?:drop|go|come|switch)\w* (?:down |up )?to \d+"
    r"|\b(?:it|that one|those|them|this one|the \w+ one) (?:i|we|she|he) (?:stop|skip|hold|keep"
    r"|take|give|cut|drop|quit|pause)\b"
    r"|\bstill (?:do|get|take|give|have|use) (?:it|them|hers|his|(?:her|his|my|the) \w+)\b"
    r"|\b(?:do|have) (?:another|one|two|half|the half|an extra)\b"
    r"|\bput (?:it|them|the new one|a new one|the \w+ patch|the patch) (?:back )?on\b"
    r"|\bmov\w+ (?:the|my|her|his) (?:pills?|doses?|meds?|tablets?|shots?)\b"
)
#: The sure changes: these verbs on "it" / "them" ask a decision even beside logistics.
_SURE_ON_IT = re.compile(
    r"\b(?:skip|hold|stop|quit|paus|halv|doubl|taper|wean|miss|restart)\w*(?: \w+){0,2}? (?:it"
    r"|them|that|those|these|em|hers|(?:the|her|his|my) (?:\w+ )?(?:\w+))\b"
    r"|\bbring (?:it|them) down\b|\bgiv\w+ (?:it|them) to (?:him|her|them)\b|\b(?:hold|lay) off\b"
    r"|\bstill (?:do|get|take|give|have|use) (?:it|them|hers|his|(?:her|his|my|the) \w+)\b"
)
#: Keeping on as usual, or a choice of how much or when: "as usual", "like normal", "on or
#: off", "just the one", "2 or just the 1", "none at all", "keep going", "leave off", a
#: decision verb on a session time ("hold the spiro the morning of"), a washout.
_AS_USUAL = re.compile(
    r"\b(?:as usual|like normal|as normal|same (?:time|as always|as usual|lang)|as always"
    r"|keep (?:going|goin|on)|carry on"
    r"|still (?:ok|okay|alright|all right|fine|good|acceptable|cool)"
    r"|(?:fine|ok|okay|alright|all right|cool) to keep|on or off|none at all"
    r"|just (?:the )?(?:one|1)"
    r"|or both|both of (?:em|them)|either of them|half each|half the usual|the usual|zero"
    r"|double up|lay off|hold off|leave (?:\w+ )?off|wash ?out|what about the (?:\w+ )?\w+"
    r"|\d+ or (?:just )?(?:the )?\d+|like usual|still a go|(?:it|them) stays?(?: on)?"
    r"|let (?:it|them) wait|(?:it|them) (?:got|gotta|has got) to go"
    r"|half (?:the|my|a|her|his) (?:dose|pill|tablet|amount)"
    r"|(?:it|them) (?:thru|through|during) (?:the|my|this|these|her|his|whole|all)"
    r"|(?:it|them|both) (?:the )?(?:night|nite|morning|day|evening|am|pm) (?:before|of|after)"
    r"|(?:skip|stop|hold|keep|take|halve|cut|drop|quit|pause)\w*(?: it| them)?"
    r" or (?:nah|not|no|nay)"
    r"|(?:stop|quit|pause|hold off|lay off|cut back|taper)\w*(?! (?:by|in|over|at|eating))"
    r"(?: \w+)? (?:before|until|till|during|for) (?:the |my |her |his |each |every )?(?:first )?"
    r"(?:sessions?|infusions?|treatments?|series|(?:i|we|he|she) (?:start|begin))"
    r"|(?:it|them|the (?:needle|shot|pill|dose|patch)|(?:his|her|my) shot)"
    r" (?:\w+ )?(?:before|after)"
    r" (?:\w+ ){0,2}?or (?:\w+ ){0,2}?(?:before|after)"
    r"|(?:one|1|half|two|2) (?:tablet|pill|capsule|gummy|lozenge)s?)\b"
    r"|\b(?:hold|skip|stop|keep|take|give|cut|drop|quit|pause|miss|halve|double)\w*(?: \w+){0,3}?"
    r" (?:the|that|this) (?:morning|night|day|evening)\b"
    r"|\b(?:do|does|should|would|will|shall|must|ought) (?:i|she|he|we|they)(?: \w+){0,3}?"
    r" (?:quit|stop|skip|hold|pause|lay off|hold off|cut|taper|wean|come off|go off|keep|continue"
    r"|restart)\w*(?= ?(?:$|\?| or\b| (?:it|them|those|that|em|hers|taking|using|drinking"
    r"|smoking|now|before|after|during|until|till|for the|first|beforehand|completely|fully"
    r"|altogether|tonight|today|tomorrow|the (?:morning|night|day)|that (?:morning|day|night)"
    r"|this (?:week|morning))\b))"
    r"|^(?:(?:so|and|ok|okay) )*(?:the|that|this) (?:\w+ )?(?:one|ones|pill|dose|patch|shot)\b"
    r"|^(?:(?:so|and|ok|okay) )*(?:the|that) (?:\w+ ){0,3}?(?:morning|night|day|evening|week"
    r"|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)s? (?:or (?:no|not|nah)"
    r"|(?:of|before|after) (?:\w+ ){0,3}?(?:sessions?|infusions?|treatments?|appointments?"
    r"|appts?|consults?))\b"
)
#: Code-switched decisions: Spanish and Tagalog-English ("la tomo manana o no", "skip ko ba").
_OTHER_TONGUE = re.compile(
    r"\b(?:la|lo|las|los|se la|se lo) (?:tomo|toma|dejo|deja|doy|da|sigo|sigue)\b|\bsigue con"
    r"|\bdejo de\b|\b(?:la|lo|las|los) i take\b"
    r"|\b(?:take|skip|stop|double|give|use|cut|hold|inom|continue) ko\b"
    r"|\b(?:inom|inumin|ibigay|itigil|ituloy|gamitin|ilipat|dalawa)\b"
)
#: An elliptical change at the opening ("skip tmrw am?", "half each?", "hold it fri?").
_OPENS_WITH_CHANGE = re.compile(
    r"^(?:(?:so|and|ok|okay|then|right|but|now) )*(?:(?:skip|hold|stop|keep|double|halve|half"
    r"|cut|split|pause|quit|restart)(?: (?:it|them|those|that))?|(?:another|just one|one|two)"
    + _COUNT_ENDS
    + r"|same (?:dose|amount|day|as usual|as always))(?! on\b)(?= ?(?:\?|$| or\b| (?:tonight"
    r"|today|tomorrow|tmrw|tmr|am|pm|fri|this (?:morning|week|time)|that (?:morning|day|night)"
    r"|the (?:morning|night|day|evening|first|second|next|week)|before|after|during|until|till"
    r"|for (?:the|a) (?:week|day|night|series)|fully|each|then|up|more|extra|again|of em"
    r"|of them)\b))"
)
#: The question or the choice: a question mark, "or not", "yes or no", a tag ("..., right"),
#: a modal with its subject ("do i", "should she"), "ok if i", "fine to".
_ASKED = re.compile(
    r"\?|\bor (?:not|no|nah|what|both|none|just|stop|keep|skip|hold|wait|leave|toss|pause|take"
    r"|cut|lay|after|before|later|simply|could|should|do|does|is|the|i am good|am i good)\b"
    r"|\bo no\b|\byes or no\b"
    r"|\b(?:right|correct|ok|okay|alright|all right|fine|good|acceptable|yes)$"
    r"|\b(?:do|does|should|shall|ought|can|could|may|must|would) (?:i|we|he|she|they)\b"
    r"|\b(?:ok|okay|alright|fine|all right|cool) if (?:i|we|he|she|they)\b"
    r"|\b(?:yay or nay|y n|or nah|or is that (?:dumb|silly|ok|okay|fine|bad))\b"
    r"|\bis it (?:\w+ )?(?:wiser|better|smarter|okay|ok|fine|cool) (?:to|if)\b"
    r"|\bwhether (?:i|he|she|we|they) (?:should|ought|need|must|may|can)\b"
    r"|^(?:(?:so|and|ok) )*(?:fine|ok|okay|alright|safe|good) to\b|^what about\b|\bba\b"
    r"|\b(?:would|is|will) (?:it|that) be (?:\w+ )?(?:ok|okay|wise|wiser|better|fine|safe|smart"
    r"|dumb|bad"
    r"|sensible|reasonable)\b|\bstill (?:ok|okay|fine|alright|all right|good|cool)\b"
)
#: Openers of a question for information ("what is ...", "how long ..."), unless it picks one
#: ("what about the other one", "which of those ought i ...").
_INFO_ASKED = re.compile(
    r"^(?:what(?! about)|how|why|when|where|who|which(?! (?:of (?:those|them|these)|one)))\b"
)
#: Keeping a medicine, not taking it ("should i keep it in the fridge?").
_STORAGE = re.compile(
    r"\b(?:fridge|refrigerat\w*|cooler|room temperature|store|storing|storage|expir\w*|lock box"
    r"|safe place)\b"
)
#: What the clinic does, asked ("do y'all use it for pain too?"): not the writer's decision.
_CLINIC_DOES = re.compile(
    r"\b(?:do|does|will|would|can|could) (?:you|yall|y all|u|you all|you guys|your \w+|the clinic"
    r"|the doctors?|the nurses?)\b"
)
#: The writer (or a relative) deciding: a general word does not make such a question general.
_DECIDING = re.compile(r"\b(?:should|shall|ought|do|can|could|may|must) (?:i|we|he|she)\b")


def _elliptic_decision(text: str) -> bool:
    """Whether a short text asks a decision about what the message before named.

    A decision verb on "it" / "them" / "the morning one" (``_ON_IT``) holds even beside
    logistics ("i will drive her in at 10 ... does she skip her prn that morning?"); the weaker
    readings (as usual, a choice of how much or when, an opening change) do not.
    """
    if len(text.split()) > FOLLOW_UP_MAX_WORDS or _INFO_ASKED.search(text):
        return False
    if _TELL_ME.search(text) or _CLINIC_DOES.search(text) or _STORAGE.search(text):
        return False
    if W.GENERAL.search(text) and not _DECIDING.search(text):
        return False
    if not _ASKED.search(text):
        return False
    if _ERRAND.search(text):
        return bool(_SURE_ON_IT.search(text))
    return bool(
        _ON_IT.search(text)
        or _AS_USUAL.search(text)
        or _OPENS_WITH_CHANGE.search(text)
        or _OTHER_TONGUE.search(text)
    )


#: "and the patches, off too?", "what about the clonidine?": the other thing, asked bare.
_AND_THE_OTHER = re.compile(
    r"^(?:(?:so|ok|okay|right) )*(?:and|what about|how about) (?P<thing>(?:\w+ ){0,3}?\w+)"
    r"(?: (?:off|out|too|also|as well|then))* \?$"
)


def _names_the_other(text: str) -> bool:
    """Whether a text asks bare about another medicine ("and the clonidine?")."""
    found = _AND_THE_OTHER.match(text)
    return bool(found and _names_taken_thing(found.group("thing")))


def _names_taken_thing(text: str) -> bool:
    """Whether a text names something one takes (a medicine, a substance, a pregnancy)."""
    return bool(
        names_medicine(text)
        or _OWN_AT_HOME.search(text)
        or _TAKEN_THING.search(text)
        or W.SUBSTANCE.search(text)
        or _OWN_STATE.search(text)
    )


#: A named medicine or substance in a follow-up, with its determiner ("her xanax", "the weed").
NAMED_THING = re.compile(
    r"\b(?:(?:his|her|my|the|their|your) )?(?P<name>"
    + W.MEDICINE_STEM.pattern[2:-2]
    + r"|"
    + W.SUBSTANCE.pattern[2:-2]
    + r"|"
    + "|".join(sorted(W.MEDICINES, key=len, reverse=True))
    + r")\b(?! ones?\b)"
)


def _as_it(text: str, anchor: str) -> str:
    """A follow-up with the medicine or substance the anchor named read as "it" (round 18).

    "i take xanax for flights", then "should she skip her xanax tonight": the follow-up asks
    the same decision as "should she skip it tonight". Only what the anchor names is read so:
    "can i take sertraline with ketamine?" after a message about another medicine stays the
    general question it is alone.
    """
    named = set(anchor.split())

    def it(found: re.Match[str]) -> str:
        return "it" if set(found.group("name").split()) <= named else found.group(0)

    return NAMED_THING.sub(it, text)


def anchor_sentence(previous: str) -> str | None:
    """The previous message's latest sentence that names what one takes (else the whole)."""
    for sentence in reversed(_split_sentences(previous)):
        if _names_taken_thing(sentence):
            return sentence if sentence.endswith((".", "?", "!")) else sentence + " ."
    return previous if _names_taken_thing(previous) else None


def follow_up_advice_kind(previous: str, current: str) -> str | None:
    """The kind of personal decision a message asks about what the message before named.

    "fyi i take vyvanse every morning" then "so skip it on infusion mornings?": alone, the
    second message names nothing and reads as an ordinary question. After a first message that
    names a medicine, a substance or a pregnancy, a short second message that asks a decision
    about it elliptically ("hold it fri?", "the morning one, yes or no?", "like normal or hold
    off", "2 or just the 1") asks what the patient should do with it. Questions for
    information ("does it interact?", "why do you ask?"), about what the clinic does, about
    people in general, and logistics ("can i take the bus?") are not.

    Args:
        previous: The patient's previous message, normalised.
        current: The patient's latest message, normalised.

    Returns:
        The kind (as ``personal_advice_kind``, ``stop_medicine`` when it names none) or
        ``None``.
    """
    if not previous or not current or max(len(previous), len(current)) > MAX_READ_CHARS:
        return None
    anchor = anchor_sentence(previous)
    if anchor is None:
        return None
    # each sentence, then the whole message read as one ("the night after a session tho. yes
    # or no"); long messages are read sentence by sentence only (``_elliptic_decision``)
    flat = re.sub(r" [.!]", "", current)
    for text in [*_split_sentences(current), flat]:
        if _elliptic_decision(_as_it(text, anchor)) or _names_the_other(text):
            kind = _window_kind(f"{anchor} {text}")
            return kind or ("dose" if W.DOSE.search(text) else "stop_medicine")
    return None
