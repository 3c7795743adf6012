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

/** Overwrites bytes [start, end) with '*': lengths never change, so the batch keeps its layout. */
export function mask(ptr: usize, start: i32, end: i32): void {
  memory.fill(ptr + <usize>start, 0x2a, <usize>(end - start));
}
