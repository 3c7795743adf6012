// Lays out the generated code for people: the emitters write a field's decode, size or encode as
// one line (an array's whole loop, both branches of a version test), which is easy to emit and
// hard to read. Any line longer than MAX_LINE is broken up here, after emitting:
//   - blocks and statements: a line after each `{` and `;` and before each `}`, outside strings,
//     parentheses and brackets (a `for (…; …; …)` header stays whole), indented by braces;
//     `} else {` stays on one line;
//   - long flat lists (a table of numbers in brackets): wrapped after commas.
// Only whitespace changes, so the compiled modules are the same bytes.

/** Lines longer than this are laid out again. */
export const MAX_LINE = 100;

const INDENT = "  ";

export function layout(text: string): string {
  return text.split("\n").map((line) => (line.length > MAX_LINE ? layoutLine(line) : line)).join("\n");
}

function layoutLine(line: string): string {
  const base = /^\s*/.exec(line)![0];
  const body = line.slice(base.length);
  // Comments and template strings are left as they are.
  if (body.startsWith("//") || body.includes("`") || hasLineComment(body)) return line;
  const names = wrapNames(base, body);
  if (names !== null) return names;
  const statements = splitStatements(body);
  if (statements !== null && statements.length > 1) {
    return statements.map(([level, s]) => `${base}${INDENT.repeat(level)}${s}`.trimEnd()).map((l) => (l.length > MAX_LINE ? layoutLine(l) : l)).join("\n");
  }
  return wrapList(base, body) ?? wrapParameters(base, body) ?? line;
}

/** `import { a, b, … } from "…";` (or export): the names wrapped after commas. */
function wrapNames(base: string, body: string): string | null {
  const m = /^((?:import|export) \{)([^{}]*)(\} from "[^"]+";)$/.exec(body);
  if (!m) return null;
  return [base + m[1], ...fill(base + INDENT, m[2].split(",").map((p) => p.trim()).filter((p) => p)), base + m[3]].join("\n");
}

/** A signature that opens a block (`name(a: A, b: B): C {`): its parameters on lines of their own. */
function wrapParameters(base: string, body: string): string | null {
  if (!body.endsWith("{")) return null;
  const open = body.indexOf("(");
  if (open < 0) return null;
  let depth = 0;
  let quote = "";
  for (let i = open; i < body.length; i++) {
    const c = body[i];
    if (quote) { if (c === "\\") i++; else if (c === quote) quote = ""; continue; }
    if (c === '"' || c === "'") { quote = c; continue; }
    if (c === "(") depth++;
    if (c === ")" && --depth === 0) {
      const params = splitTopLevel(body.slice(open + 1, i));
      if (params.length < 2) return null;
      return [base + body.slice(0, open + 1), ...fill(base + INDENT + INDENT, params), base + body.slice(i)].join("\n");
    }
  }
  return null;
}

/** `text` split at its commas outside parentheses, brackets, angle brackets and strings. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = "";
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) { cur += c; if (c === "\\") cur += text[++i] ?? ""; else if (c === quote) quote = ""; continue; }
    if (c === '"' || c === "'") { quote = c; cur += c; continue; }
    if ("([<".includes(c)) depth++;
    if (")]>".includes(c)) depth--;
    if (depth < 0) return [text.trim()];
    if (c === "," && depth === 0) { out.push(cur.trim()); cur = ""; continue; }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** `items` on lines of at most MAX_LINE characters, each line indented by `indent`, separated by commas. */
function fill(indent: string, items: string[]): string[] {
  const lines: string[] = [];
  let cur = "";
  items.forEach((item, k) => {
    const piece = k < items.length - 1 ? `${item},` : item;
    const next = cur ? `${cur} ${piece}` : piece;
    if (indent.length + next.length > MAX_LINE && cur) { lines.push(indent + cur); cur = piece; } else cur = next;
  });
  if (cur) lines.push(indent + cur);
  return lines;
}

/** Whether `body` has a `//` comment outside strings. */
function hasLineComment(body: string): boolean {
  let quote = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "/" && body[i + 1] === "/") return true;
  }
  return false;
}

/**
 * The statements and braces of `body` with their nesting level, or null when its braces or
 * brackets do not balance within the line (then it is not ours to break).
 */
function splitStatements(body: string): [number, string][] | null {
  const out: [number, string][] = [];
  let cur = "";
  let level = 0;
  let depth = 0;
  let quote = "";
  const push = () => { const s = cur.trim(); if (s) out.push([level, s]); cur = ""; };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      cur += c;
      if (c === "\\") { cur += body[++i] ?? ""; continue; }
      if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'") { quote = c; cur += c; continue; }
    if (c === "(" || c === "[") depth++;
    if (c === ")" || c === "]") depth--;
    if (depth < 0) return null;
    if (depth > 0) { cur += c; continue; }
    if (c === "{") {
      cur += c;
      push();
      level++;
    } else if (c === "}") {
      push();
      level--;
      if (level < 0) return null;
      cur = "}";
      // `} else`, `});` and `},` stay with the brace.
      const rest = body.slice(i + 1).trimStart();
      if (!/^(else\b|[);,])/.test(rest)) push();
    } else if (c === ";") {
      cur += c;
      push();
    } else {
      cur += c;
    }
  }
  push();
  if (level !== 0 || depth !== 0 || quote) return null;
  return out;
}

/** A long flat list in brackets, wrapped after commas; null when the line is not one. */
function wrapList(base: string, body: string): string | null {
  const open = body.indexOf("[");
  const close = body.lastIndexOf("]");
  if (open < 0 || close < open) return null;
  const items = body.slice(open + 1, close);
  if (items.trim() === "" || /[[\]{}"'`]/.test(items)) return null;
  const lines = fill(base + INDENT, items.split(",").map((p) => p.trim()));
  return [base + body.slice(0, open + 1), ...lines, base + body.slice(close)].join("\n");
}
