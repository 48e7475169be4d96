"""Word classes and lemmas for reading personal medical decisions (``decisions.py``).

The advice boundary of issue 10 is read by meaning, over word classes rather than phrase
lists: WHOSE decision (the writer, or a named relative of theirs, versus people in general),
WHAT it is about (a specific medicine, a dose, a recreational substance, a pregnancy, a session
of their own given their health) and THAT a decision is asked or announced (should / can I /
is it ok / do I need to / thinking of / planning to / a statement of intent). The classes below
hold the words; ``lemma`` folds inflections ("skipping", "skipped" -> "skip") so each class
lists a word once. A medicine is recognised by name or by the stem endings of generic names
("-azepam", "-olol", "-sartan"), so a medicine the lists never saw still counts.
"""

from __future__ import annotations

import re

#: Irregular forms -> lemma.
_IRREGULAR = {
    "took": "take",
    "taken": "take",
    "taking": "take",
    "went": "go",
    "gone": "go",
    "drank": "drink",
    "drunk": "drink",
    "quit": "quit",
    "quitting": "quit",
    "cut": "cut",
    "cutting": "cut",
    "felt": "feel",
    "had": "have",
    "has": "have",
    "having": "have",
    "was": "be",
    "were": "be",
    "is": "be",
    "am": "be",
    "are": "be",
    "been": "be",
    "ran": "run",
    "stopped": "stop",
    "stopping": "stop",
    "dropped": "drop",
    "dropping": "drop",
    "skipped": "skip",
    "skipping": "skip",
    "upped": "up",
    "upping": "up",
    "halved": "halve",
    "halving": "halve",
    "doubled": "double",
    "doubling": "double",
    "came": "come",
    "coming": "come",
    "left": "leave",
    "leaving": "leave",
    "got": "get",
    "getting": "get",
    "does": "do",
    "did": "do",
    "doing": "do",
    "done": "do",
    "kept": "keep",
    "held": "hold",
    "lowered": "lower",
    "lowering": "lower",
    "continuing": "continue",
    "continued": "continue",
    "paused": "pause",
    "pausing": "pause",
    "reduced": "reduce",
    "reducing": "reduce",
    "increased": "increase",
    "increasing": "increase",
    "restarted": "restart",
    "moved": "move",
    "moving": "move",
    "postponed": "postpone",
    "postponing": "postpone",
    "cancelled": "cancel",
    "canceled": "cancel",
    "cancelling": "cancel",
    "canceling": "cancel",
    "smoked": "smoke",
    "smoking": "smoke",
    "used": "use",
    "using": "use",
    "vaping": "vape",
    "drinking": "drink",
    "tapering": "taper",
    "tapered": "taper",
    "weaned": "wean",
    "switching": "switch",
    "switched": "switch",
    "nursing": "nurse",
    "pumping": "pump",
    "breastfeeding": "breastfeed",
    "bumped": "bump",
    "bumping": "bump",
}


