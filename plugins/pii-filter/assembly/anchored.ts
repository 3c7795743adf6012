// The built-in detectors, anchored: each looks for a match at the trigger byte `i` (the
// '@' of an address, the '=' or ':' of key=value, the first digit of a number, ...),
// masks it in place, and returns where scanning resumes, or -1 when nothing matched.
// Scanner (scanner.ts) calls them in one pass; maskAll runs one over a whole buffer.
import { setKeepTail, maskLines } from "./chars";
import { isDigit, isUpper, isLower, isAlnum, isAlpha, isLocalPart, isDomain, isKeyChar, isBase64Url, isSpace, lower, mask, maskDigits, maskAlnum } from "./chars";

/** name@domain.tld around the '@' at i: the whole address is masked. */
export function emailAt(p: usize, n: i32, i: i32): i32 {
  let s = i;
  while (s > 0 && isLocalPart(load<u8>(p + s - 1))) s--;
  if (s == i) return -1;
  let e = i + 1;
  while (e < n && isDomain(load<u8>(p + e))) e++;
  // A dot or hyphen at the end belongs to the sentence, not the domain.
  while (e > i + 1 && (load<u8>(p + e - 1) == 0x2e || load<u8>(p + e - 1) == 0x2d)) e--;
  let lastDot = -1;
  for (let k = i + 1; k < e; k++) if (load<u8>(p + k) == 0x2e) lastDot = k;
  if (lastDot <= i + 1) return -1;
  for (let k = lastDot + 1; k < e; k++) if (!isAlpha(load<u8>(p + k))) return -1;
  if (e - lastDot - 1 < 2) return -1;
  mask(p, s, e);
  return e;
}

