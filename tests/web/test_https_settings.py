"""Secrets and patient-related data leave the machine only over https (loopback excepted)."""

from __future__ import annotations

import pytest

from clinicbot.channels.twilio import TwilioConfig
from clinicbot.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.clinic.example/alert",
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://[::1]:9000/hook",
        "",
    ],
)
def test_notify_webhook_accepts_https_and_loopback(url: str) -> None:
    assert load_settings({"NOTIFY_WEBHOOK_URL": url}).notify_webhook_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.clinic.example/alert",
        "http://10.0.0.5/hook",
        "ftp://hooks.clinic.example/",
        "hooks.clinic.example/alert",
        "http://127.0.0.1.evil.example/hook",
    ],
)
def test_notify_webhook_refuses_plain_http_elsewhere(url: str) -> None:
    with pytest.raises(SettingsError, match="NOTIFY_WEBHOOK_URL"):
        load_settings({"NOTIFY_WEBHOOK_URL": url})


def test_twilio_api_base_must_be_https_except_loopback() -> None:
    assert TwilioConfig.load(None, {"TWILIO_API_BASE": "http://127.0.0.1:9/"}).api_base == (
        "http://127.0.0.1:9"
    )
    assert TwilioConfig.load(None, {}).api_base == "https://api.twilio.com"
    with pytest.raises(SettingsError, match="TWILIO_API_BASE"):
        TwilioConfig.load(None, {"TWILIO_API_BASE": "http://api.twilio.example"})
