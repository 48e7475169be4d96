"""Benign frames read by meaning over the whole message: idiom, media or work, past and safe now.

Risk words are often used for something else (issue 10, false alarms):

* an everyday idiom of killing and dying ("my feet are killing me", "dying to know", "died 40
  times to the same boss", "dead tired", "shoot me now, the portal logged me out");
* someone else, a story or the writer's work (a memoir's author, a crime drama, a hospice
  nurse who sits with dying people, a crisis-line volunteer);
* something long past with present safety stated ("i tried to end my life when i was 19 ...
  i'm in a much steadier place now");
* being away for an ordinary reason ("i won't be around on the 12th, my sister's wedding"),
  or not making it to a visit ("can't make it thursday", "won't make it to my appointment").

Each frame is read in two steps. First the frame itself: an idiom phrase, a story or work
context, a time long past together with a statement of present safety. Then what the frame does
NOT explain: for an idiom, any risk word left once the idiom phrases are taken out; for every
frame, first-person signs of risk now (a plan, means, "again", "this time", "not safe", "for
me", "on myself", a wish to die not told as past). A frame holds only when nothing is left, so
the same words with risk beside them ("shoot me now. no really, my dad's rifle ...") still alarm.

``benign_frames(normalized)`` returns the frame markers that hold:

* ``__idiom__``: the risk words are all inside everyday idioms;
* ``__story_or_work__``: the risk words are told of a story, the media or the writer's work;
* ``__past_safe__``: something long past, present safety stated, nothing current;
* ``__away_for_a_reason__``: the writer away for an ordinary reason, or not making it on a
  day, at an hour or to an appointment (``ATTENDANCE``), no other crisis sign;
* ``__safe_stated__``: present safety or coping stated ("but i'm safe and my sister is coming
  over", "my therapist and i have a plan"), not "fine now" after a recent event, not harm
  played down ("i'm okay, just a lump"), not beside a crisis marker of the message. It explains
  no risk word away: a classifier-only crisis verdict on a sentence with no crisis marker of
  its own then needs the ``framed`` threshold.

No frame reads a logistics message without risk words as ordinary: veiled risk inside an errand
("leave my car in your lot, it won't matter after tonight") is exactly what that would hide.
The one exception is "make it" with the visit right after it: the words of a farewell ("i
won't make it") used for the visit itself, never with "tonight", "through" or "to <a day>".

The detector drops the pattern hits an idiom or a story explains (``frames.drop_framed_hits``),
gives no classifier crisis verdict inside an idiom, story, work or away frame
(``MESSAGE_FRAMES``; an emergency needs the ``framed`` threshold), and reads ``__past_safe__``
as resolved (a mention). The router's
``supports_classifier_guess`` and the context rule read them from the message's signals.
Regexes use bounded quantifiers only (linear on any input); nothing here logs text.
"""

from __future__ import annotations

import re

#: The frame markers this module adds.
IDIOM = "__idiom__"
STORY_OR_WORK = "__story_or_work__"
PAST_SAFE = "__past_safe__"
AWAY_REASON = "__away_for_a_reason__"
BENIGN_FRAMES = frozenset({IDIOM, STORY_OR_WORK, PAST_SAFE, AWAY_REASON})
#: The frames read over the whole message that explain each of its sentences (a classifier
#: crisis verdict in them is explained away; see ``frames.explained_by_message``).
MESSAGE_FRAMES = frozenset({IDIOM, STORY_OR_WORK, AWAY_REASON})
#: Present safety or coping stated anywhere in the message, with no sign of risk now. Not a
#: frame that explains risk words away: it raises the bar for a classifier-only crisis verdict
#: on a sentence with no crisis marker of its own to ``framed`` (``detector._supported``).
SAFE_STATED = "__safe_stated__"
#: The readings that raise that bar (``detector._supported``, ``frames.explained_by_message``).
RAISES_CRISIS_BAR = frozenset({SAFE_STATED})


