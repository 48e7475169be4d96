"""The pre-screening's questions: one ``action_ask_<slot>`` per slot of ``screening_form``.

Rasa asks a form's slot by running ``action_ask_<slot>``. Every question is asked the same
way (the text, progress, "why we ask" and buttons from ``knowledge/screening_questions.yml``,
introduced by the hint ``validate_screening_form`` left), so the actions differ only in their
slot: :func:`ask_action` makes each one, and its name is derived from the slot. The consent
question is the one with more to do: it shows the result first (once).
"""

from __future__ import annotations

import abc
from typing import Dict, List, Tuple, Type

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Dispatcher, DomainDict, Events
from actions.screening import ScreeningAction, current_answers, send_result
from clinicbot.screening import (
    CONSENT,
    CONTACT_METHOD,
    FORM_SLOTS,
    HINT_CORRECTED,
    HINT_RESET,
    HINT_RESUME,
    HINT_SLOT,
    HINT_UNCLEAR,
    HINT_WHY,
    OUTCOME_SLOT,
    SCREENING_SLOTS,
    Question,
)


class AskScreeningQuestion(ScreeningAction, abc.ABC):
    """Asks one question of the form, introduced by the hint.

    The action name is derived from the slot: ``action_ask_<slot>``, the name Rasa calls for
    each of the form's ``required_slots``. Abstract until a subclass names its slot (see
    :func:`ask_action`), so the SDK does not register this class itself.
    """

    @property
    @abc.abstractmethod
    def slot(self) -> str:
        """The slot this action asks for."""

    def name(self) -> str:
        """Action name: ``action_ask_<slot>``."""
        return f"action_ask_{self.slot}"

    def question_text(self, tracker: Tracker, question: Question, hint: str) -> str:
        """The question, introduced according to the hint the validation left.

        Args:
            tracker: The conversation.
            question: The question.
            hint: The hint (``unclear``, ``why``, ``resume``, ``corrected:<slot>``,
                ``reset:<slot>`` or empty).

        Returns:
            The text.
        """
        screen = self.screening()
        kb = self.kb()
        method = tracker.get_slot(CONTACT_METHOD)
        ask = kb.fill(question.text_for(method))
        why = f"{screen.message('why_prefix', kb.fill)} {kb.fill(question.why)}"
        kind, _, about = hint.partition(":")
        label = screen.questions[about].label if about in screen.questions else ""
        progress = ""
        if question.slot in SCREENING_SLOTS:
            progress = screen.message(
                "progress",
                kb.fill,
                number=str(SCREENING_SLOTS.index(question.slot) + 1),
                total=str(len(SCREENING_SLOTS)),
            )
        if kind == HINT_UNCLEAR:
            parts = [kb.fill(question.reprompt_for(method)), ask]
        elif kind == HINT_WHY:
            parts = [why, ask]
        elif kind == HINT_RESUME:
            parts = [screen.message("resume", kb.fill), ask]
        elif kind == HINT_CORRECTED and label:
            parts = [screen.message("corrected", kb.fill, label=label), progress, ask, why]
        elif kind == HINT_RESET and label:
            parts = [screen.message("reask_corrected", kb.fill, label=label), ask, why]
        else:
            parts = [progress, ask, why]
        if self.is_sms(tracker) and question.options:
            options = " / ".join(kb.fill(o.title) for o in question.options)
            parts.append(screen.message("sms_options", kb.fill, options=options))
        return "\n\n".join(p for p in parts if p)

    async def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """Sends the question with its buttons.

        Args:
            dispatcher: Sends messages back.
            tracker: The conversation (the form's temporary tracker).
            domain: The domain.

        Returns:
            The hint cleared.
        """
        hint = str(tracker.get_slot(HINT_SLOT) or "")
        events, hint = await self.before_question(dispatcher, tracker, hint)
        question = self.screening().questions[self.slot]
        kb = self.kb()
        buttons = [{"title": kb.fill(o.title), "payload": o.payload} for o in question.options]
        self.send(
            dispatcher,
            tracker,
            self.question_text(tracker, question, hint),
            "question",
            buttons=buttons,
            sources=question.sources,
            screening_slot=self.slot,
        )
        return events + [SlotSet(HINT_SLOT, None)]

    async def before_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, hint: str
    ) -> Tuple[List[EventType], str]:
        """Sends anything that comes before the question (nothing by default).

        Args:
            dispatcher: Sends messages back.
            tracker: The conversation.
            hint: The hint for the question.

        Returns:
            Events, and the hint still to use for the question.
        """
        return [], hint


class ActionAskConsultConsent(AskScreeningQuestion):
    """Shows the result (once), then asks for consent to be contacted."""

    slot = CONSENT

    async def before_question(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, hint: str
    ) -> Tuple[List[EventType], str]:
        """Sends the result unless it was already shown for these answers.

        A correction notice ("Thanks, I've updated ...") then comes before the result rather
        than before the question.

        Args:
            dispatcher: Sends messages back.
            tracker: The conversation.
            hint: The hint for the question.

        Returns:
            The outcome slot, and the hint still to use for the question.
        """
        if tracker.get_slot(OUTCOME_SLOT):
            return [], hint
        screen = self.screening()
        prefix = ""
        kind, _, about = hint.partition(":")
        if kind == HINT_CORRECTED and about in screen.questions:
            label = screen.questions[about].label
            prefix = screen.message("corrected", self.kb().fill, label=label)
            hint = ""
        result = screen.evaluate(current_answers(tracker))
        send_result(self, dispatcher, tracker, result, prefix=prefix)
        return [SlotSet(OUTCOME_SLOT, result.outcome)], hint


def ask_action(slot: str) -> Type[AskScreeningQuestion]:
    """Makes the action that asks one question (``action_ask_<slot>``).

    Args:
        slot: The form slot.

    Returns:
        A concrete subclass of :class:`AskScreeningQuestion` (registered by rasa-sdk like any
        other action), named after the slot: ``screen_age`` -> ``ActionAskScreenAge``.
    """
    class_name = "ActionAsk" + "".join(part.title() for part in slot.split("_"))
    namespace = {"slot": slot, "__module__": __name__, "__doc__": f"Asks ``{slot}``."}
    return type(class_name, (AskScreeningQuestion,), namespace)


#: The form's ask actions by slot: one per question, the consent's shows the result first.
ASK_ACTIONS: Dict[str, Type[AskScreeningQuestion]] = {
    slot: ActionAskConsultConsent if slot == CONSENT else ask_action(slot) for slot in FORM_SLOTS
}


__all__ = ["ASK_ACTIONS", "ActionAskConsultConsent", "AskScreeningQuestion", "ask_action"]
