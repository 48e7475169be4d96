"""Which crisis reply a crisis turn gets (graded by what the safety layer found).

The dialogue rules always run ``utter_crisis`` (so they stay simple and work with the action
server down); ``clinicbot.nlg.ClinicNLG`` then asks ``crisis_response`` which text to send:

* ``utter_crisis_abuse`` for an abuse or assault disclosure: the crisis text with RAINN, the
  National Domestic Violence Hotline and Childhelp added;
* ``utter_crisis_veiled`` when the risk was not put in so many words (passive or veiled
  ideation, plans, self-harm, method seeking, or a classifier verdict): the crisis text that
  also asks directly and kindly whether the person is thinking about suicide, as clinicians are
  trained to do;
* ``utter_crisis`` itself otherwise (the person said it directly, or the risk is to or from
  someone else).
"""

from __future__ import annotations

from typing import Any

CRISIS_RESPONSE = "utter_crisis"
ABUSE_RESPONSE = "utter_crisis_abuse"
VEILED_RESPONSE = "utter_crisis_veiled"
#: Crisis kinds whose reply stays the plain crisis text.
_PLAIN = frozenset({"direct_ideation", "third_party", "harm_others"})


def crisis_response(parse_data: Any) -> str:
    """Chooses the crisis reply for a turn.

    Args:
        parse_data: The latest user message's parse data (``tracker.latest_message.parse_data``);
            its ``safety`` verdict decides.

    Returns:
        The name of the domain response to send.
    """
    verdict = parse_data.get("safety") if isinstance(parse_data, dict) else None
    if not isinstance(verdict, dict):
        return CRISIS_RESPONSE
    category = verdict.get("category")
    subcategory = str(verdict.get("subcategory") or "")
    if category == "crisis" and subcategory == "abuse":
        return ABUSE_RESPONSE
    if category == "crisis" and subcategory in _PLAIN:
        return CRISIS_RESPONSE
    # Any other crisis kind, or a crisis the intent classifier alone recognised.
    return VEILED_RESPONSE if category in ("crisis", "none", "mention", None) else CRISIS_RESPONSE