def _any(*alternatives: str) -> re.Pattern[str]:
    """Compiles word-bounded alternatives into one regex."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


#: Everyday idioms of killing, dying and death (normalised text: "i am", "can not", emoji as
#: words). Each is a phrase whose risk word means something else.
IDIOMS = _any(
    # a thing, a task or a body part "killing me"; performing well ("killed it")
    r"(?:is|are|was|were|be|keeps?) (?:\w+ ){0,2}(?:killing|murdering|destroying) (?:me|my \w+)",
    r"(?:kill|killed|killing|slayed|slaying|smashed|nailed|crushed|murdered) (?:it|the (?:quiz"
    r"|exam|test|game|match|quarter|targets|numbers|presentation|pitch|interview|set|show|gig))",
    r"(?:slayed|slays|killed|kills|cracks|cracked) me(?: up)?(?= lol| haha| skull|$| \.| i was)",
    r"(?:killing|killed|kill) (?:myself|me) laughing|(?:laughing|laughed) my \w+ off",
    r"kill(?:ing)? (?:some )?time|kill two birds|(?:would|could) (?:kill|murder) (?:for|a|an|some)",
    r"a killer (?:at|workout|deal|view)|killer (?:heels|app|workout|deal)",
    r"(?:going to|gonna|will|would) (?:kill|murder|strangle) me (?:for|if|when|over|lol|haha)"
    r"|have my head|let me live",
    r"(?:got|get|were|was|are) (?:absolutely )?(?:slaughtered|destroyed|murdered|annihilated"
    r"|crushed|killed) (?:\d+|in|at|by|on|the)|bury (?:us|them|you)",
    # exasperation
    r"^(?:ugh |omg |oh god |honestly )?(?:just )?(?:kill|shoot) me(?: now)?(?= \w)",
    r"shoot me now|^shoot\b|\. shoot\b",
    # dying to / of, to die for
    r"dying (?:to|for) (?:know|try|see|meet|hear|get|have|go|find|a|an|some)",
    r"(?:dying|died|die|dead) (?:of|from) (?:laughing|laughter|boredom|embarrassment|hunger"
    r"|thirst|curiosity|cringe|shame|the heat|heat|cold)",
    r"literally (?:dying|died|dead)(?: right now)? lol|(?:plant|houseplant) killer"
    r"|could (?:just )?die of|to die for|over my dead body",
    r"(?:died|die|dying|killed) (?:like |about |maybe )?(?:\d+|so many|a hundred|a million)"
    r" times|keep (?:dying|getting killed) (?:on|in|at|to)|(?:got|get) (?:killed|sniped)"
    r" (?:in|on|by)|(?:died|bombed|dying) on stage",
    # dead and death
    r"dead (?:tired|on my feet|serious|set|end|heat|and buried|battery|quiet)|deadline",
    r"(?:i am|am) (?:so |literally |totally )dead(?= (?:my|lol|skull|haha)|$)|dead (?:lol|skull)",
    r"death warmed (?:up|over)|(?:the )?(?:death|end) of (?:me|my \w+)|early grave",
    r"knock (?:em|them|\w+) dead|dead or alive",
    r"(?:deadly|murder) (?:roads?|ice|icy|heat|cold|boring|dull|traffic|commute)",
    r"(?:roads?|ice|traffic|commute|weather|heat|cold|snow) (?:\w+ ){0,2}(?:is|are|was|were)"
    r" (?:\w+ )?(?:deadly|murder|brutal)",
    r"(?:battery|phone|laptop|computer|printer|car|plant|starter|tomatoes|wifi|charger)"
    r" (?:\w+ ){0,3}(?:died|dying|dead|is dying)",
    r"(?:knees|back|nerves|voice|hip|hips|shoulder) (?:are|is) shot",
    r"(?:nearly|almost) (?:finished|killed) me(?: off)?",
    # round 10: giving up on a thing; "so dead tomorrow lol" after a late night
    r"(?:give|gave|giving) up on (?:the|this|that|your|my) (?:portal|app|website|site|form|forms"
    r"|login|password|phone system|printer|computer|laptop|wifi|game|puzzle|crossword|recipe"
    r"|paperwork|parking|bus|train|traffic|hold music)",
    r"(?:going to|gonna|will) be (?:so|literally|totally|absolutely) dead(?: \w+){0,3}"
    r"(?= lol| haha| skull)",
    # a thing (never oneself) thrown off a bridge or out of a window; software that crashed
    r"(?:throw|chuck|toss|yeet|fling|launch|hurl)(?:ing)? (?:my|the|this|that|his|her|their)"
    r" (?:\w+ )?(?:laptop|phone|computer|printer|monitor|keyboard|tv|controller|headset|router"
    r"|mouse|tablet|alarm clock|alarm)(?: \w+){0,2} (?:off|out of|out|into|through|across|at)"
    r" (?:a |the |my )?(?:\w+ )?(?:bridge|window|wall|sea|river|lake|room|ocean|sun|bin|trash)",
    r"(?:portal|app|site|website|computer|laptop|system|server|program|phone|game|browser|page)"
    r" (?:\w+ ){0,2}(?:crashed|crashes|crashing|keeps crashing)",
)
#: Risk words an idiom may leave behind (then the message is not only an idiom).
RISK_WORDS = _any(
    r"die|dies|died|dying|dead|death|kill\w*|murder\w*|suicid\w*|myself|overdos\w*|pills",
    r"pistol|firearm|weapon|loaded|bullets?|ammo|knife|knives|blade|razor|noose|no joke|not"
    r" joking|seriously|for real|i mean it|no really",
    r"tablets|rifle|gun|rope|bridge|jump\w*|end (?:it|things|my life)|not (?:be )?(?:here"
    r"|around|alive)|disappear\w*|burden|better off|hopeless|no point|give up|goodbye",
    r"shoot|shot|hurt|cut|cutting|stab\w*|hang\w*|wake up|sleep forever|gone|alive",
    r"can not (?:take|go on|do this)|anymore|tired of (?:living|life|being|existing)|of living"
    r"|existing|done with (?:life|everything|it all)|relieved if|if something (?:happened|did)"
    r"|would not mind if|wish something|hit by|steer\w*|crash\w*|barrier|drive (?:into|off)"
    r"|in front of|still think about",
    # finality beside a plain "can't make it" (round 10: "... monday or anything else")
    r"or (?:anything|anywhere|anyone) else|ever again|any longer|much longer|for good|forever"
    r"|permanent\w*|(?:nobody|no one) (?:will|would)|what i need|do not worry",
    # emergency signs: pain "killing me" in the chest is not an idiom
    r"pain|crushing|chest|breath\w*|pee|urinat\w*|swollen|bleed\w*|blood|seiz\w*|faint\w*"
    r"|pass(?:ed)? out|unconscious|blue|vomit\w*|throat|heart|numb|wee|belly|stomach",
)
#: Signs of an emergency now: no frame explains them (a nurse can have a stroke too).
EMERGENCY_NOW = _any(
    r"grey|gray|clammy|bp|blood pressure|resp\w*|worst headache|can not breathe|not breathing"
    r"|chest pain|crushing|lips|will not wake|can not wake|seizing|seizure|collapsed",
)
#: Whose "killing me" is not an idiom: feelings, life itself, a person (a threat may be real).
NOT_AN_IDIOM = _any(
    r"(?:depression|loneliness|sadness|grief|pain|anxiety|life|living|everything|it all"
    r"|thoughts|guilt|shame|voices|mind|head|he|she|they|him|her)(?: \w+){0,2} (?:is|are|keeps?"
    r"|was) (?:\w+ )?killing me",
    r"(?:husband|wife|partner|boyfriend|girlfriend|ex|he|she|they|dad|father|stepdad|mother"
    r"|stepmom)(?: \w+){0,2} (?:going to|gonna|will|would|said he would|said she would)"
    r" (?:kill|murder|strangle)",
)
#: First-person risk that a story or work context does not explain.
FIRST_PERSON_RISK = _any(
    r"(?:kill|hurt|harm|cut) myself|end (?:my|it all|things)|take my (?:own )?life",
    r"i (?:have )?decided|i (?:will|am going to|want to|wanna|would like to) (?:die|end|kill"
    r"|disappear|not be)|i am done|i can not go on|better off without me|same thing|like (?:her"
    r"|him|them)\b|on purpose|lethal|for good|one way or another|(?:people|names)(?: \w+){0,2}"
    r" who|(?:will|ll) (?:all )?(?:pay|be sorry)|point in (?:living|going on)|finish the job"
    r"|how i would do it|i know how|picked a day|assault\w*|hits? (?:me|my)|abus\w*",
    r"secret game|funeral|erased|scabbed|carved",
)
#: A story, the media or the writer's work: a story being watched, read, played or heard, or the
#: writer naming their own occupation.
STORY_OR_WORK_CONTEXT = _any(
    r"(?:watch\w*|read\w*|play\w*|listen\w*|saw|heard|finished|loves?|obsessed with|in) (?:\w+ )?"
    r"(?:a|the|this|that|my|an|old) (?:\w+ ){0,2}(?:show|series|films?|movies?|book|novel|memoir"
    r"|podcast|documentary|song|episode|anime|drama|article|video|tiktok|game)",
    r"(?:a|the|that|this) (?:character|author|singer|celebrity|radio host|news story|news said"
    r"|documentary said)",
    r"(?:nurse|paramedic|medic|emt|vet tech|anaesthetist|anesthetist|pharmacist|firefighter"
    r"|volunteer|aide|ambulance crew|icu nurse|er nurse|hospice nurse|pathology tech"
    r"|toxicology lab tech|officer) here",
    r"(?:i am|as) an? (?:\w+ ){0,2}(?:nurse|paramedic|medic|emt|doctor|doc|vet tech|pharmacist"
    r"|police officer|firefighter|butcher|chef|cook|anaesthetist|anesthetist|aide|volunteer)",
    r"i work (?:at|in) (?:a |the )?(?:funeral home|hospice|icu|er|ed|morgue|pharmacy|prison)",
    r"(?:nurse|paramedic|medic|doctor|volunteer|aide|officer|tech)(?: \w+){0,6} for a living",
)

#: A time long past (the features' ``__past__`` reads only some of these).
PAST_TIME = _any(
    r"(?:years|decades|ages) (?:ago|back)|a (?:long time|decade) ago|long ago|back in",
    r"when i was (?:\d+|young|little|a (?:kid|child|teen|teenager|student)|in (?:high school"
    r"|college|my \w+)|\w+teen|\w+ty)|at (?:age )?(?:\d+|\w+teen)(?! (?:pills|tablets|mg))",
    r"(?:in|during) my (?:early |late |mid )?(?:teens|twenties|thirties|20s|30s|training"
    r"|youth|childhood)|as a (?:kid|child|teen|teenager|student)|my teenage years",
    r"(?:in|until|since) (?:19\d\d|20[01]\d|202[0-4])|\b(?:19[5-9]\d|20[01]\d|202[0-3])\b",
    r"used to|once (?:in|a long time|years|when)",
    r"(?:prior|previous|past|old) (?:attempt|history|abuse|overdose|self harm)",
    r"history of|last (?:winter|summer|spring|autumn|fall|year)|in the past",
)
#: Present safety stated (beyond the features' ``__safe_now__``).
PRESENT_SAFE = _any(
    r"i am (?:\d+ now and |now |currently )?(?:safe|ok|okay|fine|well|stable|happy"
    r"|remarried|sober|clean|doing (?:way |much )?(?:well|better|good|great|fine|ok|okay))",
    r"(?:doing|feel|feeling) (?:way |much |a lot |really )?(?:better|well|good|great|solid"
    r"|steady|stable)(?: now| these days)?|currently well|life is good|grateful to be (?:here"
    r"|alive)",
    r"(?:in|at) a (?:\w+ ){0,2}(?:good|better|safe|steady|steadier|stable|protected|great"
    r"|healthy) place",
    r"(?:not|no longer) (?:at risk|suicidal|in danger|having (?:them|those|these|any))",
    r"(?:no|none|not having|do not have) (?:\w+ ){0,2}(?:thoughts|urges|ideation|plans?)"
    r"(?: of (?:it|suicide|that|hurting|ending|self harm))?(?: now| anymore| these days)?",
    r"ideation none|plan none|not anymore|not any more|not current|not doing it",
    r"(?:have not|never) (?:felt|done|had|needed|cut|thought)(?: \w+){0,3} (?:since|in"
    r" (?:years|ages|a long time)|for years)",
    r"none since|no events since|(?:ever|safe) since|(?:been|stayed|remained|have been)"
    r" (?:safe|well|stable|fine|steady|sober|clean|good|okay|ok)",
    r"(?:years?|months?) (?:free|clean|sober)|(?:free|clean) from|all healed|healed"
    r"|recovered|in recovery|behind me|long past|got (?:help|through it)|live somewhere safe",
    r"safe from (?:him|her|them)|left (?:him|her|them)|out of my life|feel safe",
)
#: Safety or coping told of the present: safe, doing well, support around, a plan made with
#: one's clinician, keeping on. Not "ok now" / "fine now" (what people say after doing
#: something: "took a few extra, i'm fine now") and not a relationship left behind.
SAFE_OR_COPING = _any(
    r"i am (?:safe|ok|okay|fine|well|stable|doing (?:ok|okay|well|fine|alright|better))"
    r"(?! now| with| to | for | if | about| that)",
    r"i feel safe|(?:in|at) a (?:\w+ ){0,2}(?:good|better|safe|steady|stable|healthy) place",
    r"(?:not|no longer) (?:at risk|suicidal|in danger)|no thoughts of (?:suicide|hurting|harming"
    r"|ending|killing)",
    r"i (?:have|have got|ve got|got) (?:\w+ ){0,2}(?:support|people around me|someone with me"
    r"|a safety plan)",
    r"my (?:therapist|psychiatrist|counsell?or|doctor|gp|care team) and i (?:have|made|are)",
    r"(?:still|keep|i am) fighting|not giving up|looking after myself|taking care of myself",
    r"it passes|i will get through (?:it|this)",
    # an ordinary plan for the coming days, or someone with them (protective factors a safety
    # plan asks about): "calling my mom tonight", "my sister is coming over", "meeting my
    # advisor friday"; a farewell or a means ("going to write them all letters") still counts
    # as risk, since its crisis markers keep the bar where it was
    r"(?:going to|gonna|will|shall|planning to) (?:call|ring|phone|text|video call|facetime"
    r"|see (?:my|a|the|her|him|them)(?!(?: \w+){0,3} (?:again|soon|on the other side|in heaven))"
    r"|meet|visit|talk to|cook|bake|play|watch|rewrite|reach out"
    r"|write (?:to|him|her|them|it)|go for a (?:walk|run|swim|drive)|ask (?:my|the|about))",
    r"(?:is|are|s|mom|dad|sister|brother|friend|partner|wife|husband|son|daughter) coming"
    r" (?:over|round|around|to stay|with me)|(?:calling|meeting|seeing"
    r"|visiting) my (?:mom|dad|sister|brother|friend|best friend|therapist|advisor|family"
    r"|partner|wife|husband|son|daughter|kids|cousin|aunt|grandma)",
)
#: Harm played down: "i'm okay, just a lump" is minimisation, not safety.
MINIMISED = _any(
    r"(?:ok|okay|fine|alright),? (?:just|only|it is just|it is only) ",
    r"just (?:a |some |the )?(?:lump|bump|bruise\w*|scratch\w*|cuts?|burns?|graze\w*|marks?)",
    r"no biggie|not a big deal|no big deal|(?:it|that) was (?:dumb|stupid)|saw stars",
)
#: A recent event: "fine" told after it is the aftermath, not safety.
RECENT_EVENT = _any(
    r"last night|this morning|an hour ago|(?:a )?(?:few|couple of) hours ago|earlier today"
    r"|just now|yesterday",
)
#: Now: a story or a past told with it is not over (an idiom's residue check covers it).
TIME_NOW = _any(r"tonight|right now|last night|this (?:week|morning|weekend)|an hour ago")
#: Signs of risk now that no frame explains (first person, current, plan or means).
CURRENT_RISK = _any(
    r"(?:started|start|doing it|do it|cutting|cut myself|hurting myself|harming|using|thinking"
    r" (?:about|of) it|hit me|hurt me|attempt\w*|try|tried|back) again|again (?:this|last|now)",
    r"this time|just (?:took|swallowed|did)|swallowed|(?:got|have) it planned|planned for",
    r"not true|(?:he|she|they) (?:is|are) back|(?:was|am) lying",
    r"not safe|(?:i am|am) not (?:ok|okay|fine|safe|well)|i lied|pretend\w* to be",
    r"(?:thoughts|urges|feelings|intentions|voices|it|they) (?:are|is|have|has) (?:\w+ )?"
    r"(?:back|returned)|started (?:\w+ )?(?:again|cutting)|relaps\w*",
    r"(?:plan|planning|planned|going|gonna|ready) to (?:do it|end|kill|try|die|jump|take)",
    r"(?:saving|saved|save (?:\w+ ){0,3}up|stockpil\w*|set aside|counted out|lined up|bought"
    r"|obtained|what i need|take them all|all at once|ready to go)",
    r"how (?:much|many)(?: \w+){0,4} (?:would|to|it takes|enough)|where (?:can|could|do|would)"
    r" (?:i|someone) (?:buy|get|find)",
    r"(?<!used to )(?<!no )(?:want|wanna|wish) to (?:die|end it|kill myself|be dead|not wake)",
    r"(?:on|for) myself|for me\b(?! to)|do what (?:she|he|they) did|(?:that|it) (?:will|ll)"
    r" be me|i get (?:her|him|them) now|not for a story",
    r"(?:rifle|gun|rope|noose|vials?|pills|tablets) (?:is|are|in|at|on) ",
)


#: Out of reach for a stated while (round 10: "going to disappear for a few weeks, busy season
#: at work"): the return is in the sentence, so it is its own reason.
BOUNDED_ABSENCE = _any(
    r"(?:going to|gonna|will|about to|have to|need to) (?:disappear|go quiet|go dark|go off"
    r" (?:the )?grid|be offline|be off line|be mia|vanish) for (?:a |the )?(?:few |couple of"
    r" |couple |\d{1,2} |two |three |four )?(?:days?|weeks?|nights?|months?|weekend)"
)
#: Away for an ordinary reason ("i won't be here next week, work trip").
AWAY = _any(
    r"i (?:will not|am not going to|can not|may not) (?:be (?:here|around|in|available|able to"
    r" (?:come|make it))|make it)|i am (?:going )?away|i am out of town|i will miss (?:my|the)"
    r" (?:appointment|session)",
    BOUNDED_ABSENCE.pattern,
)
REASON = _any(
    r"(?:work|business|school|family) trip|for work|wedding|visiting|vacation|holiday|conference",
    r"out of town|moving|relocat\w*|travel\w*|(?:sister|brother|mum|mom|dad|daughter|son|friend"
    r"|cousin|aunt|uncle|grandma|grandpa) s (?:wedding|graduation|birthday|place|house)",
    r"sick|the flu|a cold|surgery|exams?|graduation|birthday|camp|cruise|jury duty|a course",
    # a return stated (round 9): the absence has an end date, or the day one is back is named
    r"(?:from|between) (?:the )?\d{1,2}(?:st|nd|rd|th)? (?:to|and|till|until|through) (?:the )?"
    r"\d{1,2}(?:st|nd|rd|th)?",
    r"back (?:on|by|for|after|in|next|from) (?:the )?(?:\d|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|next|a week|a few days|two weeks|the weekend"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    r"(?:till|until|til) (?:the )?(?:\d{1,2}(?:st|nd|rd|th)|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|next week|the weekend|after the holidays|after new year)",
)
#: Not making it to a visit (round 10): "make it" with the day, the hour or the appointment
#: right after it is attendance, the sentence a clinic hears most ("sorry, can't make it
#: thursday", "i won't make it to my appointment, car broke down"). Only where the visit sits:
#: on or at a day or an hour, this or next week, or to an appointment; never "to <a day>",
#: "tonight", "through", "much longer" or "to christmas" (surviving until then).
_DAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|weds|thu"
    r"|thur|thurs|fri|sat|sun)"
)
ATTENDANCE = _any(
    r"(?:make|making|made) it (?:in |over |down |back )?(?:(?:on|at|for|by) )?(?:(?:this|next)"
    r" )?(?:today|tomorrow|tmrw|tmr|" + _DAY + r"|(?:this|next|the) (?:week|weekend|morning"
    r"|afternoon)|(?:morning|afternoon)|\d{1,2}(?: ?(?:am|pm|o clock|\d\d))?|noon|on time|in time)",
    r"(?:make|making|made) it (?:in |over |down |back )?(?:to|for|into) (?:(?:my|the|our|your"
    r"|this|that|today s|tomorrow s|next|the next|" + _DAY + r" s|\w+ s) )?(?:\w+ )?(?:appointment"
    r"|appt|session|infusion|treatment|visit|consult\w*|booking|slot|clinic|office|check in"
    r"|follow up|call|class|meeting|assessment|screening)",
    r"(?:make|making|made) it (?:in|over|down|back)(?= \.|$| today| tomorrow| on | at |,)",
)
#: Crisis markers of the features (``frames.CRISIS_MARKERS`` and hopelessness, means) that no
#: ordinary reason for being away explains.
_RISK_MARKERS = frozenset(
    {
        "__self_inflicted__",
        "__no_consent__",
        "__control_fear__",
        "__threat_other__",
        "__no_return__",
        "__own_injury__",
        "__no_reason__",
        "__other_talks_of_dying__",
        "__hopeless__",
        "__means__",
    }
)


def _idiom_only(normalized: str) -> bool:
    """Whether the message's risk words all sit inside everyday idioms."""
    if not IDIOMS.search(normalized) or NOT_AN_IDIOM.search(normalized):
        return False
    residue = IDIOMS.sub(" ", normalized)
    return not RISK_WORDS.search(residue)


