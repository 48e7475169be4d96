/**
 * The widget's elements: a ``<clinic-chat-widget>`` host with a Shadow DOM holding the launcher,
 * the panel (header, end-chat confirmation, offline banner, first-open notice, conversation log,
 * composer) and the live regions. Built once; the other modules find the parts in ``app.ui``.
 */

import { VERSION } from "./config.js";
import { accessibleAccent } from "./contrast.js";
import { h, icon, uid } from "./dom.js";
import { appendInline } from "./richtext.js";

/**
 * The widget's stylesheets below ``/widget/``, in cascade order (later ones override earlier
 * ones: ``media.css`` last). The blueprint serves each (``WIDGET_STYLESHEETS``).
 */
export const STYLESHEETS = [
  "css/base.css",
  "css/panel.css",
  "css/messages.css",
  "css/composer.css",
  "css/media.css",
];

function emergencyLinks() {
  return [
    h("a", { href: "tel:911", class: "ccw-tel" }, ["911"]),
    h("a", { href: "tel:988", class: "ccw-tel", "aria-label": "Call 9 8 8" }, ["988"]),
  ];
}

function buildHeader(app, on, ids) {
  const ui = app.ui;
  ui.restartBtn = h(
    "button",
    { type: "button", class: "ccw-hbtn ccw-hbtn-text", onclick: on.askStartOver },
    [icon("restart"), h("span", { text: "End chat" })]
  );
  ui.closeBtn = h(
    "button",
    { type: "button", class: "ccw-hbtn ccw-hbtn-close", "aria-label": "Close chat", onclick: on.close },
    [icon("close")]
  );
  return h("div", { class: "ccw-header" }, [
    h("div", { class: "ccw-hrow" }, [
      h("h2", { class: "ccw-title", id: ids.title, text: app.config.title }),
      ui.closeBtn,
    ]),
    h("div", { class: "ccw-hrow ccw-hrow-sub" }, [
      h("p", { class: "ccw-subtitle", id: ids.subtitle, text: "Automated assistant · not for emergencies" }),
      ui.restartBtn,
    ]),
  ]);
}

function buildConfirm(ui, on) {
  ui.confirmYes = h("button", { type: "button", class: "ccw-btn ccw-btn-primary", onclick: on.startOver }, [
    "Yes, end and clear",
  ]);
  ui.confirmNo = h("button", { type: "button", class: "ccw-btn", onclick: on.cancelStartOver }, ["Cancel"]);
  return h(
    "div",
    { class: "ccw-confirm", role: "alertdialog", "aria-label": "End chat", hidden: true },
    [
      h("p", {
        class: "ccw-confirm-text",
        text: "End this chat and clear it from this device? Anyone using this device after " +
          "you will not see it. You can start a new chat at once.",
      }),
      h("div", { class: "ccw-confirm-actions" }, [ui.confirmYes, ui.confirmNo]),
    ]
  );
}

function buildBanner(ui) {
  const [tel911, tel988] = emergencyLinks();
  ui.bannerText = h("span", { class: "ccw-banner-text" });
  return h("div", { class: "ccw-banner", role: "status", hidden: true }, [
    icon("info"),
    h("div", {}, [
      ui.bannerText,
      h("span", { class: "ccw-banner-help" }, [" If you need help now, call ", tel911, " or call or text ", tel988, "."]),
    ]),
  ]);
}

function buildNotice(app, on, noticeTextId) {
  const ui = app.ui;
  ui.noticeOk = h("button", { type: "button", class: "ccw-btn ccw-btn-primary", onclick: on.dismissNotice }, [
    "I understand",
  ]);
  const noticeText = h("p", { class: "ccw-p", id: noticeTextId });
  appendInline(
    noticeText,
    "This assistant shares general information from " + app.config.clinicName + ". It is not " +
      "medical advice and it is not monitored around the clock. In an emergency, call 911. " +
      "If you are thinking about suicide or are in crisis, call or text 988 (Suicide & " +
      "Crisis Lifeline), any time."
  );
  return h("section", { class: "ccw-notice", "aria-labelledby": noticeTextId + "-h", hidden: true }, [
    h("h3", { class: "ccw-notice-title", id: noticeTextId + "-h" }, [icon("info"), " Before you start"]),
    noticeText,
    h("div", { class: "ccw-notice-actions" }, [ui.noticeOk]),
  ]);
}

