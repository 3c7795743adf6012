// The built-in detectors. Each scans a UTF-8 byte range in place and masks what it
// finds, returning how many matches it masked. Every loop only moves forward, so a
// scan is linear in the input whatever it contains.
import { isDigit, isUpper, isAlnum, isAlpha, isLocalPart, isDomain, isKeyChar, isBase64Url, isSpace, lower, mask } from "./chars";

/** name@domain.tld: the whole address is masked. */
export function maskEmails(p: usize, n: i32): i32 {
  let found = 0;
  let i = 0;
  while (i < n) {
    if (load<u8>(p + i) != 0x40) { i++; continue; }
    let s = i;
    while (s > 0 && isLocalPart(load<u8>(p + s - 1))) s--;
    let e = i + 1;
    while (e < n && isDomain(load<u8>(p + e))) e++;
    // A dot or hyphen at the end belongs to the sentence, not the domain.
    while (e > i + 1 && (load<u8>(p + e - 1) == 0x2e || load<u8>(p + e - 1) == 0x2d)) e--;
    let lastDot = -1;
    for (let k = i + 1; k < e; k++) if (load<u8>(p + k) == 0x2e) lastDot = k;
    let tld = 0;
    if (lastDot > i + 1) for (let k = lastDot + 1; k < e && isAlpha(load<u8>(p + k)); k++) tld++;
    if (s < i && lastDot > i + 1 && tld >= 2 && tld == e - lastDot - 1) {
      mask(p, s, e);
      found++;
    }
    i = e > i ? e : i + 1;
  }
  return found;
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

/** 13–19 digit payment card numbers, single spaces or dashes allowed, Luhn-valid only. Digits are masked, separators kept. */
export function maskCards(p: usize, n: i32): i32 {
  let found = 0;
  let i = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    // A run must start a number: not glued to a letter or digit on the left.
    if (!isDigit(c) || (i > 0 && isAlnum(load<u8>(p + i - 1)))) { i++; continue; }
    let e = i;
    let digits = 0;
    let lastDigitEnd = i;
    while (e < n) {
      const d = <u32>load<u8>(p + e);
      if (isDigit(d)) { digits++; e++; lastDigitEnd = e; if (digits > 19) break; continue; }
      if ((d == 0x20 || d == 0x2d) && e + 1 < n && isDigit(load<u8>(p + e + 1))) { e++; continue; }
      break;
    }
    const glued = lastDigitEnd < n && isAlnum(load<u8>(p + lastDigitEnd));
    if (digits >= 13 && digits <= 19 && !glued && luhn(p, i, lastDigitEnd)) {
      for (let k = i; k < lastDigitEnd; k++) if (isDigit(load<u8>(p + k))) store<u8>(p + k, 0x2a);
      found++;
    }
    i = lastDigitEnd > i ? lastDigitEnd : i + 1;
  }
  return found;
}

@inline function digitAt(p: usize, at: i32): i32 { return <i32>load<u8>(p + at) - 0x30; }

/** US SSN written ddd-dd-dddd with the rules that make it a possible number. */
export function maskSsns(p: usize, n: i32): i32 {
  let found = 0;
  for (let i = 0; i + 11 <= n; i++) {
    if (load<u8>(p + i + 3) != 0x2d || load<u8>(p + i + 6) != 0x2d) continue;
    let ok = true;
    for (let k = 0; k < 11 && ok; k++) if (k != 3 && k != 6 && !isDigit(load<u8>(p + i + k))) ok = false;
    if (!ok) continue;
    if (i > 0 && (isAlnum(load<u8>(p + i - 1)) || load<u8>(p + i - 1) == 0x2d)) continue;
    if (i + 11 < n && (isAlnum(load<u8>(p + i + 11)) || load<u8>(p + i + 11) == 0x2d)) continue;
    const area = digitAt(p, i) * 100 + digitAt(p, i + 1) * 10 + digitAt(p, i + 2);
    const group = digitAt(p, i + 4) * 10 + digitAt(p, i + 5);
    const serial = digitAt(p, i + 7) * 1000 + digitAt(p, i + 8) * 100 + digitAt(p, i + 9) * 10 + digitAt(p, i + 10);
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) continue;
    for (let k = 0; k < 11; k++) if (k != 3 && k != 6) store<u8>(p + i + k, 0x2a);
    found++;
    i += 10;
  }
  return found;
}

