// A minimal DOM for Node's test runner: enough for richtext.js's renderRich (createElement,
// createTextNode, setAttribute, appendChild, textContent). Any HTML-parsing API throws, so a
// test fails if the code under test ever reaches for one.

class Node {
  constructor(doc) {
    this.ownerDocument = doc;
    this.childNodes = [];
  }

  appendChild(child) {
    this.childNodes.push(child);
    return child;
  }

  get textContent() {
    return this.childNodes.map((c) => c.textContent).join("");
  }
}

class Text extends Node {
  constructor(doc, data) {
    super(doc);
    this.nodeType = 3;
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }
}

class Element extends Node {
  constructor(doc, tag) {
    super(doc);
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = {};
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }

  getAttribute(name) {
    return Object.prototype.hasOwnProperty.call(this.attributes, name) ? this.attributes[name] : null;
  }

  get children() {
    return this.childNodes.filter((c) => c.nodeType === 1);
  }

  /** Every element below this one, depth first. */
  descendants() {
    return this.children.flatMap((c) => [c, ...c.descendants()]);
  }

  set innerHTML(_value) {
    throw new Error("innerHTML used");
  }

  set outerHTML(_value) {
    throw new Error("outerHTML used");
  }

  insertAdjacentHTML() {
    throw new Error("insertAdjacentHTML used");
  }
}

export class FakeDocument {
  createElement(tag) {
    return new Element(this, tag);
  }

  createTextNode(data) {
    return new Text(this, data);
  }

  write() {
    throw new Error("document.write used");
  }
}

/** A detached ``<div>`` in a fresh fake document. */
export function container() {
  return new FakeDocument().createElement("div");
}
