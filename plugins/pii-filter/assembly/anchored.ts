// The built-in detectors, anchored: each looks for a match at the trigger byte `i` (the
// '@' of an address, the first digit of a number, ...), masks it in place, and returns where
// scanning resumes, or -1 when nothing matched. Scanner (scanner.ts) calls them in one pass.
// Secrets named by a key are in secrets.ts, phone numbers in phone.ts.
import { setKeepTail, maskLines } from "./chars";
import { gluedBefore, endsEscape, isQuerySeparator } from "./chars";
import { isDigit, isUpper, isLower, isAlnum, isAlpha, isLocalPart, isDomain, isKeyChar, isBase64Url, isSpace, lower, mask, maskDigits, maskAlnum } from "./chars";
import { WordSet, ExactWords, SSN_CONTEXT } from "./words";
import { contextBefore } from "./context";

/** How far back a local part (or a quoted one) is looked for. */
const MAX_LOCAL = 64;

/**
 * Names before '=' (or '?', '&', '/', '#', '|') that hold an address rather than begin one:
 * in `email=a@b.org` the local part is `a`, while `a=b@b.org` is an address of its own.
 */
const ADDRESS_KEYS = new WordSet(["email", "mail", "e", "to", "from", "cc", "bcc", "user", "username", "login", "address", "addr", "contact", "recipient", "sender", "reply", "account", "id", "u", "name", "owner", "q"]);

/**
 * Top-level "domains" that are file or unit names (`logo@2x.png`, `user@1005.service`),
 * not registered top-level domains.
 */