/** Luhn check over the digits of [s, e), ignoring separators. */
function luhn(p: usize, s: i32, e: i32): bool {
  let sum = 0;
  let double = false;
  for (let k = e - 1; k >= s; k--) {
    const c = <u32>load<u8>(p + k);
    if (!isDigit(c)) continue;
    let d = <i32>(c - 0x30);
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 == 0;
}

/** A 13-19 digit card number starting at i (single spaces or dashes allowed), Luhn-valid. Digits are masked, separators kept. */
export function cardAt(p: usize, n: i32, i: i32): i32 {
  let e = i;
  let digits = 0;
  let lastDigitEnd = i;
  while (e < n) {
    const d = <u32>load<u8>(p + e);
    if (isDigit(d)) { digits++; e++; lastDigitEnd = e; if (digits > 19) return -1; continue; }
    if ((d == 0x20 || d == 0x2d) && e + 1 < n && isDigit(load<u8>(p + e + 1))) { e++; continue; }
    break;
  }
  if (digits < 13) return -1;
  if (lastDigitEnd < n && isAlnum(load<u8>(p + lastDigitEnd))) return -1;
  if (!luhn(p, i, lastDigitEnd)) return -1;
  maskDigits(p, i, lastDigitEnd);
  return lastDigitEnd;
}

@inline function digitAt(p: usize, at: i32): i32 { return <i32>load<u8>(p + at) - 0x30; }

/** A US SSN ddd-dd-dddd starting at i, with the rules that make it a possible number. */
export function ssnAt(p: usize, n: i32, i: i32): i32 {
  if (i + 11 > n || load<u8>(p + i + 3) != 0x2d || load<u8>(p + i + 6) != 0x2d) return -1;
  for (let k = 0; k < 11; k++) if (k != 3 && k != 6 && !isDigit(load<u8>(p + i + k))) return -1;
  if (i > 0 && load<u8>(p + i - 1) == 0x2d) return -1;
  if (i + 11 < n && (isAlnum(load<u8>(p + i + 11)) || load<u8>(p + i + 11) == 0x2d)) return -1;
  const area = digitAt(p, i) * 100 + digitAt(p, i + 1) * 10 + digitAt(p, i + 2);
  const group = digitAt(p, i + 4) * 10 + digitAt(p, i + 5);
  const serial = digitAt(p, i + 7) * 1000 + digitAt(p, i + 8) * 100 + digitAt(p, i + 9) * 10 + digitAt(p, i + 10);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return -1;
  maskDigits(p, i, i + 11);
  return i + 11;
}

/** An AWS access key id (AKIA/ASIA and 16 upper-case letters or digits) starting at i. */
export function awsKeyIdAt(p: usize, n: i32, i: i32): i32 {
  if (i + 20 > n || load<u8>(p + i + 2) != 0x49 || load<u8>(p + i + 3) != 0x41) return -1;
  const second = load<u8>(p + i + 1);
  if (second != 0x4b && second != 0x53) return -1;
  if (i > 0 && isAlnum(load<u8>(p + i - 1))) return -1;
  for (let k = 4; k < 20; k++) { const c = <u32>load<u8>(p + i + k); if (!isUpper(c) && !isDigit(c)) return -1; }
  if (i + 20 < n && isAlnum(load<u8>(p + i + 20))) return -1;
  mask(p, i, i + 20);
  return i + 20;
}

/** A JSON Web Token eyJ….….… starting at i. */
export function jwtAt(p: usize, n: i32, i: i32): i32 {
  if (i + 3 > n || load<u8>(p + i + 1) != 0x79 || load<u8>(p + i + 2) != 0x4a) return -1;
  if (i > 0 && isBase64Url(load<u8>(p + i - 1))) return -1;
  let e = i;
  let parts = 1;
  let partLen = 0;
  while (e < n) {
    const c = <u32>load<u8>(p + e);
    if (isBase64Url(c)) { partLen++; e++; continue; }
    if (c == 0x2e && parts < 3) { if (partLen < 2) return -1; parts++; partLen = 0; e++; continue; }
    break;
  }
  if (parts != 3 || partLen < 2) return -1;
  mask(p, i, e);
  return e;
}

const PEM_BEGIN = "-----BEGIN ";
const PEM_PRIVATE = "PRIVATE KEY-----";
const PEM_END = "-----END ";

function matchAscii(p: usize, n: i32, at: i32, text: string): bool {
  if (at + text.length > n) return false;
  for (let k = 0; k < text.length; k++) if (<u32>load<u8>(p + at + k) != <u32>text.charCodeAt(k)) return false;
  return true;
}

/** A PEM private key block whose BEGIN line starts at i: everything up to the END line is masked. */
export function pemAt(p: usize, n: i32, i: i32): i32 {
  if (!matchAscii(p, n, i, PEM_BEGIN)) return -1;
  let lineEnd = i + PEM_BEGIN.length;
  while (lineEnd < n && load<u8>(p + lineEnd) != 0x0a && lineEnd - i < 80) lineEnd++;
  let isPrivate = false;
  for (let k = i; k + PEM_PRIVATE.length <= lineEnd; k++) if (matchAscii(p, n, k, PEM_PRIVATE)) { isPrivate = true; break; }
  if (!isPrivate) return -1;
  let j = lineEnd;
  while (j < n && !matchAscii(p, n, j, PEM_END)) j++;
  if (j <= lineEnd) return lineEnd;
  setKeepTail(0); // a key body is never partially shown
  maskLines(p, lineEnd, j);
  return j;
}

/**
 * The secret words of a key=value rule as lower-case bytes, with, for each byte value,
 * a bitmask of the words that start with it: checking a key is one table lookup per
 * byte, and byte compares only where a word can start. Up to 32 words.
 */
export class SecretWords {
  /** Bit w set in startMask[c] when word w starts with byte c (either case). */
  readonly startMask: StaticArray<u32> = new StaticArray<u32>(256);
  private readonly bytes: ArrayBuffer;
  private readonly offsets: StaticArray<i32>;
  private readonly lengths: StaticArray<i32>;
  readonly count: i32;
  /** The shortest word's length: shorter keys cannot contain any. */
  minLength: i32 = 0x7fffffff;

  constructor(words: Array<string>) {
    const n = words.length < 32 ? words.length : 32;
    this.count = n;
    this.offsets = new StaticArray<i32>(n);
    this.lengths = new StaticArray<i32>(n);
    let total = 0;
    for (let w = 0; w < n; w++) total += String.UTF8.byteLength(words[w]);
    this.bytes = new ArrayBuffer(total);
    let at = 0;
    for (let w = 0; w < n; w++) {
      const b = String.UTF8.encode(words[w].toLowerCase());
      memory.copy(changetype<usize>(this.bytes) + <usize>at, changetype<usize>(b), <usize>b.byteLength);
      this.offsets[w] = at;
      this.lengths[w] = b.byteLength;
      if (b.byteLength < this.minLength) this.minLength = b.byteLength;
      at += b.byteLength;
      if (b.byteLength > 0) {
        const c = <i32>load<u8>(changetype<usize>(b));
        this.startMask[c] |= 1 << w;
        if (c >= 0x61 && c <= 0x7a) this.startMask[c - 32] |= 1 << w;
      }
    }
  }

  /** True when [s, e) contains one of the words, ignoring ASCII case. */
  inKey(p: usize, s: i32, e: i32): bool {
    const masks = changetype<usize>(this.startMask);
    const base = changetype<usize>(this.bytes);
    for (let k = s; k < e; k++) {
      let m = load<u32>(masks + (<usize>load<u8>(p + k) << 2));
      while (m != 0) {
        const w = <i32>ctz(m);
        m &= m - 1;
        const len = unchecked(this.lengths[w]);
        if (k + len > e) continue;
        const word = base + <usize>unchecked(this.offsets[w]);
        let j = 1;
        while (j < len && lower(load<u8>(p + k + j)) == <u32>load<u8>(word + j)) j++;
        if (j == len) return true;
      }
    }
    return false;
  }
}

/**
 * A secret at the '=' or ':' at i: key=value, key: value or "key": "value", where the key's
 * name contains one of `words` (lower case). Only the value is masked.
 */
@inline export function keyValueAt(p: usize, n: i32, i: i32, words: SecretWords): i32 {
  let ke = i;
  while (ke > 0 && isSpace(load<u8>(p + ke - 1))) ke--;
  if (ke > 0 && load<u8>(p + ke - 1) == 0x22) ke--;
  let ks = ke;
  while (ks > 0 && isKeyChar(load<u8>(p + ks - 1))) ks--;
  if (ke - ks < words.minLength || !words.inKey(p, ks, ke)) return -1;
  let vs = i + 1;
  while (vs < n && (load<u8>(p + vs) == 0x20 || load<u8>(p + vs) == 0x09)) vs++;
  let ve = vs;
  if (vs < n && (load<u8>(p + vs) == 0x22 || load<u8>(p + vs) == 0x27)) {
    const q = load<u8>(p + vs);
    vs++;
    ve = vs;
    while (ve < n && load<u8>(p + ve) != q) { if (load<u8>(p + ve) == 0x5c && ve + 1 < n) ve++; ve++; }
    if (ve > n) ve = n;
  } else {
    while (ve < n) {
      const d = <u32>load<u8>(p + ve);
      if (isSpace(d) || d == 0x2c || d == 0x3b || d == 0x26 || d == 0x7d || d == 0x22 || d == 0x27) break;
      ve++;
    }
  }
  if (ve <= vs) return -1;
  mask(p, vs, ve);
  return ve;
}

/** True when the byte before `i` does not continue a word or number. */
@inline function startsWord(p: usize, i: i32): bool { return i == 0 || !isAlnum(load<u8>(p + i - 1)); }
/** True when the byte at `e` does not continue a word or number. */
@inline function endsWord(p: usize, n: i32, e: i32): bool { return e >= n || !isAlnum(load<u8>(p + e)); }

/** Counts the digits of [i, n) up to a non-digit; the end. */
function digitsFrom(p: usize, n: i32, i: i32): i32 {
  let e = i;
  while (e < n && isDigit(load<u8>(p + e))) e++;
  return e;
}

/**
 * A phone number in E.164 form at the '+' at i: "+" and 8-15 digits, in groups split by single
 * spaces, dashes or dots, one of which may be parenthesised ("+1 (555) 123-4567").
 */
export function phoneE164At(p: usize, n: i32, i: i32): i32 {
  if (i + 1 >= n || load<u8>(p + i + 1) == 0x30 || !isDigit(load<u8>(p + i + 1))) return -1;
  if (i > 0 && (isAlnum(load<u8>(p + i - 1)) || load<u8>(p + i - 1) == 0x2b)) return -1;
  let e = i + 1;
  let digits = 0;
  let lastDigitEnd = e;
  let parens = 0;
  while (e < n) {
    const c = <u32>load<u8>(p + e);
    if (isDigit(c)) { digits++; e++; lastDigitEnd = e; if (digits > 15) return -1; continue; }
    // One separator (or "(" / ") ") between groups, never two in a row.
    if (c == 0x20 || c == 0x2d || c == 0x2e) {
      if (e + 1 < n && isDigit(load<u8>(p + e + 1))) { e++; continue; }
      if (c == 0x20 && e + 1 < n && load<u8>(p + e + 1) == 0x28 && parens == 0) { e++; continue; }
      break;
    }
    if (c == 0x28 && parens == 0 && e + 1 < n && isDigit(load<u8>(p + e + 1))) { parens = 1; e++; continue; }
    if (c == 0x29 && parens == 1) { parens = 2; e++; if (e < n && load<u8>(p + e) == 0x20) e++; continue; }
    break;
  }
  if (parens == 1 || digits < 8 || !endsWord(p, n, lastDigitEnd)) return -1;
  maskDigits(p, i, lastDigitEnd);
  return lastDigitEnd;
}

/** "ddd" followed by separator `sep` at `at`: the position after the separator, or -1. */
function groupThen(p: usize, n: i32, at: i32, len: i32, sep: u32): i32 {
  if (at + len >= n) return -1;
  for (let k = 0; k < len; k++) if (!isDigit(load<u8>(p + at + k))) return -1;
  if (<u32>load<u8>(p + at + len) != sep) return -1;
  return at + len + 1;
}

/**
 * A phone number in a national format, at the digit (or '(') at i:
 * - North American: 555-123-4567, 555.123.4567, 555 123 4567, (555) 123-4567, area and
 *   exchange codes starting 2-9;
 * - with a trunk 0: 020 7946 0958, 06-1234 5678, 030 12345678: 10 or 11 digits in groups
 *   split by spaces or dashes, the first group of 2-5 digits.
 * Dates, versions, IP addresses and plain runs of digits do not have these shapes.
 */
export function phoneNationalAt(p: usize, n: i32, i: i32): i32 {
  if (!startsWord(p, i)) return -1;
  const first = <u32>load<u8>(p + i);
  if (first == 0x28) {
    // (555) 123-4567
    if (i + 14 > n || load<u8>(p + i + 4) != 0x29 || load<u8>(p + i + 5) != 0x20) return -1;
    for (let k = 1; k <= 3; k++) if (!isDigit(load<u8>(p + i + k))) return -1;
    if (load<u8>(p + i + 1) < 0x32) return -1;
    const rest = groupThen(p, n, i + 6, 3, 0x2d);
    if (rest < 0 || load<u8>(p + i + 6) < 0x32 || digitsFrom(p, n, rest) != rest + 4 || !endsWord(p, n, rest + 4)) return -1;
    maskDigits(p, i, rest + 4);
    return rest + 4;
  }
  if (first == 0x30) {
    let e = i;
    let digits = 0;
    let groups = 0;
    let lastDigitEnd = i;
    while (e < n) {
      const ge = digitsFrom(p, n, e);
      if (ge == e) break;
      if (groups == 0 && (ge - e < 2 || ge - e > 5)) return -1;
      digits += ge - e;
      groups++;
      lastDigitEnd = ge;
      e = ge;
      if (e + 1 < n && (load<u8>(p + e) == 0x20 || load<u8>(p + e) == 0x2d) && isDigit(load<u8>(p + e + 1))) e++;
      else break;
    }
    if (groups < 2 || digits < 10 || digits > 11 || !endsWord(p, n, lastDigitEnd)) return -1;
    if (lastDigitEnd < n && load<u8>(p + lastDigitEnd) == 0x2e && lastDigitEnd + 1 < n && isDigit(load<u8>(p + lastDigitEnd + 1))) return -1;
    maskDigits(p, i, lastDigitEnd);
    return lastDigitEnd;
  }
  if (first < 0x32 || i + 12 > n) return -1;
  const sep = <u32>load<u8>(p + i + 3);
  if (sep != 0x2d && sep != 0x2e && sep != 0x20) return -1;
  const second = groupThen(p, n, i, 3, sep);
  if (second < 0 || load<u8>(p + second) < 0x32) return -1;
  const third = groupThen(p, n, second, 3, sep);
  if (third < 0 || digitsFrom(p, n, third) != third + 4) return -1;
  const e = third + 4;
  // "555.123.4567.8" or "555-123-4567-…" continue into something else.
  if (!endsWord(p, n, e) || (e + 1 < n && <u32>load<u8>(p + e) == sep && isDigit(load<u8>(p + e + 1)))) return -1;
  maskDigits(p, i, e);
  return e;
}

/** An IBAN's letters are worth 10-35 in its checksum. */
@inline function ibanValue(c: u32): u32 { return isDigit(c) ? c - 0x30 : c - 0x41 + 10; }

/**
 * An IBAN whose country code starts at s: two capital letters, two check digits, then 11-30
 * capital letters or digits, written solid or in groups of four split by single spaces.
 * Only numbers whose ISO 7064 mod-97 checksum is valid count.
 */
export function ibanAt(p: usize, n: i32, s: i32): i32 {
  if (!startsWord(p, s) || s + 15 > n) return -1;
  if (!isUpper(load<u8>(p + s)) || !isUpper(load<u8>(p + s + 1)) || !isDigit(load<u8>(p + s + 2)) || !isDigit(load<u8>(p + s + 3))) return -1;
  let e = s + 4;
  let chars = 4;
  let run = 4; // characters since the last space: groups are four wide
  let spaced = false;
  while (e < n && chars < 34) {
    const c = <u32>load<u8>(p + e);
    if (isUpper(c) || isDigit(c)) { chars++; run++; e++; if (spaced && run > 4) return -1; continue; }
    if (c == 0x20 && run == 4 && e + 1 < n && (isUpper(load<u8>(p + e + 1)) || isDigit(load<u8>(p + e + 1)))) {
      if (!spaced && e != s + 4) break; // spaces, if any, start after the first group
      spaced = true; run = 0; e++; continue;
    }
    break;
  }
  if (chars < 15 || !endsWord(p, n, e) || (e < n && isLower(load<u8>(p + e)))) return -1;
  // Checksum over BBAN then country and check digits, letters as two digits each.
  let rem: u32 = 0;
  for (let pass = 0; pass < 2; pass++) {
    const from = pass == 0 ? s + 4 : s;
    const to = pass == 0 ? e : s + 4;
    for (let k = from; k < to; k++) {
      const c = <u32>load<u8>(p + k);
      if (c == 0x20) continue;
      const v = ibanValue(c);
      rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
    }
  }
  if (rem != 1) return -1;
  maskAlnum(p, s, e);
  return e;
}