def benign_frames(
    normalized: str, found: frozenset[str] | set[str] = frozenset()
) -> frozenset[str]:
    """The benign frames that hold for a normalised message (see the module docstring).

    Args:
        normalized: The message, normalised (``clinicbot.safety.normalize``).
        found: The message's meaning markers (``features.markers``), when already read.

    Returns:
        A subset of ``BENIGN_FRAMES`` plus ``SAFE_STATED``; empty when a sign of risk now is
        there.
    """
    if not normalized or CURRENT_RISK.search(normalized) or EMERGENCY_NOW.search(normalized):
        return frozenset()
    frames: set[str] = set()
    if _idiom_only(normalized):
        frames.add(IDIOM)
    if not found & _RISK_MARKERS and not RISK_WORDS.search(
        ATTENDANCE.sub(" ", AWAY.sub(" ", normalized))
    ):
        if (
            AWAY.search(normalized)
            and REASON.search(normalized)
            or ATTENDANCE.search(normalized)
            or BOUNDED_ABSENCE.search(normalized)
        ):
            frames.add(AWAY_REASON)
    if (
        SAFE_OR_COPING.search(normalized)
        and not RECENT_EVENT.search(normalized)
        and not MINIMISED.search(normalized)
        and not found & _RISK_MARKERS
    ):
        frames.add(SAFE_STATED)
    if TIME_NOW.search(normalized):
        return frozenset(frames)
    if STORY_OR_WORK_CONTEXT.search(normalized) and not FIRST_PERSON_RISK.search(normalized):
        frames.add(STORY_OR_WORK)
    if PAST_TIME.search(normalized) and PRESENT_SAFE.search(normalized):
        frames.add(PAST_SAFE)
    return frozenset(frames)
