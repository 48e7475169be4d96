"""An action that raises never lets rasa-sdk answer 500 with the tracker (which Rasa logs)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerTopic
from actions.base import ClinicAction
from tests.conftest import build_tracker

SECRET = "my name is Jane Roe and my number is 555-0100"


class _Exploding(ClinicAction):
    def name(self) -> str:
        return "action_test_exploding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        raise ValueError(f"could not handle {tracker.latest_message.get('text')}")


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        [r.getMessage() for r in caplog.records]
        + [str(r.exc_info) for r in caplog.records if r.exc_info]
        + [str(r.exc_text) for r in caplog.records if r.exc_text]
    )


async def test_errors_are_caught_and_logged_by_class_only(
    domain: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dispatcher = CollectingDispatcher()
    tracker = build_tracker("greet", text=SECRET)
    events = await _Exploding().run(dispatcher, tracker, domain)
    assert events == []
    assert dispatcher.messages and "988" in dispatcher.messages[0]["text"]
    logged = _logged(caplog)
    assert "ValueError" in logged and "action_test_exploding" in logged
    assert "Jane" not in logged and "555-0100" not in logged


async def test_a_real_action_failing_inside(
    domain: Dict[str, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError(f"knowledge base broken while answering {SECRET}")

    monkeypatch.setattr(ClinicAction, "kb", staticmethod(broken))
    caplog.set_level(logging.DEBUG)
    dispatcher = CollectingDispatcher()
    tracker = build_tracker("kb_safety_side_effects", text=SECRET)
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert events == []
    assert "RuntimeError" in _logged(caplog) and "Jane" not in _logged(caplog)


async def test_screening_form_validation_is_guarded_too(
    domain: Dict[str, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions import screening as screening_module

    def broken() -> Any:
        raise RuntimeError(f"screening rules broken while reading {SECRET}")

    monkeypatch.setattr(screening_module, "screening", broken)
    caplog.set_level(logging.DEBUG)
    dispatcher = CollectingDispatcher()
    tracker = build_tracker("inform", text=SECRET)
    events = await screening_module.ValidateScreeningForm().run(dispatcher, tracker, domain)
    assert events == []
    assert dispatcher.messages and "988" in dispatcher.messages[0]["text"]
    logged = _logged(caplog)
    assert "RuntimeError" in logged and "validate_screening_form" in logged
    assert "Jane" not in logged and "555-0100" not in logged
