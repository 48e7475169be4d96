/**
 * Changing what the patient sees: adding messages and notes to the log, scrolling, quick-reply
 * chips, the typing indicator, the offline banner, the unread badge and announcements for
 * screen readers.
 */

import { normalizeButtons } from "./buttons.js";
import { announceIn, h } from "./dom.js";
import { ALERT_TEXT, isUrgent, renderMessage } from "./messages.js";

export function isNearBottom(app) {
  const s = app.ui.scroller;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
}

export function scrollToBottom(app) {
  app.ui.scroller.scrollTop = app.ui.scroller.scrollHeight;
}

/** Shows a new message: scrolls to the end unless that would hide the message's start. */
function reveal(app, el) {
  const s = app.ui.scroller;
  if (!el || !el.isConnected) {
    scrollToBottom(app);
    return;
  }
  const bottom = s.scrollHeight - s.clientHeight;
  s.scrollTop = Math.min(bottom, Math.max(0, el.offsetTop - 12));
}

/** Announces ``text`` to screen readers: assertively when ``urgent``, else politely. */
export function announce(app, text, urgent) {
  announceIn(urgent ? app.ui.assertive : app.ui.polite, text);
}

/**
 * Adds one message to the log.
 *
 * @param {object} app The widget.
 * @param {object} model The message (see ``renderMessage``).
 * @param {{announce?: boolean, beforePending?: boolean, forceScroll?: boolean}} [options]
 *   ``announce`` reads it out (live messages), ``beforePending`` puts it before messages not
 *   sent yet, ``forceScroll`` scrolls to the end.
 * @returns {HTMLElement} The message's row.
 */
export function addEntry(app, model, options) {
  const opts = options || {};
  const ui = app.ui;
  const wasNearBottom = isNearBottom(app);
  const el = renderMessage(app, model);
  const firstPending = opts.beforePending ? ui.log.querySelector(".ccw-queued") : null;
  if (firstPending) ui.log.insertBefore(el, firstPending);
  else ui.log.appendChild(el);
  const urgent = isUrgent(model.kind);
  if (opts.announce) {
    let who = urgent ? "Important: " : "Assistant: ";
    if (model.role === "staff") who = (model.staffName || "A member of our team") + ", clinic team, says: ";
    announce(app, who + (model.text || (urgent ? ALERT_TEXT[model.kind].fallback : "")), urgent);
  }
  if (model.role === "patient" || opts.forceScroll) {
    app.state.revealEl = null;
    scrollToBottom(app);
  } else if (opts.announce || wasNearBottom || urgent) {
    app.state.revealEl = el;
    reveal(app, el);
  }
  return el;
}

/** Adds a note from the widget itself (not a message) to the log. */
export function addNote(app, text, extraClass) {
  const el = h("p", { class: "ccw-note" + (extraClass ? " " + extraClass : "") }, [text]);
  app.ui.log.appendChild(el);
  scrollToBottom(app);
  return el;
}

export function clearQuickReplies(app) {
  const ui = app.ui;
  Array.prototype.forEach.call(ui.log.querySelectorAll(".ccw-quick"), (group) => {
    const hadFocus = group.contains(ui.shadow.activeElement);
    group.remove();
    if (hadFocus) ui.input.focus();
  });
}

/**
 * Shows quick-reply chips under the conversation (replacing earlier ones).
 *
 * @param {object} app The widget; a chip calls ``app.hooks.send(payload, title)``.
 * @param {unknown} list The buttons as received; malformed ones are dropped.
 */
export function renderQuickReplies(app, list) {
  const buttons = normalizeButtons(list, app.config.maxLength);
  clearQuickReplies(app);
  if (!buttons.length) return;
  const group = h("div", { class: "ccw-quick", role: "group", "aria-label": "Suggested replies" });
  buttons.forEach((b) => {
    group.appendChild(
      h("button", {
        type: "button",
        class: "ccw-chip",
        text: b.title,
        onclick: () => {
          Array.prototype.forEach.call(group.querySelectorAll("button"), (btn) => {
            btn.disabled = true;
          });
          app.hooks.send(b.payload, b.title);
          app.ui.input.focus();
        },
      })
    );
  });
  app.ui.log.appendChild(group);
  if (app.state.revealEl) reveal(app, app.state.revealEl);
  else if (isNearBottom(app)) scrollToBottom(app);
}

export function hideTyping(app) {
  window.clearTimeout(app.state.typingTimer);
  app.ui.typing.hidden = true;
}

/** Shows the typing dots; after ``replyTimeoutMs`` without a reply, says so. */
export function showTyping(app) {
  const { config, state, ui } = app;
  ui.typing.hidden = false;
  ui.typingSr.textContent = "";
  scrollToBottom(app);
  window.clearTimeout(state.typingTimer);
  state.typingTimer = window.setTimeout(() => {
    hideTyping(app);
    addNote(
      app,
      "This is taking longer than usual. You can wait or try asking again. If you need " +
        "help now, call 911 or call or text 988." +
        (config.clinicPhone ? " You can also call the clinic at " + config.clinicPhone + "." : ""),
      "ccw-note-slow"
    );
  }, config.replyTimeoutMs);
}

/** Connected to Rasa, session confirmed and the browser online. */
export function isReady(app) {
  return app.state.socketReady && !app.state.netOffline;
}

/** Shows or hides the offline banner (after a short grace period, to avoid a flash). */
export function updateBanner(app) {
  const { state, ui } = app;
  window.clearTimeout(state.bannerTimer);
  if (isReady(app)) {
    ui.banner.hidden = true;
    ui.root.classList.remove("ccw-offline");
    return;
  }
  state.bannerTimer = window.setTimeout(() => {
    if (isReady(app)) return;
    const text = state.everConnected || state.netOffline
      ? "You're offline. Reconnecting… Anything you send now will be delivered when the connection is back."
      : "We can't reach the assistant right now. We'll keep trying, and anything you send will be delivered when it's back.";
    ui.bannerText.textContent = text;
    ui.banner.hidden = false;
    ui.root.classList.add("ccw-offline");
    hideTyping(app);
  }, state.netOffline ? 0 : 700);
}

/** The count of replies that arrived while the panel was closed, on the launcher. */
export function updateUnread(app) {
  const { state, ui } = app;
  if (state.unread > 0) {
    ui.badge.hidden = false;
    ui.badge.textContent = String(state.unread);
    ui.badge.appendChild(h("span", { class: "ccw-sr", text: state.unread === 1 ? " new message" : " new messages" }));
  } else {
    ui.badge.hidden = true;
    ui.badge.textContent = "";
  }
}
