"""The domain's responses carry no patient text of their own (issue 13).

Every response text and button title in ``domain.yml`` is an ``"@name"`` reference to
``knowledge/messages.yml``; ``clinicbot.nlg.ClinicNLG`` fills them in inside the Rasa server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import clinicbot.texts
from clinicbot.channels.throttle import throttled_reply
from clinicbot.kb_files import KnowledgeError
from clinicbot.nlg import ClinicNLG
from clinicbot.paths import DOMAIN_FILE
from clinicbot.texts import REFERENCE, messages, reload_texts, resolve_responses


def _domain_strings(responses: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, value) of every text and button title of the domain's responses."""
    for name, variants in responses.items():
        for i, variant in enumerate(variants):
            if "text" in variant:
                yield f"{name}[{i}].text", str(variant["text"])
            for button in variant.get("buttons") or []:
                yield f"{name}[{i}] button {button.get('payload')}", str(button["title"])


def _domain_responses() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


def test_every_domain_text_is_a_reference_to_knowledge() -> None:
    literal = [f"{where}: {value!r}" for where, value in _domain_strings(_domain_responses())
               if not REFERENCE.match(value)]
    assert not literal, "move these texts to knowledge/messages.yml:\n" + "\n".join(literal)


def test_every_reference_names_a_text_in_knowledge() -> None:
    names = {
        REFERENCE.match(value).group(1)  # type: ignore[union-attr]
        for _, value in _domain_strings(_domain_responses())
        if REFERENCE.match(value)
    }
    assert names and not names - set(messages())
    resolved = resolve_responses(_domain_responses())
    assert not [v for _, v in _domain_strings(resolved) if v.startswith("@")]


def test_the_scan_sees_a_literal_text_and_a_literal_button_title() -> None:
    responses = {
        "utter_x": [
            {"text": "Hello there, how can I help?", "buttons": [{"title": "@button_no_thanks"}]},
            {"text": "@thanks", "buttons": [{"title": "Call us", "payload": "/call"}]},
        ]
    }
    literal = [w for w, v in _domain_strings(responses) if not REFERENCE.match(v)]
    assert literal == ["utter_x[0].text", "utter_x[1] button /call"]


def test_an_unknown_reference_is_a_clear_error() -> None:
    with pytest.raises(KnowledgeError, match="no_such_text"):
        resolve_responses({"utter_x": [{"text": "@no_such_text"}]})


def _tracker(domain: Domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "u1",
        [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})],
        domain.slots,
    )


async def test_responses_set_at_model_load_are_filled_in() -> None:
    # Rasa's Agent creates the generator without a domain, then assigns the loaded model's
    # responses (Agent.load_model): the references must be filled in then too.
    domain = Domain.load(str(DOMAIN_FILE))
    nlg = ClinicNLG(domain=None)
    nlg.responses = domain.responses
    crisis = await nlg.generate("utter_crisis", _tracker(domain), "rest")
    assert crisis is not None
    assert crisis["text"].startswith("I'm really sorry you're going through this")
    assert "988" in crisis["text"] and "@" not in crisis["text"].split()[0]
    assert crisis["custom"]["kind"] == "crisis"
    greet = await nlg.generate("utter_greet", _tracker(domain), "rest")
    assert greet is not None
    assert [b["title"] for b in greet["buttons"]][:2] == ["How does it work?", "Is it safe?"]
    assert greet["buttons"][0]["payload"] == "/kb_mechanism_how_it_works"
    assert greet["custom"]["kind"] == "smalltalk"


def test_the_generator_refuses_to_start_without_the_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "messages.yml").write_text("messages: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(clinicbot.texts, "KNOWLEDGE_DIR", tmp_path)
    reload_texts()
    try:
        with pytest.raises(KnowledgeError, match="messages.yml"):
            ClinicNLG(domain=None)
    finally:
        monkeypatch.undo()
        reload_texts()


def test_the_throttled_crisis_reply_carries_the_text_not_the_reference() -> None:
    reply = throttled_reply("my friend took too many pills and won't wake up")
    assert reply["text"].startswith("This could be a medical emergency.")
    assert "1-800-222-1222" in reply["text"]
