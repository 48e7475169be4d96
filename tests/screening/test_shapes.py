"""Message shapes (clinicbot.screening.shapes): a question, "why do you ask?", "stop"."""

from __future__ import annotations

import pytest

from clinicbot.screening import asks_why, is_question, is_stop


@pytest.mark.parametrize(
    "text",
    ["is it safe?", "how much does it cost", "tell me about side effects", "Can I drive after"],
)
def test_questions_are_recognised(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["yes", "I'm 17", "two of them", "not sure"])
def test_answers_are_not_questions(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize(
    "text", ["stop", "Stop please", "never mind", "nevermind", "cancel the screening", "quit"]
)
def test_stop_phrases(text: str) -> None:
    assert is_stop(text)


@pytest.mark.parametrize("text", ["I had to stop my antidepressant", "skip this", "no"])
def test_not_stop_phrases(text: str) -> None:
    assert not is_stop(text)


@pytest.mark.parametrize("text", ["why do you ask?", "Why?", "what for", "why do you need that"])
def test_why_do_you_ask(text: str) -> None:
    assert asks_why(text)


@pytest.mark.parametrize("text", ["yes", "I'm 17", "how much does it cost"])
def test_not_why(text: str) -> None:
    assert not asks_why(text)