def lemma(word: str) -> str:
    """A crude lemma for English verbs and plurals: enough to fold the word classes.

    Args:
        word: A lower-case word.

    Returns:
        The irregular form's lemma, else the word without a regular ending ("-ing", "-ed",
        "-s") when what remains is at least three letters long.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        return word[:-1]
    return word


#: The writer.
SELF = frozenset({"i", "me", "my", "myself", "mine"})
#: A relative or someone the writer cares for ("my husband", "my 80 year old father").
RELATIVE = frozenset(
    {
        "husband",
        "wife",
        "partner",
        "spouse",
        "boyfriend",
        "girlfriend",
        "fiance",
        "fiancee",
        "mom",
        "mum",
        "mother",
        "mama",
        "dad",
        "father",
        "papa",
        "son",
        "daughter",
        "kid",
        "child",
        "teen",
        "teenager",
        "brother",
        "sister",
        "grandmother",
        "grandma",
        "grandfather",
        "grandpa",
        "granddad",
        "aunt",
        "uncle",
        "cousin",
        "nephew",
        "niece",
        "stepson",
        "stepdaughter",
        "stepmom",
        "stepdad",
        "parent",
        "parents",
        "friend",
    }
)
#: Third-person pronouns that carry a relative's decision ("should she", "can he").
THIRD = frozenset({"he", "she", "they", "him", "her", "his", "their", "them"})
#: Words that make a question general: people at large, a policy, how things work.
GENERAL = re.compile(
    r"\b(?:people|patients|(?:do|does|can|could|will|would|if|should|when|is|are) (?:someone"
    r"|somebody|anyone|anybody|a person)|one s|most folks"
    r"|in general|generally|as a rule|typically|usually|normally|commonly|policy|policies"
    r"|is it true|is it common|how common|research|studies|study|known to|why do|why does"
    r"|why is|why are|why should|why shouldn t|how does|how do (?:you|doctors|clinics)"
    r"|what do you (?:tell|advise|recommend|usually)|just curious|curious how|in theory"
    r"|what happens if (?:a|someone|people|patients)|interact\w*|interfer\w*|i (?:have )?heard"
    r"|i (?:have )?read|truth|myth|is that true|(?:does|do) (?:your|the) clinic|do you (?:see"
    r"|treat|take|accept|offer)|go elsewhere)\b"
)

#: Brand and generic medicine names (not ketamine itself: that is the treatment).
MEDICINES = frozenset(
    """
    xanax klonopin ativan valium restoril halcion librium lexapro zoloft prozac celexa paxil
    wellbutrin effexor pristiq cymbalta trintellix viibryd remeron lamictal depakote tegretol
    seroquel abilify rexulti vraylar latuda zyprexa risperdal geodon caplyta lithium lithobid
    adderall ritalin vyvanse concerta focalin strattera suboxone subutex sublocade vivitrol
    percocet norco vicodin oxycontin dilaudid tylenol advil motrin aleve ibuprofen naproxen
    aspirin acetaminophen benadryl zofran ondansetron ambien lunesta sonata ozempic wegovy
    mounjaro trulicity synthroid levoxyl eliquis xarelto coumadin warfarin plavix lipitor
    crestor zyrtec claritin allegra melatonin trazodone desyrel gabapentin neurontin lyrica
    topamax imitrex maxalt nurtec naltrexone memantine namenda aricept donepezil metformin
    insulin prednisone medrol sumatriptan tramadol ultram methadone buprenorphine fentanyl
    morphine codeine oxycodone hydrocodone kratom modafinil provigil buspirone buspar
    hydroxyzine vistaril atarax clonidine guanfacine intuniv prazosin minipress propranolol
    inderal metoprolol lopressor toprol atenolol losartan cozaar lisinopril amlodipine norvasc
    hydrochlorothiazide hctz spironolactone nardil parnate emsam marplan selegiline
    phenelzine cbd nicotine chantix wellbutrin valerian ashwagandha kava
    """.split()
) | {"st john s wort", "st johns wort", "st john wort", "birth control", "the pill"}
#: Stem endings of generic names: a medicine the lists never saw still reads as one.
MEDICINE_STEM = re.compile(
    r"\b\w{2,}(?:azepam|azolam|zolam|olam|pam|olol|sartan|pril|dipine|statin|formin|gliptin"
    r"|glutide|xaban|parin|farin|thyroxine|phenidate|fetamine|amfetamine|barbital|oxetine"
    r"|traline|aline|faxine|pramine|triptyline|apine|idone|piprazole|prazole|triptan|trigine"
    r"|pentin|gabalin|amate|spirone|codone|morphone|adone|xone|orphine|idem|iclone|tidine"
    r"|azine|ipine|afil|lukast|tropium|sonide|olone|asone|cycline|cillin|mycin|floxacin"
    r"|azole|vudine|navir|setron|dronate|ridone|tiapine|iramate|etine|ipran|opram)\b"
)
#: A narrow class of medicine: with "my" it names the writer's medicine ("my benzo", "my blood
#: pressure pill"); the generic words ("my medications") stay the FAQ's.
MEDICINE_CLASS = re.compile(
    r"\b(?:benzos?|benzodiazepines?|ssris?|snris?|maois?|stimulants?|blood thinners?"
    r"|(?:blood pressure|bp|heart|thyroid|sleep|sleeping|anxiety|pain|migraine|seizure|adhd)"
    r" (?:pills?|meds|medications?|medicines?|tablets?|patch)|painkillers?|pain killers?"
    r"|opioids?|opiates?|sleeping pills?|insulin|inhaler|antibiotics?"
    r"|antipsychotics?|mood stabili[sz]ers?|steroids?|muscle relaxers?|supplements?)\b"
)
#: The generic words: "can i keep taking my usual medicines" is the FAQ's question.
GENERIC_MEDICINE = re.compile(
    r"\b(?:medications?|meds|medicines?|prescriptions?|pills|tablets|antidepressants?"
    r"|psych meds|drugs)\b"
)

#: A dose: a number with a unit, or a word for more, less, half, double.
DOSE = re.compile(
    r"\b(?:\d+(?:\.\d+)? ?(?:mg|mcg|ml|g|milligrams?|units?|mg kg)|\d+mg|\d+(?:\.\d+)?"
    r" (?:or|vs|versus|to|instead of) \d+(?:\.\d+)?|doses?|dosage|dosing|double|twice (?:the"
    r"|my)|half|halve|halving|extra|one more|an extra|another|more than (?:usual|prescribed"
    r"|i am supposed)|less|lower|higher|increase|decrease|reduce|cut (?:back|down|it|them"
    r"|my)|bump|up (?:it|my|to)|go up|go down|drop to|one and a half)\b"
)
#: Recreational and psychedelic substances, alcohol included.
SUBSTANCE = re.compile(
    r"\b(?:alcohol|(?:a|one|two|few|couple|\d+) drinks?"
    r"|(?<!drive me to )(?<!water should i )(?<!water do i )drink(?:s|ing)?"
    r"(?! water| coffee| tea| problem| issue| history| enough"
    r"| juice| fluids| anything| something| milk)|drank|beers?|wine|champagne|prosecco|sherry"
    r"|whiske?y|vodka|gin|rum|tequila|liquor|booze|nightcap|cocktails?|weed|joints?"
    r"|(?:a|my) bowl|blunts?|edibles?|(?:thc|delta 8|cbd|weed|vape) (?:gumm(?:y|ies)|pens?"
    r"|carts?)|thc|delta 8|(?:a|off a) cart|cannabis|marijuana|hash|hashish|kratom|psilocybin"
    r"|mushrooms?|shrooms?|lsd|acid|mdma|molly|ecstasy|ayahuasca|dmt|coke|cocaine|poppers|bud"
    r"|microdos\w*|psychedelics?|ketamine recreationally)\b"
)
#: Pregnancy, conception and breastfeeding.
PREGNANCY = re.compile(
    r"\b(?:pregnant|pregnancy|trimester|weeks along|months pregnant|expecting|conceive"
    r"|conceiving|trying for (?:a )?baby|get pregnant|ivf|surrogate|breastfe\w*|breast fe\w*"
    r"|nursing|nurse (?:him|her|them|my|the baby)|pumping|pump (?:breast|milk|and)|breastmilk"
    r"|breast milk|my milk|pump and dump|newborn|preemie"
    r"|missed my period|period is late|postpartum|ppd)\b"
)
#: The writer's treatment and its parts.
SESSION = re.compile(
    r"\b(?:infusions?|sessions?|series|treatments?|spravato|ketamine|esketamine|lozenges?"
    r"|troches?|rdts?|sublingual|boosters?|appointments?|appts?|iv|drip|nasal spray|spray"
    r"|tms|the rest|come in|coming in|go in)\b"
)
#: The writer's health now or a condition of theirs (what makes a session question theirs).
HEALTH = re.compile(
    r"\b(?:fever\w*|temperature|sick|ill|(?:a|head|chest|bad) cold|flu|covid|virus|bug"
    r"|infection|uti|antibiotics|cough\w*|congested|congestion|sinus|migraines?|headaches?"
    r"|blood pressure|bp"
    r"|heart|pacemaker|murmur|palpitations|chest|asthma|inhaler|surgery|operation|chemo"
    r"|dialysis|kidneys?|liver|glaucoma|eye pressure|seizures?|epilepsy|psychosis|bipolar"
    r"|mania|ptsd|ocd|autism|dementia|stroke|ms|afib|atrial fibrillation|sleep apnea|apnea"
    r"|cpap|insomnia|diabetes|type 1|blood sugar|cholesterol|smok\w*|cancer|fibromyalgia"
    r"|fibro|arthritis|vertigo|inner ear|balance|night blindness|eyesight|period|cramps"
    r"|sunburnt|sunburn|swollen|sprain\w*|broke|broken|cast|fall|fell|dental|extraction"
    r"|tooth|cold sore|rash|nause\w*|vomit\w*|dizzy|dizziness|wobbly|spacey|foggy|groggy"
    r"|confused|agitated|nightmares?|tingl\w*|ringing|anxious|anxiety|panic|depress\w*"
    r"|flat|worse|pain|flar\w*|symptoms?|condition|history of|diagnos\w*|pregnan\w*)\b"
    r"(?! (?:shot|jab|vaccine|booster))"
)
#: A change or a step: what a decision is about.
ACTION_LEMMAS = frozenset(
    """
    stop quit skip hold pause drop halve double cut lower reduce increase raise up bump take
    keep continue stay restart resume switch change wean taper leave miss postpone cancel
    delay reschedule proceed go come start begin finish try do have use drink smoke vape
    nurse breastfeed pump wait move push forgo give carry combine add
    """.split()
)
#: The changes to a medicine or treatment told as already made ("i stopped", "i lowered").
CHANGE_LEMMAS = frozenset(
    "stop quit skip drop halve double cut lower reduce increase raise up bump hold pause wean"
    " taper".split()
)
#: Words of an evaluation asked for ("ok?", "good idea?", "safe for me", "was that right").
EVALUATION = re.compile(
    r"\b(?:ok|okay|fine|alright|all right|safe|wise|prudent|reasonable|acceptable|appropriate"
    r"|a good idea|good idea|a bad idea|bad idea|a problem|problem|dangerous|bad|right|better"
    r"|best|smart|sensible|advisable|allowed|good)\b"
)
#: A dose of the treatment itself (no medicine named): "two lozenges", "a higher dose".
TREATMENT_DOSE = re.compile(
    r"\b(?:doses?|dosage|\d+(?:\.\d+)? ?mg|mg kg|\d+mg|(?:two|three|four|\d+|extra|another|an extra"
    r"|one and a half|half a|a second|more) (?:lozenges?|troches?|rdts?|tablets?|sprays?)"
    r"|(?:lozenges?|troches?|tablets?) in half|(?:higher|lower|stronger|weaker|bigger"
    r"|smaller) (?:dose|one)|bump it up|up it|go (?:up|lower|higher|down) (?:to|on)"
    r"|more than prescribed|more often|every day instead|take (?:less|more))\b"
)
