/*!
 * Clinic chat widget: a calm, accessible website chat for the clinic's patient assistant.
 *
 * The entry module. Pages embed ``/widget/widget.js`` (a tiny classic script that loads this
 * module), or this module directly with ``<script type="module" src=".../widget/js/main.js">``.
 * Plain modern JavaScript in native ES modules: no build step, no framework, no trackers, no
 * web fonts. The only third-party code is the vendored socket.io client. Everything the widget
 * draws lives in a Shadow DOM, so the host page's CSS cannot break it and its CSS cannot leak
 * into the host page. Message text is never inserted as HTML (see richtext.js).
 */

import { MOBILE_QUERY, VERSION, readConfig } from "./config.js";
import {
  connect,
  ensureStarted,
  flushQueue,
  isIdle,
  loadSession,
  onInputChange,
  resetSession,
  sendMessage,
  submitInput,
} from "./chat.js";
import { storageFor } from "./storage.js";
import { buildUi } from "./ui.js";
import { announce, isReady, scrollToBottom, updateBanner, updateUnread } from "./view.js";

const FOCUSABLE =
  'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), ' +
  'select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** The widget: settings, state, its elements and the device's storage. */
function createApp() {
  const assetBase = new URL("../", import.meta.url); // the /widget/ folder
  const config = readConfig(window.ClinicChatConfig, { assetBase: assetBase, location: location });
  const app = {
    assetBase: assetBase,
    config: config,
    local: storageFor("localStorage", config.storagePrefix),
    perTab: storageFor("sessionStorage", config.storagePrefix),
    ui: {},
    hooks: {},
    state: {
      sessionId: null,
      socket: null,
      io: null,
      connecting: false,
      socketReady: false, // connected AND session confirmed
      everConnected: false,
      disconnectedOnce: false,
      netOffline: typeof navigator.onLine === "boolean" ? !navigator.onLine : false,
      open: false,
      started: false, // history loaded / greeting shown for this session
      hadStoredSession: false,
      historyPromise: null,
      bufferedBot: [],
      historyPending: false,
      queue: [], // [{message, title, el}]
      lastBot: null, // {model, el}
      revealEl: null,
      serverCount: 0, // messages of the server-side transcript represented in the view
      unread: 0,
      typingTimer: null,
      bannerTimer: null,
      scrollLocked: null,
    },
  };
  app.hooks.send = (payload, title) => sendMessage(app, payload, title);
  return app;
}

// ------------------------------------------------------------------------------------------
// Open / close / notice / start over
// ------------------------------------------------------------------------------------------

function isMobile() {
  return !!(window.matchMedia && window.matchMedia(MOBILE_QUERY).matches);
}

function lockScroll(app, lock) {
  const state = app.state;
  const docEl = document.documentElement;
  if (lock && state.scrollLocked === null) {
    state.scrollLocked = docEl.style.overflow;
    docEl.style.overflow = "hidden";
  } else if (!lock && state.scrollLocked !== null) {
    docEl.style.overflow = state.scrollLocked;
    state.scrollLocked = null;
  }
}

function applyLayout(app) {
  const mobile = isMobile();
  if (mobile) app.ui.panel.setAttribute("aria-modal", "true");
  else app.ui.panel.removeAttribute("aria-modal");
  app.ui.root.classList.toggle("ccw-mobile", mobile);
  lockScroll(app, app.state.open && mobile);
}

function open(app, options) {
  const opts = options || {};
  const { state, ui } = app;
  if (state.open) {
    if (opts.focus !== false) ui.input.focus();
    return;
  }
  state.open = true;
  app.perTab.set("open", "1");
  ui.panel.hidden = false;
  ui.root.classList.add("ccw-is-open");
  ui.launcher.setAttribute("aria-expanded", "true");
  ui.notice.hidden = app.local.get("notice") === "ack";
  if (ui.notice.hidden) ui.panel.removeAttribute("aria-describedby");
  else ui.panel.setAttribute("aria-describedby", ui.noticeTextId);
  applyLayout(app);
  state.unread = 0;
  updateUnread(app);
  ensureStarted(app, state.hadStoredSession);
  connect(app);
  if (opts.focus !== false) ui.input.focus({ preventScroll: true });
  if (!ui.notice.hidden) ui.scroller.scrollTop = 0;
  else scrollToBottom(app);
}

