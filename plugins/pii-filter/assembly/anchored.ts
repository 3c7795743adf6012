// The built-in detectors, anchored: each looks for a match at the trigger byte `i` (the
// '@' of an address, the '=' or ':' of key=value, the first digit of a number, ...),
// masks it in place, and returns where scanning resumes, or -1 when nothing matched.
// Scanner (scanner.ts) calls them in one pass; maskAll runs one over a whole buffer.
import { isDigit, isUpper, isAlnum, isAlpha, isLocalPart, isDomain, isKeyChar, isBase64Url, isSpace, lower, mask, maskDigits } from "./chars";

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
  // A key body is never partially shown: all of it is masked whatever the action.
  for (let k = lineEnd; k < j; k++) { const c = load<u8>(p + k); if (c != 0x0a && c != 0x0d) store<u8>(p + k, 0x2a); }
  return j > lineEnd ? j : lineEnd;
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
export function keyValueAt(p: usize, n: i32, i: i32, words: SecretWords): i32 {
  let ke = i;
  while (ke > 0 && isSpace(load<u8>(p + ke - 1))) ke--;
  if (ke > 0 && load<u8>(p + ke - 1) == 0x22) ke--;
  let ks = ke;
  while (ks > 0 && isKeyChar(load<u8>(p + ks - 1))) ks--;
  if (ks == ke || !words.inKey(p, ks, ke)) return -1;
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
