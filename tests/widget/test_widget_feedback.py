"""'Was this helpful?' under answers, in headless Chromium (fake Rasa; the POST is captured).

The server side of the rating (checked against the tracker, stored once per answer) is tested
in ``tests/console/test_insights_pages.py``; here the widget's part: shown under live answers
only, keyboard operable, one rating per answer, the request it sends.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .browser_helpers import DESKTOP, WidgetPage

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_feedback_under_each_answer_keyboard_once(browser: Any, widget_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        posts: list[dict[str, Any]] = []

        def capture(route: Any) -> None:
            posts.append(json.loads(route.request.post_data or "{}"))
            route.fulfill(status=204, headers={"Access-Control-Allow-Origin": "*"})

        page.route("**/widget/api/feedback", capture)
        wp = WidgetPage(page)
        page.goto(widget_server + "/")
        wp.loc(".ccw-launcher").wait_for(state="visible")
        wp.open_chat()
        # The greeting (small talk) has no feedback buttons.
        assert wp.loc(".ccw-feedback").count() == 0
        wp.send("What are the side effects?")
        answer = wp.loc(".ccw-row-bot[data-kind=answer]").first
        answer.wait_for()
        group = answer.locator(".ccw-feedback")
        assert group.get_attribute("role") == "group"
        assert group.inner_text().startswith("Was this helpful?")
        no = group.get_by_role("button", name="No, this answer was not helpful")
        no.focus()
        page.keyboard.press("Enter")
        answer.locator(".ccw-feedback-done").wait_for()
        assert answer.locator(".ccw-feedback-btn").count() == 0  # once per answer
        assert "Thanks for your feedback." in answer.inner_text()
        assert posts == [
            {"session_id": wp.session_id, "kb_id": "safety_side_effects", "helpful": False}
        ]
        # Reloaded history shows answers without asking again.
        page.reload()
        wp.loc(".ccw-row-bot[data-kind=answer]").first.wait_for()  # the panel re-opens
        assert wp.loc(".ccw-feedback-btn").count() == 0
        wp.check_clean()
    finally:
        context.close()
