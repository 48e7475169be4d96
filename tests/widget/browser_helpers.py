"""Helpers shared by the widget's browser tests (fake server) and the end-to-end tests."""

from __future__ import annotations

import re
from typing import Any

from tests.fixtures.chromium import chromium

__all__ = [
    "CONTRAST_JS",
    "DESKTOP",
    "PHONE",
    "ROOT_JS",
    "SocketCutter",
    "WidgetPage",
    "chromium",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ROOT_JS = "document.querySelector('clinic-chat-widget').shadowRoot"
SOCKET_RE = re.compile(r".*/socket\.io/.*")

#: Computes the WCAG contrast of every visible text in the widget against its background.
CONTRAST_JS = """
() => {
  const root = document.querySelector('clinic-chat-widget').shadowRoot;
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const background = (el) => {
    const layers = [];
    const up = (n) => n.parentNode instanceof ShadowRoot ? n.parentNode.host : n.parentElement;
    for (let n = el; n; n = up(n)) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255};
    for (const l of layers.reverse()) {
      out = {r: l.r * l.a + out.r * (1 - l.a), g: l.g * l.a + out.g * (1 - l.a),
             b: l.b * l.a + out.b * (1 - l.a)};
    }
    return out;
  };
  const failures = [];
  let checked = 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.textContent.trim()) continue;
    const el = t.parentElement;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1 || el.closest('[hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const fg = parse(style.color);
    const bg = background(el);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const r = ratio(fg, bg);
    checked += 1;
    if (r < needed) failures.push(`${t.textContent.trim().slice(0, 40)}: ${r.toFixed(2)}`);
  }
  return {checked, failures};
}
"""


class WidgetPage:
    """A page with the widget, plus the script errors, CSP violations and dialogs it saw."""

    def __init__(self, page: Any) -> None:
        """Starts listening to the page's events."""
        self.page = page
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.dialogs: list[str] = []
        self.cutter: SocketCutter | None = None
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)

    def _on_console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.csp_violations.append(msg.text)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check_clean(self) -> None:
        """Asserts that no script error, CSP violation or dialog happened."""
        assert self.page_errors == [], self.page_errors
        assert self.csp_violations == [], self.csp_violations
        assert self.dialogs == [], self.dialogs

    def loc(self, selector: str) -> Any:
        """A locator (Playwright's CSS engine pierces the open shadow root)."""
        return self.page.locator(selector)

    def said(self, text: str) -> Any:
        """Locates text in the conversation (not in the host page or the live regions)."""
        return self.loc(".ccw-log").get_by_text(text)

    def js(self, expression: str) -> Any:
        """Evaluates JS with ``R`` bound to the widget's shadow root."""
        return self.page.evaluate(f"(() => {{ const R = {ROOT_JS}; return {expression}; }})()")

    def settle(self) -> None:
        """Waits for the panel's opening animation to end (for screenshots and geometry)."""
        self.page.evaluate(
            f"() => Promise.all({ROOT_JS}.querySelector('.ccw-panel')"
            ".getAnimations().map(a => a.finished))"
        )

    def open_chat(self, acknowledge: bool = True) -> None:
        """Opens the panel and, optionally, dismisses the first-open notice."""
        self.loc(".ccw-launcher").click()
        self.loc(".ccw-panel").wait_for(state="visible")
        if acknowledge and self.loc(".ccw-notice").is_visible():
            self.page.get_by_role("button", name="I understand").click()

    def wait_connected(self, timeout: float = 30000) -> None:
        """Waits until the socket is connected and the session confirmed."""
        self.page.wait_for_function(
            "() => window.ClinicChat && window.ClinicChat.connected", timeout=timeout
        )

    def send(self, text: str) -> None:
        """Types a message and presses Enter."""
        self.loc(".ccw-input").fill(text)
        self.loc(".ccw-input").press("Enter")

    def tab_to_launcher(self, presses: int = 80) -> None:
        """Presses Tab until the launcher has the focus, as a keyboard-only visitor does."""
        for _ in range(presses):
            self.page.keyboard.press("Tab")
            if "ccw-launcher" in self.active_class():
                return
        raise AssertionError("Tab never reached the launcher")

    def ask(self, text: str = "What are the side effects?") -> None:
        """Sends a question the fake Rasa answers from the knowledge base; waits for the answer."""
        self.send(text)
        self.loc(".ccw-row-bot[data-kind=answer]").wait_for()

    def end_chat(self) -> None:
        """Ends the chat with "End chat" and confirms it (the widget clears this device)."""
        self.page.get_by_role("button", name="End chat").click()
        self.page.get_by_role("button", name="Yes, end and clear").click()

    @property
    def session_id(self) -> str:
        """The widget's session id."""
        return str(self.page.evaluate("window.ClinicChat.sessionId"))

    def active_class(self) -> str:
        """Class of the focused element inside the widget ('' when focus is outside)."""
        return str(self.js("R.activeElement ? R.activeElement.className : ''"))


class SocketCutter:
    """Routes a page's socket.io traffic through the test, so the test can cut it.

    Create it before the page loads the widget. :meth:`cut` closes the open WebSocket and
    refuses new connections (WebSocket and long-polling) as if the server were unreachable;
    :meth:`restore` lets them through again.

    Args:
        page: The Playwright page.
    """

    def __init__(self, page: Any) -> None:
        """Installs the routes."""
        self.page = page
        self.blocked = False
        self.sockets: list[Any] = []
        page.route_web_socket(SOCKET_RE, self._on_websocket)
        page.route(SOCKET_RE, self._on_request)

    def _on_websocket(self, ws: Any) -> None:
        if self.blocked:
            ws.close()
            return
        ws.connect_to_server()
        self.sockets.append(ws)

    def _on_request(self, route: Any) -> None:
        if self.blocked:
            route.abort("connectionrefused")
        else:
            route.continue_()

    def cut(self) -> None:
        """Drops the socket.io connection and keeps it down."""
        self.blocked = True
        for ws in self.sockets:
            ws.close()
        self.sockets.clear()

    def restore(self) -> None:
        """Lets socket.io reconnect."""
        self.blocked = False
