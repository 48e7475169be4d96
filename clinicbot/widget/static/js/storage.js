/**
 * What the widget keeps on the device: the session id, messages not sent yet, the time of the
 * last activity. ``localStorage`` / ``sessionStorage`` with an in-memory fallback when the
 * browser refuses storage (private modes, blocked cookies).
 */

export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const memoryStore = {};

/**
 * A small key-value store on ``window[kind]`` with every key prefixed.
 *
 * @param {"localStorage"|"sessionStorage"} kind Which storage.
 * @param {string} prefix Key prefix (the ``storagePrefix`` option).
 * @returns {{get: function(string): (string|null), set: function(string, string),
 *   remove: function(string)}} The store.
 */
export function storageFor(kind, prefix) {
  const full = (key) => prefix + ":" + key;
  return {
    get(key) {
      try {
        return window[kind].getItem(full(key));
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memoryStore, kind + full(key))
          ? memoryStore[kind + full(key)]
          : null;
      }
    },
    set(key, value) {
      try {
        window[kind].setItem(full(key), value);
      } catch (e) {
        memoryStore[kind + full(key)] = value;
      }
    },
    remove(key) {
      try {
        window[kind].removeItem(full(key));
      } catch (e) {
        delete memoryStore[kind + full(key)];
      }
    },
  };
}

/**
 * A new session id: ``crypto.randomUUID()``, or a hand-made version-4 UUID where that does not
 * exist (plain-http pages are not secure contexts).
 *
 * @param {Crypto} [cryptoApi] The Web Crypto object (default: the global one).
 * @returns {string} A UUID with dashes.
 */
export function newSessionId(cryptoApi) {
  const api = cryptoApi || globalThis.crypto;
  if (typeof api.randomUUID === "function") return api.randomUUID();
  const bytes = api.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.prototype.map.call(bytes, (b) => (b + 0x100).toString(16).slice(1)).join("");
  return (
    hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
    hex.slice(16, 20) + "-" + hex.slice(20)
  );
}

/** True when the last activity (epoch ms as stored, or nothing) is older than the limit. */
export function idleTooLong(lastActive, idleMinutes, now) {
  const last = Number(lastActive || 0);
  return !last || now - last > idleMinutes * 60000;
}

/** The unsent messages as stored: ``[{message, title}]`` JSON, or null when there are none. */
export function encodeQueue(items) {
  const data = items.map((item) => ({ message: item.message, title: item.title || null }));
  return data.length ? JSON.stringify(data) : null;
}

/** Reads stored unsent messages; anything malformed or longer than ``maxLength`` is dropped. */
export function decodeQueue(raw, maxLength) {
  if (!raw) return [];
  try {
    const data = JSON.parse(raw);
    return Array.isArray(data)
      ? data.filter((d) => d && typeof d.message === "string" && d.message.length <= maxLength)
      : [];
  } catch (e) {
    return [];
  }
}
