// A small streaming JSON writer for rendering decoded messages (the dissector, conformance).
// Bytes are base64; UUIDs are Kafka's URL-safe base64 without padding.

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function base64(v: Uint8Array, alphabet: string = B64, pad: bool = true): string {
  let out = "";
  const n = v.byteLength;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const x = (<u32>v[i] << 16) | (<u32>v[i + 1] << 8) | <u32>v[i + 2];
    out += alphabet.charAt((x >> 18) & 63) + alphabet.charAt((x >> 12) & 63) + alphabet.charAt((x >> 6) & 63) + alphabet.charAt(x & 63);
  }
  if (i < n) {
    const x = (<u32>v[i] << 16) | (i + 1 < n ? <u32>v[i + 1] << 8 : 0);
    out += alphabet.charAt((x >> 18) & 63) + alphabet.charAt((x >> 12) & 63);
    out += i + 1 < n ? alphabet.charAt((x >> 6) & 63) : (pad ? "=" : "");
    out += pad ? "=" : "";
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
