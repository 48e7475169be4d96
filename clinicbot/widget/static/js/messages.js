/**
 * One message -> its element: patient bubbles (with "Not sent yet"), assistant answers with
 * sources and "Was this helpful?", staff replies marked as a person, and the crisis /
 * emergency panels with their call and text links.
 */

import { announceIn, h, icon, uid } from "./dom.js";
import { appendInline, renderRich } from "./richtext.js";
import { postFeedback } from "./transport.js";

export const ALERT_TEXT = {
  crisis: {
    title: "Help is available right now",
    fallback:
      "You don't have to go through this alone. Please call or text 988 to reach the " +
      "Suicide & Crisis Lifeline, any time. If you are in immediate danger, call 911.",
  },
  emergency: {
    title: "This may be a medical emergency",
    fallback: "Please call 911 now, or go to the nearest emergency department.",
  },
};

/** True for the kinds that get the crisis treatment (panel, assertive announcement). */
export function isUrgent(kind) {
  return kind === "crisis" || kind === "emergency";
}

/** The tap-to-call / tap-to-text links shown in crisis and emergency panels. */
export function crisisActions(kind) {
  const call988 = h("a", { class: "ccw-action", href: "tel:988" }, [
    icon("phone"),
    h("span", { class: "ccw-action-main", text: "Call 988" }),
    h("span", { class: "ccw-action-sub", text: "Suicide & Crisis Lifeline" }),
  ]);
  const text988 = h("a", { class: "ccw-action", href: "sms:988" }, [
    icon("sms"),
    h("span", { class: "ccw-action-main", text: "Text 988" }),
    h("span", { class: "ccw-action-sub", text: "Crisis text line" }),
  ]);
  const call911 = h("a", { class: "ccw-action ccw-action-911", href: "tel:911" }, [
    icon("phone"),
    h("span", { class: "ccw-action-main", text: "Call 911" }),
    h("span", { class: "ccw-action-sub", text: "Emergency services" }),
  ]);
  const actions = kind === "emergency" ? [call911, call988, text988] : [call988, text988, call911];
  return h("div", { class: "ccw-actions", role: "group", "aria-label": "Get help now" }, actions);
}

function sourcesBlock(sources) {
  const list = h("ol", { class: "ccw-sources-list" });
  sources.forEach((src) => {
    const item = h("li");
    appendInline(item, String(src), true); // citations: link URLs, never page numbers
    list.appendChild(item);
  });
  return h("details", { class: "ccw-sources" }, [
    h("summary", {}, ["Sources (" + sources.length + ")"]),
    list,
  ]);
}

/** "Was this helpful? Yes / No" under a live answer; one rating per answer. */
function feedbackBlock(app, model) {
  const labelId = uid("fb");
  const group = h("div", { class: "ccw-feedback", role: "group", "aria-labelledby": labelId }, [
    h("span", { class: "ccw-feedback-q", id: labelId, text: "Was this helpful?" }),
  ]);
  function rate(helpful) {
    model.askFeedback = false;
    Array.prototype.forEach.call(group.querySelectorAll("button"), (btn) => {
      btn.disabled = true;
    });
    postFeedback(app.config.feedbackUrl, app.state.sessionId, model.kbId, helpful).then((ok) => {
      const text = ok ? "Thanks for your feedback." : "Sorry, your feedback could not be saved.";
      group.textContent = "";
      group.appendChild(h("span", { class: "ccw-feedback-done", text: text }));
      announceIn(app.ui.polite, text);
    });
  }
  [
    ["Yes", true, "Yes, this answer was helpful"],
    ["No", false, "No, this answer was not helpful"],
  ].forEach((opt) => {
    group.appendChild(
      h("button", {
        type: "button",
        class: "ccw-feedback-btn",
        "aria-label": opt[2],
        text: opt[0],
        onclick: () => rate(opt[1]),
      })
    );
  });
  return group;
}

