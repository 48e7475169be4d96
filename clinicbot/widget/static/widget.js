/*!
 * Clinic chat widget: a calm, accessible website chat for the clinic's patient assistant.
 *
 * Embed on any page with ONE script tag (plus an optional config object):
 *
 *   <script>window.ClinicChatConfig = {serverUrl: "https://assistant.example:5005",
 *                                      clinicName: "Riverbend Ketamine Clinic",
 *                                      primaryColor: "#0f766e"};</script>
 *   <script src="https://assistant.example/widget/widget.js" defer></script>
 *
 * Plain modern JavaScript, no build step, no framework, no trackers, no web fonts. The only
 * third-party code is the vendored socket.io client, loaded from the same folder as this file.
 * Everything the widget draws lives in a Shadow DOM, so the host page's CSS cannot break it
 * and its CSS cannot leak into the host page. Message text is never inserted as HTML: it is
 * turned into DOM nodes (paragraphs, bullet lists, links for http(s) URLs and phone numbers).
 */
(function () {
  "use strict";

  if (window.ClinicChat && window.ClinicChat.version) {
    return; // loaded twice: keep the first instance
  }

  var VERSION = "1.0.0";
  var UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
  var HEX_RE = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  var DEFAULT_PRIMARY = "#0f766e";
  var MOBILE_QUERY = "(max-width: 599.98px)";
  var COUNTER_FROM = 0.9; // show the character counter from 90 % of the limit

  // ------------------------------------------------------------------------------------------
  // Configuration
  // ------------------------------------------------------------------------------------------

  var scriptEl =
    document.currentScript || document.querySelector('script[src*="/widget/widget.js"]');
  var scriptUrl = new URL(scriptEl && scriptEl.src ? scriptEl.src : "/widget/widget.js", location.href);
  var assetBase = new URL("./", scriptUrl);
  var userConfig = window.ClinicChatConfig && typeof window.ClinicChatConfig === "object"
    ? window.ClinicChatConfig
    : {};

  function pick(key, fallback, type) {
    var value = userConfig[key];
    if (value === undefined || value === null || value === "") return fallback;
    if (type && typeof value !== type) return fallback;
    return value;
  }

  var clinicName = pick("clinicName", "the clinic", "string");
  var config = {
    serverUrl: pick(
      "serverUrl",
      location.protocol + "//" + (location.hostname || "127.0.0.1") + ":" + pick("serverPort", 5005),
      "string"
    ),
    socketPath: pick("socketPath", "/socket.io", "string"),
    historyUrl: pick("historyUrl", new URL("api/history", assetBase).href, "string"),
    feedbackUrl: pick("feedbackUrl", new URL("api/feedback", assetBase).href, "string"),
    clinicName: clinicName,
    title: pick("title", clinicName, "string"),
    clinicPhone: pick("clinicPhone", "", "string"),
    primaryColor: HEX_RE.test(String(userConfig.primaryColor || ""))
      ? userConfig.primaryColor
      : DEFAULT_PRIMARY,
    position: userConfig.position === "left" ? "left" : "right",
    storagePrefix: pick("storagePrefix", "clinicChat", "string"),
    maxLength: Math.max(1, Math.min(pick("maxLength", 2000, "number"), 2000)),
    replyTimeoutMs: pick("replyTimeoutMs", 25000, "number"),
    // After this long without activity the conversation is over on this device (shared
    // computers); the server keeps to the same limit (WIDGET_IDLE_MINUTES) for the history.
    idleMinutes: Math.max(1, pick("idleMinutes", 30, "number")),
    launcherLabel: pick("launcherLabel", "Questions? Chat with us", "string"),
    greeting: pick(
      "greeting",
      "Hello, I'm the automated assistant for " + clinicName + ". I can answer general " +
        "questions about ketamine treatment, preparing for a visit, costs and the clinic. " +
        "I can't give personal medical advice, but I can put you in touch with our team.",
      "string"
    ),
    starters: Array.isArray(userConfig.starters)
      ? userConfig.starters
      : [
          { title: "What are the side effects?", payload: "What are the side effects?" },
          { title: "How much does it cost?", payload: "How much does treatment cost?" },
          { title: "Talk to a person", payload: "I would like to talk to a person" },
        ],
  };

  // ------------------------------------------------------------------------------------------
  // Small helpers
  // ------------------------------------------------------------------------------------------

  var memoryStore = {};
  function storageFor(kind) {
    return {
      get: function (key) {
        var full = config.storagePrefix + ":" + key;
        try {
          return window[kind].getItem(full);
        } catch (e) {
          return Object.prototype.hasOwnProperty.call(memoryStore, kind + full)
            ? memoryStore[kind + full]
            : null;
        }
      },
      set: function (key, value) {
        var full = config.storagePrefix + ":" + key;
        try {
          window[kind].setItem(full, value);
        } catch (e) {
          memoryStore[kind + full] = value;
        }
      },
      remove: function (key) {
        var full = config.storagePrefix + ":" + key;
        try {
          window[kind].removeItem(full);
        } catch (e) {
          delete memoryStore[kind + full];
        }
      },
    };
  }
  var local = storageFor("localStorage");
  var perTab = storageFor("sessionStorage");

  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // crypto.randomUUID only exists in secure contexts; build a version-4 UUID by hand.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return (
      hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20)
    );
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  var idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return "ccw-" + prefix + "-" + idCounter;
  }

  /** Creates an element; ``text`` becomes a text node, never HTML. */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === "class") el.className = value;
        else if (key === "text") el.textContent = value;
        else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
        else el.setAttribute(key, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.5c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
    close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z",
    restart: "M12 5a7 7 0 1 1-6.7 5H3.2A9 9 0 1 0 6 5.6V3H4v6h6V7H7.3A7 7 0 0 1 12 5z",
    phone: "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z",
    sms: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2zm3 6v2h2v-2zm4 0v2h2v-2zm4 0v2h2v-2z",
    info: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-6h2zm0-8h-2V7h2z",
    heart: "M12 21s-7.5-4.6-9.6-9.3C.9 8.3 3 4.5 6.8 4.5c2.1 0 3.6 1.1 5.2 3 1.6-1.9 3.1-3 5.2-3 3.8 0 5.9 3.8 4.4 7.2C19.5 16.4 12 21 12 21z",
    alert: "M12 2 1 21h22zm1 15h-2v-2h2zm0-4h-2V9h2z",
    person: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4 0-8 2-8 5v2h16v-2c0-3-4-5-8-5z",
    clock: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 10.4 3.5 2.1-.8 1.3L11 13V7h2z",
  };
  function icon(name, cls) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "ccw-icon" + (cls ? " " + cls : ""));
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  // Colour: keep the clinic's colour, darkened until white text on it passes WCAG AA (4.5:1).
  function parseHex(hex) {
    var m = HEX_RE.exec(hex || "");
    if (!m) return null;
    var s = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) {
      return parseInt(s.slice(i, i + 2), 16);
    });
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function toHex(rgb) {
    return "#" + rgb.map(function (v) {
      return (v + 0x100).toString(16).slice(1);
    }).join("");
  }
  function accessibleAccent(hex) {
    var rgb = parseHex(hex) || parseHex(DEFAULT_PRIMARY);
    var white = [255, 255, 255];
    var guard = 0;
    while (contrast(rgb, white) < 4.8 && guard < 40) {
      rgb = rgb.map(function (v) {
        return Math.floor(v * 0.92);
      });
      guard += 1;
    }
    return toHex(rgb);
  }

  // ------------------------------------------------------------------------------------------
  // Safe formatting: text -> DOM nodes (paragraphs, "- " bullets, line breaks, links)
  // ------------------------------------------------------------------------------------------

  var TOKEN_RE = new RegExp(
    [
      "(https?:\\/\\/[^\\s<>\"'`]+)", // 1: URL
      "((?:\\+?1[\\s.-]?)?(?:\\(\\d{3}\\)[\\s.-]?|\\b\\d{3}[\\s.-])\\d{3}[\\s.-]\\d{4}\\b)", // 2: phone
      "(\\b(?:911|988)\\b)", // 3: emergency / crisis short codes
    ].join("|"),
    "gi"
  );
  var SMS_BEFORE_RE = /\btext(?:\s+(?:us|them|HOME))?(?:\s+(?:at|to|on))?\s*$/i;
  var CALL_OR_TEXT_RE = /\bcall or text\s*$/i;

  function trimUrl(url) {
    var trimmed = url;
    for (;;) {
      var last = trimmed.charAt(trimmed.length - 1);
      if (".,;:!?'\"*".indexOf(last) !== -1) {
        trimmed = trimmed.slice(0, -1);
      } else if (last === ")" &&
        (trimmed.match(/\)/g) || []).length > (trimmed.match(/\(/g) || []).length) {
        trimmed = trimmed.slice(0, -1);
      } else {
        return trimmed;
      }
    }
  }

  function safeHttpUrl(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Appends ``text`` to ``parent`` as text nodes and safe links (phones unless ``urlsOnly``). */
  function appendInline(parent, text, urlsOnly) {
    var pos = 0;
    var match;
    TOKEN_RE.lastIndex = 0;
    while ((match = TOKEN_RE.exec(text)) !== null) {
      var start = match.index;
      var raw = match[0];
      var link = null;
      if (match[1]) {
        raw = trimUrl(raw);
        var href = safeHttpUrl(raw);
        if (href) {
          link = h("a", { href: href, target: "_blank", rel: "noopener noreferrer nofollow" }, [raw]);
        }
      } else if (!urlsOnly) {
        var before = text.charAt(start - 1);
        var after = text.slice(start + raw.length, start + raw.length + 2);
        var embedded = /[\w$£€.,:;\/#-]/.test(before) || /^[\w%]|^[.,:;\/-]\d/.test(after);
        if (!embedded) {
          var digits = raw.replace(/[^\d+]/g, "");
          var lead = text.slice(Math.max(0, start - 24), start);
          var sms = SMS_BEFORE_RE.test(lead) && !CALL_OR_TEXT_RE.test(lead);
          link = h("a", { href: (sms ? "sms:" : "tel:") + digits, class: "ccw-tel" }, [raw]);
          link.setAttribute("aria-label", raw + (sms ? " (send a text message)" : " (phone call)"));
        }
      }
      if (!link) continue;
      if (start > pos) parent.appendChild(document.createTextNode(text.slice(pos, start)));
      parent.appendChild(link);
      pos = start + raw.length;
      TOKEN_RE.lastIndex = pos;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  /** Renders message text into ``container``: paragraphs, line breaks and bullet lists. */
  function renderRich(container, text) {
    var lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    var para = null;
    var list = null;
    lines.forEach(function (line) {
      var bullet = /^\s*[-•*]\s+(.*)$/.exec(line);
      if (bullet) {
        para = null;
        if (!list) {
          list = h("ul", { class: "ccw-list" });
          container.appendChild(list);
        }
        var item = h("li");
        appendInline(item, bullet[1]);
        list.appendChild(item);
        return;
      }
      list = null;
      if (line.trim() === "") {
        para = null;
        return;
      }
      if (!para) {
        para = h("p", { class: "ccw-p" });
        container.appendChild(para);
      } else {
        para.appendChild(h("br"));
      }
      appendInline(para, line);
    });
  }

  // ------------------------------------------------------------------------------------------
  // State
  // ------------------------------------------------------------------------------------------

  var state = {
    sessionId: null,
    socket: null,
    io: null,
    socketReady: false, // connected AND session confirmed
    everConnected: false,
    disconnectedOnce: false,
    netOffline: typeof navigator.onLine === "boolean" ? !navigator.onLine : false,
    open: false,
    started: false, // history loaded / greeting shown for this session
    historyPromise: null,
    bufferedBot: [],
    historyPending: false,
    queue: [], // [{message, title, el}]
    lastBot: null, // {model, el}
    serverCount: 0, // messages of the server-side transcript represented in the view
    unread: 0,
    typingTimer: null,
    bannerTimer: null,
    scrollLocked: null,
  };

  function idleTooLong() {
    var last = Number(local.get("lastActive") || 0);
    return !last || Date.now() - last > config.idleMinutes * 60000;
  }

  /** Records activity (a message sent or received); the idle limit counts from here. */
  function touchActivity() {
    local.set("lastActive", String(Date.now()));
  }

  function loadSession() {
    var stored = local.get("session");
    if (stored && UUID_RE.test(stored) && idleTooLong()) {
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
    touchActivity();
    return false;
  }

  function saveQueue() {
    var data = state.queue.map(function (item) {
      return { message: item.message, title: item.title || null };
    });
    if (data.length) local.set("queue:" + state.sessionId, JSON.stringify(data));
    else local.remove("queue:" + state.sessionId);
  }

  function loadQueue() {
    var raw = local.get("queue:" + state.sessionId);
    if (!raw) return [];
    try {
      var data = JSON.parse(raw);
      return Array.isArray(data)
        ? data.filter(function (d) {
            return d && typeof d.message === "string" && d.message.length <= config.maxLength;
          })
        : [];
    } catch (e) {
      return [];
    }
  }

  // ------------------------------------------------------------------------------------------
  // DOM
  // ------------------------------------------------------------------------------------------

  var ui = {};

  function buildUi() {
    var host = document.createElement("clinic-chat-widget");
    host.setAttribute("data-clinic-chat", VERSION);
    var shadow = host.attachShadow({ mode: "open" });
    var accent = accessibleAccent(config.primaryColor);
    host.style.setProperty("--ccw-accent", accent);

    var root = h("div", { class: "ccw-root ccw-pos-" + config.position });
    root.style.display = "none"; // shown once the stylesheet has loaded
    var link = h("link", { rel: "stylesheet", href: new URL("widget.css", assetBase).href });
    function reveal() {
      root.style.display = "";
    }
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal);
    shadow.appendChild(link);

    var titleId = uid("title");
    var noticeTextId = uid("notice-text");
    var inputId = uid("input");
    var counterId = uid("counter");
    var hintId = uid("hint");
    var panelId = uid("panel");
    ui.noticeTextId = noticeTextId;

    ui.badge = h("span", { class: "ccw-unread", hidden: true });
    ui.launcher = h(
      "button",
      {
        type: "button",
        class: "ccw-launcher",
        "aria-haspopup": "dialog",
        "aria-expanded": "false",
        "aria-controls": panelId,
        onclick: function () {
          toggle();
        },
      },
      [icon("chat"), h("span", { class: "ccw-launcher-label", text: config.launcherLabel }), ui.badge]
    );

    // Header: the clinic's name and close button, then what this is and "End chat".
    ui.restartBtn = h(
      "button",
      { type: "button", class: "ccw-hbtn ccw-hbtn-text", onclick: askStartOver },
      [icon("restart"), h("span", { text: "End chat" })]
    );
    ui.closeBtn = h(
      "button",
      { type: "button", class: "ccw-hbtn ccw-hbtn-close", "aria-label": "Close chat", onclick: close },
      [icon("close")]
    );
    var subtitleId = uid("subtitle");
    var header = h("div", { class: "ccw-header" }, [
      h("div", { class: "ccw-hrow" }, [
        h("h2", { class: "ccw-title", id: titleId, text: config.title }),
        ui.closeBtn,
      ]),
      h("div", { class: "ccw-hrow ccw-hrow-sub" }, [
        h("p", { class: "ccw-subtitle", id: subtitleId, text: "Automated assistant · not for emergencies" }),
        ui.restartBtn,
      ]),
    ]);

    // Start-over confirmation
    ui.confirmYes = h("button", { type: "button", class: "ccw-btn ccw-btn-primary", onclick: startOver }, [
      "Yes, end and clear",
    ]);
    ui.confirmNo = h("button", { type: "button", class: "ccw-btn", onclick: cancelStartOver }, ["Cancel"]);
    ui.confirm = h(
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

    // Offline banner
    ui.bannerText = h("span", { class: "ccw-banner-text" });
    ui.banner = h("div", { class: "ccw-banner", role: "status", hidden: true }, [
      icon("info"),
      h("div", {}, [
        ui.bannerText,
        h("span", { class: "ccw-banner-help" }, [
          " If you need help now, call ",
          h("a", { href: "tel:911", class: "ccw-tel" }, ["911"]),
          " or call or text ",
          h("a", { href: "tel:988", class: "ccw-tel", "aria-label": "Call 9 8 8" }, ["988"]),
          ".",
        ]),
      ]),
    ]);

    // First-open notice
    ui.noticeOk = h("button", { type: "button", class: "ccw-btn ccw-btn-primary", onclick: dismissNotice }, [
      "I understand",
    ]);
    var noticeText = h("p", { class: "ccw-p", id: noticeTextId });
    appendInline(
      noticeText,
      "This assistant shares general information from " + config.clinicName + ". It is not " +
        "medical advice and it is not monitored around the clock. In an emergency, call 911. " +
        "If you are thinking about suicide or are in crisis, call or text 988 (Suicide & " +
        "Crisis Lifeline), any time."
    );
    ui.notice = h("section", { class: "ccw-notice", "aria-labelledby": noticeTextId + "-h", hidden: true }, [
      h("h3", { class: "ccw-notice-title", id: noticeTextId + "-h" }, [icon("info"), " Before you start"]),
      noticeText,
      h("div", { class: "ccw-notice-actions" }, [ui.noticeOk]),
    ]);

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

    // Composer
    ui.input = h("textarea", {
      id: inputId,
      class: "ccw-input",
      rows: "1",
      maxlength: String(config.maxLength),
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
          h("a", { href: "tel:911", class: "ccw-tel" }, ["911"]),
          "; call or text ",
          h("a", { href: "tel:988", class: "ccw-tel", "aria-label": "Call 9 8 8" }, ["988"]),
          ".",
        ]),
        ui.counter,
      ]),
    ]);

    ui.polite = h("div", { class: "ccw-sr", "aria-live": "polite", "aria-atomic": "true" });
    ui.assertive = h("div", { class: "ccw-sr", "aria-live": "assertive", "aria-atomic": "true" });

    ui.panel = h(
      "div",
      {
        class: "ccw-panel",
        id: panelId,
        role: "dialog",
        "aria-labelledby": titleId + " " + subtitleId,
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

    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitInput();
    });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitInput();
      }
    });
    ui.input.addEventListener("input", onInputChange);
    ui.panel.addEventListener("keydown", onPanelKeydown);
    document.body.appendChild(host);
  }

  /** The tap-to-call / tap-to-text links shown in crisis and emergency panels. */
  function crisisActions(kind) {
    var call988 = h("a", { class: "ccw-action", href: "tel:988" }, [
      icon("phone"),
      h("span", { class: "ccw-action-main", text: "Call 988" }),
      h("span", { class: "ccw-action-sub", text: "Suicide & Crisis Lifeline" }),
    ]);
    var text988 = h("a", { class: "ccw-action", href: "sms:988" }, [
      icon("sms"),
      h("span", { class: "ccw-action-main", text: "Text 988" }),
      h("span", { class: "ccw-action-sub", text: "Crisis text line" }),
    ]);
    var call911 = h("a", { class: "ccw-action ccw-action-911", href: "tel:911" }, [
      icon("phone"),
      h("span", { class: "ccw-action-main", text: "Call 911" }),
      h("span", { class: "ccw-action-sub", text: "Emergency services" }),
    ]);
    var actions = kind === "emergency" ? [call911, call988, text988] : [call988, text988, call911];
    return h("div", { class: "ccw-actions", role: "group", "aria-label": "Get help now" }, actions);
  }

  // ------------------------------------------------------------------------------------------
  // Rendering messages
  // ------------------------------------------------------------------------------------------

  var ALERT_TEXT = {
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

  function sourcesBlock(sources) {
    var list = h("ol", { class: "ccw-sources-list" });
    sources.forEach(function (src) {
      var item = h("li");
      appendInline(item, String(src), true); // citations: link URLs, never page numbers
      list.appendChild(item);
    });
    return h("details", { class: "ccw-sources" }, [
      h("summary", {}, ["Sources (" + sources.length + ")"]),
      list,
    ]);
  }

  /** Builds the element of one message model. */
  function renderMessage(model) {
    var sources = Array.isArray(model.sources)
      ? model.sources.filter(function (s) {
          return typeof s === "string" && s.trim();
        })
      : [];
    if (model.role === "patient") {
      var bubble = h("div", { class: "ccw-bubble ccw-bubble-patient" }, [
        h("span", { class: "ccw-sr", text: "You said: " }),
        h("span", { class: "ccw-plain", text: model.text }),
      ]);
      var row = h("div", { class: "ccw-row ccw-row-patient" }, [bubble]);
      if (model.pending) {
        row.classList.add("ccw-is-pending");
        bubble.appendChild(
          h("span", { class: "ccw-pending" }, [icon("clock"), " Not sent yet – will send when you're back online"])
        );
      }
      return row;
    }
    if (model.kind === "crisis" || model.kind === "emergency") {
      var info = ALERT_TEXT[model.kind];
      var headingId = uid("alert");
      var panel = h(
        "div",
        { class: "ccw-alert ccw-alert-" + model.kind, role: "group", "aria-labelledby": headingId },
        [
          h("h3", { class: "ccw-alert-title", id: headingId }, [
            icon(model.kind === "crisis" ? "heart" : "alert"),
            h("span", { text: info.title }),
          ]),
        ]
      );
      var body = h("div", { class: "ccw-alert-body" });
      renderRich(body, model.text || info.fallback);
      panel.appendChild(body);
      panel.appendChild(crisisActions(model.kind));
      if (sources.length) panel.appendChild(sourcesBlock(sources));
      return h("div", { class: "ccw-row ccw-row-alert", "data-kind": model.kind }, [panel]);
    }
    if (model.role === "staff") {
      var name = model.staffName || "A member of our team";
      var staffBubble = h("div", { class: "ccw-bubble ccw-bubble-staff" }, [
        h("div", { class: "ccw-staff-head" }, [
          h("span", { class: "ccw-avatar", "aria-hidden": "true" }, [icon("person")]),
          h("span", { class: "ccw-staff-name", text: name }),
          h("span", { class: "ccw-staff-badge", text: "Clinic team" }),
          h("span", { class: "ccw-sr", text: " (a person, not the assistant) says: " }),
        ]),
      ]);
      var staffBody = h("div", { class: "ccw-body" });
      renderRich(staffBody, model.text);
      staffBubble.appendChild(staffBody);
      return h("div", { class: "ccw-row ccw-row-staff", "data-kind": "staff" }, [staffBubble]);
    }
    var botBubble = h("div", { class: "ccw-bubble ccw-bubble-bot" }, [
      h("span", { class: "ccw-sr", text: "Assistant: " }),
    ]);
    var botBody = h("div", { class: "ccw-body" });
    renderRich(botBody, model.text);
    botBubble.appendChild(botBody);
    if (sources.length) botBubble.appendChild(sourcesBlock(sources));
    if (model.kind === "answer" && model.kbId && model.askFeedback) {
      botBubble.appendChild(feedbackBlock(model));
    }
    return h("div", { class: "ccw-row ccw-row-bot", "data-kind": model.kind || "none" }, [botBubble]);
  }

  /** "Was this helpful? Yes / No" under a live answer; one rating per answer. */
  function feedbackBlock(model) {
    var labelId = uid("fb");
    var group = h("div", { class: "ccw-feedback", role: "group", "aria-labelledby": labelId }, [
      h("span", { class: "ccw-feedback-q", id: labelId, text: "Was this helpful?" }),
    ]);
    function rate(helpful) {
      model.askFeedback = false;
      Array.prototype.forEach.call(group.querySelectorAll("button"), function (btn) {
        btn.disabled = true;
      });
      var done = function (text) {
        group.textContent = "";
        group.appendChild(h("span", { class: "ccw-feedback-done", text: text }));
        announce(text, false);
      };
      fetch(new URL(config.feedbackUrl, location.href).href, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ session_id: state.sessionId, kb_id: model.kbId, helpful: helpful }),
      })
        .then(function (resp) {
          done(resp.ok || resp.status === 409 ? "Thanks for your feedback." : "Sorry, your feedback could not be saved.");
        })
        .catch(function () {
          done("Sorry, your feedback could not be saved.");
        });
    }
    [
      ["Yes", true, "Yes, this answer was helpful"],
      ["No", false, "No, this answer was not helpful"],
    ].forEach(function (opt) {
      group.appendChild(
        h("button", {
          type: "button",
          class: "ccw-feedback-btn",
          "aria-label": opt[2],
          text: opt[0],
          onclick: function () {
            rate(opt[1]);
          },
        })
      );
    });
    return group;
  }

  function isNearBottom() {
    var s = ui.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  function scrollToBottom() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  /** Shows a new message: scrolls to the end unless that would hide the message's start. */
  function reveal(el) {
    var s = ui.scroller;
    if (!el || !el.isConnected) {
      scrollToBottom();
      return;
    }
    var bottom = s.scrollHeight - s.clientHeight;
    s.scrollTop = Math.min(bottom, Math.max(0, el.offsetTop - 12));
  }

  function announce(text, urgent) {
    var region = urgent ? ui.assertive : ui.polite;
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 60);
  }

  function addEntry(model, options) {
    var opts = options || {};
    var wasNearBottom = isNearBottom();
    var el = renderMessage(model);
    var firstPending = opts.beforePending ? ui.log.querySelector(".ccw-queued") : null;
    if (firstPending) ui.log.insertBefore(el, firstPending);
    else ui.log.appendChild(el);
    if (opts.announce) {
      var urgent = model.kind === "crisis" || model.kind === "emergency";
      var who =
        model.role === "staff"
          ? (model.staffName || "A member of our team") + ", clinic team, says: "
          : urgent
            ? "Important: "
            : "Assistant: ";
      announce(who + (model.text || (urgent ? ALERT_TEXT[model.kind].fallback : "")), urgent);
    }
    if (model.role === "patient" || opts.forceScroll) {
      state.revealEl = null;
      scrollToBottom();
    } else if (opts.announce || wasNearBottom || model.kind === "crisis" || model.kind === "emergency") {
      state.revealEl = el;
      reveal(el);
    }
    return el;
  }

  function addNote(text, extraClass) {
    var el = h("p", { class: "ccw-note" + (extraClass ? " " + extraClass : "") }, [text]);
    ui.log.appendChild(el);
    scrollToBottom();
    return el;
  }

  function normalizeButtons(list) {
    if (!Array.isArray(list)) return [];
    return list
      .filter(function (b) {
        return isObject(b) && typeof b.title === "string" && b.title.trim() &&
          typeof b.payload === "string" && b.payload.trim();
      })
      .slice(0, 8)
      .map(function (b) {
        return { title: b.title.trim().slice(0, 120), payload: b.payload.slice(0, config.maxLength) };
      });
  }

  function clearQuickReplies() {
    Array.prototype.forEach.call(ui.log.querySelectorAll(".ccw-quick"), function (group) {
      var hadFocus = group.contains(ui.shadow.activeElement);
      group.remove();
      if (hadFocus) ui.input.focus();
    });
  }

  function renderQuickReplies(buttons) {
    clearQuickReplies();
    if (!buttons.length) return;
    var group = h("div", { class: "ccw-quick", role: "group", "aria-label": "Suggested replies" });
    buttons.forEach(function (b) {
      group.appendChild(
        h("button", {
          type: "button",
          class: "ccw-chip",
          text: b.title,
          onclick: function () {
            Array.prototype.forEach.call(group.querySelectorAll("button"), function (btn) {
              btn.disabled = true;
            });
            sendMessage(b.payload, b.title);
            ui.input.focus();
          },
        })
      );
    });
    ui.log.appendChild(group);
    if (state.revealEl) reveal(state.revealEl);
    else if (isNearBottom()) scrollToBottom();
  }

  // ------------------------------------------------------------------------------------------
  // Typing indicator and connection banner
  // ------------------------------------------------------------------------------------------

  function showTyping() {
    ui.typing.hidden = false;
    ui.typingSr.textContent = "";
    scrollToBottom();
    window.clearTimeout(state.typingTimer);
    state.typingTimer = window.setTimeout(function () {
      hideTyping();
      addNote(
        "This is taking longer than usual. You can wait or try asking again. If you need " +
          "help now, call 911 or call or text 988." +
          (config.clinicPhone ? " You can also call the clinic at " + config.clinicPhone + "." : ""),
        "ccw-note-slow"
      );
    }, config.replyTimeoutMs);
  }

  function hideTyping() {
    window.clearTimeout(state.typingTimer);
    ui.typing.hidden = true;
  }

  function isReady() {
    return state.socketReady && !state.netOffline;
  }

  function updateBanner() {
    window.clearTimeout(state.bannerTimer);
    if (isReady()) {
      ui.banner.hidden = true;
      ui.root.classList.remove("ccw-offline");
      return;
    }
    // A short grace period avoids a flash on quick reconnects.
    state.bannerTimer = window.setTimeout(function () {
      if (isReady()) return;
      var text = state.everConnected || state.netOffline
        ? "You're offline. Reconnecting… Anything you send now will be delivered when the connection is back."
        : "We can't reach the assistant right now. We'll keep trying, and anything you send will be delivered when it's back.";
      ui.bannerText.textContent = text;
      ui.banner.hidden = false;
      ui.root.classList.add("ccw-offline");
      hideTyping();
    }, state.netOffline ? 0 : 700);
  }

  // ------------------------------------------------------------------------------------------
  // Sending
  // ------------------------------------------------------------------------------------------

  function onInputChange() {
    var value = ui.input.value;
    if (value.length > config.maxLength) {
      ui.input.value = value.slice(0, config.maxLength);
      value = ui.input.value;
    }
    var threshold = Math.floor(config.maxLength * COUNTER_FROM);
    if (value.length >= threshold) {
      ui.counter.hidden = false;
      ui.counter.textContent = value.length + " / " + config.maxLength;
      ui.counter.classList.toggle("ccw-counter-full", value.length >= config.maxLength);
      if (value.length >= config.maxLength && !ui.counter.dataset.announced) {
        ui.counter.dataset.announced = "1";
        announce("Character limit reached: " + config.maxLength + " characters.", false);
      }
    } else {
      ui.counter.hidden = true;
      delete ui.counter.dataset.announced;
    }
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 160) + "px";
  }

  function submitInput() {
    var text = ui.input.value.trim();
    if (!text) {
      ui.input.value = "";
      onInputChange();
      return;
    }
    if (sendMessage(text, null)) {
      ui.input.value = "";
      onInputChange();
    }
  }

  /** Queues one patient message (typed text or a button payload) and flushes if online. */
  function sendMessage(message, title) {
    var text = String(message || "").trim().slice(0, config.maxLength);
    if (!text) return false;
    ensureStarted();
    clearQuickReplies();
    state.lastBot = null;
    var item = { message: text, title: title || null };
    item.el = addEntry({ role: "patient", text: title || text, pending: !isReady() }, { forceScroll: true });
    item.el.classList.add("ccw-queued");
    state.queue.push(item);
    touchActivity();
    saveQueue();
    connect();
    flushQueue();
    return true;
  }

  function markSent(el) {
    if (!el) return;
    el.classList.remove("ccw-is-pending", "ccw-queued");
    var pending = el.querySelector(".ccw-pending");
    if (pending) pending.remove();
  }

  function flushQueue() {
    if (!isReady()) {
      state.queue.forEach(function (item) {
        if (item.el && !item.el.classList.contains("ccw-is-pending")) {
          var fresh = renderMessage({ role: "patient", text: item.title || item.message, pending: true });
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
      var item = state.queue.shift();
      var data = { message: item.message, session_id: state.sessionId };
      if (item.title) data.metadata = { button_title: item.title };
      state.socket.emit("user_uttered", data);
      state.serverCount += 1;
      markSent(item.el);
    }
    saveQueue();
    showTyping();
  }

  // ------------------------------------------------------------------------------------------
  // Receiving
  // ------------------------------------------------------------------------------------------

  function onBotUttered(message) {
    if (!isObject(message)) return;
    touchActivity();
    if (state.historyPending) {
      state.bufferedBot.push(message);
      return;
    }
    handleBotMessage(message, true);
  }

  function handleBotMessage(message, live) {
    var custom = isObject(message.custom) ? message.custom : null;
    var text = typeof message.text === "string" ? message.text.trim() : "";
    var buttons = normalizeButtons(message.quick_replies || message.buttons);
    var kind = custom && typeof custom.kind === "string" ? custom.kind : null;
    var sources = custom && Array.isArray(custom.sources) ? custom.sources : [];
    var fromStaff = !!(custom && custom.from_staff);
    hideTyping();

    if (!text) {
      var urgent = kind === "crisis" || kind === "emergency";
      if (custom && !fromStaff && state.lastBot && !state.lastBot.model.hasCustom) {
        // A payload that belongs to the text message just before it.
        var model = state.lastBot.model;
        model.kind = kind;
        model.sources = sources;
        model.hasCustom = true;
        model.kbId = custom && typeof custom.kb_id === "string" ? custom.kb_id : null;
        model.askFeedback = live && !!model.kbId;
        var upgraded = renderMessage(model);
        state.lastBot.el.replaceWith(upgraded);
        state.lastBot.el = upgraded;
        if (urgent && live) announce("Important: " + model.text, true);
        if (buttons.length) renderQuickReplies(buttons);
        return;
      }
      if (!urgent) {
        if (buttons.length) renderQuickReplies(buttons);
        if (buttons.length || custom) state.serverCount += 1;
        return;
      }
    }
    var entry = {
      role: fromStaff ? "staff" : "bot",
      text: text,
      kind: kind,
      sources: sources,
      staffName: custom && typeof custom.staff_name === "string" ? custom.staff_name : null,
      hasCustom: !!custom,
      kbId: custom && typeof custom.kb_id === "string" ? custom.kb_id : null,
      askFeedback: !!live && !fromStaff,
    };
    var el = addEntry(entry, { announce: live, beforePending: true });
    state.lastBot = fromStaff ? null : { model: entry, el: el };
    state.serverCount += 1;
    if (buttons.length) renderQuickReplies(buttons);
    if (live && !state.open) {
      state.unread += 1;
      updateUnread();
    }
  }

  function updateUnread() {
    if (state.unread > 0) {
      ui.badge.hidden = false;
      ui.badge.textContent = String(state.unread);
      ui.badge.appendChild(h("span", { class: "ccw-sr", text: state.unread === 1 ? " new message" : " new messages" }));
    } else {
      ui.badge.hidden = true;
      ui.badge.textContent = "";
    }
  }

  // ------------------------------------------------------------------------------------------
  // History
  // ------------------------------------------------------------------------------------------

  function fetchHistory() {
    // The id goes in the body, never the URL (URLs end up in logs and browser history);
    // text/plain keeps it a simple request (no CORS preflight).
    var url = new URL(config.historyUrl, location.href);
    return fetch(url.href, {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ session_id: state.sessionId }),
    }).then(function (resp) {
      if (!resp.ok) throw new Error("history " + resp.status);
      return resp.json();
    }).then(function (data) {
      return data && Array.isArray(data.messages) ? data.messages : [];
    });
  }

  function historyToModel(item) {
    var role = item.role === "patient" || item.role === "staff" ? item.role : "bot";
    return {
      role: role,
      text: typeof item.text === "string" ? item.text : "",
      kind: typeof item.kind === "string" ? item.kind : null,
      sources: Array.isArray(item.sources) ? item.sources : [],
      staffName: typeof item.staff_name === "string" ? item.staff_name : null,
      hasCustom: !!item.kind,
    };
  }

  function renderHistory(messages, fromIndex) {
    var lastEl = null;
    for (var i = fromIndex; i < messages.length; i += 1) {
      var item = messages[i];
      if (!isObject(item)) continue;
      var model = historyToModel(item);
      var urgent = model.kind === "crisis" || model.kind === "emergency";
      if (!model.text && !urgent) continue;
      lastEl = addEntry(model, { beforePending: true });
      state.lastBot = model.role === "bot" ? { model: model, el: lastEl } : null;
    }
    var last = messages[messages.length - 1];
    if (isObject(last) && last.role !== "patient") {
      renderQuickReplies(normalizeButtons(last.buttons));
    }
  }

  function showGreeting() {
    addEntry({ role: "bot", text: config.greeting, kind: "smalltalk", sources: [] });
    renderQuickReplies(normalizeButtons(config.starters));
  }

  /** Shows the conversation so far (history, else the greeting), once per session. */
  function ensureStarted(hasHistory) {
    if (state.started) return state.historyPromise || Promise.resolve();
    state.started = true;
    var pendingItems = loadQueue();
    function restoreQueue() {
      pendingItems.forEach(function (d) {
        var el = addEntry({ role: "patient", text: d.title || d.message, pending: true });
        el.classList.add("ccw-queued");
        state.queue.push({ message: d.message, title: d.title, el: el });
      });
    }
    if (!hasHistory) {
      showGreeting();
      restoreQueue();
      state.historyPromise = Promise.resolve();
      return state.historyPromise;
    }
    state.historyPending = true;
    var loading = addNote("Loading your conversation…", "ccw-note-loading");
    state.historyPromise = fetchHistory()
      .then(function (messages) {
        loading.remove();
        if (messages.length) {
          renderHistory(messages, 0);
          state.serverCount = messages.length;
        } else {
          showGreeting();
        }
      })
      .catch(function () {
        loading.remove();
        addNote("We couldn't load your earlier messages right now. You can still send a new message.");
      })
      .then(function () {
        state.historyPending = false;
        restoreQueue();
        var buffered = state.bufferedBot.splice(0);
        var shownTexts = Array.prototype.map.call(
          ui.log.querySelectorAll(".ccw-row-bot .ccw-body, .ccw-row-staff .ccw-body"),
          function (el) {
            return el.textContent;
          }
        ).slice(-5);
        buffered.forEach(function (msg) {
          // Skip a live message that the history already contained.
          var probe = h("div");
          renderRich(probe, typeof msg.text === "string" ? msg.text.trim() : "");
          if (probe.textContent && shownTexts.indexOf(probe.textContent) !== -1) return;
          handleBotMessage(msg, true);
        });
        flushQueue();
      });
    return state.historyPromise;
  }

  /** After a reconnect: appends messages the server sent while we were away. */
  function syncMissed() {
    return fetchHistory()
      .then(function (messages) {
        if (messages.length > state.serverCount) {
          renderHistory(messages, state.serverCount);
          state.serverCount = messages.length;
        }
      })
      .catch(function () {
        /* keep going without the missed messages */
      });
  }

  // ------------------------------------------------------------------------------------------
  // Connection
  // ------------------------------------------------------------------------------------------

  var ioLoading = null;
  function loadSocketIo() {
    if (ioLoading) return ioLoading;
    if (typeof userConfig.io === "function") {
      ioLoading = Promise.resolve(userConfig.io);
      return ioLoading;
    }
    ioLoading = new Promise(function (resolve, reject) {
      var hadIo = Object.prototype.hasOwnProperty.call(window, "io");
      var previous = window.io;
      var tag = document.createElement("script");
      tag.src = new URL("vendor/socket.io.min.js", assetBase).href;
      tag.async = true;
      tag.onload = function () {
        var lib = window.io;
        if (hadIo) window.io = previous; // leave the host page's own "io" alone
        if (typeof lib === "function") resolve(lib);
        else reject(new Error("socket.io client did not load"));
      };
      tag.onerror = function () {
        reject(new Error("socket.io client could not be loaded"));
      };
      (document.head || document.documentElement).appendChild(tag);
    });
    return ioLoading;
  }

  function connect() {
    if (state.socket || state.connecting) return;
    state.connecting = true;
    loadSocketIo()
      .then(function (io) {
        state.io = io;
        var socket = io(config.serverUrl, {
          path: config.socketPath,
          reconnection: true,
          reconnectionDelay: 1000,
          reconnectionDelayMax: 5000,
          timeout: 10000,
          withCredentials: false,
        });
        state.socket = socket;
        socket.on("connect", function () {
          socket.emit("session_request", { session_id: state.sessionId });
        });
        socket.on("session_confirm", function (confirmed) {
          var wasReconnect = state.disconnectedOnce;
          if (typeof confirmed === "string" && confirmed !== state.sessionId && UUID_RE.test(confirmed)) {
            // The server chose another id (it refused ours): use it from now on.
            state.sessionId = confirmed;
            local.set("session", confirmed);
          }
          state.socketReady = true;
          state.everConnected = true;
          updateBanner();
          var ready = state.historyPromise || Promise.resolve();
          ready
            .then(function () {
              return wasReconnect ? syncMissed() : null;
            })
            .then(function () {
              flushQueue();
            });
        });
        socket.on("bot_uttered", onBotUttered);
        socket.on("error_message", function (data) {
          hideTyping();
          var reason = isObject(data) && typeof data.error === "string" ? data.error.slice(0, 200) : "";
          addNote(
            "Sorry, that message could not be sent" + (reason ? " (" + reason + ")" : "") +
              ". Please try again. If you need help now, call 911 or call or text 988."
          );
        });
        socket.on("disconnect", function (reason) {
          state.socketReady = false;
          state.disconnectedOnce = true;
          updateBanner();
          flushQueue();
          if (reason === "io server disconnect") {
            // The server closed the session on purpose; socket.io won't retry by itself.
            window.setTimeout(function () {
              if (state.socket === socket && !socket.connected) socket.connect();
            }, 2000);
          }
        });
        socket.on("connect_error", function () {
          state.socketReady = false;
          updateBanner();
        });
      })
      .catch(function () {
        state.connecting = false;
        ioLoading = null;
        updateBanner();
        window.setTimeout(connect, 5000);
      });
  }

  // ------------------------------------------------------------------------------------------
  // Open / close / notice / start over
  // ------------------------------------------------------------------------------------------

  function isMobile() {
    return !!(window.matchMedia && window.matchMedia(MOBILE_QUERY).matches);
  }

  function lockScroll(lock) {
    var docEl = document.documentElement;
    if (lock && state.scrollLocked === null) {
      state.scrollLocked = docEl.style.overflow;
      docEl.style.overflow = "hidden";
    } else if (!lock && state.scrollLocked !== null) {
      docEl.style.overflow = state.scrollLocked;
      state.scrollLocked = null;
    }
  }

  function applyLayout() {
    var mobile = isMobile();
    if (mobile) ui.panel.setAttribute("aria-modal", "true");
    else ui.panel.removeAttribute("aria-modal");
    ui.root.classList.toggle("ccw-mobile", mobile);
    lockScroll(state.open && mobile);
  }

  function open(options) {
    var opts = options || {};
    if (state.open) {
      if (opts.focus !== false) ui.input.focus();
      return;
    }
    state.open = true;
    perTab.set("open", "1");
    ui.panel.hidden = false;
    ui.root.classList.add("ccw-is-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.notice.hidden = local.get("notice") === "ack";
    if (ui.notice.hidden) ui.panel.removeAttribute("aria-describedby");
    else ui.panel.setAttribute("aria-describedby", ui.noticeTextId);
    applyLayout();
    state.unread = 0;
    updateUnread();
    ensureStarted(state.hadStoredSession);
    connect();
    if (opts.focus !== false) {
      ui.input.focus({ preventScroll: true });
    }
    if (!ui.notice.hidden) ui.scroller.scrollTop = 0;
    else scrollToBottom();
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    perTab.remove("open");
    cancelStartOver();
    ui.panel.hidden = true;
    ui.root.classList.remove("ccw-is-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    lockScroll(false);
    ui.launcher.focus();
  }

  function toggle() {
    if (state.open) close();
    else open();
  }

  function dismissNotice() {
    local.set("notice", "ack");
    ui.notice.hidden = true;
    ui.panel.removeAttribute("aria-describedby");
    ui.input.focus();
  }

  function askStartOver() {
    ui.confirm.hidden = false;
    ui.confirmNo.focus();
  }

  function cancelStartOver() {
    if (ui.confirm.hidden) return;
    ui.confirm.hidden = true;
    ui.restartBtn.focus();
  }

  function startOver() {
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
    hideTyping();
    ui.log.textContent = "";
    ui.confirm.hidden = true;
    ensureStarted(false);
    if (state.socket) {
      // A fresh connection leaves the old conversation's room on the server.
      state.socketReady = false;
      state.socket.disconnect();
      state.disconnectedOnce = false;
      state.socket.connect();
    } else {
      connect();
    }
    announce("Chat ended and cleared from this device. You can start a new one.", false);
    ui.input.focus();
  }

  var FOCUSABLE =
    'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), ' +
    'select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

  function focusables() {
    return Array.prototype.filter.call(ui.panel.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0 && !el.closest("[hidden]");
    });
  }

  function onPanelKeydown(event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      if (!ui.confirm.hidden) cancelStartOver();
      else close();
      return;
    }
    if (event.key === "Tab" && isMobile()) {
      // Full-screen on phones: keep focus inside the panel.
      var items = focusables();
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      var active = ui.shadow.activeElement;
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

  function init() {
    if (!document.body) {
      document.addEventListener("DOMContentLoaded", init);
      return;
    }
    state.hadStoredSession = loadSession();
    buildUi();
    if (window.matchMedia) {
      var mq = window.matchMedia(MOBILE_QUERY);
      var onChange = function () {
        applyLayout();
      };
      if (mq.addEventListener) mq.addEventListener("change", onChange);
      else if (mq.addListener) mq.addListener(onChange);
    }
    window.addEventListener("offline", function () {
      state.netOffline = true;
      updateBanner();
    });
    window.addEventListener("online", function () {
      state.netOffline = false;
      updateBanner();
      flushQueue();
    });
    document.addEventListener("click", function (event) {
      var trigger = event.target && event.target.closest ? event.target.closest("[data-clinic-chat-open]") : null;
      if (trigger) {
        event.preventDefault();
        open();
      }
    });
    // While the page stays open, an idle conversation is cleared too (shared computers).
    window.setInterval(function () {
      if (state.started && local.get("lastActive") && idleTooLong()) startOver();
    }, 30000);
    // A returning patient: connect now so replies from the clinic team arrive (and are counted
    // on the launcher) even while the panel is closed.
    if (state.hadStoredSession) {
      ensureStarted(true);
      connect();
    }
    if (perTab.get("open") === "1" || userConfig.openOnLoad === true) open({ focus: false });
  }

  window.ClinicChat = {
    version: VERSION,
    open: function () {
      open();
    },
    close: close,
    startOver: startOver,
    get sessionId() {
      return state.sessionId;
    },
    get connected() {
      return isReady();
    },
  };

  init();
})();
