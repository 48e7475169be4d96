/**
 * Talking to the servers: the vendored socket.io client (Rasa's socket.io channel) and the web
 * server's REST endpoints (history, answer feedback). The session id always travels in a
 * request body, never in a URL (URLs end up in logs and browser history); ``text/plain``
 * bodies keep the requests simple (no CORS preflight).
 */

let ioLoading = null;

/**
 * Loads ``vendor/socket.io.min.js`` once, without taking over the page's own ``window.io``.
 *
 * @param {URL} assetBase The widget's folder (``/widget/``).
 * @param {Function|null} provided A client the page passed in its config (used as is).
 * @returns {Promise<Function>} The ``io`` function.
 */
export function loadSocketIo(assetBase, provided) {
  if (ioLoading) return ioLoading;
  if (typeof provided === "function") {
    ioLoading = Promise.resolve(provided);
    return ioLoading;
  }
  ioLoading = new Promise((resolve, reject) => {
    const hadIo = Object.prototype.hasOwnProperty.call(window, "io");
    const previous = window.io;
    const tag = document.createElement("script");
    tag.src = new URL("vendor/socket.io.min.js", assetBase).href;
    tag.async = true;
    tag.onload = () => {
      const lib = window.io;
      if (hadIo) window.io = previous; // leave the host page's own "io" alone
      if (typeof lib === "function") resolve(lib);
      else reject(new Error("socket.io client did not load"));
    };
    tag.onerror = () => reject(new Error("socket.io client could not be loaded"));
    (document.head || document.documentElement).appendChild(tag);
  });
  return ioLoading;
}

/** Forgets a failed load so the next {@link loadSocketIo} tries again. */
export function forgetSocketIo() {
  ioLoading = null;
}

/** Opens the socket.io connection to Rasa (reconnecting by itself; no cookies). */
export function openSocket(io, config) {
  return io(config.serverUrl, {
    path: config.socketPath,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 10000,
    withCredentials: false,
  });
}

function postJson(url, body) {
  return fetch(new URL(url, location.href).href, {
    method: "POST",
    credentials: "omit",
    cache: "no-store",
    headers: { "Content-Type": "text/plain" },
    body: JSON.stringify(body),
  });
}

/**
 * The current session of the conversation (``POST /widget/api/history``).
 *
 * @returns {Promise<object[]>} Its messages, oldest first; rejects on an HTTP error.
 */
export function fetchHistory(historyUrl, sessionId) {
  return postJson(historyUrl, { session_id: sessionId })
    .then((resp) => {
      if (!resp.ok) throw new Error("history " + resp.status);
      return resp.json();
    })
    .then((data) => (data && Array.isArray(data.messages) ? data.messages : []));
}

/**
 * Sends "Was this helpful?" (``POST /widget/api/feedback``).
 *
 * @returns {Promise<boolean>} Whether it was recorded (409 = already rated counts as yes).
 */
export function postFeedback(feedbackUrl, sessionId, kbId, helpful) {
  return postJson(feedbackUrl, { session_id: sessionId, kb_id: kbId, helpful: helpful })
    .then((resp) => resp.ok || resp.status === 409)
    .catch(() => false);
}