function patientRow(model) {
  const bubble = h("div", { class: "ccw-bubble ccw-bubble-patient" }, [
    h("span", { class: "ccw-sr", text: "You said: " }),
    h("span", { class: "ccw-plain", text: model.text }),
  ]);
  const row = h("div", { class: "ccw-row ccw-row-patient" }, [bubble]);
  if (model.pending) {
    row.classList.add("ccw-is-pending");
    bubble.appendChild(
      h("span", { class: "ccw-pending" }, [icon("clock"), " Not sent yet – will send when you're back online"])
    );
  }
  return row;
}

function alertRow(model, sources) {
  const info = ALERT_TEXT[model.kind];
  const headingId = uid("alert");
  const panel = h(
    "div",
    { class: "ccw-alert ccw-alert-" + model.kind, role: "group", "aria-labelledby": headingId },
    [
      h("h3", { class: "ccw-alert-title", id: headingId }, [
        icon(model.kind === "crisis" ? "heart" : "alert"),
        h("span", { text: info.title }),
      ]),
    ]
  );
  const body = h("div", { class: "ccw-alert-body" });
  renderRich(body, model.text || info.fallback);
  panel.appendChild(body);
  panel.appendChild(crisisActions(model.kind));
  if (sources.length) panel.appendChild(sourcesBlock(sources));
  return h("div", { class: "ccw-row ccw-row-alert", "data-kind": model.kind }, [panel]);
}

function staffRow(model) {
  const name = model.staffName || "A member of our team";
  const bubble = h("div", { class: "ccw-bubble ccw-bubble-staff" }, [
    h("div", { class: "ccw-staff-head" }, [
      h("span", { class: "ccw-avatar", "aria-hidden": "true" }, [icon("person")]),
      h("span", { class: "ccw-staff-name", text: name }),
      h("span", { class: "ccw-staff-badge", text: "Clinic team" }),
      h("span", { class: "ccw-sr", text: " (a person, not the assistant) says: " }),
    ]),
  ]);
  const body = h("div", { class: "ccw-body" });
  renderRich(body, model.text);
  bubble.appendChild(body);
  return h("div", { class: "ccw-row ccw-row-staff", "data-kind": "staff" }, [bubble]);
}

/**
 * Builds the element of one message model.
 *
 * @param {object} app The widget (config, state, ui).
 * @param {{role: string, text: string, kind?: string, sources?: string[], staffName?: string,
 *   kbId?: string, askFeedback?: boolean, pending?: boolean}} model The message.
 * @returns {HTMLElement} Its row.
 */
export function renderMessage(app, model) {
  const sources = Array.isArray(model.sources)
    ? model.sources.filter((s) => typeof s === "string" && s.trim())
    : [];
  if (model.role === "patient") return patientRow(model);
  if (isUrgent(model.kind)) return alertRow(model, sources);
  if (model.role === "staff") return staffRow(model);
  const bubble = h("div", { class: "ccw-bubble ccw-bubble-bot" }, [
    h("span", { class: "ccw-sr", text: "Assistant: " }),
  ]);
  const body = h("div", { class: "ccw-body" });
  renderRich(body, model.text);
  bubble.appendChild(body);
  if (sources.length) bubble.appendChild(sourcesBlock(sources));
  if (model.kind === "answer" && model.kbId && model.askFeedback) {
    bubble.appendChild(feedbackBlock(app, model));
  }
  return h("div", { class: "ccw-row ccw-row-bot", "data-kind": model.kind || "none" }, [bubble]);
}

/** A message of the history API -> a message model (unknown fields dropped). */
export function historyToModel(item) {
  const role = item.role === "patient" || item.role === "staff" ? item.role : "bot";
  return {
    role: role,
    text: typeof item.text === "string" ? item.text : "",
    kind: typeof item.kind === "string" ? item.kind : null,
    sources: Array.isArray(item.sources) ? item.sources : [],
    staffName: typeof item.staff_name === "string" ? item.staff_name : null,
    hasCustom: !!item.kind,
  };
}
