// Typed reads from a parsed JSON value, for the generated fromJson: the reverse of
// JsonWriter. Problems are collected as "path: what is wrong" and the field keeps its default.
import { JsonValue, JsonKind } from "../../config/json";

export class JsonErrors {
  readonly list: Array<string> = [];
  add(path: string, problem: string): void { if (this.list.length < 20) this.list.push(path + ": " + problem); }
  get ok(): bool { return this.list.length == 0; }
}

export function jsonInt(v: JsonValue, path: string, e: JsonErrors, min: i64, max: i64): i64 {
  if (v.kind != JsonKind.Number) { e.add(path, "expected an integer"); return 0; }
  const text = v.str;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39) && !(i == 0 && c == 0x2d)) { e.add(path, "expected an integer, got " + text); return 0; }
  }
  // Magnitude check on the digits, then parse: I64.parseInt wraps silently.
  const digits = text.startsWith("-") ? text.length - 1 : text.length;
  if (digits > 19) { e.add(path, text + " is out of range"); return 0; }
  const n = I64.parseInt(text, 10);
  if (n < min || n > max || (digits == 19 && (text.startsWith("-") ? n > 0 : n < 0))) { e.add(path, text + " is out of range"); return 0; }
  return n;
}

export function jsonUint32(v: JsonValue, path: string, e: JsonErrors): u32 {
  if (v.kind != JsonKind.Number) { e.add(path, "expected an integer"); return 0; }
  const n = jsonInt(v, path, e, 0, 4294967295);
  return <u32>n;
}

export function jsonBool(v: JsonValue, path: string, e: JsonErrors): bool {
  if (v.kind != JsonKind.Bool) { e.add(path, "expected true or false"); return false; }
  return v.bool;
}

export function jsonFloat(v: JsonValue, path: string, e: JsonErrors): f64 {
  if (v.kind != JsonKind.Number) { e.add(path, "expected a number"); return 0; }
  // The parser's own value is exact only for integers; parse the text, correctly rounded.
  return parseFloat(v.str);
}

export function jsonString(v: JsonValue, path: string, e: JsonErrors): string {
  if (v.kind != JsonKind.String) { e.add(path, "expected a string"); return ""; }
  return v.str;
}

function b64Value(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b || c == 0x2d) return 62; // + (standard) or - (URL-safe)
  if (c == 0x2f || c == 0x5f) return 63; // / (standard) or _ (URL-safe)
  return -1;
}

/** Standard or URL-safe base64, padded or not. Null on a bad character. */
export function base64Decode(s: string): Uint8Array | null {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) == 0x3d) n--;
  if (n % 4 == 1) return null;
  const out = new Uint8Array((n * 3) >> 2);
  let acc: u32 = 0, bits = 0, o = 0;
  for (let i = 0; i < n; i++) {
    const d = b64Value(s.charCodeAt(i));
    if (d < 0) return null;
    acc = (acc << 6) | <u32>d;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = <u8>(acc >> bits); }
  }
  return out;
}

export function jsonBytes(v: JsonValue, path: string, e: JsonErrors): Uint8Array {
  if (v.kind != JsonKind.String) { e.add(path, "expected base64 text"); return new Uint8Array(0); }
  const b = base64Decode(v.str);
  if (b == null) { e.add(path, "is not base64"); return new Uint8Array(0); }
  return b;
}

export function jsonUuid(v: JsonValue, path: string, e: JsonErrors): Uint8Array {
  const b = jsonBytes(v, path, e);
  if (b.byteLength != 16) { e.add(path, "a UUID is 16 bytes of URL-safe base64 (22 characters)"); return new Uint8Array(16); }
  return b;
}

/** The items of an array value (null for JSON null), or null with an error. */
export function jsonArray(v: JsonValue, path: string, e: JsonErrors): Array<JsonValue> | null {
  if (v.kind != JsonKind.Array) { e.add(path, "expected an array"); return null; }
  return v.items;
}

export function jsonObject(v: JsonValue, path: string, e: JsonErrors): bool {
  if (v.kind != JsonKind.Object) { e.add(path, "expected an object"); return false; }
  return true;
}
