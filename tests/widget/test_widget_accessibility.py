"""The chat widget's accessibility and layout in a real (headless Chromium) browser.

Keyboard-only use, dialog semantics, the phone's full-screen panel with its focus trap, colour
contrast in every state, reduced motion and the five stylesheets applied in cascade order;
against the fake Rasa server and the real widget blueprint like ``test_widget_fake_server.py``
(the servers are the session fixtures of ``conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clinicbot.widget import blueprint as widget_bp

from .browser_helpers import CONTRAST_JS, PHONE, WidgetPage
from .fake_rasa import FakeRasa

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_keyboard_only(widget_pages: Any, widget_server: str, fake_rasa: FakeRasa) -> None:
    wp = widget_pages(widget_server + "/")
    wp.tab_to_launcher()
    assert wp.loc(".ccw-launcher").get_attribute("aria-expanded") == "false"
    wp.page.keyboard.press("Enter")
    wp.loc(".ccw-panel").wait_for(state="visible")
    assert "ccw-input" in wp.active_class()  # focus moved into the panel
    assert wp.loc(".ccw-launcher").get_attribute("aria-expanded") == "true"
    wp.page.keyboard.type("How long does it take?")
    wp.page.keyboard.press("Enter")
    wp.said("about 40 minutes").wait_for()
    assert fake_rasa.messages_from(wp.session_id) == ["How long does it take?"]
    assert wp.loc(".ccw-input").input_value() == ""
    # Shift+Enter makes a new line instead of sending
    wp.page.keyboard.type("line one")
    wp.page.keyboard.press("Shift+Enter")
    wp.page.keyboard.type("line two")
    assert wp.loc(".ccw-input").input_value() == "line one\nline two"
    # buttons are reachable with Tab and have visible focus
    wp.page.keyboard.press("Tab")
    assert "ccw-send" in wp.active_class()
    outline = wp.js("getComputedStyle(R.activeElement).outlineStyle")
    assert outline != "none"
    wp.page.keyboard.press("Escape")
    assert not wp.loc(".ccw-panel").is_visible()
    assert "ccw-launcher" in wp.active_class()  # focus returned to the launcher


def test_dialog_semantics(widget_pages: Any, widget_server: str) -> None:
    wp = widget_pages(widget_server + "/")
    wp.open_chat(acknowledge=False)
    dialog = wp.page.get_by_role("dialog")
    assert "Riverbend Ketamine Clinic" in (wp.js("R.querySelector('.ccw-title').textContent"))
    assert dialog.get_attribute("aria-labelledby")
    assert dialog.get_attribute("aria-describedby")  # the notice, while it is shown
    assert wp.js("R.querySelectorAll('[aria-live=polite]').length") >= 1
    assert wp.js("R.querySelectorAll('[aria-live=assertive]').length") == 1
    assert wp.loc(".ccw-send").get_attribute("aria-label") == "Send message"
    assert wp.page.get_by_role("button", name="Close chat").is_visible()
    assert wp.page.get_by_label("Your message").is_visible()
    wp.page.get_by_role("button", name="I understand").click()
    assert dialog.get_attribute("aria-describedby") is None
    wp.page.reload()
    wp.loc(".ccw-panel").wait_for(state="visible")
    assert not wp.loc(".ccw-notice").is_visible()  # remembered


def test_phone_full_screen_and_focus_trap(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa, artifacts: Path
) -> None:
    wp = widget_pages(widget_server + "/", viewport=PHONE, has_touch=True, is_mobile=True)
    wp.page.screenshot(path=str(artifacts / "widget-phone-closed.png"))
    wp.open_chat(acknowledge=False)
    wp.settle()
    wp.page.screenshot(path=str(artifacts / "widget-phone-first-open.png"))
    box = wp.loc(".ccw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    assert not wp.loc(".ccw-launcher").is_visible()
    assert wp.page.get_by_role("dialog").get_attribute("aria-modal") == "true"
    for _ in range(25):
        wp.page.keyboard.press("Tab")
        assert wp.js("R.querySelector('.ccw-panel').contains(R.activeElement)"), "focus escaped"
    for _ in range(5):
        wp.page.keyboard.press("Shift+Tab")
        assert wp.js("R.querySelector('.ccw-panel').contains(R.activeElement)"), "focus escaped"
    wp.page.get_by_role("button", name="I understand").click()
    wp.ask()
    wp.page.screenshot(path=str(artifacts / "widget-phone-answer.png"))
    wp.send("I want to kill myself")
    wp.loc(".ccw-alert-crisis").wait_for()
    wp.page.wait_for_timeout(200)
    crisis_box = wp.loc(".ccw-alert-crisis .ccw-alert-title").bounding_box()
    assert crisis_box is not None and 0 <= crisis_box["y"] < PHONE["height"]  # scrolled into view
    wp.page.screenshot(path=str(artifacts / "widget-phone-crisis.png"))
    result = wp.page.evaluate(CONTRAST_JS)
    assert result["checked"] > 20 and result["failures"] == [], result
    wp.page.get_by_role("button", name="Close chat").click()
    assert wp.loc(".ccw-launcher").is_visible()
    assert wp.page.evaluate("document.documentElement.style.overflow") == ""  # scroll unlocked


def test_contrast_of_every_state(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa
) -> None:
    wp = widget_pages(widget_server + "/")
    wp.open_chat(acknowledge=False)
    wp.ask()
    wp.loc(".ccw-row-bot[data-kind=answer] summary").click()
    wp.send("I have chest pain")
    wp.loc(".ccw-alert-emergency").wait_for()
    wp.send("I want to kill myself")
    wp.loc(".ccw-alert-crisis").wait_for()
    fake_rasa.staff_reply(wp.session_id, "Hi, this is Sam.")
    wp.loc(".ccw-row-staff").wait_for()
    wp.loc(".ccw-input").fill("x" * 1900)
    wp.loc(".ccw-counter").wait_for()
    wp.page.context.set_offline(True)
    wp.loc(".ccw-banner").wait_for()
    wp.send("queued while offline")
    wp.loc(".ccw-is-pending").wait_for()
    wp.page.get_by_role("button", name="End chat").click()
    wp.loc(".ccw-confirm").wait_for()
    # the panel scrolls: check each part while it is in view
    failures: list[str] = []
    for selector in (
        ".ccw-notice",
        ".ccw-row-bot",
        ".ccw-alert-emergency",
        ".ccw-alert-crisis",
        ".ccw-row-staff",
        ".ccw-is-pending",
        ".ccw-banner",
        ".ccw-confirm",
    ):
        wp.loc(selector).first.scroll_into_view_if_needed()
        result = wp.page.evaluate(CONTRAST_JS)
        failures += result["failures"]
    wp.page.context.set_offline(False)
    assert failures == []


def test_reduced_motion(widget_pages: Any, widget_server: str) -> None:
    wp = widget_pages(widget_server + "/", reduced_motion="reduce")
    wp.open_chat()
    assert wp.js("getComputedStyle(R.querySelector('.ccw-panel')).animationName") == "none"
    assert wp.js("getComputedStyle(R.querySelector('.ccw-dot')).animationName") == "none"


def test_every_stylesheet_applies_in_order(wp: WidgetPage) -> None:
    sheets = wp.js("[...R.styleSheets].map((s) => s.href.split('/widget/')[1])")
    assert sheets == [f"css/{name}.css" for name in widget_bp.WIDGET_STYLESHEETS]
    style = "getComputedStyle(R.querySelector('{}')).{}"
    assert wp.js(style.format(".ccw-root", "fontSize")) == "16px"  # base.css
    assert wp.js(style.format(".ccw-launcher", "position")) == "fixed"  # panel.css
    assert wp.js(style.format(".ccw-panel", "width")) == "400px"  # panel.css (desktop)
    assert wp.js(style.format(".ccw-input", "minHeight")) == "48px"  # composer.css
    assert wp.js(style.format(".ccw-log", "rowGap")) == "10px"  # messages.css
    assert wp.js(style.format(".ccw-send", "width")) == "48px"  # composer.css
