/**
 * Colour: keep the clinic's colour, darkened until white text on it passes WCAG AA (4.5:1).
 *
 * Pure functions (Node's test runner imports this module).
 */

import { DEFAULT_PRIMARY, HEX_RE } from "./config.js";

/** The contrast the accent keeps with white text (a margin above AA's 4.5:1). */
export const TARGET_CONTRAST = 4.8;
const WHITE = [255, 255, 255];

/** ``#rgb`` or ``#rrggbb`` -> ``[r, g, b]``; null for anything else. */
export function parseHex(hex) {
  const m = HEX_RE.exec(hex || "");
  if (!m) return null;
  const s = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
}

/** WCAG relative luminance of ``[r, g, b]`` (0 black .. 1 white). */
export function luminance(rgb) {
  const c = rgb.map((v) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** WCAG contrast ratio of two colours (1 .. 21). */
export function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** ``[r, g, b]`` -> ``#rrggbb``. */
export function toHex(rgb) {
  return "#" + rgb.map((v) => (v + 0x100).toString(16).slice(1)).join("");
}

/**
 * The clinic's colour, darkened step by step until white text on it has at least
 * {@link TARGET_CONTRAST}; an invalid colour gives the default teal.
 */
export function accessibleAccent(hex) {
  let rgb = parseHex(hex) || parseHex(DEFAULT_PRIMARY);
  let guard = 0;
  while (contrast(rgb, WHITE) < TARGET_CONTRAST && guard < 40) {
    rgb = rgb.map((v) => Math.floor(v * 0.92));
    guard += 1;
  }
  return toHex(rgb);
}
