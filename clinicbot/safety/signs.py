"""Signs told by their parts: an injury to one's own body, a bladder that will not empty.

``clinicbot.safety.features`` marks risk told in phrases; these markers combine word classes
instead, so a wording nobody wrote before still carries the sign:

* ``__own_injury__``: a body part and an injury word near each other ("marks on my wrist",
  "broke the skin on my hip", "a safety pin on my skin") together with the writer's own doing
  ("from me", "myself", "again", "started cutting", "i did them"), or self-harm named as the
  writer's present thing ("it's a little self-harm"). The frames treat it like
  ``__self_inflicted__``: harm the writer did to themselves, told as current, is crisis however
  played down (``frames.self_harm_told``), unless an accident explains it ("chopping onions").
* ``__urge_no_flow__``: an urge or a full bladder and nothing coming out ("need to go so bad
  but nothing comes out", "straining, feels like a balloon about to pop"): acute urinary
  retention told in lay words, which supports a classifier emergency verdict.
* ``__no_reason__``: no reason left to go on, or one way out ("stopped seeing why i should keep
  going", "feels like a trap with one door out"), which supports a classifier crisis verdict.
* ``__other_talks_of_dying__``: someone else talking about jumping, ending it or dying (third-
  party risk), which supports a classifier crisis verdict.
* ``__stockpile__``: a medicine saved up, stashed or hidden away, the medicine named by brand,
  generic stem or narrow class ("been saving up my trazodone", "stashing my seroquel", "my
  sleeping pills hidden in a sock"): a preparatory act of the C-SSRS (gathering means), which
  the patterns catch only with the generic words ("pills", "meds").
* ``__means_ready__`` (round 15, frame only): lethal means kept or placed ready, told plainly
  (C-SSRS preparatory acts; 988 / AFSP "access to lethal means"): a firearm, a ligature, a
  poison, a gas or blades with a readiness word ("loaded", "by my bed", "in my bag", "hung in
  the rafters", "rigged in the car", "measured out", "knot already tied"), or medicines counted,
  lined up or set out "for after"; or such means with its ordinary use denied ("it ain't for
  deer", "not for rats", "for no job", "don't ask"). Safe storage ("in the gun safe", "locked",
  "unloaded") reads as ordinary. ``frames.sure_sign`` decides crisis on it.

Each regex is bounded (no nested quantifiers over open text); the two-part ones are anchored
lookaheads, linear in the text's length.
"""

from __future__ import annotations

import re

from clinicbot.safety import decision_words as W

#: Lethal means kept or placed ready (a frame-only marker: ``features.FRAME_ONLY``).
MEANS_READY = "__means_ready__"

