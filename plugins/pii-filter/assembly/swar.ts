// Eight bytes at a time in a 64-bit integer ("SIMD within a register"): the text scanner's
// search for trigger bytes tests a word per step instead of a byte. The test is exact per
// byte: no carry or borrow crosses from one byte into the next, so the lowest set bit names
// the first byte that passed.

const LOW7: u64 = 0x7f7f7f7f7f7f7f7f;
const HIGH: u64 = 0x8080808080808080;

/**
 * 0x80 in each byte of x that lies in 0x25..0x5f, 0 elsewhere. Every trigger byte of the
 * scanner (`%`, `(`, `+`, `-`, digits, `:`, `=`, `@`, `A`, `J`, `_`) is in that range, while
 * lower-case letters, spaces and UTF-8 are not: most prose skips eight bytes in a few operations.
 */
@inline export function maybeTriggers(x: u64): u64 {
  const lo = x & LOW7;
  // Per byte b < 0x80: 0xdf - b has its high bit set when b <= 0x5f, b + 0x5b when b >= 0x25.
  return (0xdfdfdfdfdfdfdfdf - lo) & (lo + 0x5b5b5b5b5b5b5b5b) & ~x & HIGH;
}

/** The byte index (0-7) of the lowest byte marked in a non-zero mask. */
@inline export function firstByte(m: u64): i32 { return <i32>(ctz(m) >> 3); }
