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
    "__personal_decision__": _any(
        r"(?<!what )should i(?! (?:know|expect|bring|wear|eat|ask|tell))|can i|could i|do i|may i",
        r"would it be (?:ok|okay|fine|safe|better|smarter) (?:for me|if i)",
        r"is it (?:ok|okay|fine|safe|alright) (?:for me|if i|to)",
        r"how (?:much|many) (?:should|can) i|which (?:one )?(?:should|do) i",
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
