// Typed reads from a parsed JSON value, for the generated fromJson: the reverse of
// JsonWriter, special forms included (docs/dissector-json.md). Problems are collected as
// "path: what is wrong" and the field keeps its default; nothing here traps on bad input.
import { JsonValue, JsonKind } from "../../config/json";
import { RawTaggedField } from "./tagged";
import { decodeUtf8 } from "./utf8";
import { parseDecimal } from "./decimal";

export class JsonErrors {
  readonly list: Array<string> = [];
  /** Paths of the fields the JSON left out, which keep their defaults. */
  readonly filled: Array<string> = [];
  add(path: string, problem: string): void { if (this.list.length < 20) this.list.push(path + ": " + problem); }
  get ok(): bool { return this.list.length == 0; }
}

/**
 * One JSON object being read into a struct by its generated fromJson: hands out each field's
 * value, records the fields left out (they keep their defaults), and at the end reports the
 * keys no field took. `path` is the field last asked for, e.g. "ProduceRequest.TopicData[0].Name".
 */
export class JsonFields {
  path: string = "";
  private readonly used: StaticArray<bool>;

  private constructor(private readonly v: JsonValue, private readonly version: i16, private readonly base: string, private readonly e: JsonErrors) {
    this.used = new StaticArray<bool>(v.keys.length);
  }

  /** The reader of `v`, or null (with an error) when it is not an object. */
  static of(v: JsonValue, version: i16, base: string, e: JsonErrors): JsonFields | null {
    if (!jsonObject(v, base, e)) return null;
    return new JsonFields(v, version, base, e);
  }

  private find(key: string): i32 {
    const keys = this.v.keys;
    for (let i = 0; i < keys.length; i++) if (unchecked(keys[i]) == key) return i;
    return -1;
  }

  /**
   * The value of field `name` (JSON key `key`), or null when the JSON leaves it out: then it
   * keeps its default and its path goes to `filled`. A field that is not `present` in this
   * version must not appear at all.
   */
  field(key: string, name: string, present: bool): JsonValue | null {
    this.path = this.base + "." + name;
    const i = this.find(key);
    if (!present) {
      if (i >= 0) { this.used[i] = true; this.e.add(this.path, "is not in version " + this.version.toString() + " of this message"); }
      return null;
    }
    if (i < 0) { this.e.filled.push(this.path); return null; }
    this.used[i] = true;
    return unchecked(this.v.items[i]);
  }

  /** The path of element `i` of the current (array) field. */
  item(i: i32): string { return this.path + "[" + i.toString() + "]"; }

  /** "_unknownTagged": [{"tag": n, "hex": bytes}, …], as JsonWriter.unknownTagged writes it; null when absent. */
  unknownTagged(): Array<RawTaggedField> | null {
    const i = this.find("_unknownTagged");
    if (i < 0) return null;
    this.used[i] = true;
    const path = this.base + "._unknownTagged";
    const items = jsonArray(unchecked(this.v.items[i]), path, this.e);
    if (items == null) return null;
    const out = new Array<RawTaggedField>();
    for (let k = 0; k < items.length; k++) {
      const at = path + "[" + k.toString() + "]";
      const f = JsonFields.of(items[k], this.version, at, this.e);
      if (f == null) continue;
      const tag = f.field("tag", "tag", true);
      const data = f.field("hex", "hex", true);
      f.finish();
      if (tag == null || data == null) { this.e.add(at, "needs both \"tag\" and \"hex\""); continue; }
      out.push(new RawTaggedField(jsonUint32(tag, at + ".tag", this.e), jsonHex(data, at + ".hex", this.e)));
    }
    return out;
  }

  /** A tag in "_unknownTagged" that this struct knows at this version is an error: set the field instead. */
  rejectKnownTag(fields: Array<RawTaggedField> | null, tag: u32, name: string): void {
    if (fields == null) return;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i].tag == tag) this.e.add(this.base + "._unknownTagged", "tag " + tag.toString() + " is the field " + name + " in this version; set that field instead");
    }
  }

  /** Reports every key no field took. */
  finish(): void {
    const keys = this.v.keys;
    for (let i = 0; i < keys.length; i++) {
      if (this.used[i]) continue;
      const key = unchecked(keys[i]);
      const first = this.find(key);
      if (first != i) this.e.add(this.base, "the key \"" + key + "\" appears more than once");
      else if (key == "_unknownTagged") this.e.add(this.base + "._unknownTagged", "tagged fields exist only in flexible versions, and version " + this.version.toString() + " is not one");
      else this.e.add(this.base, "unknown field \"" + key + "\"");
    }
  }
}

