// The device's storage: session ids, the idle limit and the queue of unsent messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { DEFAULT_STARTERS, MAX_LENGTH, readConfig } from "../../clinicbot/widget/static/js/config.js";
import {
  UUID_RE,
  decodeQueue,
  encodeQueue,
  idleTooLong,
  newSessionId,
} from "../../clinicbot/widget/static/js/storage.js";

describe("session ids", () => {
  it("uses crypto.randomUUID when there is one", () => {
    assert.equal(newSessionId({ randomUUID: () => "fixed" }), "fixed");
  });

  it("builds a version-4 UUID by hand where randomUUID is missing (plain http)", () => {
    const noRandomUuid = { getRandomValues: (a) => globalThis.crypto.getRandomValues(a) };
    const ids = new Set();
    for (let i = 0; i < 50; i += 1) {
      const id = newSessionId(noRandomUuid);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(UUID_RE.test(id));
      ids.add(id);
    }
    assert.equal(ids.size, 50);
  });

  it("accepts only UUIDs as stored ids", () => {
    assert.ok(UUID_RE.test("0f8fad5b-d9cb-469f-a165-70867728950e"));
    assert.ok(UUID_RE.test("0f8fad5bd9cb469fa16570867728950e"));
    for (const bad of ["", "sms:+15550100142", "0f8fad5b-d9cb-469f-a165-70867728950e<x>"]) {
      assert.equal(UUID_RE.test(bad), false, bad);
    }
  });
});

describe("idle limit", () => {
  const now = 1_800_000_000_000;
  it("is over after idleMinutes without activity, or with no record", () => {
    assert.equal(idleTooLong(String(now - 29 * 60000), 30, now), false);
    assert.equal(idleTooLong(String(now - 31 * 60000), 30, now), true);
    assert.equal(idleTooLong(null, 30, now), true);
    assert.equal(idleTooLong("garbage", 30, now), true);
  });
});

describe("unsent queue", () => {
  it("round-trips message and title, nothing else", () => {
    const raw = encodeQueue([{ message: "Hi", title: null, el: {} }, { message: "/a", title: "Yes" }]);
    assert.deepEqual(JSON.parse(raw), [
      { message: "Hi", title: null },
      { message: "/a", title: "Yes" },
    ]);
    assert.deepEqual(decodeQueue(raw, 2000), JSON.parse(raw));
    assert.equal(encodeQueue([]), null);
  });

  it("drops tampered or malformed stored data", () => {
    assert.deepEqual(decodeQueue("not json", 2000), []);
    assert.deepEqual(decodeQueue('{"message": "x"}', 2000), []);
    assert.deepEqual(decodeQueue(null, 2000), []);
    const raw = JSON.stringify([{ message: 5 }, null, { message: "x".repeat(2001) }, { message: "ok" }]);
    assert.deepEqual(decodeQueue(raw, 2000), [{ message: "ok" }]);
  });
});

describe("readConfig", () => {
  const env = { assetBase: new URL("https://assistant.example/widget/"), location: { protocol: "https:", hostname: "www.clinic.example" } };

  it("defaults next to the widget's files and to port 5005 on the page's host", () => {
    const config = readConfig(undefined, env);
    assert.equal(config.serverUrl, "https://www.clinic.example:5005");
    assert.equal(config.historyUrl, "https://assistant.example/widget/api/history");
    assert.equal(config.feedbackUrl, "https://assistant.example/widget/api/feedback");
    assert.equal(config.maxLength, MAX_LENGTH);
    assert.equal(config.starters, DEFAULT_STARTERS);
    assert.match(config.greeting, /the clinic/);
  });

  it("ignores options of the wrong type and bad colours; caps the length", () => {
    const config = readConfig(
      { clinicName: 42, primaryColor: "red; x", maxLength: 99999, position: "top", idleMinutes: 0, io: "no" },
      env
    );
    assert.equal(config.clinicName, "the clinic");
    assert.equal(config.primaryColor, "#0f766e");
    assert.equal(config.maxLength, MAX_LENGTH);
    assert.equal(config.position, "right");
    assert.equal(config.idleMinutes, 1);
    assert.equal(config.io, null);
  });

  it("uses the page's options", () => {
    const config = readConfig({ clinicName: "Riverbend", primaryColor: "#ffcc00", starters: [], position: "left" }, env);
    assert.equal(config.title, "Riverbend");
    assert.equal(config.primaryColor, "#ffcc00");
    assert.deepEqual(config.starters, []);
    assert.equal(config.position, "left");
    assert.match(config.greeting, /Riverbend/);
  });
});
