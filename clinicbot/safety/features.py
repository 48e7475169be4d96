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
* ``__own_injury__``, ``__urge_no_flow__``, ``__no_reason__``, ``__other_talks_of_dying__``
  (``clinicbot.safety.signs``): signs told by their parts (a body part, an injury word and
  the writer's own doing; an urge and nothing coming out; no reason to go on; someone else
  talking of dying);
* ``__own_treatment_decision__`` (``clinicbot.safety.decisions``): a judgement asked about the
  writer's own treatment told with their own health ("i have a fever, should i still come in
  for my infusion?");
* ``__personal_decision__``: a first-person decision about a medicine or dose ("should i",
  "can i take my", "is it ok for me"; not "what should i know");
* ``__own_pregnancy__``: the writer's own pregnancy, breastfeeding or wish to conceive ("i am 8
  weeks", "positive test", "feeding him myself", "we want to start trying"; not "my sister is
  pregnant" or "do you treat pregnant patients");
* ``__substance__`` and ``__own_use__``: a recreational or psychedelic substance (alcohol,
  cannabis, mushrooms, mdma ...) and the writer's own use of it or a decision about it ("i
  drink", "can i keep", "is that fine for me");
* ``__treatment__``: the writer's treatment or a part of it (infusion, series, booster,
  lozenge, appointment); ``__asks_decision__``: a question about what to do ("go or not",
  "do i have to", "is that long enough", "will it hurt");
* ``__substance_named__`` and ``__treatment_day__`` (frame only, round 10): drinks and
  cannabis by everyday names ("pints", "a spliff", "delta 8") and the treatment's day told
  without naming it ("the night after", "the day of", "me session"), read by the substance
  advice frame alone, so the classifier's features are as before;
* ``__info_only__``: a general or policy question ("in general", "your policy", "do patients");
* ``__self_inflicted__`` and ``__minimised__``: harm the writer did to themselves ("on purpose",
  "a few cuts on my arm", "till it bled") and it played down ("nothing serious", "no biggie");
  ``__accident__``: an ordinary injury ("chopping onions", "my cat scratched me");
* emergency frames (frame only): ``__hypothetical__`` ("if someone", "suppose"), ``__media__``
  (a film, a novel, an exam, a first-aid poster), ``__past_event__`` ("once", "last summer"),
  ``__ordinary_cause__`` (a pet, a workout, a tub of ice cream, the dentist) and
  ``__ongoing__``, what keeps an emergency whatever the frame ("right now", "still", "911");
  ``__present_self__`` (round 15): the writer's own body now or their own act just done ("and
  now my chest is tight", "my throat is closing", "then took 15 of my mum's pills"), which a
  film, a book or a story in the same message does not explain.

