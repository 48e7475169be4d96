/**
 * The conversation: the session on this device, sending (with a queue that survives being
 * offline and reloads), receiving, the history after a reload or reconnect, and the socket.
 */

import { isObject, normalizeButtons } from "./buttons.js";
import { COUNTER_FROM } from "./config.js";
import { historyToModel, isUrgent, renderMessage } from "./messages.js";
import { plainText } from "./richtext.js";
import { UUID_RE, decodeQueue, encodeQueue, idleTooLong, newSessionId } from "./storage.js";
import { fetchHistory, forgetSocketIo, loadSocketIo, openSocket } from "./transport.js";
import {
  addEntry,
  addNote,
  announce,
  clearQuickReplies,
  hideTyping,
  isReady,
  renderQuickReplies,
  showTyping,
  updateBanner,
  updateUnread,
} from "./view.js";

/** True when this device's conversation has been idle longer than ``idleMinutes``. */
export function isIdle(app) {
  return idleTooLong(app.local.get("lastActive"), app.config.idleMinutes, Date.now());
}

/** Records activity (a message sent or received); the idle limit counts from here. */
function touchActivity(app) {
  app.local.set("lastActive", String(Date.now()));
}

/** Restores this device's session, or starts one; true when an earlier one was restored. */
export function loadSession(app) {
  const { local, state } = app;
  let stored = local.get("session");
  if (stored && UUID_RE.test(stored) && isIdle(app)) {
    // The previous conversation on this device ended by inactivity: nothing of it is shown.
    local.remove("queue:" + stored);
    stored = null;
  }
  if (stored && UUID_RE.test(stored)) {
    state.sessionId = stored;
    return true;
  }
  state.sessionId = newSessionId();
  local.set("session", state.sessionId);
  touchActivity(app);
  return false;
}

function saveQueue(app) {
  const raw = encodeQueue(app.state.queue);
  if (raw) app.local.set("queue:" + app.state.sessionId, raw);
  else app.local.remove("queue:" + app.state.sessionId);
}

// ------------------------------------------------------------------------------------------
// Sending
// ------------------------------------------------------------------------------------------

/** Keeps the text within the limit, shows the counter near it and grows the text box. */
export function onInputChange(app) {
  const { config, ui } = app;
  let value = ui.input.value;
  if (value.length > config.maxLength) {
    ui.input.value = value.slice(0, config.maxLength);
    value = ui.input.value;
  }
  const threshold = Math.floor(config.maxLength * COUNTER_FROM);
  if (value.length >= threshold) {
    ui.counter.hidden = false;
    ui.counter.textContent = value.length + " / " + config.maxLength;
    ui.counter.classList.toggle("ccw-counter-full", value.length >= config.maxLength);
    if (value.length >= config.maxLength && !ui.counter.dataset.announced) {
      ui.counter.dataset.announced = "1";
      announce(app, "Character limit reached: " + config.maxLength + " characters.", false);
    }
  } else {
    ui.counter.hidden = true;
    delete ui.counter.dataset.announced;
  }
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, 160) + "px";
}

export function submitInput(app) {
  const text = app.ui.input.value.trim();
  if (!text) {
    app.ui.input.value = "";
    onInputChange(app);
    return;
  }
  if (sendMessage(app, text, null)) {
    app.ui.input.value = "";
    onInputChange(app);
  }
}

/** Queues one patient message (typed text or a button payload) and flushes if online. */
export function sendMessage(app, message, title) {
  const { config, state } = app;
  const text = String(message || "").trim().slice(0, config.maxLength);
  if (!text) return false;
  ensureStarted(app);
  clearQuickReplies(app);
  state.lastBot = null;
  const item = { message: text, title: title || null };
  item.el = addEntry(app, { role: "patient", text: title || text, pending: !isReady(app) }, { forceScroll: true });
  item.el.classList.add("ccw-queued");
  state.queue.push(item);
  touchActivity(app);
  saveQueue(app);
  connect(app);
  flushQueue(app);
  return true;
}

function markSent(el) {
  if (!el) return;
  el.classList.remove("ccw-is-pending", "ccw-queued");
  const pending = el.querySelector(".ccw-pending");
  if (pending) pending.remove();
}

/** Sends the queued messages in order when connected; marks them "Not sent yet" when not. */
export function flushQueue(app) {
  const { state } = app;
  if (!isReady(app)) {
    state.queue.forEach((item) => {
      if (item.el && !item.el.classList.contains("ccw-is-pending")) {
        const fresh = renderMessage(app, { role: "patient", text: item.title || item.message, pending: true });
        fresh.classList.add("ccw-queued");
        item.el.replaceWith(fresh);
        item.el = fresh;
      }
    });
    return;
  }
  // Wait for the history, so the conversation stays in order; it flushes when loaded.
  if (state.historyPending || !state.queue.length) return;
  while (state.queue.length) {
    const item = state.queue.shift();
    const data = { message: item.message, session_id: state.sessionId };
    if (item.title) data.metadata = { button_title: item.title };
    state.socket.emit("user_uttered", data);
    state.serverCount += 1;
    markSent(item.el);
  }
  saveQueue(app);
  showTyping(app);
}

