"""The compiled patterns of ``patterns.yml``: matching, negation, vetoes and framings.

``PatternSet`` compiles the crisis, emergency, advice and mention patterns (with their
``requires`` and ``unless`` regexes and ``%MACRO%`` expansion), the benign patterns, the
framings (past, safe now, risk now, general medication, at home) and the classifier cue words.
``PatternSet.match`` runs them on a normalised message; a negatable hit is *negated* when a
negation binds to it within its clause, or when it sits in a question about what a treatment
does ("will ketamine make me suicidal?"). The detector (``clinicbot.safety.detector``) decides
with what this module finds. Every regex is bounded, and at most
``_MAX_MATCHES_PER_PATTERN`` matches of one pattern are examined, so hostile input stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from clinicbot.safety.labels import ADVICE, CRISIS, EMERGENCY, MENTION

_NEGATION = re.compile(r"\b(?:not|never|no|nor|nobody|neither|denies|deny|denied)\b")
_NEGATION_EXCEPTIONS = re.compile(
    r"\b(?:not (?:sure|just|only|kidding|joking|even|okay|ok|fine|well|safe|coping|doing "
    r"(?:well|ok|okay|good|great)|a joke|exaggerating|lying|being dramatic)|(?:can|could|do|"
    r"did|will) not stop|can not help|no (?:one|longer|point|reason|way|hope|matter|idea)|"
    r"nobody (?:cares|would|will|knows)|never (?:stop|stopped)|not anymore)\b"
)
_CLAUSE_BREAK = re.compile(
    r"\b(?:but|however|though|although|yet|and|so|because|except|then|anyway|plus|also|"
    r"while|whereas|just that)\b|[.?]"
)
_SHIELD = re.compile(
    r"\b(?:will|would|could|can|does|do|might|may|is it (?:normal|common|possible|true)|how "
    r"(?:often|common|likely)|what if|why (?:does|do|would|can)|is there a risk)\b(?: \w+){0,3} "
    r"(?:ketamine|it|spravato|esketamine|the (?:\w+ )?(?:infusion|infusions|treatment|medicine|"
    r"medication|drug|spray|session|sessions)|this|that|antidepressants|ssris|these meds|my meds|"
    r"the meds|psychedelics|dissociation|treatment)\b(?: \w+){0,2} (?:make|makes|cause|causes|"
    r"give|gives|trigger|triggers|increase|increases|worsen|worsens|bring on|brings on|lead to|"
    r"leads to|raise|raises|induce|induces|put|puts)\b|\b(?:side effects?|black box|warnings?|"
    r"risk of|risks of|increased risk|rates? of|studies|research|trials?)\b|\b(?:ketamine|spravato|"
    r"esketamine|it|the treatment|treatment|infusions?|the infusions?) (?:\w+ ){0,2}"
    r"(?:reduce|reduces|help|helps|helped|treat|treats|lower|lowers|prevent|prevents|relieve|relieves|stop|stops|"
    r"work on|works on|work for|works for|effective for|approved for|used for)\b"
)
_CORE = re.compile(
    r"\b(?:not (?:exist|be alive|be here|wake)|never wake|stop existing|cease to exist|die|dead|"
    r"dying|kill\w*|suicid\w*|end|ending|take|taking|took|hurt\w*|harm\w*|cut\w*|burn\w*|"
    r"disappear|vanish|sleep|stab\w*|shoot\w*|strangl\w*|beat\w*|murder\w*|poison\w*|"
    r"attack\w*|punch\w*|slap\w*|starv\w*|smother\w*|drown\w*|choke|choking|thoughts?|"
    r"urges?|images|fantasies|impulses|scratch\w*|hit\w*|bite|biting|carv\w*|mutilat\w*|"
    r"injur\w*|punish\w*|deserve|make myself|it|this|everything|the pain|out|to be done|"
    r"self harm\w*|self injur\w*|i deserve)\b"
)
#: Words for medicines in general (not a named medicine).
_GENERIC_MEDICINE = re.compile(
    r"\b(?:(?:other|current|regular|usual|daily|psychiatric|psych) )?(?:medications?|meds|"
    r"medicines?|prescriptions?|antidepressants?|anti depressants?|pills?|tablets?)\b"
)
_MAX_MATCHES_PER_PATTERN = 25
_NEGATION_WINDOW_WORDS = 6


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern from ``patterns.yml``."""

    id: str
    category: str
    sub: str
    regex: re.Pattern[str]
    negatable: bool = False
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass
class PatternHits:
    """What the patterns found in one normalised message."""

    hits: list[Pattern] = field(default_factory=list)
    negated: list[Pattern] = field(default_factory=list)
    benign: list[str] = field(default_factory=list)

    def of(self, category: str) -> list[Pattern]:
        """Returns the (non-negated) hits of one category."""
        return [p for p in self.hits if p.category == category]


