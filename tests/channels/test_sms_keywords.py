"""Carrier keywords and numbered option replies (clinicbot.channels.sms_keywords)."""

from __future__ import annotations

import pytest

from clinicbot.channels import sms_keywords as k


@pytest.mark.parametrize(
    ("text", "index"),
    [("1", 0), ("2.", 1), (" 2 ", 1), ("3)", 2), ("#2", 1), ("4", None), ("0", None)],
)
def test_parse_option_reply(text: str, index: int | None) -> None:
    assert k.parse_option_reply(text, 3) == index


@pytest.mark.parametrize("text", ["2 please", "12 mg", "one", "", "1 2"])
def test_parse_option_reply_ignores_other_text(text: str) -> None:
    assert k.parse_option_reply(text, 3) is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", k.STOP),
        ("stop", k.STOP),
        (" Stop. ", k.STOP),
        ("StopAll", k.STOP),
        ("unsubscribe", k.STOP),
        ("cancel", k.STOP),
        ("END", k.STOP),
        ("quit!", k.STOP),
        ("start", k.START),
        ("UNSTOP", k.START),
        ("help", k.HELP),
        ("Info", k.HELP),
        ("yes", None),  # an opt-in word only while opted out (the channel decides)
        ("please stop texting me", None),
        ("stop it", None),
        ("", None),
    ],
)
def test_keyword_of(text: str, keyword: str | None) -> None:
    assert k.keyword_of(text) == keyword