// ------------------------------------------------------------------------------------------
// Receiving
// ------------------------------------------------------------------------------------------

function onBotUttered(app, message) {
  if (!isObject(message)) return;
  touchActivity(app);
  if (app.state.historyPending) {
    app.state.bufferedBot.push(message);
    return;
  }
  handleBotMessage(app, message, true);
}

function handleBotMessage(app, message, live) {
  const { state } = app;
  const custom = isObject(message.custom) ? message.custom : null;
  const text = typeof message.text === "string" ? message.text.trim() : "";
  const buttons = normalizeButtons(message.quick_replies || message.buttons, app.config.maxLength);
  const kind = custom && typeof custom.kind === "string" ? custom.kind : null;
  const sources = custom && Array.isArray(custom.sources) ? custom.sources : [];
  const fromStaff = !!(custom && custom.from_staff);
  const kbId = custom && typeof custom.kb_id === "string" ? custom.kb_id : null;
  hideTyping(app);

  if (!text) {
    const urgent = isUrgent(kind);
    if (custom && !fromStaff && state.lastBot && !state.lastBot.model.hasCustom) {
      // A payload that belongs to the text message just before it.
      const model = state.lastBot.model;
      model.kind = kind;
      model.sources = sources;
      model.hasCustom = true;
      model.kbId = kbId;
      model.askFeedback = live && !!model.kbId;
      const upgraded = renderMessage(app, model);
      state.lastBot.el.replaceWith(upgraded);
      state.lastBot.el = upgraded;
      if (urgent && live) announce(app, "Important: " + model.text, true);
      if (buttons.length) renderQuickReplies(app, buttons);
      return;
    }
    if (!urgent) {
      if (buttons.length) renderQuickReplies(app, buttons);
      if (buttons.length || custom) state.serverCount += 1;
      return;
    }
  }
  const entry = {
    role: fromStaff ? "staff" : "bot",
    text: text,
    kind: kind,
    sources: sources,
    staffName: custom && typeof custom.staff_name === "string" ? custom.staff_name : null,
    hasCustom: !!custom,
    kbId: kbId,
    askFeedback: !!live && !fromStaff,
  };
  const el = addEntry(app, entry, { announce: live, beforePending: true });
  state.lastBot = fromStaff ? null : { model: entry, el: el };
  state.serverCount += 1;
  if (buttons.length) renderQuickReplies(app, buttons);
  if (live && !state.open) {
    state.unread += 1;
    updateUnread(app);
  }
}

// ------------------------------------------------------------------------------------------
// History
// ------------------------------------------------------------------------------------------

function renderHistory(app, messages, fromIndex) {
  for (let i = fromIndex; i < messages.length; i += 1) {
    const item = messages[i];
    if (!isObject(item)) continue;
    const model = historyToModel(item);
    if (!model.text && !isUrgent(model.kind)) continue;
    const el = addEntry(app, model, { beforePending: true });
    app.state.lastBot = model.role === "bot" ? { model: model, el: el } : null;
  }
  const last = messages[messages.length - 1];
  if (isObject(last) && last.role !== "patient") renderQuickReplies(app, last.buttons);
}

function showGreeting(app) {
  addEntry(app, { role: "bot", text: app.config.greeting, kind: "smalltalk", sources: [] });
  renderQuickReplies(app, app.config.starters);
}