_BODY = (
    r"(?:wrists?|arms?|forearms?|thighs?|legs?|hips?|skin|stomach|belly|hands?|knuckles"
    r"|ankles?|shoulders?|ribs|fingers?)"
)
_INJURY = (
    r"(?:cut|cuts|cutting|marks?|lines|scratch\w*|burns?|burned|burnt|burning|bled|bleed\w*"
    r"|broke the skin|bruis\w*|scars?|wounds?|gash\w*|carv\w*|safety pin|pin|needle|razor|blade"
    r"|lighter|scissors|rubber band)"
)
_OWN_DOING = re.compile(
    r"\b(?:from me|by me|myself|on purpose|deliberately|again|my own doing|i did (?:it|them|this"
    r"|those|these)|i (?:have |ve )?(?:started|been|keep|kept) (?:cutting|burning|scratching"
    r"|hurting|hitting|picking|digging)|i used (?:a|my|the)|(?:till|until) (?:it|they) (?:broke the"
    r" skin|bled))\b"
)
#: Self-harm as the writer's current doing, no body part needed ("i've started cutting again").
_STARTED_AGAIN = re.compile(
    r"\bi (?:have |ve )?(?:started|been|keep|kept|went back to) (?:cutting|burning|scratching"
    r"|carving)(?: myself)?(?: again| lately| recently)?\b"
)
_INJURED_BODY = re.compile(
    r"\b(?:" + _INJURY + r")(?: \w+){0,4} (?:my|the) (?:\w+ )?" + _BODY + r"\b"
    r"|\bmy (?:\w+ )?" + _BODY + r"(?: \w+){0,4} (?:" + _INJURY + r")\b"
)
_SELF_HARM_NOW = re.compile(
    r"\b(?:it is|this is|that is|doing|i do|my|some|a little|a bit of|a small|small) (?:bit of )?"
    r"(?:self harm|self harming|sh)\b(?! (?:history|in the past|as a))"
)
_URGE_NO_FLOW = re.compile(
    r"^(?=.*\b(?:(?:need|needs|needed|desperate|dying|bursting) to (?:go|pee|wee|urinate)|urge"
    r"|straining|strain|bursting|so full|full to)\b)"
    r"(?=.*\b(?:nothing (?:comes|coming|came|will come|happens)|nothing comes out|nothing at all"
    r"|balloon|about to (?:pop|burst)|(?:only|just) (?:a )?(?:few )?(?:drops|dribbles?|trickle))\b)"
)
_NO_REASON = re.compile(
    r"\b(?:(?:stopped seeing|can not see|do not see|no longer see|cannot see) (?:why|the point|a"
    r" reason|any reason)|no reason (?:left )?(?:to|for me to) (?:keep going|go on|carry on|live"
    r"|be here|stay|wake up)|(?:only|one) (?:door|way) out|feels? like a trap|i am trapped"
    r"|(?:feel|feeling) trapped)\b"
)
_OTHER_TALKS_OF_DYING = re.compile(
    r"\b(?:he|she|they|my \w+) (?:is|are|keeps?|has been|have been|was|been) (?:talking|saying"
    r"|posting|texting|joking|going on) about (?:jumping|ending it|ending (?:his|her|their) life"
    r"|dying|killing (?:himself|herself|themselves)|not being (?:here|around)|hanging"
    r"|overdos\w*|taking all)\b"
)


_HOARD = re.compile(
    r"\b(?:stockpil\w*|hoard\w*|stash\w*|squirrel\w* away|saving up|save up|saved up|been saving"
    r"|been hiding|tucked away)\b"
    r"((?: \w+){1,5})"
)


def _stockpiled(normalized: str) -> bool:
    """Whether a medicine named by brand, generic stem or narrow class follows a hoarding verb."""
    for found in _HOARD.finditer(normalized):
        window = found.group(1)
        words = window.split()
        if any(word in W.MEDICINES for word in words):
            return True
        if W.MEDICINE_STEM.search(window) or W.MEDICINE_CLASS.search(window):
            return True
    return False


