"""Meaning features for the safety classifier: who, when, negation, safety now, general framing.

Character and word n-grams see words, not how they relate. These features mark a few things
that decide whether a sentence is risk, told in words the training data may never have used:

* ``__fp_absence__``: the writer speaks of themselves no longer being there or being no trouble
  ("i won't be around", "they'd be fine without me", "out of everyone's hair");
* ``__fp_future__``: first person + a future or intention frame ("i'm going to", "i plan to",
  "i've decided", "tonight", "this weekend");
* ``__finality__``: farewells and putting affairs in order ("goodbye", "gave away", "letters",
  "who gets my dog");
* ``__negated__``: a negation near a first-person risk phrase ("i'm not suicidal");
* ``__safe_now__`` and ``__past__``: present safety stated or a time long past ("i'm safe
  now", "years ago", "haven't since", "in 2015");
* ``__general__``: a general or third-person information frame ("do people", "does ketamine",
  "in general", "is it common");
* ``__no_consent__``: something done without consent, told without the words ("i said no",
  "he wouldn't stop", "i couldn't say no", "woke up and ...", "took advantage");
* ``__control_fear__``: control or violence at home ("afraid to go home", "checks my phone",
  "controls the money", "she hit me", "not allowed to");
* ``__threat_other__``: a veiled threat toward someone ("he'll be sorry", "i know where he
  parks", "catch him alone", "won't walk away from");
* ``__hopeless__`` and ``__means__``: hopelessness, and asking how much or how high (together
  they support a crisis verdict: means-seeking after hopelessness);
* ``__bladder__``: a bladder that will not empty (ketamine's urinary retention);
* ``__personal_decision__``: a first-person decision about a medicine or dose ("should i",
  "can i take my", "is it ok for me"; not "what should i know").

``with_markers`` appends the marker tokens to the normalised text; the classifier's word
vectoriser then learns weights for them like for any word. The regexes are bounded (no nested
quantifiers over open text), so they run in linear time on hostile input.
"""

from __future__ import annotations

import re