/** Shows the conversation so far (history, else the greeting), once per session. */
export function ensureStarted(app, hasHistory) {
  const { state, ui } = app;
  if (state.started) return state.historyPromise || Promise.resolve();
  state.started = true;
  const pendingItems = decodeQueue(app.local.get("queue:" + state.sessionId), app.config.maxLength);
  function restoreQueue() {
    pendingItems.forEach((d) => {
      const el = addEntry(app, { role: "patient", text: d.title || d.message, pending: true });
      el.classList.add("ccw-queued");
      state.queue.push({ message: d.message, title: d.title, el: el });
    });
  }
  if (!hasHistory) {
    showGreeting(app);
    restoreQueue();
    state.historyPromise = Promise.resolve();
    return state.historyPromise;
  }
  state.historyPending = true;
  const loading = addNote(app, "Loading your conversation…", "ccw-note-loading");
  state.historyPromise = fetchHistory(app.config.historyUrl, state.sessionId)
    .then((messages) => {
      loading.remove();
      if (messages.length) {
        renderHistory(app, messages, 0);
        state.serverCount = messages.length;
      } else {
        showGreeting(app);
      }
    })
    .catch(() => {
      loading.remove();
      addNote(app, "We couldn't load your earlier messages right now. You can still send a new message.");
    })
    .then(() => {
      state.historyPending = false;
      restoreQueue();
      const buffered = state.bufferedBot.splice(0);
      const shownTexts = Array.prototype.map
        .call(ui.log.querySelectorAll(".ccw-row-bot .ccw-body, .ccw-row-staff .ccw-body"), (el) => el.textContent)
        .slice(-5);
      buffered.forEach((msg) => {
        // Skip a live message that the history already contained.
        const shown = plainText(typeof msg.text === "string" ? msg.text.trim() : "");
        if (shown && shownTexts.indexOf(shown) !== -1) return;
        handleBotMessage(app, msg, true);
      });
      flushQueue(app);
    });
  return state.historyPromise;
}

/** After a reconnect: appends messages the server sent while we were away. */
function syncMissed(app) {
  const { state } = app;
  return fetchHistory(app.config.historyUrl, state.sessionId)
    .then((messages) => {
      if (messages.length > state.serverCount) {
        renderHistory(app, messages, state.serverCount);
        state.serverCount = messages.length;
      }
    })
    .catch(() => {
      /* keep going without the missed messages */
    });
}

// ------------------------------------------------------------------------------------------
// Connection
// ------------------------------------------------------------------------------------------

function onSessionConfirm(app, confirmed) {
  const { state } = app;
  const wasReconnect = state.disconnectedOnce;
  if (typeof confirmed === "string" && confirmed !== state.sessionId && UUID_RE.test(confirmed)) {
    // The server chose another id (it refused ours): use it from now on.
    state.sessionId = confirmed;
    app.local.set("session", confirmed);
  }
  state.socketReady = true;
  state.everConnected = true;
  updateBanner(app);
  (state.historyPromise || Promise.resolve())
    .then(() => (wasReconnect ? syncMissed(app) : null))
    .then(() => flushQueue(app));
}

/** Connects to Rasa's socket.io channel (once; socket.io reconnects by itself). */
export function connect(app) {
  const { state } = app;
  if (state.socket || state.connecting) return;
  state.connecting = true;
  loadSocketIo(app.assetBase, app.config.io)
    .then((io) => {
      state.io = io;
      const socket = openSocket(io, app.config);
      state.socket = socket;
      socket.on("connect", () => socket.emit("session_request", { session_id: state.sessionId }));
      socket.on("session_confirm", (confirmed) => onSessionConfirm(app, confirmed));
      socket.on("bot_uttered", (message) => onBotUttered(app, message));
      socket.on("error_message", (data) => {
        hideTyping(app);
        const reason = isObject(data) && typeof data.error === "string" ? data.error.slice(0, 200) : "";
        addNote(
          app,
          "Sorry, that message could not be sent" + (reason ? " (" + reason + ")" : "") +
            ". Please try again. If you need help now, call 911 or call or text 988."
        );
      });
      socket.on("disconnect", (reason) => {
        state.socketReady = false;
        state.disconnectedOnce = true;
        updateBanner(app);
        flushQueue(app);
        if (reason === "io server disconnect") {
          // The server closed the session on purpose; socket.io won't retry by itself.
          window.setTimeout(() => {
            if (state.socket === socket && !socket.connected) socket.connect();
          }, 2000);
        }
      });
      socket.on("connect_error", () => {
        state.socketReady = false;
        updateBanner(app);
      });
    })
    .catch(() => {
      state.connecting = false;
      forgetSocketIo();
      updateBanner(app);
      window.setTimeout(() => connect(app), 5000);
    });
}

/** Forgets the conversation on this device and starts a new session (same socket). */
export function resetSession(app) {
  const { local, state } = app;
  local.remove("queue:" + state.sessionId);
  local.remove("lastActive");
  state.sessionId = newSessionId();
  local.set("session", state.sessionId);
  state.hadStoredSession = false;
  state.queue = [];
  state.lastBot = null;
  state.serverCount = 0;
  state.bufferedBot = [];
  state.disconnectedOnce = false;
  state.started = false;
  state.historyPromise = null;
  hideTyping(app);
  app.ui.log.textContent = "";
  ensureStarted(app, false);
  if (state.socket) {
    // A fresh connection leaves the old conversation's room on the server.
    state.socketReady = false;
    state.socket.disconnect();
    state.disconnectedOnce = false;
    state.socket.connect();
  } else {
    connect(app);
  }
}