/** AWS access key ids: AKIA/ASIA and 16 more upper-case letters or digits. */
export function maskAwsKeyIds(p: usize, n: i32): i32 {
  let found = 0;
  for (let i = 0; i + 20 <= n; i++) {
    if (load<u8>(p + i) != 0x41 || load<u8>(p + i + 2) != 0x49 || load<u8>(p + i + 3) != 0x41) continue;
    const second = load<u8>(p + i + 1);
    if (second != 0x4b && second != 0x53) continue;
    if (i > 0 && isAlnum(load<u8>(p + i - 1))) continue;
    let ok = true;
    for (let k = 4; k < 20 && ok; k++) { const c = <u32>load<u8>(p + i + k); if (!isUpper(c) && !isDigit(c)) ok = false; }
    if (!ok || (i + 20 < n && isAlnum(load<u8>(p + i + 20)))) continue;
    mask(p, i, i + 20);
    found++;
    i += 19;
  }
  return found;
}

/** JSON Web Tokens: eyJ….….… (three base64url parts). */
export function maskJwts(p: usize, n: i32): i32 {
  let found = 0;
  let i = 0;
  while (i + 3 <= n) {
    if (load<u8>(p + i) != 0x65 || load<u8>(p + i + 1) != 0x79 || load<u8>(p + i + 2) != 0x4a || (i > 0 && isBase64Url(load<u8>(p + i - 1)))) { i++; continue; }
    let e = i;
    let parts = 1;
    let partLen = 0;
    let okParts = true;
    while (e < n) {
      const c = <u32>load<u8>(p + e);
      if (isBase64Url(c)) { partLen++; e++; continue; }
      if (c == 0x2e && parts < 3) { if (partLen < 2) { okParts = false; break; } parts++; partLen = 0; e++; continue; }
      break;
    }
    if (okParts && parts == 3 && partLen >= 2) { mask(p, i, e); found++; }
    i = e > i ? e : i + 1;
  }
  return found;
}

const PEM_BEGIN = "-----BEGIN ";
const PEM_PRIVATE = "PRIVATE KEY-----";
const PEM_END = "-----END ";

function matchAscii(p: usize, n: i32, at: i32, text: string): bool {
  if (at + text.length > n) return false;
  for (let k = 0; k < text.length; k++) if (<u32>load<u8>(p + at + k) != <u32>text.charCodeAt(k)) return false;
  return true;
}

/** PEM private key blocks: everything between the BEGIN and END lines is masked. */
export function maskPemKeys(p: usize, n: i32): i32 {
  let found = 0;
  let i = 0;
  while (i < n) {
    if (load<u8>(p + i) != 0x2d || !matchAscii(p, n, i, PEM_BEGIN)) { i++; continue; }
    // The BEGIN line must name a private key.
    let lineEnd = i + PEM_BEGIN.length;
    while (lineEnd < n && load<u8>(p + lineEnd) != 0x0a && lineEnd - i < 80) lineEnd++;
    let isPrivate = false;
    for (let k = i; k + PEM_PRIVATE.length <= lineEnd; k++) if (matchAscii(p, n, k, PEM_PRIVATE)) { isPrivate = true; break; }
    if (!isPrivate) { i = lineEnd; continue; }
    let j = lineEnd;
    while (j < n && !matchAscii(p, n, j, PEM_END)) j++;
    for (let k = lineEnd; k < j; k++) { const c = load<u8>(p + k); if (c != 0x0a && c != 0x0d) store<u8>(p + k, 0x2a); }
    found++;
    i = j > i ? j + 1 : i + 1;
  }
  return found;
}

/**
 * Secrets written as key=value, key: value or "key": "value", where the key's name
 * contains one of `words` (lower case). Only the value is masked, so
 * AWS_SECRET_ACCESS_KEY=abc becomes AWS_SECRET_ACCESS_KEY=***.
 */
export function maskKeyValueSecrets(p: usize, n: i32, words: Array<string>): i32 {
  let found = 0;
  let i = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (c != 0x3d && c != 0x3a) { i++; continue; }
    // The key: key chars just before, optionally wrapped in quotes.
    let ke = i;
    while (ke > 0 && isSpace(load<u8>(p + ke - 1))) ke--;
    const quotedKey = ke > 0 && load<u8>(p + ke - 1) == 0x22;
    if (quotedKey) ke--;
    let ks = ke;
    while (ks > 0 && isKeyChar(load<u8>(p + ks - 1))) ks--;
    if (ks == ke || !keyHasWord(p, ks, ke, words)) { i++; continue; }
    // The value: after optional spaces, a quoted string or a run up to a delimiter.
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
    if (ve > vs) { mask(p, vs, ve); found++; }
    i = ve > i ? ve : i + 1;
  }
  return found;
}

function keyHasWord(p: usize, s: i32, e: i32, words: Array<string>): bool {
  for (let w = 0; w < words.length; w++) {
    const word = unchecked(words[w]);
    const m = word.length;
    for (let k = s; k + m <= e; k++) {
      let hit = true;
      for (let j = 0; j < m && hit; j++) if (lower(load<u8>(p + k + j)) != <u32>word.charCodeAt(j)) hit = false;
      if (hit) return true;
    }
  }
  return false;
}
