// Indenting JSON text without parsing it into JavaScript values: JSON.parse would turn
// -0.0 into 0 and round int64 values above 2^53, and the dissector's JSON must carry every
// value exactly (docs/dissector-json.md). Only whitespace outside strings changes.

/** `text` (valid JSON) re-indented by `indent` spaces, one member or element a line, as JSON.stringify(v, null, indent) lays it out. */
export function indentJson(text: string, indent = 2): string {
  let out = "";
  let depth = 0;
  const newline = () => "\n" + " ".repeat(depth * indent);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Copy the string literal whole, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "{" || c === "[") {
      // Empty containers stay on one line: {} and [].
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] === (c === "{" ? "}" : "]")) { out += c + text[j]; i = j; continue; }
      depth++;
      out += c + newline();
    } else if (c === "}" || c === "]") {
      depth--;
      out += newline() + c;
    } else if (c === ",") {
      out += "," + newline();
    } else if (c === ":") {
      out += ": ";
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
