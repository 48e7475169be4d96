// Quick-reply buttons: only well-formed ones, bounded in number and length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  MAX_BUTTONS,
  MAX_TITLE_LENGTH,
  isObject,
  normalizeButtons,
} from "../../clinicbot/widget/static/js/buttons.js";

describe("normalizeButtons", () => {
  it("keeps title and payload of well-formed buttons, trimming the title", () => {
    assert.deepEqual(normalizeButtons([{ title: "  Yes ", payload: "/affirm", extra: 1 }], 2000), [
      { title: "Yes", payload: "/affirm" },
    ]);
  });

  it("drops malformed buttons", () => {
    const list = [
      null,
      "Yes",
      ["Yes", "/affirm"],
      { title: "", payload: "/x" },
      { title: "   ", payload: "/x" },
      { title: "No payload" },
      { title: "Blank payload", payload: "  " },
      { title: 5, payload: "/x" },
      { title: "Object payload", payload: { evil: true } },
      { title: "Good", payload: "/good" },
    ];
    assert.deepEqual(normalizeButtons(list, 2000), [{ title: "Good", payload: "/good" }]);
  });

  it("gives [] for anything that is not a list", () => {
    for (const value of [undefined, null, "x", 3, { title: "a", payload: "b" }]) {
      assert.deepEqual(normalizeButtons(value, 2000), []);
    }
  });

  it("caps the number of buttons and the lengths", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ title: "t".repeat(500) + i, payload: "p".repeat(3000) }));
    const out = normalizeButtons(many, 2000);
    assert.equal(out.length, MAX_BUTTONS);
    assert.ok(out.every((b) => b.title.length === MAX_TITLE_LENGTH && b.payload.length === 2000));
    assert.equal(normalizeButtons(many, 10)[0].payload, "pppppppppp");
  });

  it("keeps hostile titles as plain strings (the view shows them as text)", () => {
    const out = normalizeButtons([{ title: "<img src=x onerror=alert(1)>", payload: "/x" }], 2000);
    assert.equal(out[0].title, "<img src=x onerror=alert(1)>");
  });

  it("isObject accepts plain objects only", () => {
    assert.equal(isObject({}), true);
    for (const value of [null, [], "x", 1, undefined]) assert.equal(isObject(value), false);
  });
});
