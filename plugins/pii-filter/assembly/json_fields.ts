// JSON field rules: mask values by field name or path in JSON record values, without parsing
// into objects. One forward pass over the bytes tracks where it is (a stack of object keys,
// as offsets into the record) and masks the values whose path matches, in place:
//   "ssn"                a key named ssn at any depth
//   "customer.email"     from the root: {"customer": {"email": …}}
//   "$.customer.email"   the same, explicitly anchored
//   "items.card"         arrays are transparent: every element's "card" in "items"
//   "customer.*"         any key under customer
// A matched string keeps its quotes and length (its characters are masked); a matched
// number keeps its length with every digit 0, so the record stays valid JSON; a matched
// object or array has all its strings and numbers masked. Anything that is not JSON (or
// stops being JSON halfway) is left to the other detectors.
import { mask } from "./chars";

const MAX_DEPTH = 64;

class Pattern {
  /** Segments as UTF-8 bytes; an empty segment is `*`. */
  readonly segments: Array<Uint8Array> = [];
  anywhere: bool = false;
}

@inline function isSpaceByte(c: u32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }

export class JsonFields {
  private readonly patterns: Array<Pattern> = [];
  // Where the walk is: per open container, whether it is an object, and the current key.
  private readonly isObject: StaticArray<bool> = new StaticArray<bool>(MAX_DEPTH);
  private readonly keyStart: StaticArray<i32> = new StaticArray<i32>(MAX_DEPTH);
  private readonly keyLen: StaticArray<i32> = new StaticArray<i32>(MAX_DEPTH);

  /** An error for an invalid path, or "". */
  static check(path: string): string {
    if (path.length == 0 || path.length > 256) return "must be 1 to 256 characters";
    const body = path.startsWith("$.") ? path.substring(2) : path;
    const parts = body.split(".");
    for (let i = 0; i < parts.length; i++) if (parts[i].length == 0) return "has an empty segment";
    if (parts.length > MAX_DEPTH) return "is deeper than " + MAX_DEPTH.toString();
    return "";
  }

  add(path: string): void {
    const p = new Pattern();
    const anchored = path.startsWith("$.");
    const body = anchored ? path.substring(2) : path;
    const parts = body.split(".");
    p.anywhere = !anchored && parts.length == 1;
    for (let i = 0; i < parts.length; i++) {
      p.segments.push(parts[i] == "*" ? new Uint8Array(0) : Uint8Array.wrap(String.UTF8.encode(parts[i])));
    }
    this.patterns.push(p);
  }

  get size(): i32 { return this.patterns.length; }

  /** Does the key path open at `depth` (keys of the object levels) match a pattern? */
  private matches(p: usize, depth: i32): bool {
    for (let k = 0; k < this.patterns.length; k++) {
      const pat = this.patterns[k];
      const segs = pat.segments;
      if (pat.anywhere) {
        if (depth > 0 && this.isObject[depth - 1] && this.keyIs(p, depth - 1, segs[0])) return true;
        continue;
      }
      // Object levels from the root must equal the segments, one for one.
      let s = 0;
      let ok = true;
      for (let d = 0; d < depth; d++) {
        if (!this.isObject[d]) continue;
        if (s >= segs.length || !this.keyIs(p, d, segs[s])) { ok = false; break; }
        s++;
      }
      if (ok && s == segs.length) return true;
    }
    return false;
  }

  private keyIs(p: usize, d: i32, seg: Uint8Array): bool {
    if (seg.byteLength == 0) return true;
    const len = this.keyLen[d];
    if (len != seg.byteLength) return false;
    return memory.compare(p + <usize>this.keyStart[d], seg.dataStart, <usize>len) == 0;
  }

  /**
   * Masks the values at matching paths in [p, p+n) (through chars.mask, so `partial` and
   * `hash` apply); returns how many values it masked.
   */
  scan(p: usize, n: i32): i32 {
    let i = 0;
    while (i < n && isSpaceByte(load<u8>(p + <usize>i))) i++;
    if (i >= n) return 0;
    const first = load<u8>(p + <usize>i);
    if (first != 0x7b && first != 0x5b) return 0;
    let depth = 0;
    let found = 0;
    // Inside a matched value: the depth where it began (its leaves are masked), else -1.
    let maskedFrom = -1;
    let expectKey = false;
    while (i < n) {
      const c = <u32>load<u8>(p + <usize>i);
      if (isSpaceByte(c) || c == 0x2c) {
        if (c == 0x2c && depth > 0 && this.isObject[depth - 1]) expectKey = true;
        i++;
        continue;
      }
      if (c == 0x7b || c == 0x5b) {
        if (depth >= MAX_DEPTH) return found;
        if (maskedFrom < 0 && depth > 0 && this.matches(p, depth)) { maskedFrom = depth; found++; }
        this.isObject[depth] = c == 0x7b;
        this.keyLen[depth] = -1;
        depth++;
        expectKey = c == 0x7b;
        i++;
        continue;
      }
      if (c == 0x7d || c == 0x5d) {
        if (depth == 0) return found;
        depth--;
        if (maskedFrom == depth) maskedFrom = -1;
        if (depth == 0) return found;
        i++;
        continue;
      }
      if (c == 0x22) {
        // A string: its end, minding escapes.
        let e = i + 1;
        while (e < n) {
          const d = load<u8>(p + <usize>e);
          if (d == 0x5c) { e += 2; continue; }
          if (d == 0x22) break;
          e++;
        }
        if (e >= n) return found;
        if (expectKey && depth > 0 && this.isObject[depth - 1]) {
          this.keyStart[depth - 1] = i + 1;
          this.keyLen[depth - 1] = e - i - 1;
          // The colon.
          let k = e + 1;
          while (k < n && isSpaceByte(load<u8>(p + <usize>k))) k++;
          if (k >= n || load<u8>(p + <usize>k) != 0x3a) return found;
          expectKey = false;
          i = k + 1;
          continue;
        }
        if (maskedFrom >= 0 || (depth > 0 && this.matches(p, depth))) {
          if (maskedFrom < 0) found++;
          if (e > i + 1) mask(p, i + 1, e);
        }
        i = e + 1;
        continue;
      }
      // A number, true, false or null: up to the next delimiter.
      let e = i;
      while (e < n) {
        const d = <u32>load<u8>(p + <usize>e);
        if (d == 0x2c || d == 0x7d || d == 0x5d || isSpaceByte(d)) break;
        e++;
      }
      if ((c == 0x2d || (c >= 0x30 && c <= 0x39)) && (maskedFrom >= 0 || (depth > 0 && this.matches(p, depth)))) {
        if (maskedFrom < 0) found++;
        maskNumber(p, i, e);
      }
      i = e;
    }
    return found;
  }
}

/**
 * Masks the JSON number in [i, e) and keeps it a valid number: every digit becomes 0, except the
 * first of an integer part of two or more digits, which becomes 1 (JSON allows no leading zero):
 * 4711 → 1000, -12.5e3 → -10.0e0, 7 → 0.
 */
function maskNumber(p: usize, i: i32, e: i32): void {
  let k = i;
  if (k < e && load<u8>(p + <usize>k) == 0x2d) k++;
  let integerEnd = k;
  while (integerEnd < e && isDigitByte(load<u8>(p + <usize>integerEnd))) integerEnd++;
  for (let q = k; q < e; q++) {
    if (!isDigitByte(load<u8>(p + <usize>q))) continue;
    store<u8>(p + <usize>q, q == k && integerEnd - k > 1 ? 0x31 : 0x30);
  }
}

@inline function isDigitByte(c: u8): bool { return c >= 0x30 && c <= 0x39; }
