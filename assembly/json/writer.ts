// Writes a JsonValue (assembly/config/json.ts) back as UTF-8 JSON: keys in their order, numbers
// as they were written (no digits lost to f64), strings escaped. Lone surrogates, which the
// parser lets through from \u escapes, are written as escapes again, so the output is always
// valid UTF-8 and valid JSON.
import { JsonValue, JsonKind } from "../config/json";

/** The JSON text of `v`, encoded as UTF-8. */
export function writeJson(v: JsonValue): ArrayBuffer {
  const parts = new Array<string>();
  write(v, parts);
  return String.UTF8.encode(parts.join(""));
}

function write(v: JsonValue, out: Array<string>): void {
  switch (v.kind) {
    case JsonKind.Null: out.push("null"); return;
    case JsonKind.Bool: out.push(v.bool ? "true" : "false"); return;
    case JsonKind.Number: out.push(v.str.length > 0 ? v.str : numberText(v.num)); return;
    case JsonKind.String: out.push(quoteJson(v.str)); return;
    case JsonKind.Array: {
      out.push("[");
      for (let i = 0; i < v.items.length; i++) { if (i > 0) out.push(","); write(v.items[i], out); }
      out.push("]");
      return;
    }
    default: {
      out.push("{");
      for (let i = 0; i < v.keys.length; i++) {
        if (i > 0) out.push(",");
        out.push(quoteJson(v.keys[i]));
        out.push(":");
        write(v.items[i], out);
      }
      out.push("}");
    }
  }
}

/** A number made in code (no text as written): integers exactly, non-finite values as null. */
function numberText(n: f64): string {
  if (!isFinite(n)) return "null";
  if (n == Math.floor(n) && Math.abs(n) < 9007199254740992) return (<i64>n).toString();
  return n.toString();
}

const HEX = "0123456789abcdef";

function escapeUnit(c: i32): string {
  return "\\u" + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
}

/** `s` as a JSON string literal. */
export function quoteJson(s: string): string {
  let out = "\"";
  let run = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c < 0x20) esc = escapeUnit(c);
    else if (c >= 0xd800 && c <= 0xdbff) {
      // A high surrogate is fine only followed by a low one: then both go out as they are.
      if (i + 1 < n) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; } }
      esc = escapeUnit(c);
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = escapeUnit(c);
    if (esc != null) {
      out += s.substring(run, i) + esc;
      run = i + 1;
    }
  }
  return out + s.substring(run) + "\"";
}
