"""The website chat widget in headless Chromium against the REAL running servers.

Uses the ``live_stack`` fixture (``tests/e2e/conftest.py``): ``.web_url`` serves the demo clinic
page and the widget, ``.rasa_url`` is the Rasa server (socket.io), ``.staff_reply(id, text)``
posts a staff message through the console path. Assertions are about structure (reply kind,
sources, links, roles), not about the wording of answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clinicbot.channels.common import widget_conversation_id
from tests.widget.browser_helpers import (
    CONTRAST_JS,
    PHONE,
    WidgetPage,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REPLY_TIMEOUT = 60000  # ms; the first turns of a freshly loaded model can be slow


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """Folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def open_page(widget_pages: Any, live_stack: Any) -> Any:
    """Factory: a fresh browser context showing the demo page (shared ``widget_pages``)."""

    def factory(
        viewport: dict[str, int] | None = None, cut_sockets: bool = False, **kwargs: Any
    ) -> WidgetPage:
        return widget_pages(live_stack.web_url + "/", viewport, cut_sockets, **kwargs)

    return factory


def _ask(wp: WidgetPage, text: str) -> Any:
    """Sends a message and returns a locator of the reply rows that follow it."""
    before = int(wp.js("R.querySelectorAll('.ccw-log > .ccw-row').length"))
    wp.send(text)
    wp.page.wait_for_function(
        "n => document.querySelector('clinic-chat-widget').shadowRoot"
        ".querySelectorAll('.ccw-log > .ccw-row').length > n + 1",
        arg=before,
        timeout=REPLY_TIMEOUT,
    )
    return wp.loc(f".ccw-log > .ccw-row:nth-child(n+{before + 2})")


def test_question_answer_with_sources(open_page: Any, artifacts: Path) -> None:
    wp = open_page()
    wp.open_chat()
    wp.wait_connected()
    _ask(wp, "What are the side effects of ketamine?")
    answer = wp.loc(".ccw-row-bot[data-kind=answer]").last
    answer.wait_for(timeout=REPLY_TIMEOUT)
    sources = answer.locator("details.ccw-sources")
    assert sources.count() == 1
    assert sources.locator("summary").inner_text().startswith("Sources (")
    sources.locator("summary").click()
    assert sources.locator("li").count() >= 1
    assert sources.locator("li").first.is_visible()
    wp.page.screenshot(path=str(artifacts / "e2e-desktop-answer.png"))


def test_history_after_reload(open_page: Any) -> None:
    wp = open_page()
    wp.open_chat()
    wp.wait_connected()
    _ask(wp, "What are the side effects of ketamine?")
    wp.loc(".ccw-row-bot[data-kind=answer]").last.wait_for(timeout=REPLY_TIMEOUT)
    sid = wp.session_id
    rows_before = int(wp.js("R.querySelectorAll('.ccw-log > .ccw-row').length"))

    wp.page.reload()
    wp.loc(".ccw-row-bot[data-kind=answer]").first.wait_for(timeout=REPLY_TIMEOUT)
    assert wp.session_id == sid
    assert wp.said("What are the side effects of ketamine?").count() == 1
    assert wp.loc(".ccw-row-bot[data-kind=answer] details.ccw-sources").count() >= 1
    # the history has the conversation (the local greeting is not part of it)
    rows_after = int(wp.js("R.querySelectorAll('.ccw-log > .ccw-row').length"))
    assert rows_after >= rows_before - 1


def test_crisis_message_shows_crisis_treatment(open_page: Any, artifacts: Path) -> None:
    wp = open_page()
    wp.open_chat()
    wp.wait_connected()
    wp.send("I want to kill myself")
    panel = wp.loc(".ccw-alert-crisis").last
    panel.wait_for(timeout=REPLY_TIMEOUT)
    hrefs = panel.locator("a.ccw-action").evaluate_all("els => els.map(e => e.href)")
    assert hrefs == ["tel:988", "sms:988", "tel:911"]
    assert "988" in panel.inner_text()
    wp.page.screenshot(path=str(artifacts / "e2e-desktop-crisis.png"))


