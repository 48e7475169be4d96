"""A warm reply to low mood told without risk, on the paths that would otherwise be cold.

Patients of a ketamine clinic often write how they feel before (or instead of) asking a
question: "been really down since my divorce", "rough week, can't stop crying". The safety layer
runs first: anything it reads as crisis or emergency gets the crisis sequence and never reaches
this module. What is left used to get "Sorry, I'm not sure I understood" (the clarification) or
"that's outside what I can help with", which reads as a brush-off to someone who is struggling.

``low_mood`` reads a first-person statement of sadness, stress, loneliness or grief. It only
chooses the wording of a reply that was going to be a clarification or an out-of-scope reply
(``actions.clarify`` and ``clinicbot.nlg``); it never changes what the NLU or the safety layer
decided, so a wrong reading costs tone, not safety. The reply (``support_low_mood`` in
``knowledge/messages.yml``) acknowledges the feeling, says plainly that the assistant is not a
counsellor, offers the clinic's team, names 988 for talking to someone at any hour (the
Lifeline is for anyone in emotional distress, not only in a crisis) and invites questions.
"""

from __future__ import annotations

import re

#: Words of a low mood ("down", "lonely", "burnt out").
_MOOD = (
    r"(?:sad|down(?! to| for| with)|low(?! on)|blue|lonely|depressed|anxious|stressed"
    r"|stressed out|overwhelmed|exhausted|miserable|heartbroken|gutted|awful|terrible|rubbish"
    r"|crap|crappy|upset|teary|weepy|empty|numb|hurt|scared|worried|burnt out|burned out"
    r"|drained|struggling|broken|rough|shit|shitty|horrible|hopeless about \w+)"
)
#: The writer says how they feel ("i'm", "i feel", "been", "feeling").
_FEEL = re.compile(
    r"\b(?:i'?m|i am|im|i feel|i felt|i'?ve been|ive been|i have been|been|feeling|feel|i was"
    r"|i get|i got|i keep feeling)(?: (?:so|really|very|pretty|super|kinda|kind of|a bit|a little"
    r"|quite|just|totally|completely|incredibly|extremely|bloody|fucking|so so|too|all|more))*"
    rf" {_MOOD}\b"
)
#: A hard stretch of time ("rough week", "awful day").
_HARD_TIME = re.compile(
    r"\b(?:rough|hard|bad|tough|awful|terrible|horrible|crap|crappy|shit|shitty|stressful|sad"
    r"|lonely|long) (?:day|days|week|weeks|weekend|month|months|year|time|night|few days)\b"
)
#: A day or one's life judged hard ("today was awful", "work has been a lot").
_HARD_NOW = re.compile(
    r"\b(?:today|tonight|yesterday|this week|this month|this year|life|work|everything|things)"
    r" (?:was|is|has been|'s been|have been|are|were)(?: so| really| just| pretty)*"
    r" (?:awful|terrible|horrible|rough|hard|shit|crap|a lot|too much|heavy)\b"
)
#: Crying, missing someone, a loss or a break-up.
_LOSS = re.compile(
    r"\b(?:i keep crying|i(?:'ve| have)? been crying|can'?t stop crying|cried all|i miss (?:my|him"
    r"|her|them|us)|(?:passed away|died)\b|grieving|grief|heartbroken|broke up|break ?up|split up"
    r"|divorce|lost my (?:mom|mum|mother|dad|father|husband|wife|partner|son|daughter|brother"
    r"|sister|grandma|grandpa|grandmother|grandfather|friend|best friend|dog|cat|job|baby))"
)
#: A message this long is a story or a question with context, not a feeling told.
MAX_WORDS = 120
#: The payload's ``variant`` of the warm reply (the reply's ``kind`` stays the path's own).
SUPPORT_VARIANT = "support"
#: A question asked alongside ("... what happens in a session?", "how do i book").
_ASKS = re.compile(
    r"\?|\b(?:what|how|when|where|which|why|who|can i|could i|do i|does it|is it|are there"
    r"|should i|will it|would it|tell me)\b"
)


def low_mood(text: str | None) -> bool:
    """Whether a message tells of low mood, stress, loneliness or grief in the first person.

    Args:
        text: The patient's message (any case; ``None`` or empty is not).

    Returns:
        True when a feeling, a hard stretch of time, a hard day or a loss is told and the
        message is not longer than ``MAX_WORDS`` words.
    """
    if not text:
        return False
    lowered = " ".join(text.lower().replace("’", "'").split())
    if len(lowered.split()) > MAX_WORDS:
        return False
    return any(reading.search(lowered) for reading in (_FEEL, _HARD_TIME, _HARD_NOW, _LOSS))


def asks_something(text: str | None) -> bool:
    """Whether the message also asks a question (then the likely topics are still offered).

    Args:
        text: The patient's message.

    Returns:
        True for a question mark or a question word.
    """
    return bool(text and _ASKS.search(text.lower()))