function buildComposer(app) {
  const ui = app.ui;
  const inputId = uid("input");
  const counterId = uid("counter");
  const hintId = uid("hint");
  const [tel911, tel988] = emergencyLinks();
  ui.input = h("textarea", {
    id: inputId,
    class: "ccw-input",
    rows: "1",
    maxlength: String(app.config.maxLength),
    placeholder: "Type your question…",
    enterkeyhint: "send",
    autocomplete: "off",
    "aria-describedby": hintId + " " + counterId,
  });
  ui.counter = h("span", { class: "ccw-counter", id: counterId, hidden: true });
  ui.send = h("button", { type: "submit", class: "ccw-send", "aria-label": "Send message" }, [icon("send")]);
  ui.form = h("form", { class: "ccw-composer", novalidate: true }, [
    h("label", { for: inputId, class: "ccw-sr", text: "Your message" }),
    h("div", { class: "ccw-inputwrap" }, [ui.input, ui.send]),
    h("div", { class: "ccw-meta" }, [
      h("span", { class: "ccw-hint", id: hintId }, [
        "Enter to send, Shift+Enter for a new line. In an emergency call ",
        tel911,
        "; call or text ",
        tel988,
        ".",
      ]),
      ui.counter,
    ]),
  ]);
}

/**
 * Builds the widget's elements into ``app.ui`` and adds the host element to the page.
 *
 * @param {object} app The widget (``config``; ``ui`` is filled in).
 * @param {object} on Handlers: toggle, close, askStartOver, startOver, cancelStartOver,
 *   dismissNotice, submit, inputChanged, panelKeydown.
 */
export function buildUi(app, on) {
  const ui = app.ui;
  const host = document.createElement("clinic-chat-widget");
  host.setAttribute("data-clinic-chat", VERSION);
  const shadow = host.attachShadow({ mode: "open" });
  host.style.setProperty("--ccw-accent", accessibleAccent(app.config.primaryColor));

  const root = h("div", { class: "ccw-root ccw-pos-" + app.config.position });
  root.style.display = "none"; // shown once every stylesheet has loaded (or failed)
  let pending = STYLESHEETS.length;
  const settled = () => {
    pending -= 1;
    if (pending === 0) root.style.display = "";
  };
  for (const path of STYLESHEETS) {
    const link = h("link", { rel: "stylesheet", href: new URL(path, app.assetBase).href });
    link.addEventListener("load", settled, { once: true });
    link.addEventListener("error", settled, { once: true });
    shadow.appendChild(link);
  }

  const ids = { title: uid("title"), subtitle: uid("subtitle"), panel: uid("panel") };
  ui.noticeTextId = uid("notice-text");

  ui.badge = h("span", { class: "ccw-unread", hidden: true });
  ui.launcher = h(
    "button",
    {
      type: "button",
      class: "ccw-launcher",
      "aria-haspopup": "dialog",
      "aria-expanded": "false",
      "aria-controls": ids.panel,
      onclick: () => on.toggle(),
    },
    [icon("chat"), h("span", { class: "ccw-launcher-label", text: app.config.launcherLabel }), ui.badge]
  );

  const header = buildHeader(app, on, ids);
  ui.confirm = buildConfirm(ui, on);
  ui.banner = buildBanner(ui);
  ui.notice = buildNotice(app, on, ui.noticeTextId);
  ui.log = h("div", {
    class: "ccw-log",
    role: "log",
    "aria-live": "off",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  ui.typing = h("div", { class: "ccw-typing", hidden: true, "aria-hidden": "true" }, [
    h("span", { class: "ccw-dot" }),
    h("span", { class: "ccw-dot" }),
    h("span", { class: "ccw-dot" }),
  ]);
  ui.typingSr = h("span", { class: "ccw-sr", role: "status" });
  ui.scroller = h("div", { class: "ccw-scroller" }, [ui.notice, ui.log, ui.typing]);
  buildComposer(app);

  ui.polite = h("div", { class: "ccw-sr", "aria-live": "polite", "aria-atomic": "true" });
  ui.assertive = h("div", { class: "ccw-sr", "aria-live": "assertive", "aria-atomic": "true" });

  ui.panel = h(
    "div",
    {
      class: "ccw-panel",
      id: ids.panel,
      role: "dialog",
      "aria-labelledby": ids.title + " " + ids.subtitle,
      hidden: true,
    },
    [header, ui.confirm, ui.banner, ui.scroller, ui.form, ui.typingSr]
  );

  root.appendChild(ui.panel);
  root.appendChild(ui.launcher);
  root.appendChild(ui.polite);
  root.appendChild(ui.assertive);
  shadow.appendChild(root);
  ui.host = host;
  ui.shadow = shadow;
  ui.root = root;

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    on.submit();
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      on.submit();
    }
  });
  ui.input.addEventListener("input", on.inputChanged);
  ui.panel.addEventListener("keydown", on.panelKeydown);
  document.body.appendChild(host);
}
