"""Word classes of veiled risk: an ending told of oneself, and arrangements for after.

``clinicbot.safety.features`` marks risk told in phrases. Veiled ideation is mostly told in
everyday metaphors (travel, sleep, weather, work, debts, pets, belongings) that no phrase list
can hold; what the metaphors share is a word of *finality or total scope* said of the writer
("my last visit ever", "or any session", "never spit me back up", "not lighting another"),
or *arrangements for a time after the writer* ("instructions for the dog, for after", "the
birthday cards for the next ten years", "he's the one who will find the letter"). These markers
combine such word classes with the writer in the same sentence:

* ``__ending__``: the writer (i, me, my, myself) and a word of finality or total scope in one
  sentence: ``ever``, ``altogether``, ``or any ...``, ``or anything else``, ``last``/``final``
  + ``for me``/``ever``, running out of waiting, not coming round, not opening one's eyes,
  not renewing, not lighting another, checking out, a one-way ticket;
* ``__after_me__``: an arrangement (a letter, a will, a solicitor, instructions, cards, the
  insurance policy, who gets what) and a time after the writer ("for after", "after i am
  gone", "who will find", "the next ten years", "the debts die with me").

Both support a classifier crisis verdict like the other crisis markers (``frames.
CRISIS_MARKERS``): they never decide alone, and an ordinary reason in the message (a move,
a holiday) still explains them. Each regex is bounded and linear in the text's length.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r" [.?] ")
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|myself|mine)\b")
_ENDING = re.compile(
    r"\b(?:(?:last|final) (?:\w+ ){0,2}(?:ever|for me|of my life)|final chapter"
    r"|or (?:any|every) (?:other )?(?:session|appointment|visit|day|time|infusion|of them|more)s?"
    r"|or anything else|or anywhere else|altogether|no more (?:tomorrows|mornings|days|nights"
    r"|birthdays|christmases)"
    r"|(?:run|ran|running|out) (?:out )?of (?:waiting|road|reasons|fight)"
    r"|(?:not|never|do not|will not) (?:\w+ )?(?:come|coming) round"
    r"|(?:not|never) (?:to )?(?:let me )?(?:open|opening) my eyes"
    r"|never (?:spit|get up|getting up|coming up)"
    r"|(?:not|never|no longer) (?:renewing|lighting another|refuel\w*|signing up for"
    r"|rebooking|booking another)"
    r"|checking out (?:soon|for good|early|tonight)|one way ticket"
    r"|stop walking|(?:the )?(?:last|final) (?:stop|page|bus|train|chapter|night) (?:for me|coming)"
    r"|not in (?:any|every) (?:page|picture|photo|calendar))\b"
)
_ARRANGEMENT = re.compile(
    r"\b(?:letters?|notes?|my will|solicitor|lawyer|estate|funeral|insurance|policy|passwords"
    r"|instructions|birthday cards|cards|eulogy|who gets|gets (?:the|my) (?:cat|dog|car|house)"
    r"|debts?|rehomed|rehoming|gave away|giving away|affairs)\b"
)
_AFTER_ME = re.compile(
    r"\b(?:for after|after i am gone|once i am gone|when i am gone|after i go|after me"
    r"|die with me|(?:who|that) (?:will|ll) find|(?:the )?next (?:ten|\d+|twenty|few) years"
    r"|years from now|for when i am not|pays out|in case (?:something|anything) happens"
    r"|(?:will|would) not (?:need|be needing) (?:it|them) (?:after|where))\b"
)


def wordclass_markers(normalized: str) -> list[str]:
    """The word-class markers of a normalised text (``features.markers`` adds them).

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.

    Returns:
        The marker names that apply, in a fixed order.
    """
    ending = after_me = False
    for sentence in _SENTENCE.split(f" {normalized} "):
        if not ending and _ENDING.search(sentence) and _FIRST_PERSON.search(sentence):
            ending = True
        if not after_me and _AFTER_ME.search(sentence) and _ARRANGEMENT.search(normalized):
            after_me = True
    return (["__ending__"] if ending else []) + (["__after_me__"] if after_me else [])