#: Lethal means other than medicines: firearms, ligatures, poisons (with Sniper, the dichlorvos
#: insecticide sold in Nigerian markets), gases, blades.
_MEANS = (
    r"(?:guns?|pistol|rifle|shotgun|revolver|handgun|glock|9mm|30 06|\d{2,3} cal\w*|(?:the|a|full)"
    r" mag|magazine|ammo|bullets|rope|noose|cord|belt|chain|ligature|rat poison|poison|antifreeze"
    r"|insecticide|pesticide|sniper|dichlorvos|weed killer|bleach|lye|cyanide|charcoal|briquettes"
    r"|hose|hosepipe|helium|nitrogen|argon|exhaust|razor blades|blades)"
)
#: Medicines as means: only counted, lined up or set out for the act reads as ready.
_MEDS = (
    r"(?:pills|tablets|meds|sleeping pills|painkillers|jar of pills|bottle of pills|vials"
    r"|carpules)"
)
#: Words of means placed ready for use.
_READY = (
    r"(?:loaded|(?:by|beside|next to|under) (?:my|the) (?:bed|pillow|recliner|chair|couch|sofa)"
    r"|(?:in|inside) (?:my|the) (?:nightstand|bedside \w+|lunchbox|toolbox|glovebox|glove box"
    r"|bag|handbag|purse|pocket|backpack|car boot|car|truck|trunk|boot|bathroom|bedroom"
    r"|spare room|closet)"
    r"|on (?:my|the) (?:nightstand|kitchen table|bedside table|craft table|desk|table)"
    r"|knot (?:already )?tied|(?:is|s|are|got|have) (?:\w+ )?hung|hung (?:in|from|over|on)"
    r"|rigged|measured out|hooked (?:up )?(?:a|the) regulator|holds? (?:my |body |my body )?weight"
    r"|in front of me|ready (?:for|to go)|for after|when the time comes)"
)
_MEDS_READY = (
    r"(?:(?:are|all|got them|have them) counted|counted (?:out|twice|them)|lined up|in front of me"
    r"|for after|when the time comes|on (?:my|the) (?:nightstand|kitchen table|bedside table"
    r"|craft table|desk|table|counter))"
)
#: The means' ordinary use denied ("it ain't for deer", "not for rats", "for no job"); not read
#: of medicines, whose everyday use nobody explains.
_WHY_NOT = (
    r"(?:(?:not|am not|is not|ain t|isn t) for (?:deer|hunting|the season|protection|intruders"
    r"|home defen[cs]e|defen[cs]e|a project|the project|any project|work|the job|the rats|rats"
    r"|mice|pests|the garden|soap|crafts?|cleaning|no reason)|for no (?:job|project|reason)"
    r"|do not ask|dont ask"
    r"|do not read anything into)"
)
_MEANS_READY = re.compile(
    rf"\b{_MEANS}\b[^.!?;]{{0,60}}\b{_READY}\b|\b{_READY}\b[^.!?;]{{0,40}}\b{_MEANS}\b"
    rf"|\b{_MEDS}\b[^.!?;]{{0,60}}\b{_MEDS_READY}\b|\b{_MEDS_READY}\b[^.!?;]{{0,40}}\b{_MEDS}\b"
)
_MEANS_WHY_NOT = re.compile(
    rf"\b{_MEANS}\b.{{0,120}}\b{_WHY_NOT}\b|\b{_WHY_NOT}\b.{{0,80}}\b{_MEANS}\b"
)
#: Means stored safely: ordinary, whatever else the message says of them.
_STORED_SAFELY = re.compile(
    r"\b(?:in (?:a|the|my|our) (?:gun )?safe\b|locked (?:up|away|in)|lock ?box|unloaded"
    r"|trigger lock|cable lock|key (?:is|s) with|safely stored|stored (?:safely|locked))"
)


#: The means' ordinary use told ("helium for the party balloons", "bait for the mice").
_ORDINARY_USE = re.compile(
    r"\bfor (?:the |a |my |our )?(?:party|parties|balloons?|birthday|rats|mice|pests|garden"
    r"|climbing|crag|gym|hunting|deer|range|work|shop|job|project|soap|grill|bbq|barbecue"
    r"|camping|boat|towing|pool|farm|cattle|horses|welding|trip|season)\b"
)


def _means_ready(normalized: str) -> bool:
    """Whether lethal means are told as kept or placed ready, or their ordinary use denied."""
    if _MEANS_WHY_NOT.search(normalized):
        return True
    return (
        bool(_MEANS_READY.search(normalized))
        and not _STORED_SAFELY.search(normalized)
        and not _ORDINARY_USE.search(normalized)
    )


def sign_markers(normalized: str) -> list[str]:
    """The sign markers of a normalised text (``features.markers`` adds them).

    Args:
        normalized: Text in the form produced by ``clinicbot.safety.normalize.normalize``.

    Returns:
        The marker names that apply, in a fixed order.
    """
    found = []
    if (
        _SELF_HARM_NOW.search(normalized)
        or _STARTED_AGAIN.search(normalized)
        or (_INJURED_BODY.search(normalized) and _OWN_DOING.search(normalized))
    ):
        found.append("__own_injury__")
    if _URGE_NO_FLOW.search(normalized):
        found.append("__urge_no_flow__")
    if _NO_REASON.search(normalized):
        found.append("__no_reason__")
    if _OTHER_TALKS_OF_DYING.search(normalized):
        found.append("__other_talks_of_dying__")
    if _stockpiled(normalized):
        found.append("__stockpile__")
    if _means_ready(normalized):
        found.append(MEANS_READY)
    return found