def _expand_macros(regex: str, macros: dict[str, str]) -> str:
    """Replaces ``%NAME%`` with the macro NAME (macros may use other macros)."""
    for _ in range(4):
        expanded = re.sub(r"%([A-Z_]+)%", lambda m: macros[m.group(1)], regex)
        if expanded == regex:
            break
        regex = expanded
    return regex


class PatternSet:
    """The compiled patterns of ``patterns.yml``."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Compiles the patterns.

        Args:
            data: The parsed ``patterns.yml``.

        Raises:
            ValueError: If a pattern is malformed.
        """
        macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
        self.patterns: list[Pattern] = []
        for item in data.get("patterns") or []:
            category = str(item["category"])
            if category not in (CRISIS, EMERGENCY, ADVICE, MENTION):
                raise ValueError(f"pattern {item.get('id')}: unknown category {category}")
            self.patterns.append(
                Pattern(
                    id=str(item["id"]),
                    category=category,
                    sub=str(item.get("sub", category)),
                    regex=re.compile(_expand_macros(str(item["regex"]), macros)),
                    negatable=bool(item.get("negatable", False)),
                    requires=_compile_optional(item.get("requires"), macros),
                    unless=_compile_optional(item.get("unless"), macros),
                )
            )
        self.benign: list[tuple[str, re.Pattern[str]]] = [
            (str(item["id"]), re.compile(_expand_macros(str(item["regex"]), macros)))
            for item in data.get("benign") or []
        ]
        framing = data.get("framing") or {}
        self._framing: dict[str, re.Pattern[str] | None] = {
            key: _compile_optional(framing.get(key), macros)
            for key in (
                "past",
                "safe_now",
                "risk_now",
                "general_medication",
                "personal_specific",
                "at_home_general",
                "at_home_personal",
            )
        }
        self.cues: dict[str, re.Pattern[str]] = {
            str(label): re.compile(_expand_macros(str(regex), macros))
            for label, regex in (data.get("classifier_cues") or {}).items()
        }
        self.weak_cues: dict[str, re.Pattern[str]] = {
            str(label): re.compile(_expand_macros(str(regex), macros))
            for label, regex in (data.get("classifier_weak_cues") or {}).items()
        }

    def _framed(self, key: str, text: str) -> bool:
        """Whether the framing regex ``key`` of ``patterns.yml`` matches."""
        regex = self._framing.get(key)
        return bool(regex and regex.search(text))

    def resolved_past(self, text: str) -> bool:
        """Whether the message tells of something long past with present safety stated.

        True when a past-time phrase and a present-safety phrase are both there and nothing
        says it is happening now ("again", "tonight", "coming back" ...).
        """
        return (
            self._framed("past", text)
            and self._framed("safe_now", text)
            and not self._framed("risk_now", text)
        )

    def general_medication(self, text: str) -> bool:
        """Whether a medicine question is general (no named medicine, dose or personal timing)."""
        if not self._framed("general_medication", text):
            return False
        return not self._framed("personal_specific", _GENERIC_MEDICINE.sub(" ", text))

    def at_home_general(self, text: str) -> bool:
        """Whether the message asks in general if ketamine can be had at home (no own doses)."""
        return self._framed("at_home_general", text) and not self._framed("at_home_personal", text)

    def has_cue(self, label: str, text: str, weak: bool = True) -> bool:
        """Whether ``text`` holds a cue word that a classifier-only ``label`` verdict needs.

        Args:
            label: The classifier's label.
            text: The normalised part of the message.
            weak: Whether the everyday words of ``classifier_weak_cues`` count too.
        """
        cue = self.cues.get(label)
        if cue is None or cue.search(text):
            return True
        weak_cue = self.weak_cues.get(label) if weak else None
        return bool(weak_cue and weak_cue.search(text))

    def without_benign(self, text: str) -> str:
        """``text`` with every span a benign pattern matches blanked out (single spaces)."""
        for _, regex in self.benign:
            text = regex.sub(" ", text)
        return " ".join(text.split())

    def benign_ids(self, text: str) -> list[str]:
        """Returns the ids of the benign patterns that match ``text``."""
        return [pid for pid, regex in self.benign if regex.search(text)]

    def match(self, text: str) -> PatternHits:
        """Runs every pattern on a normalised message.

        Args:
            text: The normalised message.

        Returns:
            The hits, the negated hits and the benign pattern ids.
        """
        found = PatternHits(benign=self.benign_ids(text))
        for pattern in self.patterns:
            if pattern.requires is not None and not pattern.requires.search(text):
                continue
            outcome = None
            for count, match in enumerate(pattern.regex.finditer(text)):
                if count >= _MAX_MATCHES_PER_PATTERN:
                    break
                if pattern.unless is not None and _unless_applies(pattern.unless, text, match):
                    continue
                if pattern.negatable and _is_negated(text, match):
                    outcome = outcome or "negated"
                    continue
                outcome = "hit"
                break
            if outcome == "hit":
                found.hits.append(pattern)
            elif outcome == "negated":
                found.negated.append(pattern)
        return found


