"""What the patient sees: a trained model's parse run through the rules and actions."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Sequence, Tuple

import yaml

from clinicbot.evaluation.cases import FALLBACK, RULES_FILE, Case, topic_intent
from clinicbot.evaluation.scoring import PatientView, RealScores
from clinicbot.paths import DOMAIN_FILE, REPO_ROOT


def model_parser(model_path: Path) -> Callable[[str], Dict[str, Any]]:
    """Loads a trained Rasa model and returns its parse function.

    Args:
        model_path: Model archive.

    Returns:
        Function mapping a text to Rasa's parse result (``intent``, ``intent_ranking``,
        ``entities``, ``safety`` ...), exactly what the server would hand to the dialogue.
    """
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug logs hold the message text: keep them off.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> Dict[str, Any]:
        return dict(loop.run_until_complete(agent.parse_message(text)))

    return parse


def model_predictor(model_path: Path) -> Callable[[str], Tuple[str, float]]:
    """Loads a trained Rasa model and returns a predict function (stable public API).

    Args:
        model_path: Model archive.

    Returns:
        Function mapping text to (intent, confidence); for retrieval-intent models the
        ResponseSelector's ``faq/<topic>`` choice is mapped back to ``kb_<topic>``.
    """
    parse = model_parser(model_path)

    def predict(text: str) -> Tuple[str, float]:
        result = parse(text)
        intent = result.get("intent") or {}
        name = intent.get("name") or FALLBACK
        confidence = float(intent.get("confidence") or 0.0)
        if name == "faq":
            selector = (result.get("response_selector") or {}).get("faq") or {}
            response = selector.get("response") or {}
            key = response.get("intent_response_key") or ""
            name = "kb_" + key.split("/", 1)[1] if "/" in key else FALLBACK
            confidence = float(response.get("confidence") or 0.0)
        return name, confidence

    return predict


# --- what the patient sees -------------------------------------------------------------------

#: Reply kinds of the custom actions the evaluation does not run.
OTHER_ACTION_KINDS = {
    "action_escalate": "handoff",
    "action_escalate_urgent": "handoff",
    "action_screening_start": "screening",
}


def rule_actions(rules_file: Path = RULES_FILE) -> Dict[str, str]:
    """The first action the unconditional rules run for each intent.

    Args:
        rules_file: ``data/rules.yml``.

    Returns:
        Intent name to action name.
    """
    with rules_file.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    mapping: Dict[str, str] = {}
    for rule in doc.get("rules") or []:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) < 2 or "action" not in steps[1]:
            continue
        first = steps[0]
        if "intent" in first:
            intents = [first["intent"]]
        else:
            intents = [s["intent"] for s in first.get("or") or [] if "intent" in s]
        for intent in intents:
            mapping.setdefault(str(intent), str(steps[1]["action"]))
    return mapping


class PatientSimulator:
    """Turns a parse result into the reply, with the project's rules, responses and actions.

    The knowledge-base answer and the clarification are produced by running the real
    ``action_answer_topic`` and ``action_clarify`` on a fresh conversation; domain responses
    give their kind from their ``custom`` payload.
    """

    def __init__(self) -> None:
        """Loads the rules and the domain and creates the two actions."""
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        from actions.answer import ActionAnswerTopic
        from actions.clarify import ActionClarify

        with DOMAIN_FILE.open(encoding="utf-8") as fh:
            self.domain: Dict[str, Any] = yaml.safe_load(fh) or {}
        self.intent_action = rule_actions()
        self.actions = {a.name(): a for a in (ActionAnswerTopic(), ActionClarify())}
        self._loop = asyncio.new_event_loop()

    def _response_kind(self, name: str) -> str:
        variants = (self.domain.get("responses") or {}).get(name) or [{}]
        custom = variants[0].get("custom") or {}
        return str(custom.get("kind") or "other")

    def view(self, parse: Dict[str, Any]) -> PatientView:
        """The reply to a parsed message in a new conversation.

        Args:
            parse: Rasa's parse result.

        Returns:
            What the patient would see.
        """
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        from clinicbot.payload import CLARIFY, merge_payloads

        intent = (parse.get("intent") or {}).get("name") or FALLBACK
        action_name = self.intent_action.get(intent)
        if action_name is None:
            return PatientView("other")
        if action_name.startswith("utter_"):
            return PatientView(self._response_kind(action_name))
        action = self.actions.get(action_name)
        if action is None:
            return PatientView(OTHER_ACTION_KINDS.get(action_name, "other"))
        latest = {**parse, "text": parse.get("text") or ""}
        tracker = Tracker(
            sender_id="evaluation",
            slots={},
            latest_message=latest,
            events=[{"event": "user", "text": latest["text"], "parse_data": latest}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        self._loop.run_until_complete(action.run(dispatcher, tracker, self.domain))
        payload = merge_payloads([m["custom"] for m in dispatcher.messages if m.get("custom")])
        if payload is None:
            return PatientView("other")
        kind = str(payload.get("kind"))
        topic = topic_intent(str(payload["kb_id"])) if payload.get("kb_id") else None
        if "alternatives" in payload:
            offered = tuple(topic_intent(str(t)) for t in payload.get("alternatives") or [])
        elif kind == CLARIFY:
            offered = tuple(
                str(b.get("payload", ""))[1:]
                for m in dispatcher.messages
                for b in m.get("buttons") or []
                if str(b.get("payload", "")).startswith("/kb_")
            )
        else:
            offered = ()
        return PatientView(kind, topic, offered)


def score_real(
    cases: Sequence[Case],
    parse: Callable[[str], Dict[str, Any]],
    simulator: PatientSimulator | None = None,
) -> RealScores:
    """Scores a parser on real cases by what the patient would see.

    Args:
        cases: Labelled cases.
        parse: Text to Rasa parse result.
        simulator: Reply simulator (a new one by default).

    Returns:
        The scores.
    """
    simulator = simulator or PatientSimulator()
    scores = RealScores()
    for case in cases:
        scores.rows.append((case, simulator.view(parse(case.text))))
    return scores
