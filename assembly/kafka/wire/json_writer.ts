// A small streaming JSON writer for rendering decoded messages (the dissector, conformance).
// Bytes are base64; UUIDs are Kafka's URL-safe base64 without padding.

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
  float(v: f64): void { this.sep(); this.parts.push(isFinite(v) ? v.toString() : "null"); }
  str(v: string | null): void { this.sep(); this.parts.push(v == null ? "null" : quote(v)); }
  bytes(v: Uint8Array | null): void { this.sep(); this.parts.push(v == null ? "null" : "\"" + base64(v) + "\""); }
  uuid(v: Uint8Array | null): void { this.sep(); this.parts.push(v == null ? "null" : "\"" + base64(v, B64URL, false) + "\""); }

  toString(): string { return this.parts.join(""); }
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
