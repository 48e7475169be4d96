"""Response generation inside the Rasa server (no action server needed).

The domain's responses, including the crisis and emergency texts, name their texts as
``"@name"`` references into ``knowledge/messages.yml`` (the one folder a clinician reviews). This
generator fills the references in whenever the model's responses are set (at model load, never
per turn), then the clinic's facts (``{clinic_phone}`` etc. from ``knowledge/clinic.yml``) per
turn. It reads ``messages.yml`` when it is created, so a missing or broken file stops the server
at start instead of leaving a crisis turn without its text. In safe mode (after a crisis or
emergency turn) every other response gets the short crisis-resources reminder appended.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from clinicbot.clinic import clinic_placeholders
from clinicbot.safety.replies import CRISIS_RESPONSE, crisis_response
from clinicbot.support import SUPPORT_VARIANT, low_mood
from clinicbot.texts import messages, resolve_responses, text

logger = logging.getLogger(__name__)

SAFE_MODE_SLOT = "safety_flag"
#: The out-of-scope response: a feeling told instead gets the warm reply (``clinicbot.support``).
OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
#: Responses that already carry the full resources and get no reminder.
NO_REMINDER = frozenset({"utter_crisis", "utter_emergency"})


@functools.lru_cache(maxsize=1)
def safety_reminder() -> str:
    """The short crisis-resources reminder of safe mode, filled with clinic facts."""
    try:
        return text("safety_reminder")
    except Exception:  # noqa: BLE001 - fall back to a text that needs no configuration
        logger.exception("messages.yml could not be read; using the built-in reminder")
        return "If you're struggling or unsafe right now: call or text 988, or call 911."


def _as_support(response: dict[str, Any]) -> dict[str, Any]:
    """The out-of-scope response with the warm low-mood text (same buttons and kind)."""
    try:
        warm = text("support_low_mood")
    except Exception:  # noqa: BLE001 - keep the plain reply rather than fail the turn
        logger.exception("support_low_mood could not be rendered; out-of-scope text kept")
        return response
    custom = response.get("custom")
    extra = {"custom": {**custom, "variant": SUPPORT_VARIANT}} if isinstance(custom, dict) else {}
    return {**response, "text": warm, **extra}


def clinic_values() -> dict[str, str]:
    """The clinic placeholders (``clinicbot.clinic``); empty values if the file is broken."""
    return dict(clinic_placeholders())


class ClinicNLG(TemplatedNaturalLanguageGenerator):
    """Templated responses from the domain, texts from knowledge/, clinic facts, safe-mode aware.

    Args:
        endpoint_config: The ``nlg`` endpoint (unused beyond selecting this class).
        domain: The model's domain.
        **kwargs: Ignored.

    Raises:
        KnowledgeError: If ``messages.yml`` cannot be read, or a response names no text in it.

    """

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
        **kwargs: Any,
    ) -> None:
        """Creates the generator from the domain's responses."""
        messages()  # fail at start, not on a crisis turn, if the texts cannot be read
        super().__init__(domain.responses if domain else {})

    @property  # type: ignore[override]
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        """The domain's responses with their ``"@name"`` texts filled in."""
        return self._responses

    @responses.setter
    def responses(self, value: dict[str, list[dict[str, Any]]]) -> None:
        # Rasa's Agent.load_model assigns the loaded model's domain responses here.
        self._responses = resolve_responses(value)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Generates a response, adding clinic facts and the safe-mode reminder.

        Args:
            utter_action: Name of the response.
            tracker: The conversation.
            output_channel: Name of the channel the response goes to.
            **kwargs: Extra template values.

        Returns:
            The response dictionary, or None if the domain has no such response.

        """
        values = {**clinic_values(), **kwargs}
        slots = tracker.current_slot_values()
        name = utter_action
        if utter_action == CRISIS_RESPONSE:
            graded = crisis_response(getattr(tracker.latest_message, "parse_data", None))
            name = graded if graded in self.responses else utter_action
        response = self.generate_from_slots(name, slots, output_channel, **values)
        if response is None:
            return None
        if utter_action == OUT_OF_SCOPE_RESPONSE and low_mood(
            getattr(tracker.latest_message, "text", None)
        ):
            response = _as_support(response)
        if slots.get(SAFE_MODE_SLOT) and utter_action not in NO_REMINDER:
            response["text"] = f"{response.get('text') or ''}\n\n{safety_reminder()}".strip()
            custom = response.get("custom")
            if isinstance(custom, dict):
                response["custom"] = {**custom, "safe_mode": True}
        return response
