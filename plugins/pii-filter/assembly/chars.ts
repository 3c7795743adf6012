// Byte classes the detectors share (ASCII; anything else is "other"). The composite classes
// are one table lookup each: the detectors test them in their inner loops.

@inline export function isDigit(c: u32): bool { return c - 0x30 < 10; }
@inline export function isUpper(c: u32): bool { return c - 0x41 < 26; }
@inline export function isLower(c: u32): bool { return c - 0x61 < 26; }
@inline export function isAlpha(c: u32): bool { return isUpper(c) || isLower(c); }
@inline export function lower(c: u32): u32 { return isUpper(c) ? c + 32 : c; }

/** Letters that end a two-character escape standing for white space: `\n`, `\t`, `\r`, `\b`, `\f`. */
@inline function isSpaceEscapeLetter(c: u32): bool { return c == 0x6e || c == 0x74 || c == 0x72 || c == 0x62 || c == 0x66; }

/**
 * True when the byte at k ends an escape written out as text, `\n` `\t` `\r` `\b` `\f` (in a
 * JSON string, or a log line that holds one): a line break or a tab, so it separates words
 * like one. The backslash before it must not be escaped itself (`\\n` is a backslash and an
 * `n`). Looks back no further than the bytes the detectors see.
 */
@inline export function endsEscape(p: usize, k: i32): bool {
  return k >= 1 && load<u8>(p + <usize>(k - 1)) == 0x5c && isSpaceEscapeLetter(load<u8>(p + <usize>k)) && oddBackslashes(p, k - 1);
}

/** The backslash at b ends a run of an odd number of them (so the last one escapes what follows). */
function oddBackslashes(p: usize, b: i32): bool {
  let j = b - 1;
  while (j >= 0 && load<u8>(p + <usize>j) == 0x5c) j--;
  return ((b - j) & 1) == 1;
}

/** True when the byte before i continues a word or number: a letter or digit that does not end an escape such as `\n`. */
@inline export function gluedBefore(p: usize, i: i32): bool {
  return i > 0 && isAlnum(load<u8>(p + <usize>(i - 1))) && !endsEscape(p, i - 1);
}

const C_ALNUM: u8 = 1, C_LOCAL: u8 = 2, C_DOMAIN: u8 = 4, C_KEY: u8 = 8, C_B64URL: u8 = 16, C_SPACE: u8 = 32, C_QUERY: u8 = 64;

function buildClasses(): StaticArray<u8> {
  const t = new StaticArray<u8>(256);
  for (let c = 0; c < 256; c++) {
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    let v: u8 = 0;
    if (alnum) v |= C_ALNUM | C_LOCAL | C_DOMAIN | C_KEY | C_B64URL;
    // An address's local part: RFC 5322 atext (less / { } * `, rare in addresses and common
    // around them) and dots; UTF-8 bytes for internationalised addresses (RFC 6531).
    if (c == 0x2e || c == 0x5f || c == 0x25 || c == 0x2b || c == 0x2d || c == 0x27 || c == 0x3d || c == 0x26 || c == 0x23 ||
        c == 0x3f || c == 0x5e || c == 0x7c || c == 0x21 || c == 0x7e || c == 0x24 || c >= 0x80) v |= C_LOCAL;
    if (c == 0x2e || c == 0x2d || c >= 0x80) v |= C_DOMAIN;
    if (c == 0x5f || c == 0x2d || c == 0x2e) v |= C_KEY;
    if (c == 0x2d || c == 0x5f) v |= C_B64URL;
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) v |= C_SPACE;
    if (c == 0x3d || c == 0x3f || c == 0x26 || c == 0x23 || c == 0x7c) v |= C_QUERY;
    t[c] = v;
  }
  return t;
}
const CLASSES = buildClasses();
@inline function cls(c: u32, bit: u8): bool { return (load<u8>(changetype<usize>(CLASSES) + <usize>(c & 0xff)) & bit) != 0; }

@inline export function isAlnum(c: u32): bool { return cls(c, C_ALNUM); }
/** Characters of an e-mail local part. */
@inline export function isLocalPart(c: u32): bool { return cls(c, C_LOCAL); }
/** Characters of a domain name. */
@inline export function isDomain(c: u32): bool { return cls(c, C_DOMAIN); }
/** Characters of a key name in key=value text. */
@inline export function isKeyChar(c: u32): bool { return cls(c, C_KEY); }
@inline export function isBase64Url(c: u32): bool { return cls(c, C_B64URL); }
@inline export function isSpace(c: u32): bool { return cls(c, C_SPACE); }
/** `=` `?` `&` `#` `|`: what ends a name in front of a value in URLs and settings. */
@inline export function isQuerySeparator(c: u32): bool { return cls(c, C_QUERY); }

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

/**
 * Where the bytes a detector sees start within the scanned field: inside a JSON document
 * the detectors run over one string at a time, and recorded spans must count from the
 * field's start.
 */
let spanBase: i32 = 0;
export function setSpanBase(at: i32): void { spanBase = at; }
@inline function record(start: i32, end: i32, alnumOnly: i32): void { spans.push(spanBase + start); spans.push(spanBase + end); spans.push(alnumOnly); }

/**
 * Set while the detectors look at a JSON number: masked digits become '0' (a number stays a
 * number), and nothing is recorded for `hash`, whose token would not be a number.
 */
let inNumber = false;
export function setInNumber(on: bool): void { inNumber = on; }

/** Overwrites bytes [start, end) with '*', sparing the last `keepTail`: lengths never change, so the batch keeps its layout. */
export function mask(ptr: usize, start: i32, end: i32): void {
  if (recordOnly) { record(start, end, 0); return; }
  const stop = end - keepTail;
  if (stop > start) memory.fill(ptr + <usize>start, 0x2a, <usize>(stop - start));
}

/** Masks the digits of [start, end), sparing the last `keepTail` digits (cards, SSNs keep their separators). */
export function maskDigits(ptr: usize, start: i32, end: i32): void { maskClass(ptr, start, end, false); }

/** Masks the letters and digits of [start, end), sparing the last `keepTail` of them (IBANs keep their spaces). */
export function maskAlnum(ptr: usize, start: i32, end: i32): void { maskClass(ptr, start, end, true); }

/** Masks digits (or letters and digits) of [start, end) from the end, sparing the last `keepTail`. */
function maskClass(ptr: usize, start: i32, end: i32, letters: bool): void {
  if (recordOnly && !inNumber) { record(start, end, 1); return; }
  const by: u8 = inNumber ? 0x30 : 0x2a;
  let spare = keepTail;
  for (let k = end - 1; k >= start; k--) {
    const c = load<u8>(ptr + <usize>k);
    if (!(letters ? isAlnum(c) : isDigit(c))) continue;
    if (spare > 0) { spare--; continue; }
    store<u8>(ptr + <usize>k, by);
  }
}

/** Masks [start, end) except spaces and line breaks (a PEM body keeps its shape); recorded instead under `hash`. */
export function maskLines(ptr: usize, start: i32, end: i32): void {
  if (recordOnly) { record(start, end, 0); return; }
  for (let k = start; k < end; k++) { const c = load<u8>(ptr + <usize>k); if (!isSpace(c)) store<u8>(ptr + <usize>k, 0x2a); }
}
