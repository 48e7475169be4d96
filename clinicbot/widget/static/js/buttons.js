/**
 * Quick-reply buttons from the server (or the page's starters): only well-formed ones, bounded.
 *
 * Pure functions (Node's test runner imports this module).
 */

/** At most this many buttons are shown under a message. */
export const MAX_BUTTONS = 8;
/** Button titles are cut to this many characters. */
export const MAX_TITLE_LENGTH = 120;

/** True for a plain object (not null, not an array). */
export function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Keeps the buttons that have a non-empty string title and payload.
 *
 * @param {unknown} list Buttons as received (anything).
 * @param {number} maxLength Longest payload sent (the composer's limit).
 * @returns {{title: string, payload: string}[]} At most {@link MAX_BUTTONS}, titles trimmed
 *   and cut to {@link MAX_TITLE_LENGTH}, payloads cut to ``maxLength``.
 */
export function normalizeButtons(list, maxLength) {
  if (!Array.isArray(list)) return [];
  return list
    .filter(
      (b) =>
        isObject(b) &&
        typeof b.title === "string" &&
        b.title.trim() !== "" &&
        typeof b.payload === "string" &&
        b.payload.trim() !== ""
    )
    .slice(0, MAX_BUTTONS)
    .map((b) => ({ title: b.title.trim().slice(0, MAX_TITLE_LENGTH), payload: b.payload.slice(0, maxLength) }));
}