def _compile_optional(source: Any, macros: dict[str, str]) -> re.Pattern[str] | None:
    """Compiles an optional regex field."""
    if not source:
        return None
    return re.compile(_expand_macros(str(source), macros))


def _sentence_start(text: str, position: int) -> int:
    """Returns where the sentence holding ``position`` starts."""
    start = max(text.rfind(" . ", 0, position), text.rfind(" ? ", 0, position))
    return 0 if start < 0 else start + 3


def _unless_applies(unless: re.Pattern[str], text: str, match: re.Match[str]) -> bool:
    """Whether an ``unless`` regex matches in the hit's sentence, up to the end of the hit."""
    return bool(unless.search(text[_sentence_start(text, match.start()) : match.end()]))


def _is_negated(text: str, match: re.Match[str]) -> bool:
    """Whether a hit is negated or framed as a question about treatment effects.

    The zone examined runs from the start of the hit's clause (at most 60 characters back) to
    the first risk keyword inside the hit; a negation counts only among the last six words of
    that zone. So "I do not want to die" is negated while "I want to not exist", "I am not okay
    and I want to die" and "I don't see a future, I just want out" are not.
    """
    prefix_start = max(_sentence_start(text, match.start()), match.start() - 60)
    prefix = text[prefix_start : match.start()]
    core = _CORE.search(match.group(0))
    inside = match.group(0)[: core.start()] if core else ""
    zone = f"{prefix}{inside}"
    if _SHIELD.search(zone):
        return True
    clause = _CLAUSE_BREAK.split(zone)[-1]
    clause = _NEGATION_EXCEPTIONS.sub(" ", clause)
    # negation binds to the few words right before the risk word
    window = " ".join(clause.split()[-_NEGATION_WINDOW_WORDS:])
    return bool(_NEGATION.search(window))
