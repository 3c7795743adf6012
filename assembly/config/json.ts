// A small JSON parser for plugin configuration. It never traps: bad input gives
// null and an error message with the offset. Nesting depth is bounded.

export enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  num: f64 = 0;
  /** A string's value, or a number's text as written. */
  str: string = "";
  items: Array<JsonValue> = [];
  keys: Array<string> = [];

  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (unchecked(this.keys[i]) == key) return unchecked(this.items[i]);
    return null;
  }
  get isNull(): bool { return this.kind == JsonKind.Null; }
}

export class JsonParser {
  error: string = "";
  private pos: i32 = 0;
  private readonly s: string;
  constructor(text: string, readonly maxDepth: i32 = 32) { this.s = text; }

  /** The document's value, or null with `error` set. */
  parse(): JsonValue | null {
    const v = this.value(0);
    if (v == null) return null;
    this.ws();
    if (this.pos != this.s.length) return this.fail("unexpected text after the value");
    return v;
  }

  private fail(msg: string): JsonValue | null {
    if (this.error.length == 0) this.error = msg + " at offset " + this.pos.toString();
    return null;
  }

  private ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) this.pos++;
      else break;
    }
  }

  private value(depth: i32): JsonValue | null {
    if (depth > this.maxDepth) return this.fail("nesting deeper than " + this.maxDepth.toString());
    this.ws();
    if (this.pos >= this.s.length) return this.fail("unexpected end");
    const c = this.s.charCodeAt(this.pos);
    const v = new JsonValue();
    if (c == 0x7b) { // {
      v.kind = JsonKind.Object;
      this.pos++;
      this.ws();
      if (this.pos < this.s.length && this.s.charCodeAt(this.pos) == 0x7d) { this.pos++; return v; }
      while (true) {
        this.ws();
        if (this.pos >= this.s.length || this.s.charCodeAt(this.pos) != 0x22) return this.fail("expected a key string");
        const k = this.string();
        if (k == null) return null;
        this.ws();
        if (this.pos >= this.s.length || this.s.charCodeAt(this.pos) != 0x3a) return this.fail("expected ':'");
        this.pos++;
        const item = this.value(depth + 1);
        if (item == null) return null;
        v.keys.push(k);
        v.items.push(item);
        this.ws();
        if (this.pos >= this.s.length) return this.fail("unexpected end in object");
        const d = this.s.charCodeAt(this.pos++);
        if (d == 0x7d) return v;
        if (d != 0x2c) return this.fail("expected ',' or '}'");
      }
    }
    if (c == 0x5b) { // [
      v.kind = JsonKind.Array;
      this.pos++;
      this.ws();
      if (this.pos < this.s.length && this.s.charCodeAt(this.pos) == 0x5d) { this.pos++; return v; }
      while (true) {
        const item = this.value(depth + 1);
        if (item == null) return null;
        v.items.push(item);
        this.ws();
        if (this.pos >= this.s.length) return this.fail("unexpected end in array");
        const d = this.s.charCodeAt(this.pos++);
        if (d == 0x5d) return v;
        if (d != 0x2c) return this.fail("expected ',' or ']'");
      }
    }
    if (c == 0x22) {
      const str = this.string();
      if (str == null) return null;
      v.kind = JsonKind.String;
      v.str = str;
      return v;
    }
    if (this.literal("true")) { v.kind = JsonKind.Bool; v.bool = true; return v; }
    if (this.literal("false")) { v.kind = JsonKind.Bool; return v; }
    if (this.literal("null")) return v;
    return this.number(v);
  }

  private literal(word: string): bool {
    if (this.pos + word.length > this.s.length) return false;
    if (this.s.substring(this.pos, this.pos + word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  /**
   * JSON numbers, read directly: configuration needs sizes and counts, and the
   * standard library's parseFloat would add several KB to every plugin. `num` is exact
   * for integers up to 2^53; a fraction may be off in its last bit, so code that needs
   * exact doubles parses `str`, the number's text, with parseFloat.
   */
  private number(v: JsonValue): JsonValue | null {
    const start = this.pos;
    let neg = false;
    if (this.peek() == 0x2d) { neg = true; this.pos++; }
    let value: f64 = 0;
    let digits = 0;
    while (this.isDigit(this.peek())) { value = value * 10 + <f64>(this.s.charCodeAt(this.pos++) - 0x30); digits++; }
    if (digits == 0) return this.fail("unexpected character");
    if (this.peek() == 0x2e) {
      this.pos++;
      let scale: f64 = 0.1;
      let frac = 0;
      while (this.isDigit(this.peek())) { value += <f64>(this.s.charCodeAt(this.pos++) - 0x30) * scale; scale /= 10; frac++; }
      if (frac == 0) return this.fail("bad number");
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      let expNeg = false;
      if (this.peek() == 0x2b || this.peek() == 0x2d) { expNeg = this.peek() == 0x2d; this.pos++; }
      let exp = 0;
      let expDigits = 0;
      while (this.isDigit(this.peek())) { if (exp < 400) exp = exp * 10 + (this.s.charCodeAt(this.pos) - 0x30); this.pos++; expDigits++; }
      if (expDigits == 0) return this.fail("bad number");
      let scale: f64 = 1;
      for (let i = 0; i < exp; i++) scale *= 10;
      value = expNeg ? value / scale : value * scale;
    }
    v.kind = JsonKind.Number;
    v.num = neg ? -value : value;
    // The text too: 64-bit integers need every digit, which an f64 cannot hold.
    v.str = this.s.substring(start, this.pos);
    return v;
  }

  @inline private peek(): i32 { return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1; }
  @inline private isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

  private hex4(): i32 {
    if (this.pos + 4 > this.s.length) return -1;
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.s.charCodeAt(this.pos + i);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      if (d < 0) return -1;
      code = code * 16 + d;
    }
    this.pos += 4;
    return code;
  }

  private string(): string | null {
    this.pos++; // opening quote
    let out = "";
    let runStart = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c == 0x22) {
        out += this.s.substring(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c == 0x5c) {
        out += this.s.substring(runStart, this.pos);
        if (this.pos + 1 >= this.s.length) break;
        const e = this.s.charCodeAt(this.pos + 1);
        this.pos += 2;
        if (e == 0x6e) out += "\n";
        else if (e == 0x74) out += "\t";
        else if (e == 0x72) out += "\r";
        else if (e == 0x62) out += "\b";
        else if (e == 0x66) out += "\f";
        else if (e == 0x75) {
          const code = this.hex4();
          if (code < 0) { this.fail("bad \\u escape"); return null; }
          out += String.fromCharCode(code);
        } else out += String.fromCharCode(e);
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
    this.fail("unterminated string");
    return null;
  }
}

/** Parses `text`; on failure returns null and puts the reason in `errorOut[0]`. */
export function parseJson(text: string, errorOut: Array<string>): JsonValue | null {
  const p = new JsonParser(text);
  const v = p.parse();
  if (v == null) errorOut.push(p.error);
  return v;
}
