/**
 * Safe formatting: message text -> paragraphs, "- " bullets, line breaks and links.
 *
 * Nothing from a message is ever parsed as HTML. {@link parseRich} turns text into plain data
 * (blocks of text and link tokens; pure, tested with Node's test runner) and
 * {@link renderRich} builds DOM nodes from it with ``createElement`` / ``createTextNode`` only.
 * Links: http(s) URLs (opened in a new tab), US phone numbers (``tel:``, or ``sms:`` after
 * "text us at") and the 911 / 988 short codes.
 */

const TOKEN_RE = new RegExp(
  [
    "(https?:\\/\\/[^\\s<>\"'`]+)", // 1: URL
    "((?:\\+?1[\\s.-]?)?(?:\\(\\d{3}\\)[\\s.-]?|\\b\\d{3}[\\s.-])\\d{3}[\\s.-]\\d{4}\\b)", // 2: phone
    "(\\b(?:911|988)\\b)", // 3: emergency / crisis short codes
  ].join("|"),
  "gi"
);
const SMS_BEFORE_RE = /\btext(?:\s+(?:us|them|HOME))?(?:\s+(?:at|to|on))?\s*$/i;
const CALL_OR_TEXT_RE = /\bcall or text\s*$/i;
const BULLET_RE = /^\s*[-•*]\s+(.*)$/;
export const URL_REL = "noopener noreferrer nofollow";

/** Drops trailing punctuation (and an unbalanced ")") that ends a sentence, not the URL. */
export function trimUrl(url) {
  let trimmed = url;
  for (;;) {
    const last = trimmed.charAt(trimmed.length - 1);
    if (".,;:!?'\"*".indexOf(last) !== -1) {
      trimmed = trimmed.slice(0, -1);
    } else if (
      last === ")" &&
      (trimmed.match(/\)/g) || []).length > (trimmed.match(/\(/g) || []).length
    ) {
      trimmed = trimmed.slice(0, -1);
    } else {
      return trimmed;
    }
  }
}

/** The normalised URL when it is http(s), else null (no ``javascript:``, ``data:`` ...). */
export function safeHttpUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

/**
 * Splits one line into tokens.
 *
 * @param {string} text The line.
 * @param {boolean} [urlsOnly] Link URLs only (citations: never page numbers as phones).
 * @returns {Array<{type: "text", text: string} |
 *   {type: "url", href: string, text: string} |
 *   {type: "tel"|"sms", href: string, text: string, label: string}>} Tokens whose texts,
 *   joined, give back ``text``.
 */
export function inlineTokens(text, urlsOnly) {
  const tokens = [];
  const re = new RegExp(TOKEN_RE.source, TOKEN_RE.flags);
  let pos = 0;
  let match;
  while ((match = re.exec(text)) !== null) {
    const start = match.index;
    let raw = match[0];
    let link = null;
    if (match[1]) {
      raw = trimUrl(raw);
      const href = safeHttpUrl(raw);
      if (href) link = { type: "url", href: href, text: raw };
    } else if (!urlsOnly) {
      const before = text.charAt(start - 1);
      const after = text.slice(start + raw.length, start + raw.length + 2);
      const embedded = /[\w$£€.,:;\/#-]/.test(before) || /^[\w%]|^[.,:;\/-]\d/.test(after);
      if (!embedded) {
        const digits = raw.replace(/[^\d+]/g, "");
        const lead = text.slice(Math.max(0, start - 24), start);
        const sms = SMS_BEFORE_RE.test(lead) && !CALL_OR_TEXT_RE.test(lead);
        link = {
          type: sms ? "sms" : "tel",
          href: (sms ? "sms:" : "tel:") + digits,
          text: raw,
          label: raw + (sms ? " (send a text message)" : " (phone call)"),
        };
      }
    }
    if (!link) continue;
    if (start > pos) tokens.push({ type: "text", text: text.slice(pos, start) });
    tokens.push(link);
    pos = start + raw.length;
    re.lastIndex = pos;
  }
  if (pos < text.length) tokens.push({ type: "text", text: text.slice(pos) });
  return tokens;
}

/**
 * Splits message text into blocks: paragraphs (lines joined by line breaks) and bullet lists.
 *
 * @param {unknown} text The message text (anything; non-strings count as empty).
 * @returns {Array<{type: "p", lines: object[][]} | {type: "ul", items: object[][]}>} Blocks
 *   of {@link inlineTokens}.
 */
export function parseRich(text) {
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let para = null;
  let list = null;
  for (const line of lines) {
    const bullet = BULLET_RE.exec(line);
    if (bullet) {
      para = null;
      if (!list) {
        list = { type: "ul", items: [] };
        blocks.push(list);
      }
      list.items.push(inlineTokens(bullet[1]));
      continue;
    }
    list = null;
    if (line.trim() === "") {
      para = null;
      continue;
    }
    if (!para) {
      para = { type: "p", lines: [] };
      blocks.push(para);
    }
    para.lines.push(inlineTokens(line));
  }
  return blocks;
}

/** The text a rendering of ``text`` shows (its ``textContent``), e.g. to spot duplicates. */
export function plainText(text) {
  const join = (tokens) => tokens.map((t) => t.text).join("");
  return parseRich(text)
    .map((b) => (b.type === "p" ? b.lines : b.items).map(join).join(""))
    .join("");
}

function appendTokens(parent, tokens) {
  const doc = parent.ownerDocument;
  for (const token of tokens) {
    if (token.type === "text") {
      parent.appendChild(doc.createTextNode(token.text));
      continue;
    }
    const a = doc.createElement("a");
    a.setAttribute("href", token.href);
    if (token.type === "url") {
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", URL_REL);
    } else {
      a.setAttribute("class", "ccw-tel");
      a.setAttribute("aria-label", token.label);
    }
    a.appendChild(doc.createTextNode(token.text));
    parent.appendChild(a);
  }
}

/** Appends ``text`` to ``parent`` as text nodes and safe links (phones unless ``urlsOnly``). */
export function appendInline(parent, text, urlsOnly) {
  appendTokens(parent, inlineTokens(String(text), urlsOnly));
}

/** Renders message text into ``container``: paragraphs, line breaks and bullet lists. */
export function renderRich(container, text) {
  const doc = container.ownerDocument;
  for (const block of parseRich(text)) {
    if (block.type === "ul") {
      const list = doc.createElement("ul");
      list.setAttribute("class", "ccw-list");
      for (const tokens of block.items) {
        const item = doc.createElement("li");
        appendTokens(item, tokens);
        list.appendChild(item);
      }
      container.appendChild(list);
      continue;
    }
    const para = doc.createElement("p");
    para.setAttribute("class", "ccw-p");
    block.lines.forEach((tokens, index) => {
      if (index > 0) para.appendChild(doc.createElement("br"));
      appendTokens(para, tokens);
    });
    container.appendChild(para);
  }
}
