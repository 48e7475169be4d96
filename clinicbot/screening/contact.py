"""Free-text contact details of a consultation request: first name, email, phone, method."""

from __future__ import annotations

import re

from clinicbot.screening.constants import CONTACT, CONTACT_METHOD, EMAIL, PHONE
from clinicbot.screening.text import NOT_SURE_RE, any_phrase, normalize

_NAME_PREFIX_RE = re.compile(
    r"^(hi|hello|hey)?[\s,]*(my (first )?name is|my name's|first name is|name is|it'?s|it is|"
    r"i'?m|i am|im|call me|you can call me|this is|name's)\s+",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_NOT_NAMES = frozenset(
    {
        "yes",
        "no",
        "nope",
        "yeah",
        "ok",
        "okay",
        "sure",
        "stop",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank you",
        "not sure",
        "none",
        "nothing",
        "skip",
        "why",
        "what",
        "phone",
        "email",
        "cancel",
        "anonymous",
        "no thanks",
        "prefer not to say",
    }
)
#: Words that show a message is a sentence, not a first name.
_NAME_STOPWORDS = frozenset(
    {
        "i", "im", "i'm", "my", "me", "the", "a", "an", "to", "want", "dont", "don't", "no",
        "not", "yes", "yeah", "nope", "nah", "is", "it", "it's", "you", "and", "or", "of",
        "please", "thanks", "name", "rather", "prefer", "say", "give", "would", "why", "what",
        "stop", "skip", "sure", "ok", "okay", "later", "this", "that",
    }
)  # fmt: skip
MAX_NAME_LENGTH = 40
MAX_NAME_WORDS = 3


def parse_first_name(text: str | None) -> str | None:
    """Validates a first name: 1-40 letters, spaces, hyphens or apostrophes.

    Args:
        text: The patient's message ("Sam", "my name is Mary-Jo").

    Returns:
        The name as typed (trimmed, inner white space collapsed), or None if invalid.
    """
    value = re.sub(r"\s+", " ", (text or "").replace("\u2019", "'")).strip().strip(".!")
    value = _NAME_PREFIX_RE.sub("", value).strip().strip(".!,")
    if not value or len(value) > MAX_NAME_LENGTH:
        return None
    if value.lower() in _NOT_NAMES or not _NAME_RE.match(value):
        return None
    words = re.split(r"[ \-]", value.lower())
    if len(value.split()) > MAX_NAME_WORDS or any(w in _NAME_STOPWORDS for w in words):
        return None
    if NOT_SURE_RE.search(value.lower()):
        return None
    return value


_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_SEARCH_RE = re.compile(r"[^\s<>(),;:\"\[\]]+@[^\s<>(),;:\"\[\]]+")
MAX_EMAIL_LENGTH = 254


def parse_email(text: str | None) -> str | None:
    """Finds and validates an email address (simple RFC 5322 subset).

    Args:
        text: The patient's message ("sam@example.com", "it's sam@example.com").

    Returns:
        The address with a lower-cased domain, or None if there is no valid one.
    """
    raw = (text or "").strip()
    match = _EMAIL_SEARCH_RE.search(raw)
    if not match:
        return None
    candidate = match.group().strip(".'")
    if len(candidate) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(candidate):
        return None
    local, domain = candidate.rsplit("@", 1)
    if len(local) > 64:
        return None
    return f"{local}@{domain.lower()}"


_PHONE_SEARCH_RE = re.compile(r"\+?\(?\d[\d\s().\-/]{8,22}\d(\s*(x|ext\.?|extension)\s*\d{1,6})?")


def parse_phone(text: str | None) -> str | None:
    """Finds and validates a phone number.

    Accepts US numbers with 10 digits (any of the usual formats, optionally with a leading
    ``1`` or ``+1``) and international numbers written with ``+`` and 10-15 digits.

    Args:
        text: The patient's message ("(555) 010-0199", "call me on 555.010.0199").

    Returns:
        ``(555) 010-0199`` for US numbers, ``+<digits>`` otherwise, or None if invalid.
    """
    raw = (text or "").strip()
    match = _PHONE_SEARCH_RE.search(raw)
    if not match:
        return None
    number = re.split(r"\s*(?:x|ext\.?|extension)\s*", match.group(), maxsplit=1)
    digits = re.sub(r"\D", "", number[0])
    extension = re.sub(r"\D", "", number[1]) if len(number) > 1 else ""
    international = number[0].lstrip().startswith("+")
    if international and not digits.startswith("1"):
        if not 10 <= len(digits) <= 15:
            return None
        formatted = "+" + digits
    else:
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10 or digits[0] in "01":
            return None
        formatted = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{formatted} ext. {extension}" if extension else formatted


def parse_contact_method(text: str | None) -> str | None:
    """Reads phone or email.

    Args:
        text: The patient's message ("by phone", "email me", "text is fine").

    Returns:
        ``phone``, ``email`` or None.
    """
    norm = normalize(text).rstrip("?!. ")
    if not norm:
        return None
    if parse_email(text):
        return EMAIL
    if parse_phone(text):
        return PHONE
    email = any_phrase(norm, ("email", "e-mail", "e mail", "mail", "inbox"))
    phone = any_phrase(
        norm, ("phone", "call", "calling", "telephone", "cell", "mobile", "text", "ring", "sms")
    )
    if email >= 0 and (phone < 0 or email < phone):
        return EMAIL
    if phone >= 0:
        return PHONE
    return None


def parse_contact(text: str | None, method: str | None) -> dict[str, str] | None:
    """Validates the contact details for the chosen method (or whichever was typed).

    Args:
        text: The patient's message.
        method: ``phone`` or ``email`` (the method chosen before).

    Returns:
        ``{consult_contact: ..., consult_contact_method: ...}`` or None if invalid.
    """
    email = parse_email(text)
    phone = None if email else parse_phone(text)
    if method == EMAIL and email:
        return {CONTACT: email, CONTACT_METHOD: EMAIL}
    if method == PHONE and phone:
        return {CONTACT: phone, CONTACT_METHOD: PHONE}
    if email:
        return {CONTACT: email, CONTACT_METHOD: EMAIL}
    if phone:
        return {CONTACT: phone, CONTACT_METHOD: PHONE}
    return None
