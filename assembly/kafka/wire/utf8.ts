// Kafka strings as UTF-16, losslessly. The protocol says strings are UTF-8, but nothing on
// the wire enforces it, and a proxy must forward what it decoded unchanged. So each byte that
// is not part of a well-formed UTF-8 sequence decodes to the lone low surrogate U+DC00 + byte
// (U+DC80..U+DCFF, the "surrogateescape" scheme), and encoding turns such a unit back into
// that byte. Well-formed UTF-8 never decodes to a lone surrogate, so valid strings are
// untouched and every byte sequence survives decode → encode exactly.

/** The first unit of an escaped byte 0x80; 0xFF escapes to ESCAPE_BASE + 0xFF. */
const ESCAPE_BASE: u32 = 0xdc00;

/** Length of the well-formed UTF-8 sequence at `p` (end `end`), or 0 when it is not one. */
// @ts-ignore: decorator
@inline function sequenceLength(p: usize, end: usize): i32 {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return 1;
  const left = end - p;
  if (b0 >= 0xc2 && b0 <= 0xdf) return left >= 2 && isTail(load<u8>(p, 1)) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (left < 3) return 0;
    const b1 = <u32>load<u8>(p, 1);
    // E0 needs A0..BF (no overlong forms); ED needs 80..9F (no surrogates).
    const lo: u32 = b0 == 0xe0 ? 0xa0 : 0x80, hi: u32 = b0 == 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && isTail(load<u8>(p, 2)) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (left < 4) return 0;
    const b1 = <u32>load<u8>(p, 1);
    // F0 needs 90..BF (no overlong forms); F4 needs 80..8F (nothing above U+10FFFF).
    const lo: u32 = b0 == 0xf0 ? 0x90 : 0x80, hi: u32 = b0 == 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && isTail(load<u8>(p, 2)) && isTail(load<u8>(p, 3)) ? 4 : 0;
  }
  return 0;
}

// @ts-ignore: decorator
@inline function isTail(b: u8): bool { return (b & 0xc0) == 0x80; }

/** Decodes `n` bytes at `src`; bytes outside well-formed sequences become U+DC80..U+DCFF. */
export function decodeUtf8(src: usize, n: i32): string {
  // At most one UTF-16 unit per byte: a 4-byte sequence makes two.
  return finishUtf8(__new(<usize>n << 1, idof<string>()), 0, src, n);
}

/**
 * Decodes the `n` bytes at `src` into `out`, a new string of `n` units whose first `done`
 * units already hold the first `done` bytes (ASCII, which the reader copies on its fast path),
 * and trims it to the units written.
 */
export function finishUtf8(out: usize, done: i32, src: usize, n: i32): string {
  const end = src + <usize>n;
  let p = src + <usize>done, o = out + (<usize>done << 1);
  while (p < end) {
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      store<u16>(o, b0);
      o += 2;
      p++;
      continue;
    }
    const len = sequenceLength(p, end);
    if (len == 2) {
      store<u16>(o, ((b0 & 0x1f) << 6) | (<u32>load<u8>(p, 1) & 0x3f));
    } else if (len == 3) {
      store<u16>(o, ((b0 & 0x0f) << 12) | ((<u32>load<u8>(p, 1) & 0x3f) << 6) | (<u32>load<u8>(p, 2) & 0x3f));
    } else if (len == 4) {
      const cp = ((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3f) << 12) | ((<u32>load<u8>(p, 2) & 0x3f) << 6) | (<u32>load<u8>(p, 3) & 0x3f);
      const u = cp - 0x10000;
      store<u16>(o, 0xd800 | (u >> 10));
      o += 2;
      store<u16>(o, 0xdc00 | (u & 0x3ff));
    } else {
      store<u16>(o, ESCAPE_BASE + b0);
    }
    o += 2;
    p += len == 0 ? 1 : <usize>len;
  }
  return changetype<string>(__renew(out, o - out));
}

/** Bytes `s` encodes to. */
export function utf8Length(s: string): i32 {
  let p = changetype<usize>(s);
  const end = p + (<usize>s.length << 1);
  let n = 0;
  while (p < end) {
    const c = <u32>load<u16>(p);
    p += 2;
    if (c < 0x80) { n++; continue; }
    if (c < 0x800) { n += 2; continue; }
    if (isPairAt(c, p, end)) { n += 4; p += 2; continue; }
    // An escaped byte; other lone surrogates are written as three bytes (WTF-8), as before.
    n += c - 0xdc80 < 0x80 ? 1 : 3;
  }
  return n;
}

/** Whether the unit `c`, just read, is a high surrogate and the unit at `p` (before `end`) its low half. */
// @ts-ignore: decorator
@inline function isPairAt(c: u32, p: usize, end: usize): bool {
  return c - 0xd800 < 0x400 && p < end && <u32>load<u16>(p) - 0xdc00 < 0x400;
}

/** Writes `s` at `dst` (utf8Length(s) bytes). */
export function encodeUtf8(s: string, dst: usize): void {
  let p = changetype<usize>(s);
  const end = p + (<usize>s.length << 1);
  let o = dst;
  while (p < end) {
    const c = <u32>load<u16>(p);
    p += 2;
    if (c < 0x80) {
      store<u8>(o++, c);
    } else if (c < 0x800) {
      store<u8>(o, 0xc0 | (c >> 6));
      store<u8>(o, 0x80 | (c & 0x3f), 1);
      o += 2;
    } else if (isPairAt(c, p, end)) {
      const cp = 0x10000 + ((c & 0x3ff) << 10) + (<u32>load<u16>(p) & 0x3ff);
      p += 2;
      store<u8>(o, 0xf0 | (cp >> 18));
      store<u8>(o, 0x80 | ((cp >> 12) & 0x3f), 1);
      store<u8>(o, 0x80 | ((cp >> 6) & 0x3f), 2);
      store<u8>(o, 0x80 | (cp & 0x3f), 3);
      o += 4;
    } else if (c - 0xdc80 < 0x80) {
      store<u8>(o++, c - ESCAPE_BASE);
    } else {
      store<u8>(o, 0xe0 | (c >> 12));
      store<u8>(o, 0x80 | ((c >> 6) & 0x3f), 1);
      store<u8>(o, 0x80 | (c & 0x3f), 2);
      o += 3;
    }
  }
}

/** True when `s` has a lone surrogate, so it is not valid Unicode text (an escaped byte, usually). */
export function hasLoneSurrogate(s: string): bool {
  const p = changetype<usize>(s), len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u16>(p + (<usize>i << 1));
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < len) {
      const c2 = <u32>load<u16>(p + (<usize>(i + 1) << 1));
      if (c2 >= 0xdc00 && c2 <= 0xdfff) { i++; continue; }
    }
    return true;
  }
  return false;
}

/** The bytes `s` encodes to, as a new buffer. */
export function utf8Bytes(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  encodeUtf8(s, out.dataStart);
  return out;
}