const NOT_TLDS = new ExactWords(["service", "socket", "timer", "mount", "target", "slice", "scope", "swap", "device", "automount", "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "pdf", "txt", "log", "json", "yaml", "yml", "js", "mjs", "css", "html", "htm", "xml", "exe", "dll", "tar", "gz", "tgz", "jar", "lock", "conf", "cfg", "ini", "bak", "tmp", "wasm"]);

/**
 * An e-mail address around the '@' at i (or the "%40" at i, URL-encoded, when `at` is 3):
 * an RFC 5322 local part (its special characters, a "quoted string", UTF-8), and a domain
 * whose last label is two or more letters. The whole address is masked.
 */
export function emailAt(p: usize, n: i32, i: i32, at: i32, broad: bool): i32 {
  let s = i;
  const before = i > 0 ? <u32>load<u8>(p + i - 1) : 0;
  if (before == 0x22 && at == 1) {
    // "quoted local part"@domain (in a JSON string, \"quoted\"@domain).
    let q = i - 2;
    while (q >= 0 && i - q < MAX_LOCAL && load<u8>(p + q) != 0x22 && load<u8>(p + q) != 0x0a) q--;
    if (q < 0 || load<u8>(p + q) != 0x22 || q == i - 2) return -1;
    s = q > 0 && load<u8>(p + q - 1) == 0x5c ? q - 1 : q;
  } else {
    let query = false;
    while (s > 0 && i - s < MAX_LOCAL && isLocalPart(load<u8>(p + s - 1)) && !endsEscape(p, s - 1)) { s--; query = query || isQuerySeparator(load<u8>(p + s)); }
    // A name and '=' (or '?', '&', '#', '|') in front belong to a URL or a setting, not the address.
    if (query) for (let k = i - 1; k > s; k--) {
      const c = <u32>load<u8>(p + k);
      if (isQuerySeparator(c)) {
        let ws = k;
        while (ws > s && isKeyChar(load<u8>(p + ws - 1))) ws--;
        if (ws == s && ADDRESS_KEYS.contains(p, ws, k)) { s = k + 1; break; }
      }
    }
    // An address starts with a letter, digit, '_' or UTF-8; quotes and leftovers of a mask do not belong to it.
    while (s < i && !(isAlnum(load<u8>(p + s)) || load<u8>(p + s) == 0x5f || load<u8>(p + s) >= 0x80)) s++;
    if (s == i) return -1;
  }
  const ds = i + at;
  let e = ds;
  while (e < n && isDomain(load<u8>(p + e))) e++;
  // A dot or hyphen at the end belongs to the sentence, not the domain.
  while (e > ds && (load<u8>(p + e - 1) == 0x2e || load<u8>(p + e - 1) == 0x2d)) e--;
  let lastDot = -1;
  for (let k = ds; k < e; k++) if (load<u8>(p + k) == 0x2e) lastDot = k;
  if (lastDot <= ds) return -1;
  // The top-level domain: letters (or UTF-8, or an xn-- punycode label), two or more.
  if (e - lastDot - 1 < 2) return -1;
  const punycode = e - lastDot > 5 && lower(load<u8>(p + lastDot + 1)) == 0x78 && lower(load<u8>(p + lastDot + 2)) == 0x6e && load<u8>(p + lastDot + 3) == 0x2d && load<u8>(p + lastDot + 4) == 0x2d;
  if (!punycode) for (let k = lastDot + 1; k < e; k++) { const c = <u32>load<u8>(p + k); if (!isAlpha(c) && c < 0x80) return -1; }
  if (!broad && NOT_TLDS.has(p, lastDot + 1, e)) return -1;
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

/**
 * Does a card number of `digits` digits starting with `prefix` (its first six digits) belong
 * to a card scheme? Visa 4 (13, 16, 19 digits); Mastercard 51-55, 2221-2720; Amex 34, 37 (15);
 * Discover, UnionPay, Maestro, RuPay 6 and 60-65; JCB 35; Diners 30, 36, 38, 39; Mir 2200-2204;
 * Maestro 50, 56-58. Epoch timestamps (1…), ISBNs (97…) and tracking numbers (0…, 7…, 9…)
 * start elsewhere.
 */
function cardScheme(prefix: i32, digits: i32): bool {
  const d1 = prefix / 100000, d2 = prefix / 10000, d4 = prefix / 100;
  if (d1 == 4) return digits == 13 || digits == 16 || digits == 19;
  if (d1 == 3) {
    if (d2 == 34 || d2 == 37) return digits == 15;
    return (d2 == 30 || d2 == 35 || d2 == 36 || d2 == 38 || d2 == 39) && digits >= 14;
  }
  if (d1 == 5) return d2 >= 50 && d2 <= 58 && digits >= 13;
  if (d1 == 2) return ((d4 >= 2221 && d4 <= 2720) || (d4 >= 2200 && d4 <= 2204)) && digits >= 16;
  if (d1 == 6) return digits >= 13;
  return false;
}

/**
 * A 13-19 digit card number starting at i (single spaces or dashes allowed), Luhn-valid, and
 * (unless `broad`) of a card scheme. Digits are masked, separators kept.
 */
export function cardAt(p: usize, n: i32, i: i32, broad: bool): i32 {
  let e = i;
  let digits = 0;
  let prefix = 0;
  let lastDigitEnd = i;
  while (e < n) {
    const d = <u32>load<u8>(p + e);
    if (isDigit(d)) { if (digits < 6) prefix = prefix * 10 + <i32>(d - 0x30); digits++; e++; lastDigitEnd = e; if (digits > 19) return -1; continue; }
    if ((d == 0x20 || d == 0x2d) && e + 1 < n && isDigit(load<u8>(p + e + 1))) { e++; continue; }
    break;
  }
  if (digits < 13) return -1;
  if (lastDigitEnd < n && isAlnum(load<u8>(p + lastDigitEnd))) return -1;
  if (!broad && !cardScheme(prefix, digits)) return -1;
  if (!luhn(p, i, lastDigitEnd)) return -1;
  maskDigits(p, i, lastDigitEnd);
  return lastDigitEnd;
}

@inline function digitAt(p: usize, at: i32): i32 { return <i32>load<u8>(p + at) - 0x30; }

const ssnWords = new WordSet(SSN_CONTEXT);

/**
 * A US SSN starting at i: ddd-dd-dddd anywhere; nine digits solid (123456789) or spaced
 * (123 45 6789) only after an SSN word ("SSN", "social security", …; `broad` lets the spaced
 * form go without). Impossible numbers (area 000, 666, 9xx, group 00, serial 0000) are not.
 */
export function ssnAt(p: usize, n: i32, i: i32, broad: bool): i32 {
  if (i + 9 > n) return -1;
  if (i > 0 && (load<u8>(p + i - 1) == 0x2d || load<u8>(p + i - 1) == 0x2e)) return -1;
  let e: i32;
  const sep = i + 3 < n ? <u32>load<u8>(p + i + 3) : 0;
  if (sep == 0x2d || sep == 0x20) {
    if (i + 11 > n || <u32>load<u8>(p + i + 6) != sep) return -1;
    for (let k = 0; k < 11; k++) if (k != 3 && k != 6 && !isDigit(load<u8>(p + i + k))) return -1;
    e = i + 11;
    if (e < n && (isAlnum(load<u8>(p + e)) || (load<u8>(p + e) == sep && e + 1 < n && isDigit(load<u8>(p + e + 1))))) return -1;
    if (e < n && load<u8>(p + e) == 0x2d) return -1;
    if (sep == 0x20 && !broad && !contextBefore(p, i, ssnWords)) return -1;
  } else {
    for (let k = 0; k < 9; k++) if (!isDigit(load<u8>(p + i + k))) return -1;
    e = i + 9;
    if (e < n && (isAlnum(load<u8>(p + e)) || ((load<u8>(p + e) == 0x2d || load<u8>(p + e) == 0x2e) && e + 1 < n && isDigit(load<u8>(p + e + 1))))) return -1;
    if (!contextBefore(p, i, ssnWords)) return -1;
  }
  const o = e - i == 11 ? 1 : 0;
  const area = digitAt(p, i) * 100 + digitAt(p, i + 1) * 10 + digitAt(p, i + 2);
  const group = digitAt(p, i + 3 + o) * 10 + digitAt(p, i + 4 + o);
  const serial = digitAt(p, i + 5 + 2 * o) * 1000 + digitAt(p, i + 6 + 2 * o) * 100 + digitAt(p, i + 7 + 2 * o) * 10 + digitAt(p, i + 8 + 2 * o);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return -1;
  maskDigits(p, i, e);
  return e;
}

/** An AWS access key id (AKIA/ASIA and 16 upper-case letters or digits) starting at i. */
export function awsKeyIdAt(p: usize, n: i32, i: i32): i32 {
  if (i + 20 > n || load<u8>(p + i + 2) != 0x49 || load<u8>(p + i + 3) != 0x41) return -1;
  const second = load<u8>(p + i + 1);
  if (second != 0x4b && second != 0x53) return -1;
  if (gluedBefore(p, i)) return -1;
  for (let k = 4; k < 20; k++) { const c = <u32>load<u8>(p + i + k); if (!isUpper(c) && !isDigit(c)) return -1; }
  if (i + 20 < n && isAlnum(load<u8>(p + i + 20))) return -1;
  mask(p, i, i + 20);
  return i + 20;
}

/** A JSON Web Token eyJ….….… starting at i. */
export function jwtAt(p: usize, n: i32, i: i32): i32 {
  if (i + 3 > n || load<u8>(p + i + 1) != 0x79 || load<u8>(p + i + 2) != 0x4a) return -1;
  if (i > 0 && isBase64Url(load<u8>(p + i - 1)) && !endsEscape(p, i - 1)) return -1;
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
const PEM_PRIVATE = "PRIVATE KEY";
const PEM_END = "-----END ";

function matchAscii(p: usize, n: i32, at: i32, text: string): bool {
  if (at + text.length > n) return false;
  for (let k = 0; k < text.length; k++) if (<u32>load<u8>(p + at + k) != <u32>text.charCodeAt(k)) return false;
  return true;
}

/**
 * A PEM private key whose `-----BEGIN … PRIVATE KEY-----` starts at i: everything up to the
 * `-----END` line (or the end of the field) is masked but spaces and line breaks, so a key
 * split over lines, flattened onto one (spaces), or inside a JSON string (`\n`) is covered.
 */
export function pemAt(p: usize, n: i32, i: i32): i32 {
  if (!matchAscii(p, n, i, PEM_BEGIN)) return -1;
  // The label: capital letters and spaces, then five dashes.
  let k = i + PEM_BEGIN.length;
  const labelStart = k;
  while (k < n && k - labelStart < 40 && (isUpper(load<u8>(p + k)) || load<u8>(p + k) == 0x20)) k++;
  if (k - labelStart < PEM_PRIVATE.length || !matchAscii(p, n, k - PEM_PRIVATE.length, PEM_PRIVATE) || !matchAscii(p, n, k, "-----")) return -1;
  const bodyStart = k + 5;
  let j = bodyStart;
  while (j < n && !(load<u8>(p + j) == 0x2d && matchAscii(p, n, j, PEM_END))) j++;
  if (j == bodyStart) return bodyStart;
  setKeepTail(0); // a key body is never partially shown
  maskLines(p, bodyStart, j);
  return j;
}

/** True when the byte before `i` does not continue a word or number. */
@inline function startsWord(p: usize, i: i32): bool { return !gluedBefore(p, i); }
/** True when the byte at `e` does not continue a word or number. */
@inline function endsWord(p: usize, n: i32, e: i32): bool { return e >= n || !isAlnum(load<u8>(p + e)); }

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
  let lastSpace = -1;
  while (e < n && chars < 34) {
    const c = <u32>load<u8>(p + e);
    if (isUpper(c) || isDigit(c)) { chars++; run++; e++; if (spaced && run > 4) break; continue; }
    if (c == 0x20 && run == 4 && e + 1 < n && (isUpper(load<u8>(p + e + 1)) || isDigit(load<u8>(p + e + 1)))) {
      if (!spaced && e != s + 4) break; // spaces, if any, start after the first group
      spaced = true; run = 0; lastSpace = e; e++; continue;
    }
    break;
  }
  // A grouped IBAN followed by a word ("… 8004 Aequitas"): the word is not its last group.
  if (spaced && (run > 4 || (e < n && isAlnum(load<u8>(p + e))))) { chars -= run; e = lastSpace; }
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