/** A JSON null where the field cannot be null: the error, and true. */
function isBadNull(v: JsonValue, path: string, e: JsonErrors): bool {
  if (v.kind != JsonKind.Null) return false;
  e.add(path, "cannot be null in this version");
  return true;
}

export function jsonInt(v: JsonValue, path: string, e: JsonErrors, min: i64, max: i64): i64 {
  if (isBadNull(v, path, e)) return 0;
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
  if (isBadNull(v, path, e)) return 0;
  if (v.kind != JsonKind.Number) { e.add(path, "expected an integer"); return 0; }
  const n = jsonInt(v, path, e, 0, 4294967295);
  return <u32>n;
}

export function jsonBool(v: JsonValue, path: string, e: JsonErrors): bool {
  if (isBadNull(v, path, e)) return false;
  if (v.kind != JsonKind.Bool) { e.add(path, "expected true or false"); return false; }
  return v.bool;
}

/**
 * A float64: a JSON number, or one of the strings JsonWriter uses for what numbers cannot
 * hold: "NaN", "Infinity", "-Infinity", "NaN:<16 hex digits>" (a NaN's exact bits).
 */
export function jsonFloat(v: JsonValue, path: string, e: JsonErrors): f64 {
  if (isBadNull(v, path, e)) return 0;
  if (v.kind == JsonKind.String) {
    const s = v.str;
    if (s == "NaN") return NaN;
    if (s == "Infinity") return Infinity;
    if (s == "-Infinity") return -Infinity;
    if (s.length == 20 && s.startsWith("NaN:")) {
      const bits = hexU64(s, 4);
      // Only a NaN has this form; other bit patterns are written as numbers.
      if (bits != null && isNaN(reinterpret<f64>(bits.value))) return reinterpret<f64>(bits.value);
    }
    e.add(path, "expected a number, \"NaN\", \"Infinity\", \"-Infinity\" or \"NaN:\" and a NaN's 16 hex digits, got \"" + s + "\"");
    return 0;
  }
  if (v.kind != JsonKind.Number) { e.add(path, "expected a number"); return 0; }
  // The parser's own value is exact only for integers; parse the text, correctly rounded.
  return parseDecimal(v.str);
}

/** A u64 that may be absent: AssemblyScript has no nullable numbers. */
class U64 { constructor(readonly value: u64) {} }

/** The hex digits of `s` from `from` on as a u64 (16 digits at most), or null when one is not hex. */
function hexU64(s: string, from: i32): U64 | null {
  let bits: u64 = 0;
  for (let i = from; i < s.length; i++) {
    const d = hexDigit(s.charCodeAt(i));
    if (d < 0) return null;
    bits = (bits << 4) | <u64>d;
  }
  return new U64(bits);
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Hex text (two digits a byte) as bytes; an error and no bytes when it is not that. */
export function jsonHex(v: JsonValue, path: string, e: JsonErrors): Uint8Array {
  if (v.kind != JsonKind.String) { e.add(path, "expected hex text"); return new Uint8Array(0); }
  const s = v.str;
  if ((s.length & 1) != 0) { e.add(path, "hex text needs two digits a byte"); return new Uint8Array(0); }
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i)), lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) { e.add(path, "is not hex text"); return new Uint8Array(0); }
    out[i] = <u8>((hi << 4) | lo);
  }
  return out;
}

/** A string: JSON text, or {"_hex": bytes} for one that is not valid UTF-8 (wire/utf8.ts keeps those bytes). */
export function jsonString(v: JsonValue, path: string, e: JsonErrors): string {
  if (isBadNull(v, path, e)) return "";
  if (v.kind == JsonKind.Object) {
    const h = v.get("_hex");
    if (h == null || v.keys.length != 1) { e.add(path, "expected a string, or {\"_hex\": bytes}"); return ""; }
    const b = jsonHex(h, path + "._hex", e);
    return decodeUtf8(b.dataStart, b.byteLength);
  }
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
  if (isBadNull(v, path, e)) return new Uint8Array(0);
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
  if (isBadNull(v, path, e)) return null;
  if (v.kind != JsonKind.Array) { e.add(path, "expected an array"); return null; }
  return v.items;
}

export function jsonObject(v: JsonValue, path: string, e: JsonErrors): bool {
  if (isBadNull(v, path, e)) return false;
  if (v.kind != JsonKind.Object) { e.add(path, "expected an object"); return false; }
  return true;
}
