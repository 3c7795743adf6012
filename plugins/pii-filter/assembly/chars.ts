// Byte classes the detectors share (ASCII; anything else is "other").

@inline export function isDigit(c: u32): bool { return c - 0x30 < 10; }
@inline export function isUpper(c: u32): bool { return c - 0x41 < 26; }
@inline export function isLower(c: u32): bool { return c - 0x61 < 26; }
@inline export function isAlpha(c: u32): bool { return isUpper(c) || isLower(c); }
@inline export function isAlnum(c: u32): bool { return isDigit(c) || isAlpha(c); }
@inline export function lower(c: u32): u32 { return isUpper(c) ? c + 32 : c; }

/** Characters of an e-mail local part. */
@inline export function isLocalPart(c: u32): bool { return isAlnum(c) || c == 0x2e || c == 0x5f || c == 0x25 || c == 0x2b || c == 0x2d; }
/** Characters of a domain name. */
@inline export function isDomain(c: u32): bool { return isAlnum(c) || c == 0x2e || c == 0x2d; }
/** Characters of a key name in key=value text. */
@inline export function isKeyChar(c: u32): bool { return isAlnum(c) || c == 0x5f || c == 0x2d || c == 0x2e; }
@inline export function isBase64Url(c: u32): bool { return isAlnum(c) || c == 0x2d || c == 0x5f; }
@inline export function isSpace(c: u32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }

/**
 * How many characters at the end of a match stay visible (the `partial` action); the scanner
 * sets it before each detector runs, 0 for `mask`.
 */
let keepTail: i32 = 0;
export function setKeepTail(n: i32): void { keepTail = n; }

/**
 * With the `hash` action a match is replaced by a token of another length, which the scanner
 * cannot do in place: the detectors then record the match here (start, end, and whether only
 * its letters and digits count, so "4111 1111…" and "4111-1111-…" hash alike) and leave the
 * bytes alone. The plugin rebuilds the field from these spans.
 */
let recordOnly = false;
export const spans = new Array<i32>();
export function setRecordOnly(on: bool): void { recordOnly = on; }

/** Overwrites bytes [start, end) with '*', sparing the last `keepTail`: lengths never change, so the batch keeps its layout. */
export function mask(ptr: usize, start: i32, end: i32): void {
  if (recordOnly) { spans.push(start); spans.push(end); spans.push(0); return; }
  const stop = end - keepTail;
  if (stop > start) memory.fill(ptr + <usize>start, 0x2a, <usize>(stop - start));
}

/** Masks the digits of [start, end), sparing the last `keepTail` digits (cards, SSNs keep their separators). */
export function maskDigits(ptr: usize, start: i32, end: i32): void { maskClass(ptr, start, end, false); }

/** Masks the letters and digits of [start, end), sparing the last `keepTail` of them (IBANs keep their spaces). */
export function maskAlnum(ptr: usize, start: i32, end: i32): void { maskClass(ptr, start, end, true); }

/** Masks digits (or letters and digits) of [start, end) from the end, sparing the last `keepTail`. */
function maskClass(ptr: usize, start: i32, end: i32, letters: bool): void {
  if (recordOnly) { spans.push(start); spans.push(end); spans.push(1); return; }
  let spare = keepTail;
  for (let k = end - 1; k >= start; k--) {
    const c = load<u8>(ptr + <usize>k);
    if (!(letters ? isAlnum(c) : isDigit(c))) continue;
    if (spare > 0) { spare--; continue; }
    store<u8>(ptr + <usize>k, 0x2a);
  }
}

/** Masks [start, end) except line breaks (a PEM body keeps its shape); recorded instead under `hash`. */
export function maskLines(ptr: usize, start: i32, end: i32): void {
  if (recordOnly) { spans.push(start); spans.push(end); spans.push(0); return; }
  for (let k = start; k < end; k++) { const c = load<u8>(ptr + <usize>k); if (c != 0x0a && c != 0x0d) store<u8>(ptr + <usize>k, 0x2a); }
}
