// Rich text: paragraphs, bullets, links, and the escaping of hostile input.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  inlineTokens,
  parseRich,
  plainText,
  renderRich,
  safeHttpUrl,
  trimUrl,
} from "../../clinicbot/widget/static/js/richtext.js";
import { container } from "./fake_dom.mjs";

const HOSTILE = [
  '<img src=x onerror="alert(1)">',
  "<script>alert(1)</script>",
  '<a href="javascript:alert(1)">click</a>',
  "&lt;b&gt;not bold&lt;/b&gt;",
  '"><svg onload=alert(1)>',
];

function render(text) {
  const div = container();
  renderRich(div, text);
  return div;
}

describe("parseRich", () => {
  it("splits paragraphs on blank lines and keeps single line breaks", () => {
    const blocks = parseRich("First line\nsecond line\n\nNew paragraph");
    assert.deepEqual(
      blocks.map((b) => [b.type, b.lines.length]),
      [["p", 2], ["p", 1]]
    );
  });

  it("turns '- ', '* ' and '• ' lines into one list", () => {
    const blocks = parseRich("Bring:\n- a ride home\n* water\n• your medicines\nThanks");
    assert.deepEqual(blocks.map((b) => b.type), ["p", "ul", "p"]);
    assert.deepEqual(
      blocks[1].items.map((tokens) => tokens.map((t) => t.text).join("")),
      ["a ride home", "water", "your medicines"]
    );
  });

  it("treats Windows and old Mac line endings like \\n", () => {
    assert.deepEqual(parseRich("a\r\nb\rc")[0].lines.length, 3);
  });

  it("gives nothing for empty or non-string input", () => {
    for (const value of ["", "   \n  ", null, undefined, 0]) assert.deepEqual(parseRich(value), []);
    assert.equal(plainText({ toString: () => "x" }), "x");
  });
});

describe("links", () => {
  it("links http(s) URLs without the sentence's punctuation", () => {
    const tokens = inlineTokens("See https://clinic.example/prep).");
    assert.deepEqual(tokens[1], {
      type: "url",
      href: "https://clinic.example/prep",
      text: "https://clinic.example/prep",
    });
    assert.equal(tokens[2].text, ").");
    assert.equal(trimUrl("https://en.wikipedia.org/wiki/Ketamine_(drug)"), "https://en.wikipedia.org/wiki/Ketamine_(drug)");
  });

  it("never links javascript:, data: or other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "file:///etc/passwd"]) {
      assert.ok(inlineTokens(text).every((t) => t.type === "text"), text);
    }
    assert.equal(safeHttpUrl("javascript:alert(1)"), null);
    assert.equal(safeHttpUrl("https://ok.example/"), "https://ok.example/");
  });

  it("links phone numbers as tel:, and as sms: after 'text us at'", () => {
    const call = inlineTokens("Call (555) 010-0142 today");
    assert.equal(call[1].href, "tel:5550100142");
    assert.equal(call[1].label, "(555) 010-0142 (phone call)");
    const text = inlineTokens("Text us at 555-010-0142.");
    assert.equal(text[1].type, "sms");
    assert.equal(text[1].href, "sms:5550100142");
    assert.equal(inlineTokens("call or text 988")[1].href, "tel:988");
  });

  it("does not link numbers inside prices, ids or URLs", () => {
    for (const text of ["$555-010-0142", "order #555-010-0142", "555-010-0142%", "ref 555.010.0142.5"]) {
      assert.ok(inlineTokens(text).every((t) => t.type === "text"), text);
    }
  });

  it("links only URLs in citations (urlsOnly)", () => {
    const tokens = inlineTokens("Guide 2023, p. 555-010-0142, https://src.example/", true);
    assert.deepEqual(tokens.map((t) => t.type), ["text", "url"]);
  });

  it("keeps every character: the tokens join back to the input", () => {
    const text = "Call 911, or 988; see http://a.example/x?y=1 and (555) 010-0142.";
    assert.equal(inlineTokens(text).map((t) => t.text).join(""), text);
  });
});

describe("renderRich (hostile input)", () => {
  for (const text of HOSTILE) {
    it(`shows ${JSON.stringify(text)} as text only`, () => {
      const div = render(text);
      const elements = div.descendants();
      assert.deepEqual(elements.map((e) => e.tagName), ["P"]);
      assert.equal(div.textContent, text);
      assert.equal(plainText(text), text);
    });
  }

  it("builds lists and links as elements with safe attributes only", () => {
    const div = render("Steps:\n- read https://clinic.example/a\n- call 555-010-0142\nDone");
    assert.deepEqual(div.descendants().map((e) => e.tagName), ["P", "UL", "LI", "A", "LI", "A", "P"]);
    const [web, phone] = div.descendants().filter((e) => e.tagName === "A");
    assert.deepEqual(web.attributes, {
      href: "https://clinic.example/a",
      target: "_blank",
      rel: "noopener noreferrer nofollow",
    });
    assert.deepEqual(phone.attributes, {
      href: "tel:5550100142",
      class: "ccw-tel",
      "aria-label": "555-010-0142 (phone call)",
    });
  });

  it("separates the lines of a paragraph with <br>", () => {
    const p = render("one\ntwo").children[0];
    assert.deepEqual(p.childNodes.map((n) => n.tagName || n.data), ["one", "BR", "two"]);
  });

  it("a hostile URL stays inside its href, never becomes markup", () => {
    const div = render('https://x.example/"onmouseover="alert(1)');
    const link = div.descendants().find((e) => e.tagName === "A");
    assert.equal(link.getAttribute("href"), "https://x.example/");
    assert.equal(div.textContent, 'https://x.example/"onmouseover="alert(1)');
  });

  it("plainText equals what renderRich shows", () => {
    const text = "Hi\n- one https://a.example\n- two\n\nCall 911.";
    assert.equal(plainText(text), render(text).textContent);
  });
});
