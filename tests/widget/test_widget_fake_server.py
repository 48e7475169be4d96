"""The chat widget in a real (headless Chromium) browser, against a fake Rasa server.

The demo page and the widget's files come from the real widget blueprint (served by Sanic in a
subprocess, with its Content-Security-Policy); the socket.io server and the tracker API are the
fake of ``fake_rasa.py``, which emits the message shapes of the reply contract. No trained
model is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .browser_helpers import (
    CONTRAST_JS,
    ROOT_JS,
    WidgetPage,
)
from .fake_rasa import CRISIS_TEXT, EMERGENCY_TEXT, FakeRasa

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _conversation_rows(wp: WidgetPage) -> list[str]:
    return list(
        wp.js("Array.from(R.querySelectorAll('.ccw-log > .ccw-row')).map(r => r.className)")
    )


# ------------------------------------------------------------------------------------- tests


def test_question_answer_with_sources_links_and_quick_replies(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa, artifacts: Path
) -> None:
    wp = widget_pages(widget_server + "/")
    wp.open_chat(acknowledge=False)
    assert wp.loc(".ccw-notice").is_visible()
    wp.page.screenshot(path=str(artifacts / "widget-desktop-first-open.png"))
    wp.page.get_by_role("button", name="I understand").click()
    assert not wp.loc(".ccw-notice").is_visible()

    wp.send("What are the side effects?")
    answer = wp.loc(".ccw-row-bot[data-kind=answer]")
    answer.wait_for()
    assert "feeling detached" in answer.inner_text()
    assert answer.locator(".ccw-list li").count() == 3
    url_link = answer.locator("a[href^='https://www.fda.gov']")
    assert url_link.get_attribute("href") == "https://www.fda.gov/drugs/spravato"
    assert url_link.get_attribute("rel") == "noopener noreferrer nofollow"
    tel = answer.locator("a[href='tel:5550100142']")
    assert tel.inner_text() == "(555) 010-0142"

    sources = answer.locator("details.ccw-sources")
    assert sources.locator("summary").inner_text() == "Sources (2)"
    assert not sources.locator("li").first.is_visible()
    sources.locator("summary").click()
    assert sources.locator("li").count() == 2
    assert "Lancet Psychiatry" in sources.inner_text()
    assert sources.locator("a[href^='https://www.accessdata.fda.gov']").count() == 1
    wp.page.screenshot(path=str(artifacts / "widget-desktop-answer.png"))

    chips = wp.loc(".ccw-quick .ccw-chip")
    assert chips.count() == 2
    chips.first.click()
    assert wp.loc(".ccw-quick").count() == 0  # used replies are cleared
    wp.loc(".ccw-row-bot[data-kind=answer]").nth(1).wait_for()
    sid = wp.session_id
    sent = [r for r in fake_rasa.received if r.get("session_id") == sid]
    assert sent[-1]["message"] == "/kb_session_duration"
    assert sent[-1]["metadata"] == {"button_title": "How long does it take?"}
    assert wp.loc(".ccw-row-patient").last.inner_text().endswith("How long does it take?")
    # the widget asked for the session it stored, as Rasa's session persistence needs
    assert {"session_id": sid} in fake_rasa.session_requests


def test_safe_formatting_links_lists_and_paragraphs(wp: WidgetPage) -> None:
    wp.send("format test")
    body = wp.loc(".ccw-row-bot[data-kind=answer] .ccw-body")
    body.wait_for()
    links = body.locator("a").evaluate_all(
        "els => els.map(e => [e.getAttribute('href'), e.textContent])"
    )
    assert links == [
        ["tel:988", "988"],  # "call or text 988": calling comes first
        ["tel:911", "911"],
        ["sms:5550100143", "(555) 010-0143"],
        ["tel:+15550100142", "+1 555-010-0142"],
        ["https://example.org/path_(x)", "https://example.org/path_(x)"],
    ]
    assert body.locator("ul li").count() == 2
    assert body.locator("p").count() == 2
    assert body.locator("p").first.locator("br").count() == 4
    assert "javascript:alert(1)" in body.inner_text()


def test_history_after_reload(widget_pages: Any, widget_server: str, fake_rasa: FakeRasa) -> None:
    wp = widget_pages(widget_server + "/")
    wp.open_chat()
    wp.ask()
    sid = wp.session_id

    wp.page.reload()
    wp.loc(".ccw-row-bot[data-kind=answer]").wait_for()  # the panel re-opens by itself
    assert wp.session_id == sid
    assert wp.loc(".ccw-row-patient").first.inner_text().endswith("What are the side effects?")
    assert wp.loc(".ccw-row-bot[data-kind=answer] details.ccw-sources").count() == 1
    assert wp.loc(".ccw-row-bot[data-kind=smalltalk]").count() == 0  # no second greeting
    assert wp.loc(".ccw-quick .ccw-chip").count() == 2  # last answer's buttons come back

    # a new tab of the same browser continues the same conversation
    other = WidgetPage(wp.page.context.new_page())
    other.page.goto(widget_server + "/")
    other.open_chat()
    other.loc(".ccw-row-bot[data-kind=answer]").wait_for()
    assert other.session_id == sid
    other.page.close()


def test_history_unavailable_shows_note(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    wp.ask()
    fake_rasa.fail_tracker = True
    try:
        wp.page.reload()
        wp.loc(".ccw-panel").wait_for(state="visible")
        wp.said("couldn't load your earlier messages").wait_for()
        wp.wait_connected()
        wp.send("How long does it take?")
        wp.said("about 40 minutes").wait_for()
    finally:
        fake_rasa.fail_tracker = False


def test_crisis_message_gets_crisis_treatment(wp: WidgetPage, artifacts: Path) -> None:
    wp.send("I want to kill myself")
    panel = wp.loc(".ccw-alert-crisis")
    panel.wait_for()
    assert "Help is available right now" in panel.inner_text()
    assert "Suicide & Crisis Lifeline" in panel.inner_text()
    hrefs = panel.locator("a.ccw-action").evaluate_all("els => els.map(e => e.href)")
    assert hrefs == ["tel:988", "sms:988", "tel:911"]
    for name in ("Call 988", "Text 988", "Call 911"):
        action = wp.page.get_by_role("link", name=name)
        assert action.first.is_visible()
        box = action.first.bounding_box()
        assert box is not None and box["height"] >= 44  # comfortable tap target
    wp.page.wait_for_function(
        f"() => {ROOT_JS}.querySelector('[aria-live=assertive]').textContent.includes('988')"
    )
    assert wp.js("R.querySelector('[aria-live=assertive]').textContent").startswith("Important")
    assert CRISIS_TEXT.split("\n")[0] in panel.inner_text()
    wp.page.screenshot(path=str(artifacts / "widget-desktop-crisis.png"))


def test_emergency_payload_after_text_upgrades_the_message(wp: WidgetPage) -> None:
    wp.send("I have chest pain")
    panel = wp.loc(".ccw-alert-emergency")
    panel.wait_for()
    assert EMERGENCY_TEXT[:40] in panel.inner_text()
    hrefs = panel.locator("a.ccw-action").evaluate_all("els => els.map(e => e.href)")
    assert hrefs[0] == "tel:911"
    assert wp.loc(".ccw-row-bot").count() == 1  # only the greeting stays a plain bubble


def test_staff_reply_is_marked_as_a_person(
    wp: WidgetPage, fake_rasa: FakeRasa, artifacts: Path
) -> None:
    wp.send("I'd like to talk to a person")
    wp.loc(".ccw-row-bot[data-kind=handoff]").wait_for()
    fake_rasa.staff_reply(wp.session_id, "Hi, this is Sam from the clinic. How can I help?")
    staff = wp.loc(".ccw-row-staff")
    staff.wait_for()
    assert "Sam Rivera" in staff.inner_text()
    assert "Clinic team" in staff.inner_text()
    assert "a person" in staff.text_content()  # screen readers hear it is a person
    wp.page.screenshot(path=str(artifacts / "widget-desktop-staff.png"))

    # while the panel is closed, new replies show on the launcher
    wp.page.keyboard.press("Escape")
    assert not wp.loc(".ccw-panel").is_visible()
    fake_rasa.staff_reply(wp.session_id, "Are you still there?")
    badge = wp.loc(".ccw-unread")
    badge.wait_for()
    assert badge.inner_text().startswith("1")
    wp.open_chat()
    assert not badge.is_visible()
    assert wp.loc(".ccw-row-staff").count() == 2


def test_html_in_messages_is_shown_as_text(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    payload = "<img src=x onerror=alert(1)>"
    wp.send(payload)
    echo = wp.loc(".ccw-row-bot[data-kind=clarify]")
    echo.wait_for()
    assert wp.loc(".ccw-row-patient").last.inner_text().endswith(payload)
    assert payload in echo.inner_text()
    assert "<b>not bold</b>" in echo.inner_text()
    assert "<script>alert(2)</script>" in echo.inner_text()
    assert wp.js("R.querySelectorAll('.ccw-log img, .ccw-log b, .ccw-log script').length") == 0
    assert wp.page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    wp.page.wait_for_timeout(300)
    assert wp.dialogs == []
    assert fake_rasa.messages_from(wp.session_id)[-1] == payload


def test_offline_banner_queue_and_reconnect_after_restart(
    wp: WidgetPage, fake_rasa: FakeRasa, artifacts: Path
) -> None:
    wp.wait_connected()
    sid = wp.session_id
    requests_before = sum(1 for r in fake_rasa.session_requests if r.get("session_id") == sid)
    fake_rasa.stop()
    try:
        banner = wp.loc(".ccw-banner")
        banner.wait_for(state="visible", timeout=10000)
        assert "offline" in banner.inner_text().lower()
        assert wp.loc(".ccw-input").is_enabled()
        wp.send("What are the side effects?")
        pending = wp.loc(".ccw-row-patient.ccw-is-pending")
        pending.wait_for()
        assert "Not sent yet" in pending.inner_text()
        wp.page.screenshot(path=str(artifacts / "widget-desktop-offline.png"))
        # a staff reply written while the patient was disconnected
        fake_rasa.staff_reply(sid, "We saw your message and will call you.")
    finally:
        fake_rasa.start()
    banner.wait_for(state="hidden", timeout=20000)
    wp.loc(".ccw-row-bot[data-kind=answer]").wait_for(timeout=10000)
    assert wp.loc(".ccw-is-pending").count() == 0
    assert fake_rasa.messages_from(sid).count("What are the side effects?") == 1
    after = sum(1 for r in fake_rasa.session_requests if r.get("session_id") == sid)
    assert after > requests_before  # session_request re-sent on reconnect
    wp.said("We saw your message and will call you.").wait_for()


def test_socket_cut_shows_banner_and_sends_when_back(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa
) -> None:
    wp = widget_pages(widget_server + "/", cut_sockets=True)
    wp.open_chat()
    wp.wait_connected()
    sid = wp.session_id
    assert wp.cutter is not None
    wp.cutter.cut()
    banner = wp.loc(".ccw-banner")
    banner.wait_for(state="visible", timeout=10000)
    assert "offline" in banner.inner_text().lower()
    assert "911" in banner.inner_text() and "988" in banner.inner_text()
    wp.send("How long does it take?")
    wp.loc(".ccw-row-patient.ccw-is-pending").wait_for()
    wp.page.wait_for_timeout(1500)
    assert fake_rasa.messages_from(sid) == []
    wp.cutter.restore()
    banner.wait_for(state="hidden", timeout=20000)
    wp.said("about 40 minutes").wait_for(timeout=10000)
    assert fake_rasa.messages_from(sid) == ["How long does it take?"]


def test_browser_offline_queues_without_losing_text(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    wp.wait_connected()
    sid = wp.session_id
    wp.page.context.set_offline(True)
    wp.loc(".ccw-banner").wait_for(state="visible")
    wp.send("How long does it take?")
    wp.loc(".ccw-row-patient.ccw-is-pending").wait_for()
    # a reload while offline keeps the unsent message
    assert "How long does it take?" in str(wp.page.evaluate("JSON.stringify(localStorage)"))
    wp.page.context.set_offline(False)
    wp.said("about 40 minutes").wait_for(timeout=20000)
    assert fake_rasa.messages_from(sid) == ["How long does it take?"]
    assert "How long does it take?" not in str(wp.page.evaluate("JSON.stringify(localStorage)"))


def test_module_embed_on_another_site(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa
) -> None:
    # A page may load the entry module directly instead of the classic loader.
    url = f"{fake_rasa.url}/host?embed=module&widget={widget_server}/widget/js/main.js"
    wp = widget_pages(url)
    wp.open_chat()
    wp.wait_connected()
    wp.send("How long does it take?")
    wp.said("about 40 minutes").wait_for()
    assert wp.page.evaluate("window.ClinicChat.version") == "1.0.0"


def test_loader_and_module_on_one_page_make_one_widget(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa
) -> None:
    url = f"{fake_rasa.url}/host?embed=both&widget={widget_server}/widget/widget.js"
    wp = widget_pages(url)
    wp.page.wait_for_load_state("load")
    assert wp.page.evaluate("document.querySelectorAll('clinic-chat-widget').length") == 1


def test_typing_indicator_and_timeout_on_another_site(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa, artifacts: Path
) -> None:
    url = f"{fake_rasa.url}/host?widget={widget_server}/widget/widget.js"
    wp = widget_pages(url)
    launcher = wp.loc(".ccw-launcher")
    # the host page's hostile CSS cannot hide or restyle the widget...
    assert launcher.is_visible()
    assert wp.js("getComputedStyle(R.querySelector('.ccw-launcher')).fontSize") == "16px"
    assert "Comic" not in wp.js("getComputedStyle(R.querySelector('.ccw-launcher')).fontFamily")
    box = launcher.bounding_box()
    assert box is not None and box["x"] < 100  # position: "left" from the config
    # ...and the widget does not restyle the host page
    assert not wp.loc("#host-button").is_visible()
    assert wp.page.evaluate("getComputedStyle(document.querySelector('h1')).color") == (
        "rgb(255, 0, 255)"
    )
    wp.open_chat()
    # a too-light clinic colour (#ffcc00) is darkened until white text on it passes AA
    result = wp.page.evaluate(CONTRAST_JS)
    assert result["failures"] == [], result
    wp.send("slow")
    wp.loc(".ccw-typing").wait_for(state="visible")
    wp.said("taking longer than usual").wait_for(timeout=5000)
    assert not wp.loc(".ccw-typing").is_visible()
    # cross-origin history works for an origin listed in WIDGET_ORIGINS
    wp.send("How long does it take?")
    wp.said("about 40 minutes").wait_for()
    wp.page.reload()
    wp.said("about 40 minutes").wait_for()
    wp.settle()
    wp.page.screenshot(path=str(artifacts / "widget-desktop-other-site.png"))


def test_start_over(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    wp.ask()
    old = wp.session_id
    wp.page.get_by_role("button", name="End chat").click()
    assert "ccw-btn" in wp.active_class()  # focus on "Cancel", the safe choice
    wp.page.keyboard.press("Escape")  # Esc cancels the confirmation, not the panel
    assert wp.loc(".ccw-panel").is_visible() and not wp.loc(".ccw-confirm").is_visible()
    assert wp.session_id == old
    wp.end_chat()
    new = wp.session_id
    assert new != old
    assert wp.page.evaluate("localStorage.getItem('clinicChat:session')") == new
    assert _conversation_rows(wp) == ["ccw-row ccw-row-bot"]  # only the greeting
    wp.wait_connected()
    wp.send("How long does it take?")
    wp.said("about 40 minutes").wait_for()
    assert fake_rasa.messages_from(new) == ["How long does it take?"]
    wp.page.reload()
    wp.said("about 40 minutes").wait_for()
    assert wp.said("feeling detached").count() == 0


def test_input_limits(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    wp.wait_connected()
    box = wp.loc(".ccw-input")
    assert box.get_attribute("maxlength") == "2000"
    box.fill("   \n  ")
    box.press("Enter")
    assert wp.loc(".ccw-row-patient").count() == 0
    assert fake_rasa.messages_from(wp.session_id) == []
    assert not wp.loc(".ccw-counter").is_visible()
    box.fill("y" * 1850)
    assert wp.loc(".ccw-counter").inner_text() == "1850 / 2000"
    box.fill("z" * 2100)
    assert len(box.input_value()) == 2000
    assert wp.loc(".ccw-counter").inner_text() == "2000 / 2000"
    box.fill("  padded question about side effects  ")
    box.press("Enter")
    wp.loc(".ccw-row-bot[data-kind=answer]").wait_for()
    assert fake_rasa.messages_from(wp.session_id) == ["padded question about side effects"]


def test_history_id_never_in_a_url(
    widget_pages: Any, widget_server: str, fake_rasa: FakeRasa
) -> None:
    urls: list[str] = []
    wp = widget_pages(widget_server + "/")
    wp.page.on("request", lambda req: urls.append(f"{req.method} {req.url}"))
    wp.open_chat()
    wp.ask()
    sid = wp.session_id
    wp.page.reload()
    wp.loc(".ccw-row-bot[data-kind=answer]").wait_for()
    history = [u for u in urls if "/widget/api/history" in u]
    assert history and all(u.startswith("POST ") for u in history)
    assert not [u for u in urls if sid in u or sid.replace("-", "") in u]


def test_idle_conversation_is_cleared_on_a_shared_computer(
    wp: WidgetPage, fake_rasa: FakeRasa
) -> None:
    wp.ask()
    old = wp.session_id
    # The next visitor comes 31 minutes later (the default limit is 30).
    wp.page.evaluate(
        "localStorage.setItem('clinicChat:lastActive', String(Date.now() - 31 * 60000))"
    )
    wp.page.reload()
    wp.loc(".ccw-row-bot").first.wait_for()  # the panel re-opens by itself: the greeting
    assert wp.session_id != old
    assert wp.said("feeling detached").count() == 0
    assert wp.loc(".ccw-row-patient").count() == 0


def test_end_chat_clears_this_device(wp: WidgetPage, fake_rasa: FakeRasa) -> None:
    wp.ask()
    old = wp.session_id
    wp.end_chat()
    assert wp.session_id != old
    assert wp.loc(".ccw-row-patient").count() == 0
    wp.page.reload()
    wp.loc(".ccw-row-bot").first.wait_for()
    assert wp.said("feeling detached").count() == 0
    stored = wp.page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert old not in stored
