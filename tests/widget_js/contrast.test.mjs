// The accent colour: the clinic's colour, darkened until white text on it passes WCAG AA.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  TARGET_CONTRAST,
  accessibleAccent,
  contrast,
  luminance,
  parseHex,
  toHex,
} from "../../clinicbot/widget/static/js/contrast.js";

const WHITE = [255, 255, 255];

describe("contrast", () => {
  it("parses #rgb and #rrggbb, nothing else", () => {
    assert.deepEqual(parseHex("#0f766e"), [15, 118, 110]);
    assert.deepEqual(parseHex("#FC0"), [255, 204, 0]);
    for (const bad of ["0f766e", "#12345", "#ggg", "red", "", null, "#0f766e; background:url(x)"]) {
      assert.equal(parseHex(bad), null, String(bad));
    }
  });

  it("matches the WCAG reference values", () => {
    assert.equal(luminance([0, 0, 0]), 0);
    assert.equal(luminance(WHITE), 1);
    assert.equal(contrast([0, 0, 0], WHITE), 21);
    assert.equal(contrast(WHITE, WHITE), 1);
    assert.ok(Math.abs(contrast([118, 118, 118], WHITE) - 4.54) < 0.01); // #767676, the AA grey
  });

  it("round-trips hex", () => {
    assert.equal(toHex([15, 118, 110]), "#0f766e");
    assert.equal(toHex([0, 10, 255]), "#000aff");
  });

  it("keeps a colour that already passes", () => {
    assert.equal(accessibleAccent("#0f766e"), "#0f766e");
    assert.equal(accessibleAccent("#000000"), "#000000");
  });

  it("darkens light colours until white text passes AA", () => {
    for (const hex of ["#ffcc00", "#ffffff", "#7fdbff", "#f0f", "#2ecc40"]) {
      const out = accessibleAccent(hex);
      assert.notEqual(out, hex);
      assert.ok(contrast(parseHex(out), WHITE) >= TARGET_CONTRAST, `${hex} -> ${out}`);
      assert.ok(TARGET_CONTRAST >= 4.5);
    }
  });

  it("keeps the hue while darkening (channels scale together)", () => {
    const [r, g, b] = parseHex(accessibleAccent("#ffcc00"));
    assert.ok(r > g && g > b, `${r} ${g} ${b}`);
  });

  it("falls back to the default teal for an invalid colour", () => {
    for (const bad of ["javascript:alert(1)", "", undefined, "#12"]) {
      assert.equal(accessibleAccent(bad), "#0f766e");
    }
  });
});