def _any(*alternatives: str) -> re.Pattern[str]:
    """Compiles word-bounded alternatives into one regex."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


MARKERS: dict[str, re.Pattern[str]] = {
    "__fp_absence__": _any(
        r"without me|with me gone|(?:once|when|after) i am gone|if i (?:was|were|am) gone",
        r"(?:me|i am) out of the picture",
        r"out of (?:everyone|everybody|their|your|the way|his|her) ?s? ?(?:hair|way|lives|life)",
        r"not (?:be |being )?(?:around|here|alive)|no longer (?:be )?(?:around|here)",
        r"will not be (?:around|here|needing|a problem|a burden|anyone s problem)",
        r"not (?:sticking|stick) around|stop (?:being|existing)|quit existing|not exist",
        r"disappear|vanish|go away for good|for good",
        r"(?:be|being|am|just) (?:a |no |such a |anyone s )?(?:burden|problem|weight|drain)",
        r"better off|easier for (?:everyone|everybody|them|all)",
        r"(?:nobody|no one) (?:would|will) (?:miss|notice|care)",
        r"never wake|not wake up|not to wake|stay asleep|sleep forever|permanent(?:ly)?",
        r"let go|check out|not be needing|will not need (?:it|them|those|these)",
        r"(?:show up|come|turn up|cry) (?:to|at) my funeral|(?:who|anyone) would (?:even )?(?:come"
        r"|show up|notice|care)",
    ),
    "__fp_future__": _any(
        r"i (?:plan to|am planning to|have decided|decided|have a plan|have a date)",
        r"i (?:know what i am going to do|am ready to|have made (?:my )?peace)",
        r"tonight|this weekend|by friday|by then|soon|much longer|next (?:week|month|year)",
        r"after this weekend|on friday",
    ),
    "__finality__": _any(
        r"goodbye|good bye|bye for good|farewell|last message",
        r"thanks for everything|thank you for everything",
        r"gave away|giving away|give away|given away|who (?:gets|will take|would take)",
        r"letters? to|notes? to|wrote (?:a |some )?(?:letters?|notes?)|goodbye notes?|my will",
        r"loose ends|affairs in order|passwords|in case",
    ),
    "__negated__": _any(
        r"(?:i am not|i do not|i have not|i never|not|no) (?:\w+ ){0,2}(?:suicidal|going to hurt"
        r"|want to die|thinking (?:of|about) (?:hurting|killing|suicide|ending)|plans? to"
        r"|thoughts of)",
    ),
    "__safe_now__": _any(
        r"i am (?:safe|ok|okay|fine|doing (?:well|good|great|ok|okay|better)|stable)(?: now)?",
        r"i am (?:in a good place|back to normal)|i feel safe",
        r"been (?:stable|fine|well|sober|clean|good)|(?:sober|clean) (?:since|for)",
        r"have not (?:since|in \w+ years?)|recovered|turned out to be",
        r"totally fine|was fine after|fine after|i am fine",
    ),
    "__past__": _any(
        r"years? ago|as a (?:kid|child|teen|teenager)|back in|in (?:19|20)\d\d|used to",
        r"in (?:high school|college|my (?:teens|twenties|thirties|20s|30s))",
        r"when i was (?:young|little|a kid|a teen)|a decade|long time ago",
        r"last (?:session|time|infusion)",
        r"when i was \d+|(?:on|last) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
        r"(?: \w+){0,3} (?:i|it) (?:felt|was|had|thought)",
        r"(?:first|second|third|last|previous|\w+th) (?:session|infusion|trip)",
        r"in the (?:session|chair|trip)",
        r"during (?:my |the )?(?:last |first )?(?:session|infusion|trip)",
        r"(?:\d+|a few|two|three|several|many) (?:years|decades) (?:ago|back)",
    ),
    "__general__": _any(
        r"(?:do|does|can|will|are|is) (?:people|patients|most people|most patients|someone)",
        r"(?:do|does|can|will|are|is) (?:anyone|you|ketamine|esketamine|spravato|it)",
        r"in general|generally|usually|typically|is it common|how common|is it true",
        r"what (?:does|do) (?:the )?research",
        r"(?:what|which) (?:medications?|medicines?)|interact\w*|interactions?",
    ),
    "__no_consent__": _any(
        r"(?:did not|never) (?:want|agree|say yes|consent)(?: to)?(?: (?:it|that|any of it))?",
        r"(?:could not|can not|cannot) (?:say no|get away|stop (?:him|her|them)|move|fight)",
        r"i (?:said|kept saying|was saying) no|told (?:him|her|them) (?:no|to stop)"
        r"|(?:would not|did not) "
        r"(?:stop|let me (?:leave|go))|kept (?:going|pushing)|(?:i )?gave in|went along with",
        r"took advantage|held me down|pinned me|made me (?:do|keep|touch)|forc\w* me",
        r"(?:woke|wake) up (?:and|with|to|at|next to|naked|in)|no memory of|(?:passed out|asleep"
        r"|unconscious|blacked out|too drunk)(?: \w+){0,6} (?:did|was|had|started|took)",
        r"(?:something|stuff|things) in my drink|secret games?|pretend to be asleep|if i refused",
        r"sleep with (?:him|her|them)|unless i",
    ),
    "__control_fear__": _any(
        r"(?:afraid|scared|terrified) (?:to go|of going) (?:back )?home|hiding the marks",
        r"(?:checks|goes through|reads|tracks|tracker on) my (?:phone|messages|texts|email|car)",
        r"controls? (?:all )?(?:the|my|our) (?:money|finances|bank)|takes? my (?:paycheck|money"
        r"|keys|car keys|phone|pension)|(?:not|never) allowed to|ask permission",
        r"(?<!it )(?<!that )(?<!this )"
        r"(?:hit|hits|slapped|slaps|shoved|shoves|pushed|pushes|kicked|choked|grabbed|squeezed)"
        r" (?:me|my (?:neck|throat|arm|face|head))|threw (?:a |the )?\w+ at (?:me|my)",
        r"locks? me (?:out|in)|sneak (?:to|out|here)|furious if (?:he|she|they) knew|flinch\w*",
        r"bruises|burn on (?:her|his) (?:arm|leg|hand)|rough with",
    ),
    "__threat_other__": _any(
        r"(?:he|she|they)(?: will| ll)? (?:be sorry|regret|pay for)|better pray|what is coming",
        r"(?:catch|find|get) (?:him|her|them) alone|know (?:where|which car|when) (?:he|she|they)",
        r"(?:will not|won t|not) (?:walk away|survive|make it (?:to|home)|be teaching|wake up)",
        r"(?:pay|paying) (?:\w+ ){0,3}a visit|get back at|teach (?:him|her|them) a lesson",
        r"(?:his|her|their) brakes|list of (?:the )?(?:people|names)",
    ),
    "__hopeless__": _any(
        r"nothing (?:helps|works|matters|will change|changes|is working)|no point|pointless",
        r"why bother|hopeless|i am done|i can not (?:do this|take it|go on)|give up",
    ),
    "__means__": _any(
        r"how (?:much|many)(?: \w+){0,4} (?:would|to|is too|it takes|stop|kill|do the most)",
        r"(?:strongest|most dangerous|deadliest|most damage)|closed garage|how (?:high|tall|far)",
        r"(?:where|how) (?:can|could|do) i (?:buy|get|find)(?: \w+){0,3} (?:a lot|a gun|rope"
        r"|pills|enough)",
    ),
    "__bladder__": _any(
        r"(?:can not|cannot|could not|unable to|have not been able to|not able to) (?:pee|urinate"
        r"|empty my bladder|go to the (?:bathroom|toilet|loo))",
        r"(?:bladder|belly|stomach)(?: \w+){0,4} (?:full|swollen|hard|agony|burst)|tiny drips",
    ),
    "__no_return__": _any(
        r"(?:not|never|do not|did not|would not|will not) (?:come|coming|wake|waking) (?:back|up)"
        r"(?: from)?",
        r"(?:long|big|endless|last|final|eternal|forever) (?:nap|sleep|rest)|keep walking",
        r"close my eyes(?: \w+){0,3} (?:and )?that is it|make it official|fine by me if i",
        r"(?:being|be) dead (?:sounds|seems|would be)",
        r"(?:hoping|hope|wish|would not mind|wouldn t mind)(?: \w+){0,4} "
        r"(?:plane|bus|car|truck|train|accident)"
        r"(?: \w+){0,4} (?:goes down|crash\w*"
        r"|hit\w*|took me out|takes me out|take me out)",
        r"not turning the wheel|no (?:doors|exit|way out)|not (?:be )?alive for",
    ),
    "__third_person__": _any(
        r"(?:a|the|this|that) (?:character|movie|film|show|series|book|novel|song|documentary"
        r"|podcast|article|news|celebrity|actor|singer|story|game)",
        r"(?:my|a) (?:aunt|uncle|grandpa|grandma|grandfather|grandmother|friend|cousin|classmate)"
        r"(?: \w+){0,3} (?:died|passed away|killed (?:himself|herself)"
        r"|took (?:his|her) (?:own )?life)",
        r"(?:dog|cat|pet) (?:was )?(?:put (?:to sleep|down)|died|passed)|passed away",
    ),
    "__object_subject__": _any(
        r"(?:battery|phone|laptop|car|plant|plants|engine|printer|wifi|charger|tablet)"
        r" (?:\w+ ){0,6}(?:die|dies|died|dead|dying)",
        r"(?:traffic|commute|feet|back|heat|cold|suspense|bill|price|forms?|paperwork|wait|line"
        r"|mondays?|week|job|boss|hold music|this|that) (?:\w+ ){0,3}(?:is|are|was) "
        r"(?:\w+ )?killing (?:me|my)",
    ),
    "__hyperbole__": _any(
        r"(?:going to|will|gonna|would) (?:kill|murder) me (?:for|if|when|over)",
        r"(?:kill|murder|strangle) my (?:printer|phone|laptop|cat|dog|computer|alarm|coworker s)",
        r"would (?:literally |honestly )?kill for|(?:died|die|dying) (?:of|from) "
        r"(?:laughing|laughter|boredom|embarrassment|curiosity)|nearly died laughing",
        r"rather die than (?!live|living|feel|feeling|keep|go on|going on|be |being|spend|wake"
        r"|face|exist|carry|deal with (?:this|it|life))",
        r"early grave|death of me|(?:i am|im) dead (?:lol|skull|haha|lmao)|dead skull|shoot me now",
        r"(?:freezing|bored|starving) to death|passed out from boredom|knocked me out",
    ),
    "__joke__": _any(r"lol|lmao|haha\w*|hehe|jk|just kidding|skull|sarcastic"),
    "__now__": _any(
        r"right now|tonight|today|this (?:morning|evening|afternoon|week)|at the moment|currently",
        r"again|lately|yesterday|last night|since (?:this morning|last night|yesterday)|keep",
        r"an hour ago|minutes ago|just (?:took|did|now)",
    ),
    "__resolved__": _any(
        r"(?:it |that |which )?(?:wore off|faded|passed|went away|settled)(?: \w+){0,3}",
        r"(?:then|after) (?:i was|it was|i felt) (?:fine|ok|okay|normal|good|better)",
        r"(?:all good|fine|better|lighter|ok|okay) now|none since|not since|nothing since",
        r"(?:i am|i m) \d+ now|(?:left|got out|moved out)(?: \w+){0,3} (?:years?|months?) ago",
        r"out of (?:that|the) (?:house|relationship)|long gone|over (?:a|\w+) (?:decade|years?)",
    ),
    "__benign_reason__": _any(
        r"(?:visiting|vacation|holiday|trip|travel\w*|moving(?! on)|relocating|surgery|hospital for"
        r"|wedding|conference|retiring|new job|business)",
        r"(?:dr|doctor|nurse|provider|therapist)(?: \w+){1,5} (?:is|are) leaving",
        r"(?:old|spare) (?:recliner|chair|couch|sofa|furniture|clothes|books)",
    ),
    "__personal_decision__": _any(
        r"(?<!what )should i(?! (?:know|expect|bring|wear|eat|ask|tell))|can i|could i|do i|may i",
        r"would it be (?:ok|okay|fine|safe|better|smarter) (?:for me|if i)",
        r"is it (?:ok|okay|fine|safe|alright) (?:for me|if i|to)",
        r"how (?:much|many) (?:should|can) i|which (?:one )?(?:should|do) i",
        r"(?:safe|ok|okay|too much|too many|sense|better)(?: \w+){0,4} for (?:me|my baby|my body)",
        r"am i supposed to|can i still|should i still",
        r"(?:is|would) (?:that|this|it) (?:combo|combination|mix) (?:safe|ok|okay)",
        r"any reason i (?:should not|shouldn t)|thoughts \?",
        r"(?:i am|i m) (?:thinking of|planning to|going to) (?:halving|cutting|doubling|stopping"
        r"|quitting|skipping|upping|lowering)",
    ),
}


def markers(normalized: str) -> list[str]:
    """Returns the marker tokens that apply to a normalised text.

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.

    Returns:
        The marker names, in a fixed order.
    """
    return [name for name, regex in MARKERS.items() if regex.search(normalized)]


def with_markers(normalized: str) -> str:
    """Appends the marker tokens to a normalised text (the classifier's input).

    Args:
        normalized: A normalised text.

    Returns:
        The text followed by its markers, separated by spaces.
    """
    found = markers(normalized)
    return f"{normalized} {' '.join(found)}" if found else normalized