function close(app) {
  const { state, ui } = app;
  if (!state.open) return;
  state.open = false;
  app.perTab.remove("open");
  cancelStartOver(app);
  ui.panel.hidden = true;
  ui.root.classList.remove("ccw-is-open");
  ui.launcher.setAttribute("aria-expanded", "false");
  lockScroll(app, false);
  ui.launcher.focus();
}

function dismissNotice(app) {
  app.local.set("notice", "ack");
  app.ui.notice.hidden = true;
  app.ui.panel.removeAttribute("aria-describedby");
  app.ui.input.focus();
}

function askStartOver(app) {
  app.ui.confirm.hidden = false;
  app.ui.confirmNo.focus();
}

function cancelStartOver(app) {
  if (app.ui.confirm.hidden) return;
  app.ui.confirm.hidden = true;
  app.ui.restartBtn.focus();
}

function startOver(app) {
  app.ui.confirm.hidden = true;
  resetSession(app);
  announce(app, "Chat ended and cleared from this device. You can start a new one.", false);
  app.ui.input.focus();
}

function focusables(app) {
  return Array.prototype.filter.call(
    app.ui.panel.querySelectorAll(FOCUSABLE),
    (el) => el.getClientRects().length > 0 && !el.closest("[hidden]")
  );
}

function onPanelKeydown(app, event) {
  const ui = app.ui;
  if (event.key === "Escape" || event.key === "Esc") {
    event.preventDefault();
    if (!ui.confirm.hidden) cancelStartOver(app);
    else close(app);
    return;
  }
  if (event.key === "Tab" && isMobile()) {
    // Full-screen on phones: keep focus inside the panel.
    const items = focusables(app);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = ui.shadow.activeElement;
    if (event.shiftKey && (active === first || !ui.panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !ui.panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
}

// ------------------------------------------------------------------------------------------
// Start
// ------------------------------------------------------------------------------------------

function listen(app) {
  const state = app.state;
  if (window.matchMedia) {
    const mq = window.matchMedia(MOBILE_QUERY);
    const onChange = () => applyLayout(app);
    if (mq.addEventListener) mq.addEventListener("change", onChange);
    else if (mq.addListener) mq.addListener(onChange);
  }
  window.addEventListener("offline", () => {
    state.netOffline = true;
    updateBanner(app);
  });
  window.addEventListener("online", () => {
    state.netOffline = false;
    updateBanner(app);
    flushQueue(app);
  });
  document.addEventListener("click", (event) => {
    const trigger = event.target && event.target.closest ? event.target.closest("[data-clinic-chat-open]") : null;
    if (trigger) {
      event.preventDefault();
      open(app);
    }
  });
  // While the page stays open, an idle conversation is cleared too (shared computers).
  window.setInterval(() => {
    if (state.started && app.local.get("lastActive") && isIdle(app)) startOver(app);
  }, 30000);
}

function init(app) {
  if (!document.body) {
    document.addEventListener("DOMContentLoaded", () => init(app));
    return;
  }
  app.state.hadStoredSession = loadSession(app);
  buildUi(app, {
    toggle: () => (app.state.open ? close(app) : open(app)),
    close: () => close(app),
    askStartOver: () => askStartOver(app),
    startOver: () => startOver(app),
    cancelStartOver: () => cancelStartOver(app),
    dismissNotice: () => dismissNotice(app),
    submit: () => submitInput(app),
    inputChanged: () => onInputChange(app),
    panelKeydown: (event) => onPanelKeydown(app, event),
  });
  listen(app);
  // A returning patient: connect now so replies from the clinic team arrive (and are counted
  // on the launcher) even while the panel is closed.
  if (app.state.hadStoredSession) {
    ensureStarted(app, true);
    connect(app);
  }
  if (app.perTab.get("open") === "1" || app.config.openOnLoad) open(app, { focus: false });
}

function start() {
  const app = createApp();
  window.ClinicChat = {
    version: VERSION,
    open: () => open(app),
    close: () => close(app),
    startOver: () => startOver(app),
    get sessionId() {
      return app.state.sessionId;
    },
    get connected() {
      return isReady(app);
    },
  };
  init(app);
}

if (!(window.ClinicChat && window.ClinicChat.version)) {
  start(); // loaded twice: the first instance stays
}