def test_staff_reply_is_marked_as_a_person(
    open_page: Any, live_stack: Any, artifacts: Path
) -> None:
    if not hasattr(live_stack, "staff_reply"):
        pytest.skip("live_stack has no staff_reply helper yet")
    wp = open_page()
    wp.open_chat()
    wp.wait_connected()
    _ask(wp, "I would like to talk to a person")
    text = "Hello, this is the clinic team. How can we help?"
    live_stack.staff_reply(widget_conversation_id(wp.session_id), text)
    staff = wp.loc(".ccw-row-staff").last
    staff.wait_for(timeout=REPLY_TIMEOUT)
    assert text in staff.inner_text()
    assert "Clinic team" in staff.inner_text()
    assert "a person" in staff.text_content()
    wp.page.screenshot(path=str(artifacts / "e2e-desktop-staff.png"))


def test_html_is_rendered_as_text(open_page: Any) -> None:
    wp = open_page()
    wp.open_chat()
    wp.wait_connected()
    payload = "<img src=x onerror=alert(1)>"
    _ask(wp, payload)
    assert wp.loc(".ccw-row-patient").last.inner_text().endswith(payload)
    assert wp.js("R.querySelectorAll('.ccw-log img, .ccw-log script').length") == 0
    assert wp.page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    wp.page.wait_for_timeout(500)
    assert wp.dialogs == []


def test_keyboard_only_send(open_page: Any) -> None:
    wp = open_page()
    wp.tab_to_launcher()
    wp.page.keyboard.press("Enter")
    wp.loc(".ccw-panel").wait_for(state="visible")
    assert "ccw-input" in wp.active_class()
    wp.wait_connected()
    before = int(wp.js("R.querySelectorAll('.ccw-log > .ccw-row').length"))
    wp.page.keyboard.type("How long does an infusion take?")
    wp.page.keyboard.press("Enter")
    wp.page.wait_for_function(
        "n => document.querySelector('clinic-chat-widget').shadowRoot"
        ".querySelectorAll('.ccw-log > .ccw-row').length > n + 1",
        arg=before,
        timeout=REPLY_TIMEOUT,
    )
    assert wp.said("How long does an infusion take?").count() == 1
    wp.page.keyboard.press("Escape")
    assert not wp.loc(".ccw-panel").is_visible()
    assert "ccw-launcher" in wp.active_class()


def test_offline_banner_when_socket_disconnected(open_page: Any) -> None:
    wp = open_page(cut_sockets=True)
    wp.open_chat()
    wp.wait_connected()
    assert wp.cutter is not None
    wp.cutter.cut()
    banner = wp.loc(".ccw-banner")
    banner.wait_for(state="visible", timeout=15000)
    assert "offline" in banner.inner_text().lower()
    wp.send("What are the side effects of ketamine?")
    wp.loc(".ccw-row-patient.ccw-is-pending").wait_for()
    wp.cutter.restore()
    banner.wait_for(state="hidden", timeout=30000)
    wp.loc(".ccw-row-bot[data-kind=answer]").last.wait_for(timeout=REPLY_TIMEOUT)
    assert wp.loc(".ccw-is-pending").count() == 0


def test_phone_layout_and_contrast(open_page: Any, artifacts: Path) -> None:
    wp = open_page(viewport=PHONE, has_touch=True, is_mobile=True)
    wp.page.screenshot(path=str(artifacts / "e2e-phone-closed.png"))
    wp.open_chat()
    wp.settle()
    box = wp.loc(".ccw-panel").bounding_box()
    assert box is not None and box["width"] == PHONE["width"]
    wp.wait_connected()
    _ask(wp, "What are the side effects of ketamine?")
    wp.loc(".ccw-row-bot[data-kind=answer]").last.wait_for(timeout=REPLY_TIMEOUT)
    wp.page.screenshot(path=str(artifacts / "e2e-phone-answer.png"))
    result = wp.page.evaluate(CONTRAST_JS)
    assert result["failures"] == [], result
