/**
 * The widget's settings: the embedding page's ``window.ClinicChatConfig`` merged with defaults.
 *
 * Pure: no DOM, no globals read at import time (Node's test runner imports it).
 */

export const VERSION = "1.0.0";
export const HEX_RE = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
export const DEFAULT_PRIMARY = "#0f766e";
export const MOBILE_QUERY = "(max-width: 599.98px)";
/** Show the character counter from 90 % of the limit. */
export const COUNTER_FROM = 0.9;
/** The composer never accepts more than this many characters. */
export const MAX_LENGTH = 2000;

export const DEFAULT_STARTERS = [
  { title: "What are the side effects?", payload: "What are the side effects?" },
  { title: "How much does it cost?", payload: "How much does treatment cost?" },
  { title: "Talk to a person", payload: "I would like to talk to a person" },
];

/**
 * Builds the configuration.
 *
 * @param {object|undefined} userConfig The page's ``window.ClinicChatConfig`` (anything).
 * @param {{assetBase: URL, location: {protocol: string, hostname: string}}} env Where the
 *   widget's files are (``/widget/``) and the page's location.
 * @returns {object} The configuration the other modules read.
 */
export function readConfig(userConfig, env) {
  const user = userConfig && typeof userConfig === "object" ? userConfig : {};
  function pick(key, fallback, type) {
    const value = user[key];
    if (value === undefined || value === null || value === "") return fallback;
    if (type && typeof value !== type) return fallback;
    return value;
  }
  const clinicName = pick("clinicName", "the clinic", "string");
  const loc = env.location;
  return {
    serverUrl: pick(
      "serverUrl",
      loc.protocol + "//" + (loc.hostname || "127.0.0.1") + ":" + pick("serverPort", 5005),
      "string"
    ),
    socketPath: pick("socketPath", "/socket.io", "string"),
    historyUrl: pick("historyUrl", new URL("api/history", env.assetBase).href, "string"),
    feedbackUrl: pick("feedbackUrl", new URL("api/feedback", env.assetBase).href, "string"),
    clinicName: clinicName,
    title: pick("title", clinicName, "string"),
    clinicPhone: pick("clinicPhone", "", "string"),
    primaryColor: HEX_RE.test(String(user.primaryColor || "")) ? user.primaryColor : DEFAULT_PRIMARY,
    position: user.position === "left" ? "left" : "right",
    storagePrefix: pick("storagePrefix", "clinicChat", "string"),
    maxLength: Math.max(1, Math.min(pick("maxLength", MAX_LENGTH, "number"), MAX_LENGTH)),
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
    starters: Array.isArray(user.starters) ? user.starters : DEFAULT_STARTERS,
    openOnLoad: user.openOnLoad === true,
    // A socket.io client the page provides (tests, or pages that already load one).
    io: typeof user.io === "function" ? user.io : null,
  };
}
