// A small streaming JSON writer for rendering decoded messages (the dissector, conformance).
// Bytes are base64; UUIDs are Kafka's URL-safe base64 without padding. Every value is written
// so that json_reader.ts reads back exactly what was decoded (docs/dissector-json.md):
// -0.0, NaN and the infinities as their own forms, strings that are not valid UTF-8 as hex,
// and the tagged fields the codec does not know.
import { RawTaggedField } from "./tagged";
import { hasLoneSurrogate, utf8Bytes } from "./utf8";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function base64(v: Uint8Array, alphabet: string = B64, pad: bool = true): string {
  // One string of the final length, written in place: linear in the input, one allocation.
  const n = v.byteLength;
  const full = n / 3, rest = n % 3;
  const len = full * 4 + (rest == 0 ? 0 : (pad ? 4 : rest + 1));
  const out = changetype<string>(__new(<usize>len << 1, idof<string>()));
  const o = changetype<usize>(out), a = changetype<usize>(alphabet), src = v.dataStart;
  let j: usize = 0;
  for (let i = 0; i < full * 3; i += 3) {
    const x = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<u16>(o + j, load<u16>(a + (((x >> 18) & 63) << 1)));
    store<u16>(o + j + 2, load<u16>(a + (((x >> 12) & 63) << 1)));
    store<u16>(o + j + 4, load<u16>(a + (((x >> 6) & 63) << 1)));
    store<u16>(o + j + 6, load<u16>(a + ((x & 63) << 1)));
    j += 8;
  }
  if (rest != 0) {
    const i = full * 3;
    const x = (<u32>load<u8>(src + i) << 16) | (rest == 2 ? <u32>load<u8>(src + i + 1) << 8 : 0);
    store<u16>(o + j, load<u16>(a + (((x >> 18) & 63) << 1)));
    store<u16>(o + j + 2, load<u16>(a + (((x >> 12) & 63) << 1)));
    j += 4;
    if (rest == 2) { store<u16>(o + j, load<u16>(a + (((x >> 6) & 63) << 1))); j += 2; }
    else if (pad) { store<u16>(o + j, 0x3d); j += 2; }
    if (pad) store<u16>(o + j, 0x3d);
  }
  return out;
}

export class JsonWriter {
  private parts: Array<string> = [];
  /** Per open container: whether a value was written yet (for commas). */
  private first: Array<bool> = [];
  private afterKey: bool = false;

  private sep(): void {
    if (this.afterKey) { this.afterKey = false; return; }
    const n = this.first.length;
    if (n > 0) {
      if (unchecked(this.first[n - 1])) unchecked(this.first[n - 1] = false);
      else this.parts.push(",");
    }
  }

  beginObject(): void { this.sep(); this.parts.push("{"); this.first.push(true); }
  endObject(): void { this.parts.push("}"); this.first.pop(); }
  beginArray(): void { this.sep(); this.parts.push("["); this.first.push(true); }
  endArray(): void { this.parts.push("]"); this.first.pop(); }
  key(k: string): void { this.sep(); this.parts.push(quote(k) + ":"); this.afterKey = true; }
  nul(): void { this.sep(); this.parts.push("null"); }
  bool(v: bool): void { this.sep(); this.parts.push(v ? "true" : "false"); }
  int(v: i64): void { this.sep(); this.parts.push(v.toString()); }
  float(v: f64): void { this.sep(); this.parts.push(floatText(v)); }

  /** A string; one that is not valid UTF-8 on the wire (wire/utf8.ts escapes) as {"_hex": its bytes}. */
  str(v: string | null): void {
    this.sep();
    if (v == null) this.parts.push("null");
    else if (hasLoneSurrogate(v)) this.parts.push("{\"_hex\":\"" + hex(utf8Bytes(v)) + "\"}");
    else this.parts.push(quote(v));
  }

  /** The tagged fields a struct does not know, as "_unknownTagged": [{"tag": n, "hex": bytes}], in their order. */
  unknownTagged(fields: Array<RawTaggedField> | null): void {
    if (fields == null || fields.length == 0) return;
    this.key("_unknownTagged");
    this.beginArray();
    for (let i = 0; i < fields.length; i++) {
      this.beginObject();
      this.key("tag");
      this.int(<i64>fields[i].tag);
      this.key("hex");
      this.str(hex(fields[i].data));
      this.endObject();
    }
    this.endArray();
  }
  bytes(v: Uint8Array | null): void { this.sep(); this.parts.push(v == null ? "null" : "\"" + base64(v) + "\""); }
  uuid(v: Uint8Array | null): void { this.sep(); this.parts.push(v == null ? "null" : "\"" + base64(v, B64URL, false) + "\""); }

  toString(): string { return this.parts.join(""); }
}

/** The canonical NaN, written as "NaN"; other NaN bit patterns are written with their bits. */
const CANONICAL_NAN: u64 = 0x7ff8000000000000;

/**
 * A float64 as JSON that reads back to the same 64 bits: finite values as numbers (-0.0 keeps
 * its sign), and the values JSON numbers cannot hold as strings: "Infinity", "-Infinity",
 * "NaN", or "NaN:<16 hex digits>" for a NaN with another sign or payload.
 */
export function floatText(v: f64): string {
  const bits = reinterpret<u64>(v);
  if (isNaN(v)) return bits == CANONICAL_NAN ? "\"NaN\"" : "\"NaN:" + hex64(bits) + "\"";
  if (!isFinite(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  if (v == 0) return bits == 0 ? "0.0" : "-0.0";
  return v.toString();
}

const HEX = "0123456789abcdef";

/** Lower-case hex of the bytes. */
export function hex(v: Uint8Array): string {
  // One string of the final length, written in place (as base64 does).
  const n = v.byteLength;
  const out = changetype<string>(__new(<usize>n << 2, idof<string>()));
  const o = changetype<usize>(out), a = changetype<usize>(HEX), src = v.dataStart;
  for (let i = 0; i < n; i++) {
    const b = <usize>load<u8>(src + i);
    store<u16>(o + (<usize>i << 2), load<u16>(a + ((b >> 4) << 1)));
    store<u16>(o + (<usize>i << 2) + 2, load<u16>(a + ((b & 15) << 1)));
  }
  return out;
}

function hex64(bits: u64): string {
  let out = "";
  for (let shift = 60; shift >= 0; shift -= 4) out += HEX.charAt(<i32>((bits >> <u64>shift) & 15));
  return out;
}

/** A JSON string literal for `s` (quotes, backslashes and control characters escaped). */
export function quote(s: string): string {
  let out = "\"";
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c || c < 0x20) {
      out += s.substring(run, i);
      if (c == 0x22) out += "\\\"";
      else if (c == 0x5c) out += "\\\\";
      else if (c == 0x0a) out += "\\n";
      else if (c == 0x0d) out += "\\r";
      else if (c == 0x09) out += "\\t";
      else out += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
      run = i + 1;
    }
  }
  return out + s.substring(run) + "\"";
}
