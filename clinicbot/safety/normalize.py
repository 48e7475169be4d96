"""Text normalisation for the safety detector.

``normalize`` turns whatever a patient typed into a canonical lower-case form that the safety
patterns and the classifier work on:

* Unicode NFKC, accents and combining marks removed (also "zalgo" text), common Cyrillic and
  Greek look-alike letters mapped to Latin, zero-width and control characters removed;
* a few risk-bearing emoji mapped to words (a pill emoji becomes "pills");
* contractions expanded ("I'm" and "im" become "i am", "don't" and "dont" become "do not");
* leetspeak translated inside alphabetic words only ("k1ll mys3lf" becomes "kill myself",
  "$uicide" becomes "suicide") while numbers such as "911", "988" or "50mg" are left alone;
* censored words restored ("s*icide" becomes "suicide");
* runs of three or more repeated letters collapsed, choosing the form found in the lexicon
  ("diiiie" becomes "die", "killlll" becomes "kill", "sleeeep" becomes "sleep");
* known misspellings and near misses of key words corrected ("suicde", "sucide", "kil",
  "overdoes"); unknown words within one edit of a key word ("suicidle") corrected too;
* slang expanded ("kms", "unalive", "sewerslide", "self delete", "od'd", "ctb"), with context
  where a word is ambiguous ("kys" is "kill myself" only when the sentence is about the writer;
  "5 kms" stays kilometres);
* punctuation reduced to sentence marks (" . " and " ? ") and whitespace collapsed.

Every step is linear in the length of the input, and ``normalize`` never raises: on any internal
error it falls back to a plain lower-case ASCII form. The vocabulary (lexicon, misspellings,
slang) lives in ``patterns.yml`` and is loaded on first use.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clinicbot.safety.resources import load_resources

logger = logging.getLogger(__name__)

# Look-alike letters from other scripts that are used to dodge filters.
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ӏ": "l", "ɩ": "i", "α": "a", "β": "b", "ε": "e", "η": "n",
    "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w", "ѵ": "v", "ɡ": "g", "ℓ": "l",
}  # fmt: skip

# Emoji that carry meaning for safety; everything else that is not a letter becomes a space.
_EMOJI_WORDS = {
    "\U0001f48a": " pills ",  # pill
    "\U0001f52a": " knife ",  # kitchen knife
    "\U0001f5e1": " knife ",  # dagger
    "\U0001f52b": " gun ",  # pistol
    "\u26b0": " coffin ",  # coffin
    "\U0001faa6": " grave ",  # headstone
    "\U0001fa78": " blood ",  # drop of blood
    "\U0001fa93": " axe ",  # axe
    "\U0001faa2": " rope ",  # knot
    # The skull is chat's "i'm dying laughing" far more often than death: it becomes "skull"
    # (the words around it carry any risk), and laughing or eye-rolling faces become words the
    # classifier can weigh as joking or sarcasm.
    "\U0001f480": " skull ",  # skull
    "\u2620": " skull ",  # skull and crossbones
    "\U0001f602": " lol ",  # face with tears of joy
    "\U0001f923": " lol ",  # rolling on the floor laughing
    "\U0001f643": " sarcastic ",  # upside-down face
    "\U0001f644": " sarcastic ",  # face with rolling eyes
}

_APOSTROPHES = "'\u2018\u2019\u201b\u2032\u00b4\u02bc`"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"

_CONTRACTIONS = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not",
    "ain't": "am not", "i'm": "i am", "let's": "let us", "it's": "it is", "that's": "that is",
    "what's": "what is", "there's": "there is", "here's": "here is", "he's": "he is",
    "she's": "she is", "who's": "who is", "where's": "where is", "how's": "how is",
    "y'all": "you all",
}  # fmt: skip
_APOSTROPHE_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'m", " am"),
    ("'s", ""),
)

# Leet characters that have a single reading.
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"}
# Leet characters that may stand for either of two letters; the lexicon decides.
_LEET_AMBIGUOUS = {"1": ("i", "l"), "|": ("l", "i")}
_LEET_CHARS = frozenset(_LEET) | frozenset(_LEET_AMBIGUOUS)

_NUMBER_WITH_UNIT = re.compile(r"\d+(?:\.\d+)?[a-z]{1,5}")
_LETTER_THEN_NUMBER = re.compile(r"[a-z]{1,2}\d+")
_TRAILING_NUMBER = re.compile(r"(.*?[a-z].*?)(\d{2,})")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_NON_TOKEN = re.compile(r"[^\w$@!|'*.?\s]|_")
_SENTENCE_SPLIT = re.compile(r"(?<!\d)[.?]|[.?](?!\d)")
_SPACES = re.compile(r"\s+")
_MARK_RUNS = re.compile(r"(?:[.?] )+(?=[.?](?: |$))")
_FALLBACK_STRIP = re.compile(r"[^a-z0-9?. ]+")
_SELF_WORDS = re.compile(
    r"\b(?:i|me|my|myself|im)\b|\b(?:want to|going to|got to|need to|have to|about to|should|"
    r"might|could|will|gonna|wanna|just|finally|literally|to)\s*$"
)
_OTHER_WORDS = re.compile(r"\b(?:you|u|he|she|they|go|just go)\s*$")
_KMS = re.compile(r"\bkms\b")
_KYS = re.compile(r"\bkys\b")
_DIGIT_BEFORE = re.compile(r"\d\s*$")

_MAX_COMBINATIONS = 3


@dataclass
class _Vocabulary:
    """The normalisation vocabulary, built once from ``patterns.yml``."""

    lexicon: frozenset[str]
    token_map: dict[str, str]
    misspellings: dict[str, str]
    risk_words: tuple[str, ...]
    fuzzy: dict[str, str]
    phrases: list[tuple[re.Pattern[str], str]] = field(default_factory=list)


def _words_in_regex(source: str) -> Iterable[str]:
    """Yields the literal words of a regular expression (to extend the lexicon)."""
    cleaned = re.sub(r"\\[a-zA-Z]|\[[^\]]*\]|\{[^}]*\}|\(\?[:!=<]*", " ", source)
    return re.findall(r"[a-z]{2,}", cleaned)


def _deletions(word: str) -> set[str]:
    """Returns the word and every form of it with one character deleted."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@functools.lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    """Builds (once) the vocabulary from the packaged data file."""
    data: dict[str, Any] = load_resources()
    norm = data.get("normalization") or {}
    lexicon: set[str] = set()
    for entry in norm.get("lexicon") or []:
        lexicon.update(str(entry).split())
    for value in (data.get("macros") or {}).values():
        lexicon.update(_words_in_regex(str(value)))
    for group in ("patterns", "benign"):
        for item in data.get(group) or []:
            lexicon.update(_words_in_regex(str(item.get("regex", ""))))
    token_map = {str(k): str(v) for k, v in (norm.get("token_map") or {}).items()}
    misspellings: dict[str, str] = {}
    for target, wrongs in (norm.get("misspellings") or {}).items():
        lexicon.update(str(target).split())
        for wrong in wrongs or []:
            misspellings[str(wrong)] = str(target)
    for value in list(token_map.values()) + list(misspellings.values()):
        lexicon.update(value.split())
    lexicon.difference_update(misspellings)
    lexicon.difference_update(token_map)
    fuzzy: dict[str, str] = {}
    for target in norm.get("fuzzy_targets") or []:
        for variant in _deletions(str(target)):
            fuzzy.setdefault(variant, str(target))
    phrases = [
        (re.compile(str(item["pattern"])), str(item["replace"]))
        for item in norm.get("phrases") or []
    ]
    return _Vocabulary(
        lexicon=frozenset(lexicon),
        token_map=token_map,
        misspellings=misspellings,
        risk_words=tuple(str(w) for w in norm.get("risk_words") or []),
        fuzzy=fuzzy,
        phrases=phrases,
    )


@functools.lru_cache(maxsize=8192)
def _map_char(char: str) -> str:
    """Maps one non-printable-ASCII character to its canonical replacement."""
    if char in "\t\n\r\f\v":
        return " "
    if char in _APOSTROPHES:
        return "'"
    if char in _DASHES:
        return "-"
    if char in _EMOJI_WORDS:
        return _EMOJI_WORDS[char]
    lowered = char.lower()
    if lowered in _HOMOGLYPHS:
        return _HOMOGLYPHS[lowered]
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Mn", "Me", "Cs", "Co", "Cn"):
        return ""  # zero-width, control, combining mark: delete so words rejoin
    if category.startswith("L"):
        decomposed = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        return stripped or char
    if category.startswith("N"):
        digit = unicodedata.digit(char, None)
        return str(digit) if digit is not None else " "
    return " "


def _lexicon_choice(candidates: Iterable[str], default: str) -> str:
    """Returns the first candidate found in the lexicon, else ``default``."""
    lexicon = _vocabulary().lexicon
    for candidate in candidates:
        if candidate in lexicon:
            return candidate
    return default


def _collapse_repeats(word: str) -> str:
    """Collapses runs of 3+ identical letters, preferring a lexicon word."""
    runs = list(_REPEATS.finditer(word))
    if not runs:
        return word
    if len(runs) > _MAX_COMBINATIONS:
        return _REPEATS.sub(r"\1\1", word)
    candidates = []
    for lengths in itertools.product((2, 1), repeat=len(runs)):
        pieces, last = [], 0
        for match, length in zip(runs, lengths, strict=True):
            pieces.append(word[last : match.start()])
            pieces.append(match.group(1) * length)
            last = match.end()
        pieces.append(word[last:])
        candidates.append("".join(pieces))
    return _lexicon_choice(candidates, candidates[0])


def _translate_leet(word: str) -> str:
    """Translates leetspeak inside an alphabetic word; numbers are left alone."""
    if not any(c in _LEET_CHARS for c in word):
        return word
    letters = sum(c.isalpha() for c in word)
    if letters < 2 and not (letters == 1 and len(word) >= 3):
        return word
    if _NUMBER_WITH_UNIT.fullmatch(word):
        return word
    if _LETTER_THEN_NUMBER.fullmatch(word):
        # "b12", "x2" stay; "d13" becomes "die" because that is a word
        translated = _translate_leet_chars(word)
        return translated if translated in _vocabulary().lexicon else word
    tail = ""
    trailing = _TRAILING_NUMBER.fullmatch(word)
    if trailing:
        word, tail = trailing.group(1), trailing.group(2)
    return _translate_leet_chars(word) + tail


def _translate_leet_chars(word: str) -> str:
    """Replaces every leet character of a word, using the lexicon for ambiguous ones."""
    chars = list(word)
    ambiguous: list[int] = []
    for i, char in enumerate(chars):
        if char == "!":
            inside = 0 < i < len(chars) - 1 and chars[i - 1].isalpha() and chars[i + 1].isalpha()
            chars[i] = "i" if inside else ""
        elif char in _LEET:
            chars[i] = _LEET[char]
        elif char in _LEET_AMBIGUOUS:
            ambiguous.append(i)
    if not ambiguous:
        return "".join(chars)
    if len(ambiguous) > _MAX_COMBINATIONS:
        for i in ambiguous:
            chars[i] = _LEET_AMBIGUOUS[chars[i]][0]
        return "".join(chars)
    options = [_LEET_AMBIGUOUS[chars[i]] for i in ambiguous]
    candidates = []
    for choice in itertools.product(*options):
        for i, letter in zip(ambiguous, choice, strict=True):
            chars[i] = letter
        candidates.append("".join(chars))
    return _lexicon_choice(candidates, candidates[0])


def _restore_censored(word: str) -> str:
    """Restores a word censored with asterisks ("s*icide") from the risk-word list."""
    if not any(c.isalpha() for c in word):
        return word.replace("*", "")
    pattern = re.compile("".join("[a-z]{1,2}" if c == "*" else re.escape(c) for c in word))
    for candidate in _vocabulary().risk_words:
        if pattern.fullmatch(candidate):
            return candidate
    return word.replace("*", "")


def _fuzzy_correct(word: str) -> str:
    """Corrects an unknown word that is within one edit of a key word."""
    vocab = _vocabulary()
    if len(word) < 5 or not word.isalpha() or word in vocab.lexicon:
        return word
    if word in vocab.fuzzy:
        return vocab.fuzzy[word]
    for i in range(len(word)):
        variant = word[:i] + word[i + 1 :]
        if variant in vocab.fuzzy:
            return vocab.fuzzy[variant]
    return word


def _expand_apostrophes(word: str) -> str:
    """Expands contractions written with an apostrophe; drops other apostrophes."""
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    for suffix, replacement in _APOSTROPHE_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            stem = word[: -len(suffix)]
            if suffix == "n't":
                stem = {"ca": "can", "wo": "will", "sha": "shall"}.get(stem, stem)
            return (stem + replacement).replace("'", "")
    return word.replace("'", "")


def _normalize_word(word: str) -> str:
    """Normalises one word (no spaces, no sentence marks); may return several words."""
    vocab = _vocabulary()
    if word in vocab.token_map:
        return vocab.token_map[word]
    if "'" in word:
        word = _translate_leet(word.strip("'"))
        if word in vocab.token_map:
            return vocab.token_map[word]
        word = _expand_apostrophes(word)
        if " " in word:
            return " ".join(_normalize_word(part) for part in word.split())
    if "*" in word:
        word = _restore_censored(word)
    word = _translate_leet(word)
    word = re.sub(r"[$@!|*]", "", word)
    if not word:
        return ""
    word = _collapse_repeats(word)
    if word in vocab.token_map:
        return vocab.token_map[word]
    if word in vocab.misspellings:
        return vocab.misspellings[word]
    return _fuzzy_correct(word)


def _normalize_token(chunk: str) -> list[str]:
    """Normalises one whitespace-separated chunk into words and sentence marks."""
    if chunk == "@":
        return ["at"]
    stripped = chunk.rstrip(".?!',")
    trailing = chunk[len(stripped) :]
    stripped = stripped.lstrip(".?!',")
    out: list[str] = []
    for piece in _SENTENCE_SPLIT.split(stripped):
        if piece:
            normalized = _normalize_word(piece)
            if normalized:
                out.append(normalized)
    if "?" in trailing:
        out.append("?")
    elif "." in trailing or "!" in trailing:
        out.append(".")
    return out


def _kys(before: str) -> str:
    """Reads "kys" as self-directed unless it is said to someone else."""
    if _OTHER_WORDS.search(before):
        return "kill yourself"
    return "kill myself" if _SELF_WORDS.search(before) else "kill yourself"


def _contextual_slang(text: str) -> str:
    """Expands ambiguous slang whose meaning depends on the surrounding words."""
    if "kms" in text:
        text = _KMS.sub(
            lambda m: (
                m.group(0)
                if _DIGIT_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
                else "kill myself"
            ),
            text,
        )
    if "kys" in text:
        text = _KYS.sub(lambda m: _kys(text[max(0, m.start() - 40) : m.start()]), text)
    return text


def _normalize(text: str) -> str:
    """The normalisation pipeline (may raise; wrapped by ``normalize``)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[^\x20-\x7e]", lambda m: _map_char(m.group(0)), text)
    text = text.lower()
    text = text.replace("w/o ", "without ").replace("w/ ", "with ").replace("s/h", "self harm")
    text = re.sub(r"(?<![a-z])o\.d(?![a-z])\.?", "od", text)
    text = text.replace(";", ".").replace(":", " ")
    text = _NON_TOKEN.sub(" ", text)
    words: list[str] = []
    for token in text.split():
        words.extend(_normalize_token(token))
    result = " ".join(words)
    result = _contextual_slang(result)
    for pattern, replacement in _vocabulary().phrases:
        result = pattern.sub(replacement, result)
    result = _SPACES.sub(" ", result).strip()
    result = _MARK_RUNS.sub("", result)
    return result


def fallback_normalize(text: str) -> str:
    """A minimal normalisation that cannot fail (used when the full pipeline errors).

    Args:
        text: The raw text.

    Returns:
        Lower-case ASCII letters, digits and sentence marks separated by single spaces.
    """
    lowered = text.lower() if isinstance(text, str) else ""
    return _SPACES.sub(" ", _FALLBACK_STRIP.sub(" ", lowered)).strip()


def normalize(text: Any) -> str:
    """Normalises patient text for the safety detector.

    Args:
        text: The raw message. Anything that is not ``str`` (``None``, numbers) yields an
            empty string; ``bytes`` are decoded as UTF-8.

    Returns:
        The canonical form: lower case, words separated by single spaces, sentence ends as
        separate " . " / " ? " marks. Never raises.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text:
        return ""
    try:
        return _normalize(text)
    except Exception:  # noqa: BLE001 - normalisation must never take the safety layer down
        logger.error("safety normalize failed; using the fallback normalisation")
        return fallback_normalize(text)