``with_markers`` appends the marker tokens to the normalised text; the classifier's word
vectoriser then learns weights for them like for any word. The regexes are bounded (no nested
quantifiers over open text), so they run in linear time on hostile input.
"""

from __future__ import annotations

import re

from clinicbot.safety.decisions import REDOSE_ASKED, decision_markers
from clinicbot.safety.signs import MEANS_READY, sign_markers
from clinicbot.safety.wordclasses import wordclass_markers


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
        r"rather be (?:gone|dead|not here)|(?:do not|doubt|not sure) (?:think )?i (?:will|would)"
        r" (?:be (?:around|here|alive)|make it|last)",
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
        r"i am (?:safe|ok|okay|fine|doing (?:well|good|great|ok|okay|better)|stable)(?: now)?"
        r"(?! with| to | for | if )",
        r"(?:i am|i feel|feel|and|now|completely|totally|perfectly|grown) safe\b"
        r"(?! for| to | with| if| during| enough)",
        r"not in that place (?:anymore|any more)|behind me|(?:all|fully) healed",
        r"(?:got|get) out(?! of bed)(?: of (?:that|there|it))?|my own place now|doing well now",
        r"i am (?:in a good place|back to normal)|i feel safe",
        r"been (?:stable|fine|well|sober|clean|good)|(?:sober|clean) (?:since|for)",
        r"have not (?:since|in \w+ years?)|recovered|turned out to be",
        r"totally fine|was fine after|fine after|i am fine",
        r"not a danger to (?:myself|anyone|others)|no thoughts of (?:hurting|harming|killing)",
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
        r"my childhood|growing up|when we were (?:young|kids|little|teens)|in my teens",
        r"it (?:is|has) been \d+ years|(?:the|my) (?:infusion|session|treatment) yesterday",
    ),
    "__general__": _any(
        r"(?:do|does|can|will|are|is) (?:people|patients|most people|most patients|someone)",
        # not a judgement asked for the writer or their relative ("is it right for me", "is
        # ketamine safe for him", "do you think she should"): that is a personal decision
        r"(?:do|does|can|will|are|is) (?:anyone|you|ketamine|esketamine|spravato|it)"
        r"(?!(?: \w+){0,5} for (?:me|him|her|us|my)\b)"
        r"(?! think (?:i|she|he|we|they|my \w+) (?:should|could|can|need|ought|would))",
        r"in general|(?<!i )(?<!we )(?:generally|usually|typically)|is it common|how common",
        r"is it true",
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
        r"(?:can not|cannot|could not|unable to|have not been able to|not able to) (?:pee|piss"
        r"|urinate|empty my bladder|go to the (?:bathroom|toilet|loo))",
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
        r"(?:take|taking|took|remove|removing|get|getting) myself (?:out of|from) (?:the )?"
        r"(?:equation|picture)|finish (?:the job|it all|myself off)|my time is up",
        r"(?:opt|opting) out(?! of (?:the |this |my )?(?:sms|texts?|emails?|reminders?|marketing"
        r"|calls|survey))|mak\w* my exit|end of (?:the|my) (?:road|line) for me",
        r"no (?:version|future)(?: \w+){0,4} (?:with|for) me|i am (?:just )?not in it",
    ),
    "__third_person__": _any(
        r"(?:a|the|this|that) (?:character|movie|film|show|tv series|book|novel|song|documentary"
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
        r"(?:\w+ )?killing (?:me|my)|(?:sick|tired) of (?:waiting|being on hold|the (?:wait|traffic"
        r"|rain|weather|commute|paperwork|queue))",
    ),
    "__hyperbole__": _any(
        r"(?:going to|will|gonna|would) (?:kill|murder|strangle|shoot) me (?:for|if|when|over)",
        r"i (?:will|ll) (?:scream|cry|lose it|lose my mind|explode)",
        r"(?:kill|murder|strangle) my (?:printer|phone|laptop|cat|dog|computer|alarm|coworker s)",
        r"would (?:literally |honestly )?kill for|(?:died|die|dying) (?:of|from) "
        r"(?:laughing|laughter|boredom|embarrassment|curiosity|cringe|shame)|nearly died laughing",
        r"rather die than (?!live|living|feel|feeling|keep|go on|going on|be |being|spend|wake"
        r"|face|exist|carry|deal with (?:this|it|life))",
        r"early grave|death of me|(?:i am|im) dead (?:lol|skull|haha|lmao)|dead skull|shoot me now",
        r"(?:freezing|bored|starving) to death|passed out from boredom|knocked me out",
        r"(?:paperwork|forms?|commute|traffic|insurance|bills?|meetings?|emails?|this week)"
        r" (?:is|are) (?:going to|gonna|will) be the (?:end|death) of me",
    ),
    "__joke__": _any(r"lol|lmao|haha\w*|hehe|jk|just kidding|skull|sarcastic"),
    "__now__": _any(
        r"right now(?! i (?:feel|am) (?:safe|fine|ok|okay|good|great|hopeful|better|stable))"
        r"|tonight|today|this (?:morning|evening|afternoon|week)|at the moment|currently",
        r"again|lately|(?<!infusion )(?<!session )yesterday|last night|keep",
        r"since (?:this morning|last night|yesterday)",
        r"the other (?:night|day)|last weekend|(?:a )?(?:few|couple of) (?:days|nights) ago",
        r"an hour ago|minutes ago|just (?:took|did|now)",
    ),
    "__resolved__": _any(
        r"(?:it |that |which )?(?:wore off|faded|passed|went away|settled)(?: \w+){0,3}",
        r"(?:then|after) (?:i was|it was|i felt) (?:fine|ok|okay|normal|good|better)",
        r"(?:all good|fine|better|lighter|ok|okay) now|(?:none|not|nothing) since"
        r"(?! (?:this |the )?(?:morning|last night|yesterday|lunch|breakfast|i woke))",
        r"(?:i am|i m) \d+ now|(?:left|got out|moved out)(?: \w+){0,3} (?:years?|months?) ago",
        r"out of (?:that|the) (?:house|relationship)|long gone|over (?:a|\w+) (?:decade|years?)",
        r"came back (?:fine|ok|okay|normal)|(?:all )?healed|behind me|not in that place",
        r"(?:strange|weird|odd|scary|intense|wild) but (?:ok|okay|fine|good|nice|pleasant)",
        r"(?:gone|over|passed) after|(?:it|that) (?:is|was) over",
    ),
    "__benign_reason__": _any(
        r"(?:visiting|vacation|holiday|trip|travel\w*|moving(?! on)|relocating|surgery|hospital for"
        r"|wedding|conference|retir\w*|new job|business|for work|estate planning|moved (?:house"
        r"|flat|apartment|home)|library|donat\w*|charity|minimalis\w*|declutter\w*)",
        r"(?:around|here|available|home|in) (?:for (?:the|my|your|our) (?:follow up|call"
        r"|appointment|session|visit|meeting|check in)|on (?:monday|tuesday|wednesday|thursday"
        r"|friday|saturday|sunday))",
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
        r"(?:too much|too strong|too many) for me|which (?:do|should) i take",
        r"(?:someone|somebody|a(?: \w+){1,3}) like me|(?:for|at) my (?:size|weight|age)",
    ),
    "__own_pregnancy__": _any(
        r"i am (?:\d+ weeks |still |exclusively |currently |now )?(?:pregnant|expecting|nursing"
        r"|breastfeeding|breast feeding|pumping|postpartum|trying to (?:conceive|get pregnant))",
        r"i am \d+ weeks|\d+ weeks (?:along|pregnant|postpartum)|(?:first|second|third) trimester",
        r"i (?:might|may|could|think i might) be pregnant|positive (?:pregnancy |home )?test",
        r"(?:my )?period is late|late period|pregnant (?:again|now)|^pregnant|expecting (?:twins|a"
        r" baby)",
        r"(?:we are|we have been|i am|i have been|(?:want|going|plan\w*) to start) trying(?: for"
        r" a baby| to conceive| to get pregnant)?",
        r"(?:if|when|before|after) i (?:get|become|try to get) pregnant|my chances of (?:getting"
        r"|becoming) pregnant|i (?:want|plan|hope) to (?:get pregnant|conceive)",
        r"(?:feed|feeding|nurse|nursing|breastfeed\w*) (?:him|her|them|my (?:baby|son|daughter"
        r"|toddler|newborn|little one))",
        r"my (?:breast )?milk|the milk i pump|pump and dump|i (?:stopped|quit) (?:breastfeeding"
        r"|nursing|pumping)|\bwean\w*|(?:nursing|breastfeeding) (?:mama|mom|mum|mother)",
        r"ivf|embryo transfer|egg retrieval|i (?:breastfeed|nurse|pump)\b",
    ),
    "__treatment__": _any(
        r"(?:my|the|this|next|one|one more|an?|each|every) (?:\w+ ){0,2}(?:infusions?|sessions?"
        r"|series|treatments?|boosters?|appointments?|troches?|lozenges?|rdts?|nasal spray|iv"
        r"|spravato|ketamine|program)",
        r"infusion (?:day|nights?|days)|(?:during|through|mid|between|in between) (?:\w+ )?"
        r"(?:series|infusions?|sessions?|treatment)|while (?:i am )?(?:doing|having|getting)"
        r" (?:ketamine|the|my|infusions?)",
        r"(?:do|get|have|start|starting|try|continue|keep|stop|pause|skip|cancel|finish|before"
        r"|after|during|for|with) (?:the )?"
        r"(?:ketamine|spravato|esketamine|treatment|infusions|sessions)|is (?:ketamine|spravato)"
        r" (?:something|ok|okay|safe|fine)",
    ),
    # round 10, frame only (the classifier's features stay as they were): drinks and cannabis
    # by their everyday names, and the treatment's day told without naming it ("the night
    # after", "the day of", "me session"), for the substance advice frame alone
    "__substance_named__": _any(
        r"pints?|lagers?|schooners?|bevv?(?:y|ies)|tinnies|stubbies|vodka|whiske?y|tequila|rum"
        r"|cider|seltzers?|mimosas?|margaritas?|prosecco|champagne|(?:jello|tequila|vodka) shots?"
        r"|spliffs?|blunts?|bongs?|hash|delta ?[89]|(?:thc|weed|pot|cbd|cannabis) gummies",
    ),
    "__treatment_day__": _any(
        r"the (?:day|night|morning|evening) (?:of|before|after)(?! (?:that|tomorrow|today|my"
        r" (?:birthday|wedding|party|exam|surgery|trip|flight)))\b",
        r"me (?:\w+ ){0,2}(?:infusions?|sessions?|treatments?|appointments?|appt)",
    ),
    "__asks_decision__": _any(
        r"(?<!what )should i(?! know| expect| bring| wear)|can i|could i|do i|may i|am i (?:allowed"
        r"|ok|okay|supposed)",
        r"(?:is|would) (?:it|that|this|one more)(?: \w+){0,3} (?:ok|okay|fine|safe|alright|long"
        r" enough|a problem|bad|dangerous)",
        r"(?:go|keep|stop|cancel|skip|pause) or (?:not|stop|pause|skip|cancel|keep|go)|or (?:pause"
        r"|stop|skip|cancel) it|what should i do|any way i can|does (?:that|this|it) change",
        r"(?:will|could|would) (?:it|that|this|the ketamine|my \w+(?: \w+)?) (?:hurt|harm|affect"
        r"|mess)|safe for (?:me|my baby|the baby)|something i can|how (?:long|many hours)(?: \w+)"
        r"{0,3} (?:wait|before)|do i (?:need|have) to|(?:ok|okay|fine|safe) for me",
    ),
    "__substance__": _any(
        r"alcohol(?! problem| use| issue| history)|(?<!drive me to )(?<!thing to )(?<!and )(?<!or )"
        r"(?<!water should i )(?<!water do i )(?<!water can i )"
        r"(?:drinks?|drinking)"
        r"(?! water| coffee| tea| juice| fluids| anything| something| a lot of water| problem"
        r"| issue| history)|drank|beers?|wine|cocktails?|liquor"
        r"|booze|open bar|weed|pot"
        r"|joints?(?! pain| ache)|edibles?|marijuana|cannabis|thc|cbd|dab\w*|vape|vaping",
        r"smok(?:e|es|ing)|puffs?|mushrooms?|shrooms?|psilocybin|lsd|acid(?! reflux)|mdma|molly"
        r"|ecstasy|coke|cocaine|ghb|kratom|ayahuasca|dmt|microdos\w*|psychedelics?|a trip",
    ),
    "__own_use__": _any(
        r"i (?:\w+ ){0,2}(?:drink|smoke|use|vape|dab)|i like to have|i (?:was|am) planning"
        r"|i am a (?:daily |heavy |weekend )?\w+er|my (?:usual|weekly|daily|nightly|medical)",
        r"(?:can|could|should|do|may) i|(?:is|would) (?:it|that|a \w+)(?: \w+){0,8} (?:ok|okay"
        r"|fine|safe|cool|alright|dangerous|bad|a problem)|(?:ok|okay|fine|safe|cool) (?:for me"
        r"|to)|how (?:much|many|long)(?: \w+){0,5} (?:can i|before i|until i)",
        r"without quitting|want to stop|stay off|(?:fine|ok|okay|alright) for me or",
        r"yay or nay|or nah|(?:that|it|this) (?:gonna|going to) be a problem|(?:does|will|would)"
        r" (?:that|it|this) matter",
    ),
    "__info_only__": _any(
        r"in general|generally|general rule|policy|(?:do|does|can|are|will) (?:people|patients"
        r"|most|someone|anyone|women)|what do you (?:tell|recommend|advise)|your patients",
        r"is it true|just (?:asking|wondering|curious)|(?:for|to) (?:people|patients)|handout",
    ),
    "__self_inflicted__": _any(
        r"(?:cut|cutting|burn\w*|hit|hitting|punch\w*|slam\w*|bit|biting|scratch\w*|hurt\w*"
        r"|starv\w*|bang\w*|carv\w*|pick\w*)(?: \w+){0,6} (?:on purpose|deliberately)",
        r"(?<!to )(?<!not )(?<!never )(?:hurt|harmed|cut|burned|burnt|hit|punched|scratched"
        r"|starved|bit) myself|as (?:a )?punishment|to punish myself",
        r"(?:went|go|going|got) back to (?:the )?(?:cutting|razor|blade)|relapsed?(?: \w+){0,2}"
        r" (?:the )?(?:cutting|self harm|razor|blade)|(?:used|grabbed|picked up) (?:the|a|my)"
        r" (?:razor|blade)(?: \w+){0,2} again|did (?:some|a bit of|a little) (?:cutting"
        r"|damage to my)",
        r"(?:till|until) (?:it|they) (?:bled|bleed)|cut (?:again|a little|a bit)",
        r"(?:cuts|lines|scratches|burns) (?:on|up|across) my (?:arms?|wrists?|legs?|thighs?"
        r"|stomach|skin|hips?)|(?:few|couple of|small|little|tiny|shallow) cuts",
        r"carv\w*(?: \w+){0,3} into my|picking my skin(?: \w+){0,2} open",
        r"(?:took|swallowed|drank|downed)(?: \w+){0,8} on purpose",
        r"(?:belt|cord|rope|scarf|strap|tie|cable) (?:round|around) my (?:neck|throat)",
    ),
    "__minimised__": _any(
        r"(?:only|just) (?:a )?(?:few|couple|some|small|little|tiny|minor|shallow|scratch\w*"
        r"|lines?|marks?|spots?)|nothing (?:serious|deep|bad|major)|no (?:biggie|big deal)",
        r"not (?:a )?(?:big deal|deep|that bad|serious)|it is (?:nothing|fine|whatever)|minor",
        r"not asking for help|(?:do not|don t) (?:freak out|make it a thing|call anyone)",
        r"under control|just a habit|not a cry for help",
    ),
    "__accident__": _any(
        r"chopping|cooking|gardening|making (?:dinner|lunch|breakfast)|at the gym|tripped|fell",
        r"(?:rose )?bush|(?:my|the|a) (?:cat|dog|kitten|puppy) (?:scratched|bit)|shaving"
        r"|paper cut|on (?:a|the) (?:oven|stove|fence|door|nail|pan|grill)",
    ),
    # -- emergency frames (round 4b): what explains emergency words away, and what keeps them
    "__hypothetical__": _any(
        r"^(?:so |and |but |ok |okay )?if (?:someone|somebody|a person|a patient|i|he|she|they"
        r"|my \w+)|what if|suppose|supposing|hypothetically|imagine if|in case",
        r"what (?:should|would|do) (?:i|you|we|people|someone|my \w+) do if|what happens if",
        r"how (?:do|would|will|can) (?:i|you|we|people) (?:know|tell|spot|recognise|recognize) if",
    ),
    "__media__": _any(
        # never "over the course of", nor a course of treatment ("my ketamine course")
        r"(?:a|the|this|that|my|in) (?:(?!ketamine |treatment |infusion |spravato |esketamine"
        r" |antibiotic |steroid |medication |meds |tms |ect )\w+ )?(?:film|movie|show|tv show"
        r"|series|episode|documentary|novel|book|story|character|podcast|article|exam|essay"
        r"|lecture|poster|leaflet|first aid(?: course| class| training)?|cpr (?:course|class)"
        r"|course(?! of)|class)",
        r"grey s anatomy|greys anatomy|just watched|was watching|i am writing",
    ),
    "__past_event__": _any(
        r"(?:had|fainted|collapsed|passed out|happened|got|went|swelled) (?:\w+ ){0,4}once\b",
        r"last (?:week|month|year|summer|winter|spring|autumn|fall)|as a (?:baby|toddler)",
        r"(?:a|one|two|three|\d+) (?:weeks?|months?) ago|in (?:january|february|march|april"
        r"|may|june|july|august|september|october|november|december)",
    ),
    "__ordinary_cause__": _any(
        r"(?:my|the|our|a) (?:dog|cat|puppy|kitten|rabbit|bunny|hamster|pet|horse|parrot)"
        r"|(?:the|a) vet|emergency vet",
        r"bench press|leg day|the gym|workout|work out|hill run|(?:a|my|the) run|running|squats"
        r"|deadlifts|lifting|cardio|spin class|a hike",
        r"(?:tub|box|packet|pack|bag|bar|tray) of (?:ice cream|cookies|biscuits|chocolate\w*"
        r"|crisps|chips|doughnuts|donuts|candy|sweets)",
        r"(?:from|at) the dentist|flu jab|flu shot|my asthma|my inhaler (?:sorted|fixed|helped)",
        r"low blood sugar|reflux|indigestion turned|kidney stone",
        r"(?:brain|bank account|fantasy \w+ team|plants?|laptop|computer|wifi|printer)"
        r" (?:\w+ ){0,3}(?:seizure|flatlining|life support|gasping|heart attack|collapsed|dying)",
    ),
    "__ongoing__": _any(
        r"right now|rn|still|getting worse|not stopping|will not stop|can not stop|help me",
        r"please help|911|999|ambulance|what do i do|hurry|(?:an hour|\d+ min\w*|minutes) ago",
        r"just now|at the moment",
        # a present inability to pass urine or to wake someone: the trigger may lie in the past
        # ("since my infusion yesterday"), the emergency does not ("could not" is told as over;
        # breathing is left to the grave signs: "can't catch my breath after a run" is ordinary)
        r"(?:can not|cannot|unable to|not able to|have not been able to|has not been able to)"
        r" (?:pee|piss|urinate|pass (?:urine|water)|wee|empty (?:my|his|her) bladder"
        r"|wake (?:him|her|them) up|wake (?:him|her|them))",
        # no urine since a time or for hours, told in the present perfect ("have not peed since
        # my infusion yesterday morning"): the trigger is past, the retention is now (round 13)
        r"not (?:peed|pissed|urinated|weed|passed (?:urine|water)) (?:since|for|in) ",
    ),
    "__present_self__": _any(
        r"(?:and|so) now (?:i|my)\b(?! (?:am |m |feel |felt )?(?:fine|ok|okay|good|better|great"
        r"|normal|safe|back|home|calm|relaxed|ready|hungry|tired|bored))",
        r"my (?:chest|heart|throat|lips|tongue|face|jaw|left arm|breathing|pulse) (?:is|are|feels?"
        r"|started|starts|keeps|has been|have been|will not|just)",
        r"i (?:can not|cannot) (?:breathe|catch my breath|swallow|stay awake|feel my (?:arm|face"
        r"|legs?))",
        r"(?:and then|then|and) (?:i )?(?:took|swallowed|downed|popped)(?: \w+){0,5}"
        r" (?:pills|tablets|meds|capsules|bottle|xanax|klonopin|ativan|valium|ambien|benadryl"
        r"|tylenol|oxy\w*|percocet|gabapentin|seroquel|trazodone|lozenges?|troches?)",
    ),
}


#: Markers the frames read but the classifier does not see (too common on their own to carry
#: meaning as a word: "can i", "my session", "in general"; the emergency frames' markers).
FRAME_ONLY = frozenset(
    {
        "__treatment__",
        "__treatment_day__",
        "__substance_named__",
        "__asks_decision__",
        "__own_use__",
        "__info_only__",
        "__hypothetical__",
        "__media__",
        "__past_event__",
        "__ordinary_cause__",
        "__ongoing__",
        "__present_self__",
        MEANS_READY,
        REDOSE_ASKED,
    }
)


_CLASSIFIER_MARKERS = {name: regex for name, regex in MARKERS.items() if name not in FRAME_ONLY}


def markers(normalized: str, frame_only: bool = True) -> list[str]:
    """Returns the marker tokens that apply to a normalised text.

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.
        frame_only: Whether to read the ``FRAME_ONLY`` markers too (``False`` saves time
            where only the classifier's markers matter).

    Returns:
        The marker names, in a fixed order.
    """
    table = MARKERS if frame_only else _CLASSIFIER_MARKERS
    found = [name for name, regex in table.items() if regex.search(normalized)]
    signs = sign_markers(normalized) + decision_markers(normalized)
    if not frame_only:
        signs = [name for name in signs if name not in FRAME_ONLY]
    return found + signs + wordclass_markers(normalized)


def with_markers(normalized: str) -> str:
    """Appends the marker tokens (not the ``FRAME_ONLY`` ones) to a normalised text.

    This is the classifier's input.

    Args:
        normalized: A normalised text.

    Returns:
        The text followed by its markers, separated by spaces.
    """
    found = markers(normalized, frame_only=False)
    return f"{normalized} {' '.join(found)}" if found else normalized
